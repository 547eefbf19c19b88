"""The Mesa API regsim relies on, from Mesa 3.3 (Python 3.11) to the current Mesa 3.x (Python 3.12+).

regsim uses little of Mesa: ``Model(rng=...)``, agent registration on ``Agent(model)``,
``agents_by_type``, ``AgentSet.map`` in insertion order, ``Agent.remove``, ``remove_all_agents``
and, on Mesa 3.3 only, the class-level id counter ``Agent._ids`` that ``release`` must clear. Each
test here names one of them, so that a Mesa release that changes it fails here, not deep in a run.
"""

import gc
import warnings
import weakref

import mesa
import numpy as np
from helpers import small_params

from regsim.model.firms import Firm
from regsim.model.processes.production import FirmTurnover
from regsim.model.settlements import Settlement
from regsim.model.simulation import RegionalModel, run_one
from regsim.studies import bench


def tiny():
    return small_params(time__end_year=2018, scale__household_weight=500)


def test_building_and_running_a_model_warns_nothing():
    """No Deprecation/FutureWarning from Mesa (3.5 deprecates ``seed=``), nor anything else."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = RegionalModel(tiny(), seed=3, scenario="tiny")
        model.run()
        model.release()
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def test_mesa_generators_are_seeded_by_the_run_seed():
    """``Model(rng=seed)`` seeds Mesa's own numpy and stdlib generators the same way on every version."""
    a, b, c = (RegionalModel(tiny(), seed=s) for s in (7, 7, 8))
    try:
        assert a.rng.random() == b.rng.random() != c.rng.random()
        assert a.random.random() == b.random.random() != c.random.random()
        assert a.rng.random() == np.random.default_rng(7).random(2)[1]
    finally:
        for model in (a, b, c):
            model.release()


def test_agents_register_in_order_and_map_follows_it():
    """Capacities come from ``AgentSet.map`` and are used as an array indexed by settlement id."""
    model = RegionalModel(tiny(), seed=1)
    try:
        settlements = model.agents_by_type[Settlement]
        assert settlements.map(lambda agent: agent.sid) == list(range(model.world.n))
        by_sid = sorted(settlements, key=lambda agent: agent.sid)
        assert settlements.map("absorption_capacity_som") == [a.absorption_capacity_som() for a in by_sid]
        n_firms = len(model.agents_by_type[Firm])
        assert n_firms == int(model.state.firms.alive.sum()) == len(model.firm_agents) > 0
        row = next(iter(model.firm_agents))  # what the model does after production's exits
        model.update_firm_agents(FirmTurnover(exited=np.array([row]), entered=np.zeros(0, int)))
        assert len(model.agents_by_type[Firm]) == n_firms - 1 == len(model.firm_agents)
    finally:
        model.release()


def test_scenario_name_is_recorded_although_mesa_owns_model_scenario():
    result = run_one(tiny(), seed=2, scenario="my-scenario")
    assert result.meta["scenario"] == "my-scenario" and result.meta["mesa_version"] == mesa.__version__


def test_release_leaves_no_agent_and_no_model_alive():
    model = RegionalModel(tiny(), seed=1)
    ref = weakref.ref(model)
    model.release()
    assert len(model.agents) == 0
    assert model not in vars(mesa.Agent).get("_ids", {})  # the Mesa 3.3 class-level counter
    del model
    gc.collect()
    assert ref() is None


def test_bench_builds_mesa_boltzmann_reference(monkeypatch):
    """Mesa 3.5 builds its Boltzmann example from a ``BoltzmannScenario``; 3.3 and 3.4 from keywords."""
    monkeypatch.setattr(bench, "MESA_AGENTS", 50)
    model = bench._boltzmann()
    model.step()
    assert len(model.agents) == 50
    model.remove_all_agents()
