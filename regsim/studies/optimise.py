"""Search the space of allocation rules for the best trade-offs: ``regsim optimise`` (issue 17).

The comparison answers "which of the eight named strategies?"; this module asks "which allocation
would do best on growth and poverty together?". An *optimisation file* (experiment-style TOML)
declares

- ``[experiment]``: scenario, replications (paired seeds, the same as ``none``'s), base seed and
  ``[experiment.set]`` overrides for every run (horizon, household weight);
- ``[levers]`` with bounds (:data:`LEVERS`): ``centre_share`` (share of the budget to the 20
  growth centres, per person), ``hinterland_share`` (share of the rest to villages within
  ``catchment_km`` of a centre), ``catchment_km``, ``sunset_year`` and ``channel_split = true``
  (infrastructure, grants and services, normalised to add up to one);
- ``[objectives]``: any of :data:`OBJECTIVES` with ``"max"`` or ``"min"``;
- ``[constraints]``: ``no_oblast_loses = true`` (no oblast's income per person in the last year
  below ``none``'s, mean over seeds);
- ``[search]``: NSGA-II population, generations and seed (pymoo, Deb et al. 2002).

A candidate is an allocation rule: weights per settlement
``c * centres + (1 - c) * h * hinterland + (1 - c)(1 - h) * everyone``, each part per person
(2017 population), run as the ``custom`` strategy with the weights in a CSV, under the
candidate's sunset year and channel split. Weights use the 2017 population, so ``c = 1, h = 0``
is ``concentrated`` up to population changes over the horizon.

Every candidate is run on the same replication seeds as ``none`` and the named strategies
(common random numbers), through the batch executors (serial, processes, Dask). Runs are kept in
``OUT/runs/`` (a batch-like store) under a key ``(params hash, seed)`` recorded in
``OUT/runs/index.json``, so no candidate/seed pair runs twice; NSGA-II is deterministic given its
seed and the (cached) evaluations, so re-running the command after an interruption replays the
finished generations from the cache and continues.

Robust mode (``robust = N``): each candidate is evaluated in N plausible worlds (the Latin
hypercube of :mod:`regsim.studies.robustness`), and the objectives become mean and worst-case
*regret* over the worlds: the shortfall from the best of the named strategies in that world
(negative where the candidate beats all of them). Regret against a fixed reference set keeps the
objectives stationary while the search runs (Kwakkel, Haasnoot & Walker 2016 use the same idea).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from regsim.batch.experiment import set_strings
from regsim.errors import ExperimentError
from regsim.params import DEFAULT_SEED, STRATEGIES
from regsim.version import cache_tag

OBJECTIVES: Final = {
    "gdp_pv": "GDP, present value over the period (som)",
    "poverty_person_years": "person-years in poverty over the period",
    "theil_between_end": "Theil index between oblasts, last year",
    "cost_per_person_year_out_of_poverty": "budget som per person-year out of poverty versus none",
}
"""Objectives a search may use (columns of :func:`candidate_outcomes`)."""

LEVERS: Final = {
    "centre_share": ("fraction of budget", 0.0, 1.0),
    "hinterland_share": ("fraction of the non-centre budget", 0.0, 1.0),
    "catchment_km": ("km", 0.0, 1000.0),
    "sunset_year": ("year", 2017, 2100),
}
"""Levers with a range (unit, lowest, highest allowed); ``channel_split`` is a switch."""

CHANNELS: Final = ("infrastructure_share", "grants_share", "services_share")
NAMED: Final = tuple(s for s in STRATEGIES if s != "custom")
"""The named strategies placed against the frontier (``custom`` needs a file)."""
BASELINE: Final = "none"
DEFAULT_SETTINGS: Final = {"time.end_year": 2026, "scale.household_weight": 200}
DEFAULT_DEFAULTS: Final = {"population": 8, "generations": 3, "seed": 1}
OUTPUTS: Final = ("national", "oblasts")
CONFIDENCE: Final = 0.90
CONCEPT: Final = "concept_two_stage"
INFEASIBLE: Final = 1e30  # an objective that is not defined (no poverty avoided) is as bad as can be


@dataclass(frozen=True)
class Lever:
    """One decision variable: name and bounds; whole numbers for years."""

    name: str
    low: float
    high: float

    @property
    def integer(self) -> bool:
        """Whether the lever takes whole values (years)."""
        return self.name == "sunset_year"


@dataclass(frozen=True)
class SearchSpec:
    """A parsed, validated optimisation file."""

    name: str
    scenario: str
    replications: int
    seed: int
    fixed: dict[str, Any]
    levers: tuple[Lever, ...]
    channel_split: bool
    objectives: dict[str, str]  # name -> "max" | "min"
    no_oblast_loses: bool = False
    population: int = 8
    generations: int = 3
    search_seed: int = 1
    robust: int = 0
    path: Path | None = None
    description: str = ""

    def variables(self) -> list[tuple[str, float, float]]:
        """Decision variables of the optimiser: (name, low, high); the channel split adds three."""
        out = [(lv.name, float(lv.low), float(lv.high) + (0.999 if lv.integer else 0.0)) for lv in self.levers]
        if self.channel_split:
            out += [(f"{c}_weight", 0.0, 1.0) for c in CHANNELS]
        return out

    def fingerprint(self) -> str:
        """Hash of what defines the runs (scenario, seeds, fixed settings, robust worlds)."""
        blob = json.dumps({"scenario": self.scenario, "replications": self.replications, "seed": self.seed,
                           "fixed": self.fixed, "robust": self.robust}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _fail(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def parse(table: dict[str, Any], path: Path | None = None, robust: int | None = None) -> SearchSpec:
    """Validate an optimisation table (from TOML); every mistake names the file and key."""
    where = str(path or "optimisation file")
    allowed = {"experiment", "levers", "objectives", "constraints", "search"}
    if unknown := sorted(set(table) - allowed):
        raise _fail(where, f"unknown section [{unknown[0]}]; allowed: {', '.join(sorted(allowed))}")
    exp, replications = _parse_experiment(table, where)
    levers, channel_split = _parse_levers(table, where)
    objectives = _parse_objectives(table, where)
    constraints = dict(table.get("constraints", {}))
    if unknown := sorted(set(constraints) - {"no_oblast_loses"}):
        raise _fail(where, f"[constraints] unknown {unknown[0]!r}; allowed: no_oblast_loses")
    search, worlds = _parse_search(table, where, robust)
    spec = SearchSpec(name=str(exp.get("name", path.stem if path else "optimise")),
                      scenario=str(exp.get("scenario", "baseline")), replications=replications,
                      seed=int(exp.get("seed", DEFAULT_SEED)), fixed={**DEFAULT_SETTINGS, **dict(exp.get("set", {}))},
                      levers=levers, channel_split=channel_split, objectives=objectives,
                      no_oblast_loses=bool(constraints.get("no_oblast_loses", False)),
                      population=int(search["population"]), generations=int(search["generations"]),
                      search_seed=int(search["seed"]), robust=worlds, path=path,
                      description=str(exp.get("description", "")))
    _check_size(spec, where)
    _check_sunset(spec, where)
    return spec


def planned_runs(spec: SearchSpec) -> int:
    """Model runs a search needs at most: (named strategies + population x generations) x worlds x seeds."""
    return (len(NAMED) + spec.population * spec.generations) * max(spec.robust, 1) * spec.replications


def _check_size(spec: SearchSpec, where: str) -> None:
    """Refuse, by counting before anything is built, a search larger than a batch may be."""
    from regsim.batch.runner import MAX_RUNS

    runs = planned_runs(spec)
    if runs > MAX_RUNS:
        raise _fail(where, f"the search needs up to {runs:,} runs (({len(NAMED)} named strategies + population "
                           f"{spec.population:,} x generations {spec.generations:,}) x {max(spec.robust, 1):,} "
                           f"world(s) x {spec.replications:,} replication(s)), more than {MAX_RUNS:,}; reduce "
                           "[search] population or generations, --robust or replications")


def _parse_experiment(table: dict[str, Any], where: str) -> tuple[dict[str, Any], int]:
    """The [experiment] section and its number of replications."""
    exp = dict(table.get("experiment", {}))
    exp_keys = {"name", "description", "scenario", "replications", "seed", "set"}
    if unknown := sorted(set(exp) - exp_keys):
        raise _fail(where, f"[experiment] unknown key {unknown[0]!r}; allowed: {', '.join(sorted(exp_keys))}")
    replications = exp.get("replications", 2)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise _fail(where, f"[experiment] replications = {replications!r}; use a whole number >= 1")
    return exp, replications


def _parse_levers(table: dict[str, Any], where: str) -> tuple[tuple[Lever, ...], bool]:
    """The [levers] section: each lever's [low, high] inside its allowed range, and channel_split."""
    levers_table = dict(table.get("levers", {}))
    channel_split = levers_table.pop("channel_split", False)
    if not isinstance(channel_split, bool):
        raise _fail(where, "[levers] channel_split must be true or false")
    levers = []
    for name, bounds in levers_table.items():
        if name not in LEVERS:
            raise _fail(where, f"[levers] unknown lever {name!r}; allowed: {', '.join([*LEVERS, 'channel_split'])}")
        unit, lowest, highest = LEVERS[name]
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)):
            raise _fail(where, f"[levers] {name} = {bounds!r}; expected [low, high] in {unit}")
        low, high = float(bounds[0]), float(bounds[1])
        if not lowest <= low < high <= highest:
            raise _fail(where, f"[levers] {name} = {bounds!r}; need {lowest} <= low < high <= {highest} ({unit})")
        levers.append(Lever(name, low, high))
    if not levers and not channel_split:
        raise _fail(where, "[levers] declares no lever; e.g. centre_share = [0.0, 1.0]")
    return tuple(levers), channel_split


