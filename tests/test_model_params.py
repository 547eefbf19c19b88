"""Behavioural numbers of the model are parameters (regsim/params.py), not constants in modules."""

import ast
from pathlib import Path

import numpy as np
import pytest
from helpers import small_params

from regsim.data import loader
from regsim.errors import ScenarioError
from regsim.model.initialise import build_state
from regsim.model.processes import demography
from regsim.model.state import Flows
from regsim.model.world import build_world
from regsim.params import WorldParams
from regsim.rng import stream

PACKAGE = Path(__file__).resolve().parent.parent / "regsim"
NUMERICS = {  # module constants that are numerics or conventions, not beliefs about the economy
    "SPARE_FACTOR", "GROWTH_DIVISOR", "BUDGET_TOLERANCE_SOM", "GINI_BUCKET_SHIFT", "LIFETIME_DRAWS",
    "MAX_LIFETIME_YEARS", "BISECTION_STEPS", "EXPECTATION_BISECTION_STEPS", "EARTH_RADIUS_KM", "KM_PER_DEGREE",
    "ACCESS_LOG_ODDS_BOUND", "MIN_FARM_REACH_SOM",
    "CLEARING_STEPS", "CLEARING_TOLERANCE", "SINKHORN_STEPS", "TINY", "PRICE_FLOOR", "MARKET_ROUNDS",  # clearing
    "FIT_CACHE_SIZE",  # fitted attractions kept per process (a cache, issue 23)
    "CRUDE_BIRTH_RATE_BOUNDS", "CRUDE_DEATH_RATE_BOUNDS",  # sanity checks of the data file, not beliefs
}


def module_number_constants(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        value = getattr(node, "value", None)
        numbers = [n for n in ast.walk(value) if isinstance(n, ast.Constant)
                   and isinstance(n.value, int | float) and not isinstance(n.value, bool)] if value else []
        if value is not None and any(isinstance(n, ast.Call | ast.Lambda | ast.Name) for n in ast.walk(value)):
            continue  # computed (a registry, a table of functions), not a literal number
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper() and numbers:
                names.append(target.id)
    return names


def test_no_behavioural_number_outside_params():
    found = {f"{path.relative_to(PACKAGE)}:{name}"
             for folder in ("model", "data") for path in (PACKAGE / folder).rglob("*.py")
             for name in module_number_constants(path) if name not in NUMERICS}
    assert not found, f"move these into regsim/params.py (or list them as numerics here): {sorted(found)}"


def test_an_unknown_mining_rayon_fails_naming_the_key(world):
    with pytest.raises(ScenarioError, match=r"economy.mining_rayon: no settlement in rayon 'Atlantis'"):
        build_state(world, small_params(economy__mining_rayon="Atlantis"))


def test_world_parameters_shape_the_world():
    data = loader.load_kyrgyz_data()
    default = build_world(data, 2017, WorldParams())
    longer = build_world(data, 2017, WorldParams(detour_factor=2.0))
    assert (longer.road_km >= default.road_km - 1e-9).all() and longer.road_km.sum() > default.road_km.sum()
    spread = build_world(data, 2017, WorldParams(village_size_dispersion=0.0))
    villages = spread.settlements[spread.settlements.kind == "village"]
    per_rayon = villages.groupby("rayon").population_2017
    np.testing.assert_allclose(per_rayon.max(), per_rayon.min(), rtol=1e-9)  # equal shares


def test_immigrants_arrive_in_households_of_the_given_size(world):
    params = small_params(migration__immigrant_household_size=5, migration__immigration_per_year=50_000.0)
    state = build_state(world, params)
    state.year += 1
    state.flows = Flows.zeros(state.n_settlements)
    alive_before = state.households.alive.copy()
    outcome = demography.compute(state, params, stream(1, demography.STREAM, state.year))
    demography.apply(state, outcome)
    new = state.households.alive & ~np.pad(alive_before, (0, state.households.capacity - len(alive_before)))
    immigrant_rows = new & (state.households.abroad == 0) & (state.households.size == 5)
    assert len(outcome.immigrant_settlement) > 0
    assert immigrant_rows.sum() >= len(outcome.immigrant_settlement)
    assert outcome.immigrated.sum() == pytest.approx(len(outcome.immigrant_settlement) * 5 * state.households.weight)
