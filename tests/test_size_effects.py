"""Size effects counted once, and the neutrality claims of docs/ODD.md 4.1 and 7.3 (issue 22).

The ODD says: the productivity terms of public money have the same exponent in every place (no
place-specific tilt between large and small places); size raises productivity only through market
access (agglomeration) and costs residents only through living cost (congestion enters in one
place); every strategy gets the same money and the same channel shares. Each claim is a test here.
"""

import dataclasses

import numpy as np
import pytest
from helpers import small_params, with_strategy

from regsim.model.processes import productivity
from regsim.model.simulation import RegionalModel
from regsim.params import replace
from regsim.rng import stream


@pytest.fixture(scope="module")
def model():
    m = RegionalModel(small_params(), seed=1)
    yield m
    m.release()


def _compute(model, params, **cols):
    """Productivity outcome on a copy of the base-year columns with some columns replaced."""
    state = model.state
    saved = {k: getattr(state.cols, k) for k in cols}
    try:
        for k, v in cols.items():
            setattr(state.cols, k, v)
        return productivity.compute(state, params, stream(1, productivity.STREAM, state.year))
    finally:
        for k, v in saved.items():
            setattr(state.cols, k, v)


@pytest.mark.parametrize("column", ["public_capital_som", "services_som"])
def test_public_money_raises_productivity_by_the_same_share_in_every_place(model, column):
    # a 10% rise of public capital (or services) per person everywhere raises every place's
    # productivity by the same factor: large and small places are treated alike
    params = model.params
    base = _compute(model, params)
    raised = _compute(model, params, **{column: getattr(model.state.cols, column) * 1.1})
    ratio = raised.tfp / base.tfp
    assert np.ptp(ratio) < 1e-12 and ratio[0] > 1
    assert np.ptp(raised.farm_tfp_factor / base.farm_tfp_factor) < 1e-12


@pytest.mark.parametrize("eps", [0.0, 0.04, 0.10])
def test_size_raises_productivity_only_through_market_access(model, eps):
    # every place 1% bigger with public stocks per person unchanged: productivity rises by exactly
    # 1.01^agglomeration_elasticity everywhere, whatever the congestion elasticity (no second penalty)
    for theta in (0.0, 0.15):
        params = replace(replace(model.params, "economy.agglomeration_elasticity", eps),
                         "economy.congestion_elasticity", theta)
        cols = model.state.cols
        base = _compute(model, params)
        bigger = _compute(model, params, population=cols.population * 1.01,
                          public_capital_som=cols.public_capital_som * 1.01, services_som=cols.services_som * 1.01)
        np.testing.assert_allclose(bigger.tfp / base.tfp, 1.01 ** eps, rtol=1e-12)
        # ... and living cost, the one urban cost, rises by 1.01^congestion_elasticity
        np.testing.assert_allclose(bigger.living_cost / base.living_cost, 1.01 ** theta, rtol=1e-12)


def test_no_place_specific_leverage_of_public_money(model):
    assert not any("leverage" in f.name for f in dataclasses.fields(model.state.base))


def test_every_strategy_allocates_the_same_money_with_the_same_channel_shares():
    # the same budget, world and random draws; they differ only in where the money goes
    totals = {}
    for strategy in ("concentrated", "equalisation_uniform", "equalisation_needs", "hybrid"):
        m = RegionalModel(with_strategy(small_params(time__end_year=2019), strategy), seed=1)
        try:
            m.step()
            m.step()
            ledger = m.state.ledger
            totals[strategy] = ledger.allocated.sum(axis=0)
        finally:
            m.release()
    first = next(iter(totals.values()))
    for strategy, channels in totals.items():
        np.testing.assert_allclose(channels, first, rtol=1e-9, err_msg=strategy)