def _parse_objectives(table: dict[str, Any], where: str) -> dict[str, str]:
    """The [objectives] section: one to four known objectives, each "max" or "min"."""
    objectives = dict(table.get("objectives", {"gdp_pv": "max", "poverty_person_years": "min"}))
    for name, sense in objectives.items():
        if name not in OBJECTIVES:
            raise _fail(where, f"[objectives] unknown {name!r}; allowed: {', '.join(OBJECTIVES)}")
        if sense not in ("max", "min"):
            raise _fail(where, f"[objectives] {name} = {sense!r}; use \"max\" or \"min\"")
    if not 1 <= len(objectives) <= 4:
        raise _fail(where, "[objectives] choose one to four objectives")
    return objectives


def _parse_search(table: dict[str, Any], where: str, robust: int | None) -> tuple[dict[str, Any], int]:
    """The [search] section (population, generations, seed, robust) and the number of worlds."""
    search = {**DEFAULT_DEFAULTS, **dict(table.get("search", {}))}
    if unknown := sorted(set(search) - {*DEFAULT_DEFAULTS, "robust"}):
        raise _fail(where, f"[search] unknown {unknown[0]!r}; allowed: population, generations, seed, robust")
    for key, lowest in (("population", 4), ("generations", 1), ("seed", 0), ("robust", 0)):
        value = search.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise _fail(where, f"[search] {key} = {value!r}; use a whole number >= {lowest}")
    worlds = int(search.get("robust", 0)) if robust is None else robust
    if worlds == 1 or worlds < 0:
        raise _fail(where, f"robust = {worlds}; use 0 (off) or 2 or more worlds")
    return search, worlds


