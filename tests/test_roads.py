"""Roads as a budget channel (issue 24 item 1): money upgrades links on the strategy's routes."""

import numpy as np
import pytest
from helpers import small_params

from regsim.errors import ScenarioError
from regsim.model.processes import roads
from regsim.model.simulation import RegionalModel
from regsim.params import PolicyParams


def _run(strategy, share, end=2020, seed=3):
    params = small_params(policy__strategy=strategy, policy__roads_share=share, time__end_year=end)
    model = RegionalModel(params, seed=seed)
    try:
        access0 = model.state.access_kernel.copy()
        while model.state.year < end:
            model.step()
        return model.state, access0
    finally:
        model.release()


def test_road_money_upgrades_links_and_brings_places_closer():
    state, access0 = _run("concentrated_hinterland", 0.5)
    net = state.roads
    assert net is not None and net.upgraded_km.sum() > 0
    assert (net.upgraded_km <= net.edge_km + 1e-9).all()
    # km upgraded = money spent / cost per km while routes have km left
    cost = small_params().government.road_upgrade_cost_som_per_km
    assert net.upgraded_km.sum() == pytest.approx(net.spent_som / cost, rel=1e-6)
    assert (state.access_kernel >= access0 - 1e-12).all() and (state.access_kernel > access0 + 1e-12).any()
    assert state.accounts.upkeep_som > 0


def test_without_road_money_the_kernels_stay_those_of_2017():
    state, access0 = _run("concentrated_hinterland", 0.0, end=2019)
    assert state.roads is None
    np.testing.assert_array_equal(state.access_kernel, access0)


def test_each_strategy_upgrades_the_links_its_rule_favours():
    hinter, _ = _run("concentrated_hinterland", 0.5)
    conc, _ = _run("concentrated", 0.5)
    centre = np.flatnonzero(hinter.world.settlements.growth_centre.to_numpy())
    net = roads.build_network(hinter.world)
    centre_links = {int(e) for c in centre for e in net.routes[c]}
    on_trunk = lambda n: sum(n.upgraded_km[e] for e in centre_links)  # noqa: E731
    # concentrated spends only in centres: every km it upgrades is on a centre's route (the trunk)
    assert on_trunk(conc.roads) == pytest.approx(conc.roads.upgraded_km.sum())
    # with its hinterland, money also upgrades village-to-centre links off the trunk
    assert hinter.roads.upgraded_km.sum() - on_trunk(hinter.roads) > 0


def test_roads_and_running_costs_cannot_exceed_the_allocation():
    with pytest.raises(ScenarioError, match="roads_share"):
        PolicyParams(roads_share=0.6, current_share=0.6)
