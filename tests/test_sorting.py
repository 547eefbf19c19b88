"""Sorting (issue 22, returns): a mover gains only ``migration.mover_gain_share`` of the log gap.

The cross-sectional gap in earnings between places is mostly sorting of people (Hicks, Kleemans,
Li & Miguel 2021: the rural-urban gap falls by about 80% with individual fixed effects), so a
household that moves multiplies the labour it supplies (``households.efficiency``) by
``(E_origin / E_destination)^(1 - share)``; where it chooses to go is unchanged.
"""

import numpy as np
import pytest
from helpers import small_params

from regsim.model.processes import migration
from regsim.model.simulation import RegionalModel


def _one_decision(share: float):
    params = small_params(migration__mover_gain_share=share, migration__move_propensity_per_year=0.2,
                          time__end_year=2019)
    model = RegionalModel(params, seed=1)
    try:
        hh = model.state.households
        assert (hh.efficiency[hh.alive] == 1.0).all()  # the base year: everyone supplies one unit
        model.step()
        before, origin = hh.efficiency.copy(), hh.settlement.copy()
        earnings = np.maximum(migration.expected_earnings(model.state, params), 1.0)
        outcome = migration.compute(model.state, params, np.random.default_rng(0))
        return hh.alive.copy(), before, origin, earnings, outcome
    finally:
        model.release()


@pytest.mark.parametrize("share", [0.2, 0.5])
def test_a_mover_gains_the_share_of_the_log_gap_and_stayers_keep_theirs(share):
    alive, before, origin, earnings, outcome = _one_decision(share)
    moved = np.flatnonzero(alive & (outcome.settlement != origin))
    assert len(moved) > 20
    expected = before[moved] * (earnings[origin[moved]] / earnings[outcome.settlement[moved]]) ** (1 - share)
    np.testing.assert_allclose(outcome.efficiency[moved], expected, rtol=1e-5)
    stayed = alive & (outcome.settlement == origin)
    assert (outcome.efficiency[stayed] == before[stayed]).all()
    up = moved[earnings[outcome.settlement[moved]] > earnings[origin[moved]]]
    assert (outcome.efficiency[up] < before[up]).all()  # moving to higher earnings: less than the full premium


def test_share_one_gives_movers_the_destinations_full_premium():
    alive, before, origin, _, outcome = _one_decision(1.0)
    assert (alive & (outcome.settlement != origin)).sum() > 20  # households did move
    assert (outcome.efficiency[alive] == before[alive]).all()


def test_a_mover_is_paid_for_the_efficiency_units_it_supplies():
    # reviewer's finding: pay was split by employed x skill, so movers earned a native's wage and the
    # destination's natives paid the difference. Now the split key is employed x skill x efficiency.
    from regsim.model.processes import incomes

    params = small_params(migration__move_propensity_per_year=0.2, time__end_year=2020)
    model = RegionalModel(params, seed=1)
    try:
        model.step()
        model.step()
        state, hh = model.state, model.state.households
        _, primary = incomes.primary_income(state, params)
        rows = np.flatnonzero(hh.alive & (hh.employed > 0))
        movers = rows[hh.efficiency[rows] < 0.99]
        assert len(movers) > 10
        per_key = primary.wage_som[rows] / (hh.employed[rows] * hh.skill[rows] * hh.efficiency[rows])
        # within one settlement every employed member is paid the same per efficiency unit
        for s in np.unique(hh.settlement[movers])[:20]:
            here = hh.settlement[rows] == s
            np.testing.assert_allclose(per_key[here], per_key[here][0], rtol=1e-4)
        # and a mover of efficiency e < 1 earns e times a native of the same skill and settlement
        native_key = primary.wage_som[rows] / (hh.employed[rows] * hh.skill[rows])
        m = movers[0]
        same = rows[(hh.settlement[rows] == hh.settlement[m]) & (hh.efficiency[rows] == 1.0)]
        assert len(same)
        np.testing.assert_allclose(native_key[np.searchsorted(rows, m)] / native_key[np.searchsorted(rows, same[0])],
                                   hh.efficiency[m], rtol=1e-4)
    finally:
        model.release()