def _check_sunset(spec: SearchSpec, where: str) -> None:
    """Refuse a sunset range outside the simulated years (it would do nothing)."""
    from regsim import scenario as scenario_mod

    try:
        params = scenario_mod.load(spec.scenario, set_strings(spec.fixed)).params
    except ExperimentError:
        raise
    except Exception as err:  # a bad scenario or --set: one line naming it
        raise _fail(where, str(err)) from None
    for lever in spec.levers:
        if lever.name == "sunset_year" and lever.high > params.time.end_year:
            raise _fail(where, f"[levers] sunset_year up to {lever.high:g} is after the last simulated year "
                               f"{params.time.end_year}; use at most {params.time.end_year}")


def load(name_or_path: str, robust: int | None = None, settings: Iterable[str] = ()) -> SearchSpec:
    """Read an optimisation file by name (``experiments/NAME.toml``) or path; ``settings`` are --set strings."""
    from regsim import scenario as scenario_mod
    from regsim.errors import RegsimError

    try:
        path = scenario_mod.locate(name_or_path, kind="experiments")
        table = scenario_mod.read_toml(path)
        extra = dict(scenario_mod.parse_override(s) for s in settings)
    except RegsimError as err:
        raise ExperimentError(str(err)) from None
    if extra:
        table.setdefault("experiment", {}).setdefault("set", {}).update(extra)
    return parse(table, path, robust)


# ---------------------------------------------------------------------------------------------------
# candidates: lever values -> policy overrides


def decode(spec: SearchSpec, x: np.ndarray) -> dict[str, float]:
    """Lever values of one optimiser vector, rounded so that cached runs are found again.

    Shares to 3 decimals, km to 1, years to whole numbers; the channel weights become shares
    adding up to exactly one.
    """
    values: dict[str, float] = {}
    for (name, _, high), v in zip(spec.variables(), x, strict=True):
        if name == "sunset_year":
            values[name] = float(min(math.floor(v), math.floor(high)))
        elif name == "catchment_km":
            values[name] = round(float(v), 1)
        else:
            values[name] = round(float(v), 3)
    if spec.channel_split:
        weights = np.array([values.pop(f"{c}_weight") for c in CHANNELS])
        shares = weights / weights.sum() if weights.sum() > 0 else np.full(3, 1 / 3)
        shares = np.round(shares, 3)
        shares[-1] = round(1.0 - shares[:-1].sum(), 3)
        values.update({c: float(s) for c, s in zip(CHANNELS, shares, strict=True)})
    return values


def allocation_weights(population: np.ndarray, growth_centre: np.ndarray, road_km: np.ndarray,
                       centre_share: float, hinterland_share: float, catchment_km: float) -> np.ndarray:
    """Budget weight per settlement of a candidate rule, summing to one.

    Args:
        population: Residents in 2017, persons, shape (S,).
        growth_centre: True for the 20 growth centres, shape (S,).
        road_km: Road distances, km, shape (S, S).
        centre_share: Share of the budget to centres, per person.
        hinterland_share: Share of the rest to villages within ``catchment_km`` of a centre.
        catchment_km: Road distance defining the hinterland, km.

    Returns:
        Weights, shape (S,); a part with nobody in it (no hinterland) goes to everyone.
    """
    centre = growth_centre.astype(bool)
    hinter = ~centre & (road_km[:, centre] <= catchment_km).any(axis=1) if centre.any() else np.zeros_like(centre)
    parts = [(centre_share, population * centre), ((1 - centre_share) * hinterland_share, population * hinter)]
    weights = np.zeros(len(population))
    spent = 0.0
    for share, base in parts:
        if base.sum() > 0 and share > 0:
            weights += share * base / base.sum()
            spent += share
    weights += (1.0 - spent) * population / population.sum()
    return weights


class Candidates:
    """Turns lever values into ``--set`` overrides, writing each candidate's weights CSV once."""

    def __init__(self, spec: SearchSpec, folder: Path) -> None:
        self.spec = spec
        self.folder = folder
        self._world: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _world_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._world is None:
            from regsim import scenario as scenario_mod
            from regsim.model.simulation import cached_world

            params = scenario_mod.load(self.spec.scenario, set_strings(self.spec.fixed)).params
            world = cached_world(params.scale.world_seed, params.world)
            s = world.settlements
            self._world = (s.population_2017.to_numpy(float), s.growth_centre.to_numpy(bool),
                           np.asarray(world.road_km, dtype=float))
        return self._world

    def overrides(self, levers: dict[str, float]) -> list[str]:
        """``--set`` strings of a candidate (policy only; fixed settings and worlds come on top)."""
        defaults = {"centre_share": 0.0, "hinterland_share": 0.0, "catchment_km": 60.0}
        values = {**defaults, **levers}
        population, centre, road_km = self._world_arrays()
        weights = allocation_weights(population, centre, road_km, values["centre_share"],
                                     values["hinterland_share"], values["catchment_km"])
        text = "settlement_id,weight\n" + "".join(f"{i},{w:.9g}\n" for i, w in enumerate(weights) if w > 0)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = self.folder / f"weights-{digest}.csv"
        if not path.is_file():
            from regsim.batch import store

            store.atomic_write_bytes(path, text.encode())
        out = ["policy.strategy=custom", f"policy.custom_weights_csv={json.dumps(str(path.resolve()))}"]
        if "sunset_year" in levers:
            out.append(f"policy.sunset_year={int(levers['sunset_year'])}")
        out += [f"policy.{c}={levers[c]}" for c in CHANNELS if c in levers]
        return out




