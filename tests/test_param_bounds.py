"""Every parameter at each end of its allowed range: the model runs and its invariants hold.

The allowed range (``bounds`` in ``regsim.params``) is a promise: any value inside it gives a
run, not a crash. Each case sets one parameter to one bound (other parameters at their defaults,
except that the three channel shares are rescaled to add up to 1 and a firm
elasticity's partner is lowered to keep their sum allowed), runs three years at a coarse
scale and checks populations, stocks and recorded metrics. A sample runs in the default suite;
the full sweep is ``@pytest.mark.slow``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from regsim.model.simulation import RegionalModel
from regsim.params import MAX_RETURNS_TO_SCALE, SECTION_CLASSES, Params, replace

BOUNDS_WEIGHT = 1000  # household rows stand for 1000 households: about 1,500 rows, fast
BOUNDS_END = 2020  # 2018-2020: three simulated years
SHARES = ("policy.infrastructure_share", "policy.grants_share", "policy.services_share")
# Keys whose bound cases are slow in themselves (a full 1:1 country, an 83-year run): full sweep only.
SLOW_CASES = {("scale.household_weight", 1), ("scale.firm_weight", 1), ("time.end_year", 2100),
              ("migration.abroad_spin_up_years", 500)}
# The smallest enterprise (1e4 som a year) makes 250 times as many enterprises as the default: at the default
# firm weight (10) that is 3.9 million firm rows and a minute of CPU. 1000 enterprises per agent keep 2.5 times
# the default number of firm rows (39,000, each an agent of 1e7 som a year against the default's 2.5e7): under
# a second.
SMALL_FIRMS_WEIGHT = 1000
# Cheap and structural (integers that size arrays or loops): always in the default suite.
FAST_KEYS = {
    "demography.max_household_size", "demography.household_formation_min_present",
    "demography.migrants_per_household_cap", "economy.time_to_build_years", "scale.household_weight",
    "scale.firm_weight", "time.end_year", "policy.sunset_year",
    # bounds that crashed the model before they were narrowed or the model fixed (issue 11)
    "economy.capital_elasticity", "economy.labour_elasticity", "economy.capital_cost_rate",
    "economy.agriculture_gdp_share", "economy.mining_output_som", "labour.wage_job_share_urban",
    "labour.reservation_wage_floor_som", "migration.abroad_income_elasticity",
}


def bound_cases() -> list[tuple[str, object]]:
    """(key, value) for the lower and upper bound of every bounded parameter, and every strategy."""
    cases: list[tuple[str, object]] = []
    for section, cls in SECTION_CLASSES.items():
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            if f.metadata.get("choices"):
                cases += [(key, choice) for choice in f.metadata["choices"]]
                continue
            if isinstance(f.default, bool):  # a switch: both positions
                cases += [(key, True), (key, False)]
                continue
            integer = isinstance(f.default, int) or key == "policy.sunset_year"
            for bound in dict.fromkeys(f.metadata["bounds"]):  # (2018, 2018) gives one case
                if bound is not None:
                    cases.append((key, int(bound) if integer else float(bound)))
    return cases


# Ordinary government spending at an upper bound needs taxes to pay for it (the joint check of
# initialise): such cases run at the largest allowed tax share, as the channel shares are rescaled.
SPENDING_KEYS = {"government.public_investment_share_gdp", "government.services_spending_share_gdp",
                 "government.upkeep_rate_per_year", "economy.public_capital_to_output",
                 "incomes.transfer_som_per_person"}


def params_at(key: str, value: object, weights_csv: str) -> Params:
    """Coarse, short defaults with ``key`` set to ``value`` (and what that value needs)."""
    params = replace(replace(Params(), "scale.household_weight", BOUNDS_WEIGHT), "time.end_year", BOUNDS_END)
    if key in SPENDING_KEYS:
        params = replace(params, "government.tax_revenue_share_gdp", 0.6)
    if key in SHARES:
        others = [k for k in SHARES if k != key]
        rest = sum(float(getattr(params.policy, k.split(".")[1])) for k in others)
        policy = {k.split(".")[1]: float(getattr(params.policy, k.split(".")[1])) * (1 - value) / rest
                  for k in others}
        policy[key.split(".")[1]] = value
        return dataclasses.replace(params, policy=dataclasses.replace(params.policy, **policy))
    partner = {"economy.capital_elasticity": "economy.labour_elasticity",
               "economy.labour_elasticity": "economy.capital_elasticity"}.get(key)
    if partner:  # their sum is at most MAX_RETURNS_TO_SCALE: lower the partner if needed
        other = float(getattr(params.economy, partner.split(".")[1]))
        params = replace(params, partner, min(other, round(MAX_RETURNS_TO_SCALE - value, 12)))
    if key == "policy.strategy" and value == "custom":
        params = replace(params, "policy.custom_weights_csv", weights_csv)
    if key == "policy.custom_weights_csv":
        params = replace(params, "policy.strategy", "custom")
    if key == "time.end_year" and value == 2100:
        params = replace(params, "scale.household_weight", 10_000)
    if key == "economy.mean_firm_output_som" and value == 1e4:
        params = replace(params, "scale.firm_weight", SMALL_FIRMS_WEIGHT)
    return replace(params, key, value)


def check_run(params: Params) -> None:
    """Run ``params`` year by year, asserting the invariants that must hold at any allowed value."""
    model = RegionalModel(params, seed=1)
    try:
        while model.state.year < params.time.end_year:
            model.step()  # the model checks the budget identity itself
            state = model.state
            population = state.population()
            assert np.isfinite(population).all() and (population >= 0).all()
            assert population.sum() > 0
            hh = state.households
            alive = hh.alive
            assert (hh.size[alive] >= 1).all()
            assert (hh.abroad[alive] >= 0).all() and (hh.abroad[alive] < hh.size[alive]).all()
            assert (hh.labour[alive] >= 0).all()
            assert (hh.employed[alive] + hh.farming[alive] <= hh.labour[alive]).all()
            cols = state.cols
            for name in ("public_capital_som", "services_som", "output_som", "population"):
                column = getattr(cols, name)
                assert np.isfinite(column).all() and (column >= 0).all(), name
            firms = state.firms
            assert (firms.capital_som[firms.alive] >= 0).all()
            assert (firms.employees[firms.alive] >= 0).all()
        result = model.result(0.0)
    finally:
        model.release()
    national: pd.DataFrame = result.national
    bad = national[~np.isfinite(national.value.to_numpy(dtype=float))]
    assert bad.empty, f"non-finite national metrics: {sorted(set(bad.metric))}"
    assert (national[national.metric == "population"].value > 0).all()


def _case(key: str, value: object):
    marks = []
    if (key, value) in SLOW_CASES or key not in FAST_KEYS:
        marks.append(pytest.mark.slow)
    return pytest.param(key, value, id=f"{key}={value}", marks=marks)


@pytest.fixture(scope="module")
def weights_csv(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("weights") / "weights.csv"
    path.write_text("settlement_id,weight\n0,1\n5,2\n")
    return str(path)


@pytest.mark.parametrize(("key", "value"), [_case(k, v) for k, v in bound_cases()])
def test_model_runs_at_every_bound(key, value, weights_csv):
    check_run(params_at(key, value, weights_csv))


def test_every_bounded_parameter_is_swept():
    swept = {k for k, _ in bound_cases()}
    declared = {f"{s}.{f.name}" for s, cls in SECTION_CLASSES.items() for f in dataclasses.fields(cls)}
    # a path (covered by strategy=custom) and a rayon name (checked against the world in test_model_params)
    assert declared - swept == {"policy.custom_weights_csv", "economy.mining_rayon"}
