"""RegionalModel: the Mesa 3 model that builds the 2017 world and steps it year by year.

``step()`` is the table of contents of the model, in the order of ``docs/ODD.md`` section 3.
Every process draws from its own named stream (``regsim.rng.stream``) keyed by the run seed and
the year, so all strategies see the same random numbers.
"""

from __future__ import annotations

import functools
import resource
import sys
import time
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from regsim import malloc
from regsim.data import loader
from regsim.errors import InvariantError, RegsimError
from regsim.model import shocks
from regsim.model.firms import Firm
from regsim.model.initialise import URBAN_KINDS, build_state
from regsim.model.metrics import Recorder
from regsim.model.policy import PolicyView, Strategy, make_strategy
from regsim.model.processes import (
    Process,
    budget,
    demography,
    incomes,
    investment,
    labour,
    migration,
    production,
    productivity,
    roads,
)
from regsim.model.processes.production import FirmTurnover
from regsim.model.settlements import Settlement
from regsim.model.state import CHANNELS, Channel, Flows
from regsim.model.world import World, build_world
from regsim.params import RUN_SEED, Params, WorldParams, params_hash, to_dict
from regsim.results import RunResult, check_run_folder, git_commit
from regsim.rng import stream
from regsim.version import provenance

CAPITAL_CITIES = ("Bishkek", "Osh city")  # the two cities of republican significance (oblast units)
BUDGET_TOLERANCE_SOM = 1e-3  # allocations may exceed the budget by float rounding only


