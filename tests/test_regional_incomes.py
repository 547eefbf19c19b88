"""Issue 13 item 1: regional income differences from mechanisms, and one national survey ratio.

Each mechanism must move income (or measured poverty) in the direction it states: regional
price levels in the poverty measure, migrants abroad placed by oblast, the survey ratio on
remittances; migration responds to accounts-based earnings, not to the fitted ratio.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import small_params

from regsim.model import metrics
from regsim.model.initialise import build_state
from regsim.model.processes import migration
from regsim.model.processes.incomes import consumption_per_person, poverty_deflator, price_level

SOUTH = ("Batken", "Jalal-Abad", "Osh")


def _state(world, **overrides):
    params = small_params(**overrides)
    return build_state(world, params), params


def _by_oblast(state, per_settlement):
    return np.bincount(np.asarray(state.world.oblast_index), weights=per_settlement,
                       minlength=len(state.world.oblasts))


def _national_poverty(state, params) -> float:
    return float(metrics._poor(state, params).sum() / metrics.present(state).sum())


def test_one_ratio_with_every_mechanism_on(world):
    """'country' with prices, migrants by oblast and remittances in the ratio: one number, national 25.6%."""
    state, params = _state(world, incomes__survey_ratio_scope="country", incomes__poverty_price_deflation=1.0,
                           migration__abroad_oblast_share=1.0, incomes__remittances_in_survey_ratio=True)
    ratio = state.base.survey_ratio
    assert np.all(ratio == ratio[0]) and 0 < ratio[0] < 1
    assert _national_poverty(state, params) == pytest.approx(0.256, abs=0.005)


def test_price_level_is_one_on_average_and_highest_in_the_capital(world):
    state, params = _state(world)
    price = price_level(state, params.economy.congestion_elasticity)
    pop = state.base.population
    assert np.average(price, weights=pop) == pytest.approx(1.0, rel=1e-9)
    capital = (state.world.settlements.kind == "capital").to_numpy()
    assert price[capital].min() > 1.1 > np.median(price[~capital])


def test_price_deflation_lowers_measured_consumption_where_prices_are_high(world):
    """Same incomes: in national prices the capital consumes less, villages more."""
    state, params = _state(world, incomes__poverty_price_deflation=1.0)
    smoothing = params.incomes.consumption_smoothing
    nominal = consumption_per_person(state, smoothing)
    real = consumption_per_person(state, smoothing, price=poverty_deflator(state, params))
    kind = state.world.settlements.kind.to_numpy()[state.households.settlement]
    alive = state.households.alive & (nominal > 0)
    assert np.all(real[alive & (kind == "capital")] < nominal[alive & (kind == "capital")])
    village = alive & (kind == "village")
    assert np.median(real[village] / nominal[village]) > 1.0
    assert poverty_deflator(state, dataclasses.replace(
        params, incomes=dataclasses.replace(params.incomes, poverty_price_deflation=0.0))) is None


def test_price_deflation_raises_poverty_in_the_capital_under_one_ratio(world):
    off, p_off = _state(world, incomes__survey_ratio_scope="country", incomes__poverty_price_deflation=0.0)
    on, p_on = _state(world, incomes__survey_ratio_scope="country", incomes__poverty_price_deflation=1.0)
    names = list(world.oblasts.oblast)

    def rate(state, params):
        return _by_oblast(state, metrics._poor(state, params)) / _by_oblast(state, metrics.present(state))

    assert rate(on, p_on)[names.index("Bishkek")] >= rate(off, p_off)[names.index("Bishkek")]
    assert rate(on, p_on)[names.index("Osh city")] > rate(off, p_off)[names.index("Osh city")]


def test_migrants_by_oblast_go_to_the_south_and_raise_its_remittances(world):
    even, _ = _state(world, migration__abroad_oblast_share=0.0)
    south, params = _state(world, migration__abroad_oblast_share=1.0)
    names = list(world.oblasts.oblast)
    rows = [names.index(o) for o in SOUTH]

    def abroad(state):
        return _by_oblast(state, state.households.per_settlement(state.households.abroad, state.n_settlements))

    def remittances_pp(state):
        hh = state.households
        return (_by_oblast(state, hh.per_settlement(hh.remittance_som, state.n_settlements))
                / _by_oblast(state, hh.per_settlement(hh.size, state.n_settlements)))

    assert abroad(south)[rows].sum() / abroad(south).sum() > 0.8 > abroad(even)[rows].sum() / abroad(even).sum()
    assert np.all(remittances_pp(south)[rows] > remittances_pp(even)[rows])
    assert abroad(south).sum() == pytest.approx(params.migration.initial_migrants_abroad, rel=0.02)
    # the departure rate is set per oblast: it holds each oblast's stock (higher where more are abroad)
    rate = south.base.abroad_base_rate
    oblast = np.asarray(world.oblast_index)
    assert rate[oblast == names.index("Batken")][0] > 5 * rate[oblast == names.index("Talas")][0]


def test_survey_ratio_on_remittances_scales_what_households_report(world):
    full, _ = _state(world, incomes__survey_ratio_scope="country")
    scaled, params = _state(world, incomes__survey_ratio_scope="country", incomes__remittances_in_survey_ratio=True)
    assert scaled.households.remittance_som.sum() < full.households.remittance_som.sum()
    ratio = scaled.base.survey_ratio[0]
    hh = scaled.households
    expected = (hh.abroad * params.migration.remittance_som_per_migrant
                * params.incomes.remittance_share_to_household * ratio)
    np.testing.assert_allclose(hh.remittance_som, expected, rtol=1e-5)
    assert _national_poverty(scaled, params) == pytest.approx(0.256, abs=0.005)


def test_migration_ignores_the_fitted_survey_ratio(world):
    """Migrants compare accounts-based real earnings: the oblast ratios do not steer them."""
    state, params = _state(world)
    before = migration.attraction(state, params)
    state.base = dataclasses.replace(state.base, survey_ratio=state.base.survey_ratio[::-1].copy())
    np.testing.assert_array_equal(migration.attraction(state, params), before)
