"""Aggregate growth: steady and plausible without a regional budget, no loop from output to output."""

import numpy as np
import pytest
from helpers import run_model, small_params
from hypothesis import given
from hypothesis import strategies as st

from regsim.model.processes.productivity import demand_index

WINDOWS = ((2025, 2032), (2032, 2040))


def _growth(result, start: int, end: int) -> float:
    """Mean yearly growth of GDP per person from ``start`` to ``end``, %."""
    ratio = result.value("gdp_per_capita_som", end) / result.value("gdp_per_capita_som", start)
    return 100 * (ratio ** (1 / (end - start)) - 1)


@given(st.floats(0.2, 5.0), st.floats(0.0, 2.0))
def test_service_demand_does_not_rise_with_national_income(factor, elasticity):
    # every place's income per person grows by the same factor: national demand follows national
    # income, which the supply side produces, so no service firm's productivity moves
    base = np.array([50_000.0, 80_000.0, 120_000.0])
    services = np.array([1e6, 5e7, 2e9])
    index = demand_index(base * factor, base, services, elasticity)
    np.testing.assert_allclose(index, 1.0, rtol=1e-12)


@given(st.lists(st.floats(0.5, 3.0), min_size=3, max_size=3), st.floats(0.0, 2.0))
def test_service_demand_moves_between_places_but_adds_no_sales(growth, elasticity):
    # income moving to the cities, where most service output is, creates no service sales
    base = np.array([50_000.0, 80_000.0, 120_000.0])
    services = np.array([1e6, 5e7, 2e9])
    index = demand_index(base * np.array(growth), base, services, elasticity)
    assert np.average(index, weights=services) == pytest.approx(1.0, rel=1e-12)


def test_service_demand_moves_to_places_whose_income_grew_faster():
    base = np.array([50_000.0, 80_000.0])
    services = np.array([1e6, 1e6])
    index = demand_index(base * np.array([1.2, 1.0]), base, services, 0.5)
    assert index[0] > 1.0 > index[1]


def test_gdp_per_person_grows_steadily_without_a_regional_budget():
    # issue 13 follow-up: the service demand index rose with national income and made growth of GDP
    # per person accelerate from 3.5% (2019) to 6.3% (2039); Kyrgyz GDP per person grew 2-3% a year
    # in 2010-2019 and IMF/World Bank projections are about 3%
    runs = [run_model(small_params(policy__strategy="none", time__end_year=2040), seed=seed) for seed in (1, 2, 3)]
    middle, late = (np.mean([_growth(r, *window) for r in runs]) for window in WINDOWS)
    assert 2.0 <= middle <= 4.5 and 2.0 <= late <= 4.5, (middle, late)
    assert late <= middle + 0.5, f"growth accelerates: {middle:.2f}% in 2025-2032, {late:.2f}% in 2032-2040"