@functools.lru_cache(maxsize=4)
def cached_world(world_seed: int, shape: WorldParams | None = None) -> World:
    """The world for a seed and ``world.*`` parameters (defaults if omitted), built once per process."""
    return build_world(loader.load_kyrgyz_data(), world_seed, WorldParams() if shape is None else shape)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class RegionalModel(mesa.Model):
    """Settlements, firms and households of the Kyrgyz Republic under one allocation strategy.

    Args:
        params: Validated parameters.
        seed: Run seed; every random stream derives from it.
        scenario: Name of the scenario, for provenance.
        world: A prebuilt world (built from ``scale.world_seed`` if omitted).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> RegionalModel:
        """Freeze the process's long-lived objects before the first model exists (``malloc.freeze_long_lived``).

        Before the model object is allocated, so that the model (whose agents refer back to it,
        a reference cycle) is never frozen: full collections then skip the modules (0.1 s of CPU each).
        """
        malloc.freeze_long_lived()
        return super().__new__(cls)

    def __init__(self, params: Params, seed: int = RUN_SEED, scenario: str = "", world: World | None = None) -> None:
        started = time.perf_counter()
        malloc.tune()
        super().__init__(rng=int(seed))  # Mesa >= 3.5 deprecates seed=; rng=<int> seeds the same on 3.3
        self.params = params
        self.run_seed = int(seed)
        self.scenario_name = scenario  # not ``scenario``: Mesa >= 3.5 owns that attribute (a Scenario object)
        self.world = world if world is not None else cached_world(params.scale.world_seed, params.world)
        self.strategy: Strategy = make_strategy(params.policy, self.world.n)  # reads a weights CSV: fail fast
        # each replication its own synthetic population (issue 22), or one from world_seed for every run
        population_seed = self.run_seed if params.scale.population_draw == "per_run" else None
        self.state = build_state(self.world, params, population_seed)
        self.firm_agents: dict[int, Firm] = {}  # table row -> the agent of the firm in it
        self.update_firm_agents(FirmTurnover(exited=np.zeros(0, int), entered=np.flatnonzero(self.state.firms.alive)))
        pol = params.policy
        shares = {"capital": pol.absorption_share_city, "growth_centre": pol.absorption_share_city,
                  "town": pol.absorption_share_town, "village": pol.absorption_share_village}
        for sid, row in self.world.settlements.iterrows():
            Settlement(self, int(sid), row["name"], row.kind, shares[row.kind])
        self.settlements = self.agents_by_type[Settlement]
        self._hinterland = self._hinterland_mask()
        years = list(range(params.time.start_year - 1, params.time.end_year + 1))
        self.recorder = Recorder(years, self.world.n)
        self.state.cols.population = self.recorder.record(self.state, params)
        # CPU seconds per phase of step(), for regsim bench (CPU time: on a shared machine wall-clock
        # phases would include the waits while other processes run)
        self.timings: dict[str, float] = {}
        self.build_seconds = time.perf_counter() - started

    # --- agents -----------------------------------------------------------------------------
    def update_firm_agents(self, turnover: FirmTurnover) -> None:
        """Remove the agents of exited firms, then create one per entrant (in row order).

        (Pausing the cyclic garbage collector meanwhile saved about 1 ms a year at ``firm_weight``
        10, but made a batch worker's resident memory swing by 15 MB from run to run: not done.)
        """
        for row in turnover.exited.tolist():
            self.firm_agents.pop(row).remove()
        for row in turnover.entered.tolist():
            self.firm_agents[row] = Firm(self, row)

    def _centre_mask(self) -> np.ndarray:
        """The growth centres the strategies may fund, shape (S,).

        All 20, or the 18 regional centres without Bishkek and Osh city
        (``policy.include_capital_cities = false``).
        """
        s = self.world.settlements
        centres = s.growth_centre.to_numpy().copy()
        if not self.params.policy.include_capital_cities:
            centres &= ~s.oblast.isin(CAPITAL_CITIES).to_numpy()
        return centres

    def _hinterland_mask(self) -> np.ndarray:
        centres = self._centre_mask()
        near = (self.world.road_km[:, centres] <= self.params.policy.catchment_km).any(axis=1)
        return near & ~self.world.settlements.growth_centre.to_numpy()  # no centre is hinterland

    # --- the year ---------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one year, in the order of docs/ODD.md section 3."""
        self.state.year += 1
        self.state.flows = Flows.zeros(self.world.n)
        started = time.process_time()
        allocation, available = self.allocate()
        capacity = np.array(self.settlements.map("absorption_capacity_som"))
        self._clock("allocation", started)
        self.run_process(budget, allocation, capacity, available)  # absorb, return, lose
        self.check_budget()
        self.run_process(roads)         # road money upgrades links; travel times, reach, access follow
        self.run_process(investment)    # public capital: build with lag, depreciate
        self.run_process(productivity)  # market access, agglomeration, spread, living cost
        turnover = self.run_process(production)  # firms invest, exit, enter
        self.update_firm_agents(turnover)        # their Mesa agents follow
        self.run_process(labour)        # hire, commute, produce, set wages; farm
        self.run_process(incomes)       # wages + farm + transfers + remittances
        self.run_process(migration)     # move, go abroad, return
        self.run_process(demography)    # births, deaths, emigration, immigration
        self.finish_year()              # record metrics

    def run_process(self, process: Process, *inputs: Any) -> Any:
        """Compute a process from the state with its own stream, apply the outcome, return what apply returns."""
        started = time.process_time()
        rng = stream(self.run_seed, process.STREAM, self.state.year)
        outcome = process.compute(self.state, self.params, rng, *inputs)
        applied = process.apply(self.state, outcome)
        self._clock(process.STREAM, started)
        return applied

    def _clock(self, phase: str, started: float) -> None:
        """Add the CPU seconds since ``started`` (``time.process_time``) to ``phase`` in ``timings``."""
        self.timings[phase] = self.timings.get(phase, 0.0) + time.process_time() - started

    def allocate(self) -> tuple[np.ndarray, float]:
        """The strategy's allocation for this year, checked against the hard budget constraint."""
        # a budget shock (docs/ODD.md 7.12) scales this year's regional budget
        available = self.budget_this_year() * shocks.national_factor(self.params, "budget", self.state.year)
        view = PolicyView(
            population=self.state.cols.population.copy(),
            poverty_rate=self._poverty_rate(),
            growth_centre=self._centre_mask(),
            hinterland=self._hinterland.copy(),
            channel_shares=self._channel_shares(),
        )
        for array in (view.population, view.poverty_rate, view.growth_centre, view.hinterland):
            array.setflags(write=False)
        amounts = np.asarray(self.strategy.allocate(view, self.state.year, available), dtype=float)
        if amounts.shape != (self.world.n, len(CHANNELS)):
            raise InvariantError(f"strategy returned shape {amounts.shape}, expected {(self.world.n, len(CHANNELS))}")
        if not np.isfinite(amounts).all() or (amounts < 0).any():
            raise InvariantError("strategy returned a negative or non-finite amount")
        if amounts.sum() > available + BUDGET_TOLERANCE_SOM:
            raise InvariantError(f"allocation {amounts.sum():.2f} som exceeds the budget {available:.2f}")
        return amounts, available

    def budget_this_year(self) -> float:
        """This year's regional development budget, som (2017 prices).

        ``policy.budget_indexation = "real"``: ``policy.budget_som_per_year`` every year (its weight
        falls as GDP grows); ``"gdp_share"``: ``policy.budget_gdp_share`` of last year's recorded GDP.
        """
        policy = self.params.policy
        if policy.budget_indexation == "gdp_share":
            return policy.budget_gdp_share * self.recorder.national_value(self.state.year - 1, "gdp_som")
        return policy.budget_som_per_year

    def _channel_shares(self) -> np.ndarray:
        """Share of a place-based allocation per channel, shape (6,).

        ``policy.roads_share`` for roads, ``policy.current_share`` for running costs, the rest split
        by the channel shares, nothing as cash transfers.
        """
        pol = self.params.policy
        capital = 1.0 - pol.current_share - pol.roads_share
        shares = np.zeros(len(CHANNELS))
        shares[Channel.INFRASTRUCTURE] = capital * pol.infrastructure_share
        shares[Channel.GRANTS] = capital * pol.grants_share
        shares[Channel.SERVICES] = capital * pol.services_share
        shares[Channel.CURRENT] = pol.current_share
        shares[Channel.ROADS] = pol.roads_share
        return shares

    def _poverty_rate(self) -> np.ndarray:
        """Poverty rate per settlement as recorded at the end of last year (the state since unchanged)."""
        return self.recorder.settlement_value(self.state.year - 1, "poverty_rate")

    def check_budget(self) -> None:
        """Budget identity: budget + carried in = absorbed + carried over + lost + unallocated, to the som."""
        ledger = self.state.ledger
        total = ledger.absorbed.sum() + ledger.returned.sum() + ledger.lost.sum() + ledger.unallocated
        if abs(total - ledger.available - ledger.carried_in.sum()) > max(1.0, 1e-9 * ledger.available):
            raise InvariantError(f"{self.state.year}: budget {ledger.available} != accounted {total}")
        if (ledger.absorbed < -1e-9).any() or (ledger.returned < -1e-6).any():
            raise InvariantError(f"{self.state.year}: negative absorbed or returned money")

    def finish_year(self) -> None:
        """Refresh derived state (labour force, population) and record this year's metrics."""
        started = time.process_time()
        self.state.households.keep_consistent()
        self.state.cols.population = self.recorder.record(self.state, self.params)
        self._clock("record", started)

    # --- a whole run ------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Step from ``time.start_year`` to ``time.end_year`` and return the results."""
        started = time.perf_counter()
        while self.state.year < self.params.time.end_year:
            self.step()
        model_seconds = self.build_seconds + time.perf_counter() - started
        return self.result(model_seconds)

    def result(self, model_seconds: float) -> RunResult:
        """Tables and provenance of the run so far."""
        world = world_table(self.world)
        meta = {
            "scenario": self.scenario_name,
            "strategy": self.params.policy.strategy,
            "seed": self.run_seed,
            "params": to_dict(self.params),
            "params_hash": params_hash(self.params),
            **provenance(),
            "git_commit": git_commit(),
            "mesa_version": mesa.__version__,
            "numpy_version": np.__version__,
            "python_version": sys.version.split()[0],
            "n_settlements": self.world.n,
            "n_household_rows": self.state.households.n_alive,
            "n_firm_agents": int(self.state.firms.alive.sum()),
            "n_years": self.params.time.end_year - self.params.time.start_year + 1,
            "model_seconds": round(model_seconds, 4),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return RunResult(national=self.recorder.national_table(), oblasts=self.recorder.oblast_table(),
                         settlements=self.recorder.settlement_table(), world=world, meta=meta)

    def release(self) -> None:
        """Drop every agent and Mesa's class-level id counter for this model (no leaks in workers).

        Mesa 3.3 counts agent ids per model in the class attribute ``Agent._ids``, which keeps the
        model alive; Mesa >= 3.4 counts them on the model and has no such attribute.
        """
        self.firm_agents.clear()
        self.remove_all_agents()
        vars(mesa.Agent).get("_ids", {}).pop(self, None)
        # The model and its agents form reference cycles that only the cyclic collector frees; drop
        # the large arrays now so that a worker's memory does not depend on when it runs.
        self.__dict__.pop("state", None)
        self.__dict__.pop("recorder", None)


def world_table(world: World) -> pd.DataFrame:
    """One row per settlement: id, name, kind, oblast, rayon, lat, lon, synthetic, km_to_centre (road km)."""
    table = world.settlements.reset_index()[
        ["settlement_id", "name", "kind", "oblast", "rayon", "lat", "lon", "synthetic", "growth_centre",
         "population_2017"]
    ].copy()
    table["urban"] = table.kind.isin(URBAN_KINDS)
    centres = world.settlements.growth_centre.to_numpy(bool)
    # road km to the nearest of the 20 growth centres (0 for a centre): the distance bands of the report
    table["km_to_centre"] = world.road_km[:, centres].min(axis=1) if centres.any() else np.inf
    return table


def road_table(world: World) -> pd.DataFrame:
    """One row per road segment: ``lat1, lon1, lat2, lon2, km, road_class, synthetic``."""
    nodes = world.graph.nodes
    rows = [{"lat1": nodes[a]["lat"], "lon1": nodes[a]["lon"], "lat2": nodes[b]["lat"], "lon2": nodes[b]["lon"],
             "km": d["km"], "road_class": d["road_class"], "synthetic": d["synthetic"]}
            for a, b, d in world.graph.edges(data=True)]
    return pd.DataFrame(rows)


def run_to_folder(params: Params, seed: int, scenario: str, out: Path, overwrite: bool = False,
                  progress: bool = False, meta: dict[str, Any] | None = None) -> RunResult:
    """Run one scenario and save it as the run folder ``out`` (what ``regsim run`` does).

    Args:
        params: The scenario's parameters.
        seed: The run seed, 0 or more.
        scenario: The scenario's name (provenance).
        out: The run folder: new, empty or a regsim run (:func:`regsim.results.check_run_folder`),
            checked before the model is built; replaced only when the run is complete.
        overwrite: Also replace a regsim run of another configuration.
        progress: Show a progress bar of the simulated years on stderr.
        meta: Entries added to the provenance (``run.json``), e.g. the command line.

    Returns:
        The result saved; ``meta["model_seconds"]`` counts the build and every step.
    """
    if seed < 0:
        raise RegsimError(f"--seed: {seed} is negative; allowed: 0 or more")
    check_run_folder(out, params, seed, overwrite)
    started = time.perf_counter()
    model = RegionalModel(params, seed=seed, scenario=scenario)
    try:
        years = range(params.time.start_year, params.time.end_year + 1)
        if progress:
            from tqdm import tqdm

            years = tqdm(years, desc="simulating", unit="year", file=sys.stderr, leave=False)
        for _ in years:
            model.step()
        result = model.result(time.perf_counter() - started)
        result.meta.update(meta or {})
        result.save(out, overwrite=overwrite, option="--out", overwrite_option="--overwrite")
    finally:
        model.release()
    return result


def run_one(params: Params, seed: int, scenario: str = "") -> RunResult:
    """Build, run and release one model; what batch executors call."""
    model = RegionalModel(params, seed=seed, scenario=scenario)
    try:
        return model.run()
    finally:
        model.release()
        del model
        malloc.trim()