# ---------------------------------------------------------------------------------------------------
# the run cache: (params hash, seed) -> run_id in a batch-like store


Runner = Callable[[list[Any], str, int, str | None], Iterator[Any]]


def read_index(path: Path) -> dict[str, int]:
    """The run cache's ``index.json`` (``{"HASH:SEED": run_id}``), or ``{}`` if there is none yet.

    Raises:
        ExperimentError: naming the file if it is not such a table (damaged or written by hand).
    """
    if not path.is_file():
        return {}
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ExperimentError(f"{path}: unreadable ({type(err).__name__}); the run cache index is damaged: "
                              "remove it (the runs are found again) or give a new --out") from None
    if not (isinstance(index, dict) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                            for v in index.values())):
        raise ExperimentError(f"{path}: not a run cache index (a table of run ids); remove it or give a new --out")
    return index


class RunCache:
    """Runs keyed by (model, params hash, seed) in ``folder``; each key runs once per model version.

    ``folder/index.json`` maps ``"vVERSION-mMODEL:HASH:SEED"`` to a run id (:mod:`regsim.version`): runs
    of another model version are never reused (``stale`` counts them; they are run again under new
    ids). The index is written before the runs start,
    so an interrupted search finds its finished runs again (their files and completion records
    are in ``folder/national/`` etc., as in a batch).
    """

    def __init__(self, folder: Path, scenario: str, executor: str = "serial", workers: int = 1,
                 scheduler: str | None = None, runner: Runner | None = None) -> None:
        from regsim.batch.executors import run_specs
        from regsim.scenario import locate

        self.folder = folder
        self.scenario = str(locate(scenario).resolve())
        self.executor, self.workers, self.scheduler = executor, workers, scheduler
        self.runner = runner or run_specs
        self.index_path = folder / "index.json"
        self.index: dict[str, int] = read_index(self.index_path)
        self.launched = 0  # runs handed to the executor by this object (tests count them)
        self.stale = sum(not key.startswith(f"{cache_tag()}:") for key in self.index)

    def key(self, overrides: list[str], seed: int) -> str:
        """``TAG:HASH:SEED`` (the model's :func:`~regsim.version.cache_tag`), the weights file named by its content."""
        from regsim import scenario as scenario_mod
        from regsim.params import params_hash, replace

        params = scenario_mod.load(self.scenario, overrides).params
        if params.policy.custom_weights_csv:
            params = replace(params, "policy.custom_weights_csv", Path(params.policy.custom_weights_csv).name)
        return f"{cache_tag()}:{params_hash(params)}:{seed}"

    def ensure(self, jobs: list[tuple[list[str], int]], progress: Callable[[int, int], None] | None = None
               ) -> list[int]:
        """Run every (overrides, seed) not yet done; return their run ids in order."""
        from regsim.batch import store
        from regsim.batch.executors import RunSpec

        ids = []
        todo = []
        for overrides, seed in jobs:
            key = self.key(overrides, seed)
            if key not in self.index:
                self.index[key] = len(self.index)
            run_id = self.index[key]
            ids.append(run_id)
            if not store.is_complete(self.folder, run_id, OUTPUTS) and run_id not in {
                    s.run_id for s in todo}:
                todo.append(RunSpec(run_id=run_id, scenario=self.scenario, overrides=tuple(overrides), seed=seed,
                                    outputs=OUTPUTS, out_dir=str(self.folder), settlement_years="base_and_last"))
        self.folder.mkdir(parents=True, exist_ok=True)
        store.atomic_json(self.index, self.index_path)  # before the runs: an interruption keeps the ids
        failed = []
        if todo:
            self.launched += len(todo)
            for count, outcome in enumerate(self.runner(todo, self.executor, self.workers, self.scheduler), 1):
                if outcome.status == "failed":
                    failed.append(outcome)
                if progress is not None:
                    progress(count, len(todo))
        if failed:
            raise ExperimentError(f"{len(failed)} run(s) failed, e.g. run {failed[0].run_id}: {failed[0].error}; "
                                  f"see {self.folder}/failed/")
        return ids

    def national(self, run_ids: list[int]) -> pd.DataFrame:
        """National tables of the given runs (``run_id`` column)."""
        from regsim.batch import store

        return pd.concat([pd.read_parquet(store.run_file(self.folder, "national", i)) for i in run_ids],
                         ignore_index=True)

    def oblasts(self, run_ids: list[int]) -> pd.DataFrame:
        """Oblast tables of the given runs, last year only."""
        from regsim.batch import store

        frames = []
        for i in run_ids:
            frame = pd.read_parquet(store.run_file(self.folder, "oblasts", i))
            frames.append(frame[frame.year == frame.year.max()])
        return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------------
# evaluation: candidates -> objectives


