"""Run a design on one of several interchangeable executors: serial, processes, Dask, or a shard.

A run depends only on its parameters and seed (:func:`execute`), and writes its own files (no
results travel back through a scheduler), so every executor, worker count and sharding gives the
same tables. ``processes`` is a local ``multiprocessing`` pool (``maxtasksperchild`` recycles
workers; 3.11's ``ProcessPoolExecutor(max_tasks_per_child=...)`` can deadlock, gh-115634);
``dask`` is a ``distributed.LocalCluster`` or an existing cluster at ``--scheduler`` (started
with ``dask scheduler`` / ``dask worker`` or dask-jobqueue); runs lost with a worker are
rescheduled by Dask and retried. ``--shard I/N`` keeps only the runs with ``run_id % N == I - 1``,
for Slurm job arrays.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from regsim.batch import store
from regsim.errors import ExperimentError

EXECUTORS = ("serial", "processes", "dask")
TASKS_PER_CHILD = 200  # recycle pool workers now and then (memory hygiene)
DASK_RETRIES = 2


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (small and picklable)."""

    run_id: int
    scenario: str
    overrides: tuple[str, ...]
    seed: int
    outputs: tuple[str, ...]
    out_dir: str
    settlement_years: str = "all"


@dataclass(frozen=True)
class RunOutcome:
    """What a worker reports back: status only, never the tables."""

    run_id: int
    status: str  # done | failed | skipped
    seconds: float
    error: str = ""


def execute(spec: RunSpec) -> RunOutcome:
    """Run one design row and write its files; a failure is recorded, not raised."""
    from regsim import scenario
    from regsim.model.simulation import run_one

    out_dir = Path(spec.out_dir)
    if store.is_complete(out_dir, spec.run_id, spec.outputs):
        return RunOutcome(spec.run_id, "skipped", 0.0)
    started = time.perf_counter()
    try:
        params = scenario.load(spec.scenario, spec.overrides).params
        result = run_one(params, spec.seed, scenario=Path(spec.scenario).stem)
        for table in spec.outputs:
            frame = getattr(result, table).assign(run_id=spec.run_id)
            if table == "settlements" and spec.settlement_years == "base_and_last":
                frame = frame[frame.year.isin([frame.year.min(), frame.year.max()])]
            store.atomic_parquet(frame, store.run_file(out_dir, table, spec.run_id))
        store.failure_file(out_dir, spec.run_id).unlink(missing_ok=True)
        return RunOutcome(spec.run_id, "done", time.perf_counter() - started)
    except Exception as err:  # a failed run is recorded and the batch goes on
        message = f"{type(err).__name__}: {err}"
        store.atomic_json({"run_id": spec.run_id, "error": message, "traceback": traceback.format_exc()},
                          store.failure_file(out_dir, spec.run_id))
        return RunOutcome(spec.run_id, "failed", time.perf_counter() - started, message)


def _serial(specs: list[RunSpec]) -> Iterator[RunOutcome]:
    for spec in specs:
        yield execute(spec)


def _processes(specs: list[RunSpec], workers: int) -> Iterator[RunOutcome]:
    import multiprocessing

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with multiprocessing.get_context("forkserver").Pool(workers, maxtasksperchild=TASKS_PER_CHILD) as pool:
        yield from pool.imap_unordered(execute, specs, chunksize=1)


def _dask(specs: list[RunSpec], workers: int, scheduler: str | None) -> Iterator[RunOutcome]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ExperimentError("--executor dask needs the 'distributed' package: "
                              "pip install 'dask[distributed]'") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise ExperimentError(f"--scheduler {scheduler}: cannot connect ({err})") from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, env={"OMP_NUM_THREADS": "1"})
        client = Client(cluster)
    try:
        futures = client.map(execute, specs, pure=False, retries=DASK_RETRIES,
                             key=[f"regsim-run-{s.run_id}-{os.getpid()}-{time.time_ns()}" for s in specs])
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as err:  # the task itself failed after retries (e.g. killed workers)
                spec = specs[futures.index(future)]
                message = f"lost on the cluster: {type(err).__name__}: {err}"
                store.atomic_json({"run_id": spec.run_id, "error": message},
                                  store.failure_file(Path(spec.out_dir), spec.run_id))
                yield RunOutcome(spec.run_id, "failed", 0.0, message)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_specs(specs: list[RunSpec], executor: str, workers: int, scheduler: str | None = None) -> Iterator[RunOutcome]:
    """Outcomes of the runs as they finish, on the chosen executor."""
    if executor not in EXECUTORS:
        raise ExperimentError(f"--executor: unknown {executor!r}; allowed: {', '.join(EXECUTORS)}")
    if workers < 1:
        raise ExperimentError(f"--workers: {workers} is not allowed; use 1 or more")
    if executor == "serial":
        return _serial(specs)
    if executor == "processes":
        return _processes(specs, workers)
    return _dask(specs, workers, scheduler)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"I/N"`` -> (I, N) with 1 <= I <= N."""
    if text is None:
        return None
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ExperimentError(f"--shard {text!r}: expected I/N, e.g. 3/10") from None
    if not 1 <= i <= n:
        raise ExperimentError(f"--shard {text!r}: I must be between 1 and N")
    return i, n
