"""Core and periphery (Krugman 1991) in a two-region world run on the model's market functions.

Two regions with the same immobile farm population; firms sell one differentiated good in both
regions with a trade kernel ``[[1, phi], [phi, 1]]`` (``phi``, the freeness of trade, rises as
transport costs fall); the price in each region clears its sales against where people spend
(``markets.clear_local``), firms' wages and profits are spent where they are earned (the demand
link), productivity rises with the region's size (increasing returns, as ``economy.
agglomeration_elasticity`` does with market access), and entry follows expected profit per
enterprise (``markets.entry_multiple``, ``markets.expected_entrants``) against exit at a hazard.
Starting from a near-symmetric split (52:48), activity should concentrate in one region when
transport costs fall below a threshold under strong increasing returns, and stay dispersed when
transport costs are high or returns weak (Fujita, Krugman & Venables 1999, ch. 5; Puga 1999).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from regsim.model import markets

LABOUR_ELASTICITY = 0.55  # the firm's output elasticity of labour (economy.labour_elasticity)
SUBSTITUTION = 4.0  # between the regions' varieties (economy.services_substitution_elasticity)
SPENDING_SHARE = 0.4  # of income spent on the firms' good (the rest on farm goods)
HAZARD = 0.05  # exit hazard and base entry rate per year


def simulate(freeness: float, returns: float, years: int = 300, start: float = 0.52) -> float:
    """Share of the firms' value added in region 0 after ``years`` years, fraction."""
    b = LABOUR_ELASTICITY
    kernel = np.array([[1.0, freeness], [freeness, 1.0]])
    farmers = np.ones(2)
    firms = np.array([start, 1.0 - start]) * 10.0

    def supply(price: np.ndarray, tfp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Value added and employment per region at a price, wage 1 (the farm alternative)."""
        employees = firms * (b * price * tfp) ** (1 / (1 - b))
        return firms * price * tfp * (employees / firms) ** b, employees

    price, tfp = np.ones(2), np.ones(2)
    value, employees = supply(price, tfp)
    spending = SPENDING_SHARE * (farmers + value)
    size0 = (farmers + employees).mean()
    base_profit = value / firms
    income0 = value.sum() + farmers.sum()
    for _ in range(years):
        tfp = ((farmers + employees) / size0) ** returns  # increasing returns to a region's size
        offered, _ = supply(price, tfp)
        price = markets.clear_local(offered, price, 1 / (1 - b), np.ones(2), firms, kernel, spending, SUBSTITUTION)
        value, employees = supply(price, tfp)
        spending = SPENDING_SHARE * (farmers + value)  # next year's demand: this year's incomes
        outside = (value.sum() + farmers.sum()) / income0
        multiple = markets.entry_multiple(value / firms, base_profit, outside, 1.0, 3.0)
        firms = firms * (1 - HAZARD) + markets.expected_entrants(firms, multiple, HAZARD, 1e-3)
    return float(value[0] / value.sum())


@pytest.mark.parametrize("freeness", [0.5, 0.9])
def test_low_transport_costs_and_strong_returns_concentrate(freeness: float) -> None:
    assert simulate(freeness, returns=0.6) > 0.85


@pytest.mark.parametrize("freeness", [0.02, 0.1])
def test_high_transport_costs_keep_activity_dispersed(freeness: float) -> None:
    assert simulate(freeness, returns=0.6) == pytest.approx(0.5, abs=0.03)


def test_weak_returns_keep_activity_dispersed_at_any_transport_cost() -> None:
    for freeness in (0.1, 0.5, 0.9):
        assert abs(simulate(freeness, returns=0.05) - 0.5) < 0.06


def test_concentration_has_a_threshold_in_transport_costs() -> None:
    shares = [simulate(freeness, returns=0.6) for freeness in (0.05, 0.1, 0.2, 0.3, 0.5)]
    assert shares[0] < 0.52 and shares[-1] > 0.85
    assert all(later >= earlier - 0.01 for earlier, later in itertools.pairwise(shares))


def test_clearing_prices_sell_what_buyers_spend() -> None:
    kernel = np.array([[1.0, 0.3, 0.1], [0.3, 1.0, 0.3], [0.1, 0.3, 1.0]])
    spending = np.array([5.0, 1.0, 2.0])
    supply, firms = np.array([2.0, 4.0, 2.0]), np.array([1.0, 2.0, 1.0])
    price = markets.clear_local(supply, np.ones(3), 2.2, np.ones(3), firms, kernel, spending, 4.0)
    sold = markets.sales(markets.spending_weights(np.ones(3), firms, price, 4.0), kernel, spending)
    assert sold.sum() == pytest.approx(spending.sum())
    assert sold == pytest.approx(supply * price**2.2, rel=1e-4)
    assert price[0] > 1 > price[1]  # dear where spending exceeds supply, cheap where it falls short


def test_entry_is_counted_in_enterprises() -> None:
    """Halving the enterprises per agent doubles agents; expected entrant enterprises do not move."""
    multiple = markets.entry_multiple(np.array([2.0, 1.0, 0.0]), np.array([1.0, 1.0, 1.0]), 1.0, 1.0, 3.0)
    assert multiple == pytest.approx([2.0, 1.0, 0.0])
    enterprises = np.array([40.0, 0.0, 10.0])
    entrants = markets.expected_entrants(enterprises, multiple, 0.05, 1.0)
    assert entrants == pytest.approx([4.0, 0.05, 0.0])
