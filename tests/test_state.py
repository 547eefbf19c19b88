"""The state's layout: a frozen base year apart from the columns the processes change."""

import dataclasses
import inspect

import numpy as np
import pytest
from helpers import small_params

from regsim.model.initialise import build_state
from regsim.model.state import BaseYear, SettlementColumns


@pytest.fixture(scope="module")
def state(world):
    return build_state(world, small_params())


def test_base_year_is_frozen_and_its_arrays_read_only(state):
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.base.population = np.zeros(state.n_settlements)
    for f in dataclasses.fields(BaseYear):
        value = getattr(state.base, f.name)
        if isinstance(value, np.ndarray):
            assert value.shape[0] == state.n_settlements, f.name
            with pytest.raises(ValueError, match="read-only"):
                value[0] = 1.0


def test_base_year_shares_no_array_with_the_mutable_columns(state):
    base = [getattr(state.base, f.name) for f in dataclasses.fields(BaseYear)]
    for f in dataclasses.fields(SettlementColumns):
        column = getattr(state.cols, f.name)
        assert not any(isinstance(b, np.ndarray) and np.shares_memory(b, column) for b in base), f.name


def test_every_field_is_documented_with_a_unit_or_meaning():
    for cls in (BaseYear, SettlementColumns):
        doc = inspect.cleandoc(cls.__doc__)  # Python 3.13 dedents docstrings itself; 3.11 does not
        for f in dataclasses.fields(cls):
            assert f"    {f.name}: " in doc, f"{cls.__name__}.{f.name}"


def test_flows_add_accumulates_by_name():
    from regsim.model.state import Flows

    flows = Flows.zeros(3)
    flows.add(births=np.array([1.0, 2.0, 3.0]), moved_in=np.ones(3))
    flows.add(births=np.ones(3))
    np.testing.assert_array_equal(flows.births, [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(flows.moved_in, np.ones(3))
    assert not flows.deaths.any()


def test_firm_agents_follow_the_firm_table_without_callbacks_in_the_state():
    from helpers import small_params as params_for

    from regsim.model.firms import Firm
    from regsim.model.simulation import RegionalModel
    from regsim.model.state import State

    assert not {"spawn_firm", "exit_firm"} & {f.name for f in dataclasses.fields(State)}
    params = params_for(time__end_year=2022, economy__exit_hazard_per_year=0.2)
    model = RegionalModel(params, seed=2)
    try:
        while model.state.year < params.time.end_year:
            model.step()
            alive = set(np.flatnonzero(model.state.firms.alive).tolist())
            agents = model.agents_by_type[Firm]
            assert {a.row for a in agents} == alive == set(model.firm_agents)
            assert len(agents) == len(alive)
    finally:
        model.release()
