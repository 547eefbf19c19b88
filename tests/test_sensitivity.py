"""The sensitivity screen covers the beliefs issue 13 added, and every world it samples can be built."""

import pytest
from helpers import small_params

from regsim.model.simulation import RegionalModel
from regsim.params import plausible_ranges, replace
from regsim.studies.sensitivity import UNCERTAIN

ISSUE_13 = (
    # the return on public money
    "economy.public_capital_elasticity",
    "economy.productivity_per_output_elasticity",
    "economy.services_elasticity",
    # the spread paid for: what industry and services buy from the hinterland, the farm marketing margin
    "economy.farm_input_share_industry",
    "economy.farm_input_share_services",
    "economy.farm_marketing_margin",
    # a government that pays
    "government.public_investment_share_gdp",
    "government.services_spending_share_gdp",
    "government.upkeep_rate_per_year",
    # who owns the mine's surplus
    "government.mining_surplus_abroad_share",
    # absorption by kind of settlement, and the only money that is lost
    "policy.absorption_share_city",
    "policy.absorption_share_town",
    "policy.absorption_share_village",
    "policy.admin_loss_share",
    "policy.execution_rate",
)


def test_the_screen_includes_the_issue_13_elasticities_and_shares():
    missing = [key for key in ISSUE_13 if key not in UNCERTAIN]
    assert not missing, f"not screened by regsim sensitivity: {missing}"
    assert len(set(UNCERTAIN)) == len(UNCERTAIN)
    defaults = small_params()
    for key, (low, high) in plausible_ranges(UNCERTAIN).items():
        section, name = key.split(".")
        assert low < high and low <= getattr(getattr(defaults, section), name) <= high, key


@pytest.mark.parametrize("end", [0, 1], ids=["low", "high"])
def test_every_corner_of_the_screened_box_initialises(end):
    """All screened parameters at the same end of their plausible ranges: the 2017 world builds.

    Before the government ranges were narrowed to their evidence, the upper ends of ordinary
    investment (0.08), service spending (0.04) and upkeep (0.03) cost more than the 2017 taxes and
    sensitivity and robustness runs failed at initialisation.
    """
    params = small_params()
    for key, bounds in plausible_ranges(UNCERTAIN).items():
        params = replace(params, key, bounds[end])
    model = RegionalModel(params, seed=1)
    model.release()
