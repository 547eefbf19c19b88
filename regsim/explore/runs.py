"""Runs behind the explorer: the batch executors, and a cache keyed by parameters and seed.

Every run goes through :func:`regsim.batch.executors.run_specs` (a process pool by default, as
``regsim batch``), so the explorer's numbers are those of a batch. A run is stored on disk as
``CACHE/v<regsim version>-m<model version>/<params_hash>-s<seed>/`` holding the exact
``scenario.toml`` it ran (written by :func:`regsim.explore.levers.scenario_toml`) and its
``national/``, ``oblasts/`` and ``settlements/`` files (run id 0), and kept in memory once read:
moving back to a choice, or pairing a new choice with the same ``none`` runs, costs no run at all.
The key holds the regsim version and the model version (:mod:`regsim.version`), so after an upgrade
that changed results the runs are made again, never served from the old model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from regsim import files
from regsim.batch import store
from regsim.batch.executors import RunSpec, run_specs
from regsim.errors import RegsimError
from regsim.explore import levers
from regsim.params import Params, params_hash
from regsim.reporting.analysis import Comparison
from regsim.version import cache_tag

OUTPUTS: Final = ("national", "oblasts", "settlements")
SCENARIO_FILE: Final = "scenario.toml"

Progress = Callable[[int, int], None]


class Cancelled(Exception):  # noqa: N818 - a signal, not an error
    """The user changed a lever while runs were going; the finished runs stay cached."""


@dataclass(frozen=True)
class Job:
    """One run of one choice: its parameters, seed and cache folder."""

    label: str
    replication: int
    seed: int
    params: Params
    toml: str
    folder: Path


class RunCache:
    """Runs by (parameters, seed), on disk and in memory; missing runs go to the batch executors.

    Args:
        folder: Cache folder (created).
        executor: ``processes`` (default), ``serial`` or ``dask``.
        workers: Worker processes (default: all local cores, at most the number of runs).
    """

    def __init__(self, folder: str | Path, executor: str = "processes", workers: int | None = None) -> None:
        self.folder = Path(folder)
        self.executor = executor
        self.workers = workers
        self._memory: dict[Path, dict[str, pd.DataFrame]] = {}
        self._lock = threading.Lock()
        self._world: pd.DataFrame | None = None
        self._roads: pd.DataFrame | None = None

    # --- keys -------------------------------------------------------------------------------
    def jobs(self, choices: Mapping[str, Mapping[str, Any]], replications: int) -> list[Job]:
        """The runs behind labelled choices (``{"A": choice, "none": reference}``), replication by replication."""
        from regsim import scenario as scenario_mod

        out = []
        for label, choice in choices.items():
            toml = levers.scenario_toml(choice, description=f"regsim explore: {levers.describe_choice(choice)}")
            try:
                params = scenario_mod.load(levers.BASE_SCENARIO, levers.overrides(choice)).params
            except RegsimError as err:
                raise RegsimError(f"choice {label}: {err}") from None
            key = params_hash(params)
            for rep, seed in enumerate(levers.seeds(replications)):
                folder = self.folder / cache_tag() / f"{key}-s{seed}"
                out.append(Job(label, rep, seed, params, toml, folder))
        return out

    def is_cached(self, job: Job) -> bool:
        """Whether the run's files are on disk (or already read)."""
        return job.folder in self._memory or store.is_complete(job.folder, 0, OUTPUTS)

    # --- running ----------------------------------------------------------------------------
    def ensure(self, jobs: list[Job], progress: Progress | None = None,
               cancel: threading.Event | None = None) -> int:
        """Run every job that is not cached yet; returns how many ran.

        Args:
            jobs: From :meth:`jobs`.
            progress: Called with (finished, total) after each run.
            cancel: When set, stop after the run in hand (finished runs stay cached).

        Raises:
            Cancelled: if ``cancel`` was set.
            RegsimError: if a run failed (its error is in ``folder/failed/``).
        """
        todo = {job.folder: job for job in jobs if not self.is_cached(job)}
        total = len(todo)
        if progress:
            progress(0, total)
        if not todo:
            return 0
        specs = []
        for job in todo.values():
            job.folder.mkdir(parents=True, exist_ok=True)
            files.write_bytes(job.folder / SCENARIO_FILE, job.toml.encode())
            specs.append(RunSpec(run_id=0, scenario=str(job.folder / SCENARIO_FILE), overrides=(), seed=job.seed,
                                 outputs=OUTPUTS, out_dir=str(job.folder), settlement_years="base_and_last"))
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(specs)))
        executor = "serial" if len(specs) == 1 and self.executor == "processes" else self.executor
        done = 0
        outcomes = run_specs(specs, executor, workers)
        try:
            for outcome in outcomes:
                if outcome.status == "failed":
                    raise RegsimError(f"a run failed: {outcome.error}")
                done += 1
                if progress:
                    progress(done, total)
                if cancel is not None and cancel.is_set():
                    raise Cancelled
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()  # ends the pool of unfinished runs
        return done

    # --- reading ----------------------------------------------------------------------------
    def tables(self, job: Job) -> dict[str, pd.DataFrame]:
        """The run's tables (read once, then from memory)."""
        with self._lock:
            if job.folder not in self._memory:
                self._memory[job.folder] = {t: pd.read_parquet(store.run_file(job.folder, t, 0)) for t in OUTPUTS}
            return self._memory[job.folder]

    def world(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """World table (settlements with lat, lon, km_to_centre) and road segments, built once."""
        if self._world is None:
            from regsim import scenario as scenario_mod
            from regsim.model.simulation import cached_world, road_table, world_table

            params = scenario_mod.load(levers.BASE_SCENARIO).params
            world = cached_world(params.scale.world_seed, params.world)
            self._world, self._roads = world_table(world), road_table(world)
        assert self._roads is not None
        return self._world, self._roads

    def comparison(self, jobs: list[Job]) -> Comparison:
        """The jobs' tables as a :class:`~regsim.reporting.analysis.Comparison` (label per choice)."""
        frames: dict[str, list[pd.DataFrame]] = {t: [] for t in OUTPUTS}
        design = []
        for run_id, job in enumerate(jobs):
            tables = self.tables(job)
            extra = {"run_id": run_id, "label": job.label, "replication": job.replication, "seed": job.seed}
            for table in OUTPUTS:
                frames[table].append(tables[table].assign(**extra))
            design.append(extra)
        world, roads = self.world()
        return Comparison(national=pd.concat(frames["national"], ignore_index=True),
                          oblasts=pd.concat(frames["oblasts"], ignore_index=True),
                          settlements=pd.concat(frames["settlements"], ignore_index=True),
                          design=pd.DataFrame(design), world=world, roads=roads,
                          manifest={"experiment": "regsim explore"})


def default_cache_folder() -> Path:
    """``$XDG_CACHE_HOME/regsim/explore`` (``~/.cache/regsim/explore``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regsim" / "explore"


def stale_note(folder: str | Path | None = None) -> str | None:
    """One line if the cache holds runs of another regsim or model version (they are not used), else None."""
    root = Path(folder) if folder is not None else default_cache_folder()
    try:
        other = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("v")
                       and p.name != cache_tag())
    except OSError:
        return None
    if not other:
        return None
    return (f"run cache {root}: runs of {', '.join(other)} are not used by this model ({cache_tag()}); "
            "choices are run again (delete those folders to free the space)")
