"""policy.budget_indexation: a fixed real budget, or a share of last year's GDP that keeps its weight."""

import numpy as np
import pytest
from helpers import run_model, small_params

from regsim.errors import ScenarioError
from regsim.params import replace


def _national(result, metric):
    n = result.national
    return n[n.metric == metric].set_index("year").value


def test_real_budget_is_the_same_every_year():
    result = run_model(small_params(policy__budget_indexation="real"))
    available = _national(result, "budget_available_som").loc[2018:]
    assert np.allclose(available, small_params().policy.budget_som_per_year)


def test_gdp_share_budget_is_the_share_of_last_years_gdp():
    params = small_params(policy__budget_indexation="gdp_share", policy__budget_gdp_share=0.007)
    result = run_model(params)
    available = _national(result, "budget_available_som")
    gdp = _national(result, "gdp_som")
    for year in range(2018, params.time.end_year + 1):
        assert available.loc[year] == pytest.approx(0.007 * gdp.loc[year - 1], rel=1e-12)
    allocated = _national(result, "budget_allocated_som").loc[2018:]
    assert (allocated <= available.loc[2018:] * (1 + 1e-9)).all()


def test_budget_share_is_checked():
    with pytest.raises(ScenarioError, match="budget_gdp_share"):
        replace(small_params(), "policy.budget_gdp_share", 0.5)
    with pytest.raises(ScenarioError, match="budget_indexation"):
        replace(small_params(), "policy.budget_indexation", "nominal")
