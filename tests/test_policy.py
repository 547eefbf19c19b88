"""Every strategy allocates non-negative amounts within the budget; custom weights are validated."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from regsim.errors import ScenarioError
from regsim.model.policy import PolicyView, make_strategy, read_custom_weights
from regsim.model.state import CHANNELS, Channel
from regsim.params import STRATEGIES, PolicyParams

S = 30


def view(pop, poverty, centres, hinter):
    return PolicyView(population=pop, poverty_rate=poverty, growth_centre=centres, hinterland=hinter & ~centres,
                      channel_shares=np.array([0.5, 0.25, 0.25, 0.0, 0.0, 0.0]))


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from([s for s in STRATEGIES if s != "custom"]),
    arrays(np.float64, S, elements=st.floats(0, 1e6)),
    arrays(np.float64, S, elements=st.floats(0, 1)),
    arrays(np.bool_, S),
    arrays(np.bool_, S),
    st.floats(0, 1e11),
    st.integers(2018, 2040),
    st.floats(0, 1),
)
def test_allocation_non_negative_and_within_budget(strategy, pop, poverty, centres, hinter, budget, year, share):
    policy = PolicyParams(strategy=strategy, hinterland_share=share, centre_share=share)
    amounts = make_strategy(policy, S).allocate(view(pop, poverty, centres, hinter), year, budget)
    assert amounts.shape == (S, len(CHANNELS))
    assert (amounts >= 0).all() and np.isfinite(amounts).all()
    assert amounts.sum() <= budget * (1 + 1e-12) + 1e-6


def test_sunset_stops_the_money():
    policy = PolicyParams(strategy="equalisation_uniform", sunset_year=2025)
    strategy = make_strategy(policy, S)
    v = view(np.ones(S), np.zeros(S), np.zeros(S, bool), np.zeros(S, bool))
    assert strategy.allocate(v, 2025, 1e9).sum() == pytest.approx(1e9)
    assert strategy.allocate(v, 2026, 1e9).sum() == 0.0


def test_concept_stage_one_is_grants_in_centres():
    strategy = make_strategy(PolicyParams(strategy="concept_two_stage"), S)
    centres = np.zeros(S, bool)
    centres[:3] = True
    amounts = strategy.allocate(view(np.ones(S), np.zeros(S), centres, np.ones(S, bool)), 2018, 1e9)
    assert amounts[:, [0, 2]].sum() == 0 and amounts[3:].sum() == 0
    assert amounts.sum() == pytest.approx(0.25e9)
    later = strategy.allocate(view(np.ones(S), np.zeros(S), centres, np.ones(S, bool)), 2020, 1e9)
    assert later.sum() == pytest.approx(1e9) and later[3:].sum() == pytest.approx(0.3e9)


def test_cash_transfers_pay_the_poor_with_the_observed_leakage():
    strategy = make_strategy(PolicyParams(strategy="cash_transfers", transfer_leakage_share=0.4), S)
    pop = np.full(S, 1000.0)
    poverty = np.zeros(S)
    poverty[:10] = 0.5
    amounts = strategy.allocate(view(pop, poverty, np.zeros(S, bool), np.zeros(S, bool)), 2020, 1e9)
    others = [c for c in range(len(CHANNELS)) if c != Channel.TRANSFERS]
    assert amounts[:, others].sum() == 0  # all of it as cash, none to places
    assert amounts.sum() == pytest.approx(1e9)
    # 60% by poor residents (only the first ten have any), 40% by residents who are not poor
    poor_part = 0.6e9 / 10 + 0.4e9 * 500 / (S * 1000 - 5000)
    assert amounts[0, Channel.TRANSFERS] == pytest.approx(poor_part)
    assert amounts[:10].sum() > amounts[10:20].sum()


def test_custom_weights(tmp_path):
    good = tmp_path / "w.csv"
    good.write_text("settlement_id,weight\n0,1\n5,3\n")
    weights = read_custom_weights(good, S)
    assert weights[0] == 1 and weights[5] == 3 and sum(weights) == 4
    amounts = make_strategy(PolicyParams(strategy="custom", custom_weights_csv=str(good)), S).allocate(
        view(np.ones(S), np.zeros(S), np.zeros(S, bool), np.zeros(S, bool)), 2020, 4e6)
    assert amounts[5].sum() == pytest.approx(3e6)


@pytest.mark.parametrize(("text", "message"), [
    ("settlement_id,weight\n999,1\n", r"line 2: settlement_id 999 unknown; allowed: 0 to 29"),
    ("settlement_id,weight\n1,-2\n", r"line 2: weight must be a finite number >= 0"),
    ("settlement_id,weight\n1,abc\n", r"line 2: settlement_id must be a whole number and weight a number"),
    ("id,w\n1,2\n", "expected columns settlement_id, weight"),
    ("settlement_id,weight\n1,0\n", "all weights are zero"),
])
def test_custom_weights_errors(tmp_path, text, message):
    path = tmp_path / "w.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        read_custom_weights(path, S)


def test_custom_requires_a_file():
    with pytest.raises(ScenarioError, match="policy.custom_weights_csv: required"):
        PolicyParams(strategy="custom")
    with pytest.raises(ScenarioError, match="no such file"):
        read_custom_weights("/nonexistent/w.csv", S)


def test_the_sunset_wraps_every_strategy_once():
    from regsim.model.policy import Sunset

    for strategy in (s for s in STRATEGIES if s != "custom"):
        plain = make_strategy(PolicyParams(strategy=strategy), S)
        wrapped = make_strategy(PolicyParams(strategy=strategy, sunset_year=2025), S)
        assert not hasattr(plain, "sunset_year") and isinstance(wrapped, Sunset) and wrapped.strategy == plain
        v = view(np.ones(S), np.full(S, 0.2), np.arange(S) < 3, np.arange(S) < 9)
        np.testing.assert_array_equal(wrapped.allocate(v, 2025, 1e9), plain.allocate(v, 2025, 1e9))
        assert wrapped.allocate(v, 2026, 1e9).shape == (S, len(CHANNELS)) and not wrapped.allocate(v, 2026, 1e9).any()


def test_strategies_take_their_numbers_from_policy_params_only():
    import dataclasses

    from regsim.model import policy as policy_module

    for name in ("ConcentratedHinterland", "ConceptTwoStage", "Hybrid", "Custom"):
        cls = getattr(policy_module, name)
        assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(cls)), name


@pytest.mark.parametrize("strategy", ["concentrated", "concentrated_hinterland", "concept_two_stage", "hybrid"])
def test_without_capital_cities_no_centre_money_goes_to_bishkek_or_osh(strategy):
    from helpers import small_params

    from regsim.model.simulation import RegionalModel

    params = small_params(policy__strategy=strategy, policy__include_capital_cities=False,
                          policy__centre_share=1.0, time__end_year=2018)
    model = RegionalModel(params, seed=1)
    try:
        model.state.year += 1  # as step() does before it allocates
        allocation, _ = model.allocate()
        s = model.world.settlements
        cities = s.oblast.isin(["Bishkek", "Osh city"]).to_numpy() & s.growth_centre.to_numpy()
        assert allocation[cities].sum() == 0.0
        assert allocation.sum() == pytest.approx(model.params.policy.budget_som_per_year
                                                 * (params.policy.stage1_budget_share
                                                    if strategy == "concept_two_stage" else 1.0))
        assert (allocation[s.growth_centre.to_numpy() & ~cities].sum(axis=1) > 0).sum() == 18
    finally:
        model.release()
