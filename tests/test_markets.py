"""Markets that clear in the model (issue 24 item 2): sales bounded by demand, entry on expected profit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run_model, small_params

from regsim.model import markets
from regsim.model.firms import SECTOR_SERVICES
from regsim.model.processes import labour
from regsim.model.simulation import RegionalModel


@pytest.fixture(scope="module")
def stepped():
    """A model after three years, and the spending its last market clearing planned on."""
    params = small_params(policy__strategy="concentrated")
    model = RegionalModel(params, seed=3)
    planned = {}
    expected_demand = labour.expected_demand

    def recording(state, params):
        planned["spending"] = expected_demand(state, params)[0]
        return expected_demand(state, params)

    labour.expected_demand = recording
    try:
        for _ in range(3):
            model.step()
    finally:
        labour.expected_demand = expected_demand
    yield model, params, planned["spending"]
    model.release()


def test_service_sales_follow_where_buyers_spend(stepped):
    """Each place's service sales are its buyers' spending at the prices that cleared, up to one level."""
    model, params, spending = stepped
    state = model.state
    firms, cols = state.firms, state.cols
    services = firms.alive & (firms.sector == SECTOR_SERVICES)
    sold = np.bincount(firms.settlement[services], weights=firms.output_som[services], minlength=state.n_settlements)
    count = np.bincount(firms.settlement[services], minlength=state.n_settlements)
    enterprises = count * float(params.scale.firm_weight)
    weights = markets.spending_weights(state.base.services_attraction, enterprises, cols.services_price,
                                       params.economy.services_substitution_elasticity)
    weights = np.where(sold > 0, weights, 0.0)
    demand = markets.sales(weights, state.access_kernel, spending)
    big = sold > 1e-3 * sold.sum()
    np.testing.assert_allclose((sold / sold.sum())[big], (demand / demand.sum())[big], rtol=0.02)


def test_prices_vary_between_places_and_firm_output_keeps_its_price_level(stepped):
    model, _, _ = stepped
    state = model.state
    firms, cols = state.firms, state.cols
    services = firms.alive & (firms.sector == SECTOR_SERVICES)
    value = firms.output_som[firms.alive].sum()
    price = np.where(services, cols.services_price[firms.settlement], cols.industry_price[firms.settlement])
    volume = (firms.output_som[firms.alive] / price[firms.alive]).sum()
    assert value / volume == pytest.approx(1.0, abs=0.01)
    selling = np.bincount(firms.settlement[services], minlength=state.n_settlements) > 0
    assert np.ptp(cols.services_price[selling]) > 0.05


def test_the_number_of_firms_is_an_outcome_that_differs_between_strategies():
    firms = {strategy: run_model(small_params(policy__strategy=strategy, time__end_year=2026), seed=2)
             .value("n_firms", 2026) for strategy in ("none", "concentrated", "equalisation_uniform")}
    assert len(set(firms.values())) == 3, firms


def test_a_cached_attraction_fit_is_the_fit_and_the_caller_owns_its_copy():
    """fit_attraction keeps fits per process (issue 23): the same numbers as fitting anew, never shared."""
    rng = np.random.default_rng(5)
    kernel = np.exp(-rng.random((6, 6)) * 3)
    sales_2017 = rng.random(6) * 100
    enterprises = np.array([3.0, 0.0, 5.0, 1.0, 2.0, 4.0])
    spending = rng.random(6)
    spending *= sales_2017[enterprises > 0].sum() / spending.sum()
    first = markets.fit_attraction(sales_2017, enterprises, kernel, spending)
    assert np.array_equal(first, markets._fit_attraction(sales_2017, enterprises, kernel, spending))
    first[:] = -1.0  # the caller's copy: the cache must not see this
    again = markets.fit_attraction(sales_2017, enterprises, kernel, spending)
    assert np.array_equal(again, markets._fit_attraction(sales_2017, enterprises, kernel, spending))
    other = markets.fit_attraction(sales_2017 * 2, enterprises, kernel, spending * 2)  # other inputs: fitted anew
    assert np.array_equal(other, markets._fit_attraction(sales_2017 * 2, enterprises, kernel, spending * 2))
