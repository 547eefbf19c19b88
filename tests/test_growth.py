"""Aggregate growth: steady and plausible without a regional budget, no loop from output to output."""

import numpy as np
import pytest
from helpers import run_model, small_params
from hypothesis import given
from hypothesis import strategies as st

from regsim.model import markets

WINDOWS = ((2025, 2032), (2032, 2040))
KERNEL = np.array([[1.0, 0.3, 0.05], [0.3, 1.0, 0.2], [0.05, 0.2, 1.0]])
SUPPLY = np.array([1e6, 5e7, 2e9])  # service sales per place at price 1, som
ENTERPRISES = np.array([2.0, 40.0, 900.0])
BASE_SPENDING = np.array([3e6, 4e7, 1.5e9])  # where buyers spent in the base year, som
ATTRACTION = markets.fit_attraction(SUPPLY, ENTERPRISES, KERNEL, SUPPLY.sum() * BASE_SPENDING / BASE_SPENDING.sum())


def _growth(result, start: int, end: int) -> float:
    """Mean yearly growth of GDP per person from ``start`` to ``end``, %."""
    ratio = result.value("gdp_per_capita_som", end) / result.value("gdp_per_capita_som", start)
    return 100 * (ratio ** (1 / (end - start)) - 1)


def _clear(spending: np.ndarray, exports: float = 0.0) -> tuple[np.ndarray, float]:
    """Service prices and the industrial price that clear the three-place markets (numeraire: price level)."""
    prices, industry, _ = markets.clear_with_numeraire(SUPPLY, np.ones(3), 1e9, 1.0, 2.2, ATTRACTION, ENTERPRISES,
                                                       KERNEL, spending, 1e9 * spending.sum() / SUPPLY.sum(),
                                                       exports, 4.0, 4.0)
    return prices, industry


@given(st.floats(0.2, 5.0))
def test_service_prices_do_not_rise_with_national_spending(factor):
    # every place's spending grows by the same factor: spending decides relative prices, not the
    # price level, so no firm's sales rise with national income (no loop from output to output)
    spending = BASE_SPENDING
    prices, industry = _clear(spending, exports=0.0)
    scaled, industry_scaled = _clear(spending * factor, exports=0.0)
    np.testing.assert_allclose(scaled, prices, rtol=1e-3)
    assert industry_scaled == pytest.approx(industry, rel=1e-3)


@given(st.lists(st.floats(0.5, 3.0), min_size=3, max_size=3))
def test_spending_moves_prices_between_places_but_keeps_the_price_level(growth):
    base = BASE_SPENDING
    _, industry = _clear(base, exports=0.0)
    moved, industry_moved = _clear(base * np.array(growth), exports=0.0)
    supply = SUPPLY * moved**2.2
    industry_sales = 1e9 * (industry_moved / industry) ** 2.2
    value = supply.sum() + industry_sales
    volume = (supply / moved).sum() + industry_sales / (industry_moved / industry)
    assert value / volume == pytest.approx(1.0, abs=1e-3)


def test_service_prices_rise_where_spending_grew_faster():
    base = BASE_SPENDING
    prices, _ = _clear(base)
    moved, _ = _clear(base * np.array([1.5, 1.0, 1.0]))
    np.testing.assert_allclose(prices, 1.0, rtol=1e-3)  # the base year clears at 2017 prices
    assert moved[0] > 1.01 and moved[0] > moved[1] > moved[2]


def test_gdp_per_person_grows_steadily_without_a_regional_budget():
    # issue 13 follow-up: the service demand index rose with national income and made growth of GDP
    # per person accelerate from 3.5% (2019) to 6.3% (2039); Kyrgyz GDP per person grew 2-3% a year
    # in 2010-2019 and IMF/World Bank projections are about 3%
    runs = [run_model(small_params(policy__strategy="none", time__end_year=2040), seed=seed) for seed in (1, 2, 3)]
    middle, late = (np.mean([_growth(r, *window) for r in runs]) for window in WINDOWS)
    assert 2.0 <= middle <= 4.5 and 2.0 <= late <= 4.5, (middle, late)
    assert late <= middle + 0.5, f"growth accelerates: {middle:.2f}% in 2025-2032, {late:.2f}% in 2032-2040"