@dataclass
class ModelEvaluator:
    """Evaluates candidates with the model on paired seeds (and worlds, in robust mode)."""

    spec: SearchSpec
    out_dir: Path
    executor: str = "serial"
    workers: int = 1
    scheduler: str | None = None
    runner: Runner | None = None
    announce: Callable[[str], None] | None = None
    cache: RunCache = field(init=False)
    candidates: Candidates = field(init=False)
    seeds: list[int] = field(init=False)
    worlds: list[dict[str, float]] = field(init=False)
    reference: pd.DataFrame | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        from regsim.rng import replication_seeds

        self.cache = RunCache(self.out_dir / "runs", self.spec.scenario, self.executor, self.workers,
                              self.scheduler, self.runner)
        if self.cache.stale and self.announce is not None:
            self.announce(f"{self.out_dir / 'runs'}: {self.cache.stale} cached run(s) of another model version are "
                          f"not reused (this is {cache_tag()}); they are run again")
        self.candidates = Candidates(self.spec, self.out_dir / "runs" / "weights")
        self.seeds = replication_seeds(self.spec.seed, self.spec.replications)
        self.worlds = plausible_worlds(self.spec) if self.spec.robust else [{}]

    def _jobs(self, overrides: list[list[str]]) -> tuple[list[tuple[list[str], int]], pd.DataFrame]:
        fixed = set_strings(self.spec.fixed)
        jobs, rows = [], []
        for label, policy in enumerate(overrides):
            for w, world in enumerate(self.worlds):
                for r, seed in enumerate(self.seeds):
                    jobs.append(([*fixed, *set_strings(world), *policy], seed))
                    rows.append({"label": label, "world": w, "replication": r})
        return jobs, pd.DataFrame(rows)

    def outcomes(self, overrides: list[list[str]]) -> pd.DataFrame:
        """Per-run outcomes (``label, world, replication`` + outcome columns) of policies given as overrides."""
        from regsim.reporting.paired import per_run_outcomes

        jobs, rows = self._jobs(overrides)
        ids = self.cache.ensure(jobs, self._progress)
        rows["run_id"] = ids
        national = self.cache.national(sorted(set(ids)))
        national["label"] = national.run_id
        national["replication"] = 0
        per_run = per_run_outcomes(national).rename(columns={"label": "run_id"}).drop(columns="replication")
        out = rows.merge(per_run, on="run_id", how="left")
        if self.spec.no_oblast_loses:
            obl = self.cache.oblasts(sorted(set(ids)))
            obl = obl[obl.metric == "income_per_capita_som"].pivot_table(index="run_id", columns="oblast",
                                                                         values="value")
            out = out.join(obl.add_prefix("oblast:"), on="run_id")
        return out

    def _progress(self, done: int, total: int) -> None:
        if self.announce is not None and (done == total or done % max(1, total // 4) == 0):
            self.announce(f"  runs {done}/{total}")

    def named(self) -> pd.DataFrame:
        """Per-run outcomes of the named strategies (``label`` = strategy name); run once, cached."""
        if self.reference is None:
            names = list(NAMED)
            out = self.outcomes([[f"policy.strategy={n}"] for n in names])
            out["label"] = [names[i] for i in out.label]
            self.reference = out
        return self.reference

    def __call__(self, levers: list[dict[str, float]]) -> pd.DataFrame:
        """Objective table of candidates, one row per candidate, in order."""
        runs = self.outcomes([self.candidates.overrides(v) for v in levers])
        return summarise(runs, self.named(), self.spec)


def plausible_worlds(spec: SearchSpec) -> list[dict[str, float]]:
    """The robust-mode worlds: the Latin hypercube of ``regsim robustness`` (same seed, same ranges)."""
    from regsim.batch.experiment import design
    from regsim.batch.experiment import parse as parse_experiment
    from regsim.studies import robustness

    table = robustness.experiment_table(spec.robust, (BASELINE,), spec.scenario, spec.fixed, seed=spec.seed)
    frame = design(parse_experiment(table, None))
    keys = list(table["sample"]["ranges"])
    return [{k: float(row[k]) for k in keys} for row in frame[keys].to_dict("records")]


def summarise(runs: pd.DataFrame, named: pd.DataFrame, spec: SearchSpec) -> pd.DataFrame:
    """Objectives per label from per-run outcomes, paired with ``none`` on (world, replication).

    Without worlds: the mean over seeds of each objective, and ``OBJ_vs_none`` with its 90%
    t interval (``_low``, ``_high``) over the paired seeds. In robust mode: ``mean_regret_OBJ`` and
    ``max_regret_OBJ`` over the worlds, against the best named strategy in each world.
    Constraint column ``worst_oblast_loss`` (som per person, > 0 is a violation) if asked for.
    """
    from regsim.reporting.paired import t_interval

    base = named[named.label == BASELINE].set_index(["world", "replication"])
    rows = []
    for label, group in runs.groupby("label", sort=False):
        row: dict[str, Any] = {"label": label}
        if not spec.robust:
            mine = group.set_index(["world", "replication"])
            ref = base.loc[mine.index]
            for name in spec.objectives:
                if name == "cost_per_person_year_out_of_poverty":
                    avoided = (ref.poverty_person_years - mine.poverty_person_years).sum()
                    row[name] = mine.budget_allocated_total.sum() / avoided if avoided > 0 else np.inf
                    continue
                row[name] = float(mine[name].mean())
                mean, _, low, high = t_interval((mine[name] - ref[name]).to_numpy(), CONFIDENCE)
                row.update({f"{name}_vs_none": mean, f"{name}_vs_none_low": low, f"{name}_vs_none_high": high})
        else:
            for name, sense in spec.objectives.items():
                regret = _regret(group, named, name, sense)
                row[f"mean_regret_{name}"] = float(regret.mean())
                row[f"max_regret_{name}"] = float(regret.max())
                row[name] = float(group[name].mean())
        if spec.no_oblast_loses:
            cols = [c for c in group if c.startswith("oblast:")]
            mine = group.groupby(["world", "replication"])[cols].mean()
            ref = base[cols].loc[mine.index]
            row["worst_oblast_loss"] = float((ref - mine).mean().max())
        rows.append(row)
    return pd.DataFrame(rows)


def _regret(group: pd.DataFrame, named: pd.DataFrame, name: str, sense: str) -> pd.Series:
    """Per world: shortfall of the label's mean over seeds from the best named strategy's (>= 0 is worse)."""
    if name == "cost_per_person_year_out_of_poverty":
        raise ExperimentError("robust mode: cost per person-year out of poverty has no regret; choose "
                              "gdp_pv, poverty_person_years or theil_between_end")
    mine = group.groupby("world")[name].mean()
    ref = named[named.label != BASELINE].groupby(["world", "label"])[name].mean().unstack()
    best = ref.max(axis=1) if sense == "max" else ref.min(axis=1)
    return (best - mine) if sense == "max" else (mine - best)


def objective_columns(spec: SearchSpec) -> list[tuple[str, str]]:
    """The (column, sense) pairs the optimiser minimises or maximises."""
    if not spec.robust:
        return list(spec.objectives.items())
    return [(f"{kind}_regret_{n}", "min") for n in spec.objectives for kind in ("mean", "max")]


# ---------------------------------------------------------------------------------------------------
# the search


Evaluate = Callable[[list[dict[str, float]]], pd.DataFrame]


def search(spec: SearchSpec, evaluate: Evaluate, announce: Callable[[str], None] | None = None
           ) -> pd.DataFrame:
    """Run NSGA-II over the levers; return every evaluated candidate (levers, objectives, generation).

    Args:
        spec: The optimisation.
        evaluate: Lever values of a generation -> one row of objective columns per candidate
            (:class:`ModelEvaluator`, or a fake in tests).
        announce: Called with a line per generation.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize

    variables = spec.variables()
    columns = objective_columns(spec)
    archive: list[pd.DataFrame] = []
    seen: dict[str, dict[str, Any]] = {}

    class _Problem(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=len(variables), n_obj=len(columns), n_ieq_constr=int(spec.no_oblast_loses),
                             xl=np.array([v[1] for v in variables]), xu=np.array([v[2] for v in variables]))
            self.generation = 0

        def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            levers = [decode(spec, row) for row in x]
            keys = [json.dumps(v, sort_keys=True) for v in levers]
            new = [v for k, v in dict(zip(keys, levers, strict=True)).items() if k not in seen]
            if new:
                table = evaluate(new).reset_index(drop=True)
                for v, row in zip(new, table.to_dict("records"), strict=True):
                    seen[json.dumps(v, sort_keys=True)] = row
            rows = pd.DataFrame([{**v, **seen[k]} for k, v in zip(keys, levers, strict=True)])
            archive.append(rows.assign(generation=self.generation))
            signs = np.array([-1.0 if sense == "max" else 1.0 for _, sense in columns])
            f = rows[[c for c, _ in columns]].to_numpy(float) * signs
            out["F"] = np.nan_to_num(f, nan=INFEASIBLE, posinf=INFEASIBLE, neginf=-INFEASIBLE)
            if spec.no_oblast_loses:
                out["G"] = rows[["worst_oblast_loss"]].to_numpy(float)
            if announce is not None:
                best = ", ".join(f"{c} best {(rows[c].max() if s == 'max' else rows[c].min()):,.4g}"
                                 for c, s in columns)
                announce(f"generation {self.generation}: {len(new)} new candidates; {best}")
            self.generation += 1

    problem = _Problem()
    algorithm = NSGA2(pop_size=spec.population, eliminate_duplicates=True)
    minimize(problem, algorithm, ("n_gen", spec.generations), seed=spec.search_seed, verbose=False)
    history = pd.concat(archive, ignore_index=True)
    lever_names = [c for c in history.columns if c in LEVERS or c in CHANNELS]
    history = history.drop_duplicates(subset=lever_names, keep="first").reset_index(drop=True)
    return history.drop(columns=["label"], errors="ignore")


def pareto(table: pd.DataFrame, columns: list[tuple[str, str]], feasible: pd.Series | None = None) -> pd.DataFrame:
    """The non-dominated rows of ``table`` on ``columns`` (feasible rows only, if given)."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    rows = table if feasible is None else table[feasible]
    if rows.empty:
        return rows
    signs = np.array([-1.0 if sense == "max" else 1.0 for _, sense in columns])
    f = np.nan_to_num(rows[[c for c, _ in columns]].to_numpy(float) * signs, nan=INFEASIBLE, posinf=INFEASIBLE)
    front = NonDominatedSorting().do(f, only_non_dominated_front=True)
    return rows.iloc[np.sort(front)].reset_index(drop=True)


def place_named(named_table: pd.DataFrame, front: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """Named strategies with ``dominated_by`` (how many Pareto points beat them on every objective)."""
    out = named_table.copy()
    counts = []
    for _, row in out.iterrows():
        better = np.ones(len(front), dtype=bool)
        strictly = np.zeros(len(front), dtype=bool)
        for c, sense in columns:
            diff = (front[c] - row[c]).to_numpy() * (1 if sense == "max" else -1)
            better &= diff >= 0
            strictly |= diff > 0
        counts.append(int((better & strictly).sum()))
    out["dominated_by"] = counts
    return out


def frontier_gap(front: pd.DataFrame, named_table: pd.DataFrame, label: str = CONCEPT) -> dict[str, Any] | None:
    """How far ``label`` is behind the GDP-poverty frontier at equal (or lower) poverty.

    Returns:
        ``gap_share`` (frontier GDP PV / label's - 1, at the best frontier point with no more
        person-years in poverty), the point's index in ``front``, or None when the objectives are
        not GDP PV and poverty person-years.
    """
    if not {"gdp_pv", "poverty_person_years"} <= set(front.columns) or label not in set(named_table.label):
        return None
    me = named_table.set_index("label").loc[label]
    ok = front[front.poverty_person_years <= me.poverty_person_years]
    if ok.empty:
        return {"gap_share": 0.0, "point": None, "poverty_person_years": me.poverty_person_years}
    best = ok.gdp_pv.idxmax()
    return {"gap_share": float(ok.gdp_pv[best] / me.gdp_pv - 1.0), "point": int(best),
            "poverty_person_years": float(me.poverty_person_years), "gdp_pv": float(me.gdp_pv),
            "frontier_gdp_pv": float(ok.gdp_pv[best])}


def report_text(spec: SearchSpec, front: pd.DataFrame, placed: pd.DataFrame, evaluated: int) -> str:
    """A short report section (Markdown) on the search, the frontier and where the Concept stands."""
    lines = [f"## The best allocations: a search over {len(spec.variables())} levers",
             "",
             f"NSGA-II (pymoo; population {spec.population}, {spec.generations} generations, seed "
             f"{spec.search_seed}) evaluated {evaluated} allocation rules on {spec.replications} paired seeds"
             + (f" in each of {spec.robust} plausible worlds (objectives: mean and worst regret against the "
                f"best named strategy per world)" if spec.robust else "")
             + f" ({', '.join(f'{k}={v}' for k, v in spec.fixed.items())}). "
             f"{len(front)} are on the Pareto frontier"
             + (", subject to no oblast's income per person falling below no budget's" if spec.no_oblast_loses
                else "") + ".",
             ""]
    gap = frontier_gap(front, placed) if not spec.robust else None
    if gap is not None:
        concept = placed.set_index("label").loc[CONCEPT]
        if gap["point"] is None or gap["gap_share"] <= 0 or concept.dominated_by == 0:
            lines.append(f"The Concept as adopted ({CONCEPT}) is on the frontier: no allocation found does better "
                         "on both GDP and poverty.")
        else:
            p = front.iloc[gap["point"]]
            lines.append(
                f"The Concept as adopted ({CONCEPT}) is {100 * gap['gap_share']:.2f}% of GDP (present value) "
                f"behind the frontier at equal poverty: the allocation with {describe_levers(p)}"
                f" gives {p.gdp_pv:,.4g} som against {concept.gdp_pv:,.4g} with no more person-years in poverty "
                f"({p.poverty_person_years:,.4g} against {concept.poverty_person_years:,.4g}); "
                f"{int(concept.dominated_by)} frontier point(s) beat it on every objective.")
        if gap["point"] is not None and gap["gap_share"] > 0 and "gdp_pv_vs_none_low" in front:
            p, c = front.iloc[gap["point"]], concept
            apart = p.gdp_pv_vs_none_low > c.gdp_pv_vs_none_high
            lines.append("")
            lines.append(f"Their 90% intervals of GDP gained versus none over the {spec.replications} seeds "
                         + ("do not overlap, so the gap is unlikely to be noise." if apart else
                            "overlap: the gap may be noise; add replications to tell."))
    lines.append("")
    for _, row in placed.iterrows():
        where = "on the frontier" if row.dominated_by == 0 else f"behind {row.dominated_by} frontier point(s)"
        lines.append(f"- {row.label}: {where}")
    lines.append("")
    lines.append(("pareto.csv gives each frontier point's regret per objective (mean and worst over the worlds)"
                  if spec.robust else
                  "pareto.csv gives each frontier point's gain versus none with its interval over the paired seeds")
                 + "; pareto/pareto-NN.toml runs it as a scenario (regsim run FILE).")
    return "\n".join(lines) + "\n"


def describe_levers(row: pd.Series) -> str:
    """Lever values of a candidate in words, e.g. ``centre share 0.51, sunset 2024``."""
    parts = []
    for name in [*LEVERS, *CHANNELS]:
        if name in row and pd.notna(row[name]):
            value = row[name]
            text = f"{int(value)}" if name == "sunset_year" else f"{value:.3g}"
            parts.append(f"{name.replace('_', ' ')} {text}")
    return ", ".join(parts)


def scenario_toml(spec: SearchSpec, levers: dict[str, float], weights_name: str, title: str) -> str:
    """A scenario file (TOML) that runs one candidate: custom weights, sunset and channel split."""
    inherits = spec.scenario
    lines = [f"description = {json.dumps(title)}", f"inherits = {json.dumps(inherits)}",
             f"# found by regsim optimise ({spec.name}); levers: "
             + ", ".join(f"{k}={v:g}" for k, v in levers.items()),
             f"# evaluated with: {', '.join(f'{k}={v}' for k, v in spec.fixed.items())}",
             "", "[policy]", 'strategy = "custom"', f"custom_weights_csv = {json.dumps(weights_name)}"]
    if "sunset_year" in levers:
        lines.append(f"sunset_year = {int(levers['sunset_year'])}")
    lines += [f"{c} = {levers[c]}" for c in CHANNELS if c in levers]
    return "\n".join(lines) + "\n"


def write_scenarios(spec: SearchSpec, front: pd.DataFrame, candidates: Candidates, folder: Path) -> list[Path]:
    """Write every Pareto point as ``folder/pareto-NN.toml`` with its weights CSV beside it."""
    from regsim.batch import store

    paths = []
    lever_names = [c for c in front.columns if c in LEVERS or c in CHANNELS]
    for i, row in front.reset_index(drop=True).iterrows():
        levers = {k: float(row[k]) for k in lever_names}
        overrides = candidates.overrides(levers)
        source = Path(json.loads(overrides[1].split("=", 1)[1]))
        name = f"pareto-{i + 1:02d}"
        store.atomic_write_bytes(folder / f"{name}-weights.csv", source.read_bytes())
        title = f"Pareto point {i + 1} of regsim optimise {spec.name}"
        store.atomic_write_bytes(folder / f"{name}.toml",
                                 scenario_toml(spec, levers, f"{name}-weights.csv", title).encode())
        paths.append(folder / f"{name}.toml")
    return paths


def figure(spec: SearchSpec, history: pd.DataFrame, front: pd.DataFrame, placed: pd.DataFrame,
           out_dir: Path) -> list[Path]:
    """``pareto.png``/``.svg``: the frontier on the first two objectives (versus ``none`` where paired)."""
    from regsim.reporting.plots import close_all, new_figure, save
    from regsim.reporting.search_plots import plot_pareto

    cols = [c for c, _ in objective_columns(spec)]
    if len(cols) < 2:
        cols = [*cols, "poverty_person_years" if cols[0] != "poverty_person_years" else "gdp_pv"]
    y, x = cols[0], cols[1]
    scale = {"gdp_pv": 1e-9}
    names = {"gdp_pv": "GDP present value", "poverty_person_years": "person-years in poverty",
             "theil_between_end": "Theil between oblasts", "cost_per_person_year_out_of_poverty":
             "som per person-year out of poverty"}

    def axis(c: str) -> tuple[str, float, str]:
        base = c.removeprefix("mean_regret_").removeprefix("max_regret_")
        unit = " (bn som)" if base == "gdp_pv" else ""
        if f"{c}_vs_none" in history:
            return f"{c}_vs_none", scale.get(base, 1.0), f"{names[base]}, minus none{unit}"
        return c, scale.get(base, 1.0), f"{c.replace('_', ' ')}{unit}"

    (xc, xs, xl), (yc, ys, yl) = axis(x), axis(y)
    fig, ax = new_figure(width=8.5, height=6)
    if xc in history and yc in history and xc in placed and yc in placed:
        plot_pareto(history, front, placed, xc, yc, ax=ax, x_scale=xs, y_scale=ys, xlabel=xl, ylabel=yl)
    ax.set_title(f"regsim optimise {spec.name}: {len(history)} allocations, {len(front)} on the frontier", fontsize=9)
    paths = save(fig, out_dir, "pareto")
    close_all()
    return paths


def check_request(executor: str, workers: int, scheduler: str | None) -> None:
    """Check the executor, worker count and scheduler (it must answer) before anything is created."""
    from regsim.batch.executors import check_arguments, check_scheduler

    check_arguments("dask" if scheduler else executor, workers)
    if scheduler:
        check_scheduler(scheduler)


def run(spec: SearchSpec, out_dir: Path, executor: str = "serial", workers: int = 1, scheduler: str | None = None,
        announce: Callable[[str], None] | None = None, runner: Runner | None = None) -> dict[str, Any]:
    """Search, place the named strategies, write the tables, scenarios and report text into ``out_dir``.

    Writes ``evaluations.csv`` (every candidate), ``pareto.csv`` (the frontier), ``named.csv``
    (named strategies, evaluated the same way), ``pareto/pareto-NN.toml`` and ``optimise.md``;
    the runs are in ``runs/``. Returns the tables and the report text.
    """
    from regsim.batch import store

    check_request(executor, workers, scheduler)
    manifest = out_dir / "optimise.json"
    if manifest.is_file():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ExperimentError(f"{manifest}: unreadable ({type(err).__name__}); not a usable optimise folder: "
                                  "give a new --out") from None
        if not isinstance(old, dict) or old.get("fingerprint") != spec.fingerprint():
            raise ExperimentError(f"{out_dir}: holds a search with other settings (scenario, seeds, --set or "
                                  "robust worlds); give a new --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    store.atomic_json({"name": spec.name, "fingerprint": spec.fingerprint(), "scenario": spec.scenario,
                       "fixed": spec.fixed, "replications": spec.replications, "robust": spec.robust}, manifest)
    evaluator = ModelEvaluator(spec, out_dir, executor, workers, scheduler, runner, announce)
    if announce is not None:
        announce(f"named strategies: {', '.join(NAMED)} on {len(evaluator.seeds)} seeds"
                 + (f" in {len(evaluator.worlds)} worlds" if spec.robust else ""))
    named_runs = evaluator.named()
    named_table = summarise(named_runs, named_runs, spec)
    history = search(spec, evaluator, announce)
    columns = objective_columns(spec)
    feasible = history.worst_oblast_loss <= 0 if spec.no_oblast_loses else None
    front = pareto(history, columns, feasible)
    placed = place_named(named_table, front, columns)
    text = report_text(spec, front, placed, len(history))
    files = {"evaluations.csv": history, "pareto.csv": front, "named.csv": placed}
    for name, frame in files.items():
        store.atomic_write_bytes(out_dir / name, frame.to_csv(index=False).encode())
    store.atomic_write_bytes(out_dir / "optimise.md", text.encode())
    scenarios = write_scenarios(spec, front, evaluator.candidates, out_dir / "pareto")
    figure(spec, history, front, placed, out_dir)
    return {"history": history, "pareto": front, "named": placed, "text": text, "scenarios": scenarios,
            "columns": columns, "runs": evaluator.cache.launched}
