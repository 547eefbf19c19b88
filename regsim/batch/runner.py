"""Running a batch: the design, the results directory and the executor, in named steps.

``run_batch`` ties the pieces together: the design (``experiment``), the results directory
(``store``) and the executor (``executors``). Results are identical for a seed whichever
executor, worker count or sharding ran them, survive crashes and resume. Every argument (shard,
workers, executor, scheduler, ``--out``, design size) is checked before the results directory is
created, so a mistake leaves nothing behind.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from regsim.batch import store
from regsim.batch.executors import (
    RunSpec,
    check_arguments,
    check_not_bootstrapping,
    check_scheduler,
    parse_shard,
    run_specs,
)
from regsim.batch.experiment import Experiment, design, parse, run_overrides
from regsim.errors import ExperimentError
from regsim.i18n import _
from regsim.scenario import locate

MAX_RUNS: Final = 100_000  # larger designs need allow_large (--allow-large)
# --dry-run's estimate of a run's cost, the default run (1 row = 10 households, 2018-2040: 23 years) on one
# core: regsim bench's model_seconds on a quiet 2-core x86-64 (README "Performance") was 1.56 s at main
# bbe496b (2026-12-07, the final model of session 7); issue 23's speed-ups (2026-12-08) cut the CPU of the
# steps by 18% (1.40-1.43 -> 1.14-1.17 s) and of the build by 14% (0.355 -> 0.305 s), measured alternately
# against e0db3a4 in one shell: 0.25 s of build + 1.04 s of steps = 1.29 s. Timed on 2026-12-07, a run at
# 1:20 to 2035 takes 0.61 of the default and one at 1:400 to 2018 0.16: about 30% of the default is fixed
# (data, world, initialisation) and 70% grows with household rows x years.
REFERENCE_RUN_S: Final = 1.29
REFERENCE_WEIGHT: Final = 10
REFERENCE_YEARS: Final = 23
FIXED_SHARE: Final = 0.3


def seconds_per_run(params: Any) -> float:
    """Estimated seconds of one run on one core (``regsim bench``'s default run, scaled by rows x years)."""
    years = params.time.end_year - params.time.start_year + 1
    scale = (REFERENCE_WEIGHT / params.scale.household_weight) * (years / REFERENCE_YEARS)
    return REFERENCE_RUN_S * (FIXED_SHARE + (1 - FIXED_SHARE) * scale)


class DesignTooLargeError(ExperimentError):
    """A design of more than ``MAX_RUNS`` runs without ``allow_large`` (``regsim batch`` names its option)."""


def design_size(exp: Experiment) -> int:
    """Number of runs of an experiment's design, counted without building it.

    Cells (the grid's combinations, then the ``[[cells]]``) x sample points x replications;
    SALib draws ``n`` points for ``lhs``, ``n (D + 2)`` for ``sobol`` (``n (2D + 2)`` with
    ``second_order``) and ``n (D + 1)`` for ``morris`` (``n`` trajectories), with ``D`` the number of ranges.
    """
    grid = math.prod(len(values) for values in exp.grid.values())
    # with [[cells]]: the grid's cells (if any) then the listed ones; without: the grid (1 if none)
    cells = (grid if exp.grid else 0) + len(exp.cells) if exp.cells else grid
    points = 1
    if exp.ranges:
        d = len(exp.ranges)
        sobol = exp.n * (2 * d + 2 if exp.second_order else d + 2)
        points = {"lhs": exp.n, "sobol": sobol, "morris": exp.n * (d + 1)}.get(exp.method or "", exp.n)
    return cells * points * exp.replications


def run_batch(exp: Experiment, out_dir: str | Path, executor: str = "serial", workers: int = 1,
              scheduler: str | None = None, shard: str | None = None, progress: bool = True,
              allow_large: bool = False, announce: Callable[[str], None] | None = None,
              dry_run: bool = False, replications: int | None = None) -> dict[str, Any]:
    """Run (or resume) every missing run of an experiment; returns a summary.

    Args:
        exp: The experiment.
        out_dir: Results directory (created, or resumed if it holds this experiment).
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes for ``processes`` and a local Dask cluster.
        scheduler: Address of an existing Dask scheduler (``tcp://host:port``).
        shard: ``"I/N"``: run only the I-th of N slices of the design.
        progress: Show a progress bar on stderr.
        allow_large: Allow designs of more than ``MAX_RUNS`` runs.
        announce: Called with one line ("N runs (M to do)") before the runs start.
        dry_run: Check everything (arguments, ``out_dir``, the design and its first run's parameters)
            and return ``{"dry_run": True, "total", "in_slice", "seconds_per_run", "core_hours",
            "core_hours_in_slice"}`` (estimated from ``regsim bench``) without creating or running anything.
        replications: Run only replications ``0 .. replications - 1`` of every cell (the rounds of
            ``regsim compare --replications auto``: the design, its seeds and fingerprint stay those of
            all ``exp.replications``, so a later round extends the same directory and resumes honestly).

    Raises:
        ExperimentError: for a bad argument, an unusable ``out_dir``, a design that is too
            large, or a directory holding another experiment; raised before anything is created.
    """
    check_not_bootstrapping("run_batch")
    out = Path(out_dir)
    slice_ = _check_request(exp, out, executor, workers, scheduler, shard, allow_large)
    if replications is not None and not 1 <= replications <= exp.replications:
        raise ExperimentError(f"replications {replications} is outside 1-{exp.replications} of the experiment")
    if dry_run:
        return _dry_run(exp, out, slice_)
    frame = design(exp)
    rows = frame if slice_ is None else frame[frame.run_id % slice_[1] == slice_[0] - 1]
    if replications is not None:
        rows = rows[rows.replication < replications]
    scenario_path = _open_store(exp, out, frame)
    specs = _pending_specs(exp, out, rows, scenario_path)
    if announce is not None:
        where = f", {len(rows)} in shard {shard}" if slice_ is not None else ""
        announce(f"{exp.name}: {len(frame)} runs{where} ({len(specs)} to do) in {out}")
    started = time.perf_counter()
    counts = _run_specs(specs, f"{exp.name} [{executor}]", executor, workers, scheduler, progress)
    seconds = time.perf_counter() - started
    _check_recorded(out, specs, exp.outputs)
    summary = {"executor": executor, "workers": workers, "shard": shard, "ran": counts["done"],
               "failed": counts["failed"], "already_complete": len(rows) - len(specs) + counts["skipped"],
               "seconds": round(seconds, 2), "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return _finish(exp, out, frame, len(rows), summary)


def _check_request(exp: Experiment, out: Path, executor: str, workers: int, scheduler: str | None,
                   shard: str | None, allow_large: bool) -> tuple[int, int] | None:
    """Check every argument and ``out`` before anything is created; returns the shard ``(I, N)`` or None."""
    check_arguments(executor, workers)
    slice_ = parse_shard(shard)
    if scheduler:
        check_scheduler(scheduler)
    size = design_size(exp)
    if size > MAX_RUNS and not allow_large:
        raise DesignTooLargeError(f"{exp.path or exp.name}: the design has {size:,} runs, more than {MAX_RUNS:,}; "
                             "reduce the grid, sample or replications")
    store.check_batch_folder(out)  # not ., a parent of it or the home folder (unless resumed there)
    store.check_out_dir(out)
    return slice_


def _dry_run(exp: Experiment, out: Path, slice_: tuple[int, int] | None) -> dict[str, Any]:
    """What ``--dry-run`` checks, creating nothing: the design's runs validate and ``out`` takes them.

    A design of up to ``MAX_RUNS`` runs is built (it checks a sample of its runs' parameters, as
    the real command does); a larger one (``--allow-large``) is counted, not built, and its first
    run is checked. A folder holding another version of the experiment is refused, as it will be.
    """
    from regsim.batch.experiment import run_params
    from regsim.rng import replication_seeds

    total = design_size(exp)
    if total <= MAX_RUNS:
        params = run_params(exp, design(exp).iloc[0].to_dict())
    else:
        first = {key: values[0] for key, values in exp.grid.items()} if exp.grid else dict(
            exp.cells[0] if exp.cells else {})
        first.update({key: float(bounds[0]) for key, bounds in exp.ranges.items()})
        params = run_params(exp, {"run_id": 0, "replication": 0, "seed": replication_seeds(exp.seed, 1)[0], **first})
    store.check_fingerprint(out, exp.fingerprint())
    in_slice = total if slice_ is None else len(range(slice_[0] - 1, total, slice_[1]))
    per_run = seconds_per_run(params)
    return {"dry_run": True, "total": total, "in_slice": in_slice, "seconds_per_run": round(per_run, 2),
            "core_hours": round(total * per_run / 3600, 2), "core_hours_in_slice": round(in_slice * per_run / 3600, 2)}


def _open_store(exp: Experiment, out: Path, frame: pd.DataFrame) -> str:
    """Create or resume the results directory (manifest, world and road tables); returns the scenario path."""
    from regsim.batch.experiment import run_params
    from regsim.model.simulation import cached_world, road_table, world_table
    from regsim.params import to_dict

    scenario_path = str(locate(exp.scenario).resolve())
    base = run_params(exp, frame.iloc[0].to_dict())
    store.open_or_create(out, exp.name, exp.fingerprint(), frame,
                         {"scenario": scenario_path, "replications": exp.replications, "seed": exp.seed,
                          "outputs": list(exp.outputs), "varied": exp.varied_keys(), "fixed": exp.fixed,
                          "sampled": list(exp.ranges), "sample": _sample_record(exp), "base_params": to_dict(base)})
    if not (out / "world.parquet").is_file():
        world = cached_world(base.scale.world_seed, base.world)
        store.atomic_parquet(road_table(world), out / "roads.parquet")
        store.atomic_parquet(world_table(world), out / "world.parquet")
    return scenario_path


def _sample_record(exp: Experiment) -> dict[str, Any] | None:
    """The ``[sample]`` of the experiment as the manifest records it (``regsim sensitivity --from`` reads it)."""
    if not exp.ranges:
        return None
    return {"method": exp.method, "n": exp.n, "levels": exp.levels, "second_order": exp.second_order,
            "ranges": {k: list(v) for k, v in exp.ranges.items()}}


def _pending_specs(exp: Experiment, out: Path, rows: pd.DataFrame, scenario_path: str) -> list[RunSpec]:
    """A run specification for each design row whose results are not complete in ``out`` yet."""
    return [
        RunSpec(run_id=int(row["run_id"]), scenario=scenario_path, overrides=tuple(run_overrides(exp, row)),
                seed=int(row["seed"]), outputs=exp.outputs, out_dir=str(out.absolute()),
                settlement_years=exp.settlement_years)
        for row in rows.to_dict("records")
        if not store.is_complete(out, int(row["run_id"]), exp.outputs)
    ]


def _check_recorded(out: Path, specs: list[RunSpec], outputs: tuple[str, ...]) -> None:
    """Refuse to report success for runs the workers finished but that are not recorded in ``out``.

    A worker that cannot see ``out`` (another host without the shared folder) writes elsewhere;
    the parent checks every run it was told is done, and says so in one line.
    """
    lost = [s.run_id for s in specs if not store.is_complete(out, s.run_id, outputs, checksum=False)
            and not store.failure_file(out, s.run_id).is_file()]
    if lost:
        raise ExperimentError(f"{out}: {len(lost)} run(s) the workers finished are not recorded there (e.g. run "
                              f"{lost[0]}): the workers write to {Path(specs[0].out_dir)}, which they must share "
                              "with this machine; give --out on a file system every worker mounts at the same path")


def _run_specs(specs: list[RunSpec], label: str, executor: str, workers: int, scheduler: str | None,
               progress: bool) -> dict[str, int]:
    """Run ``specs`` on the executor, with a progress bar on stderr; returns counts done, failed, skipped."""
    counts = {"done": 0, "failed": 0, "skipped": 0}
    bar = None
    if progress and specs:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), desc=label, unit=_("run"), file=sys.stderr, dynamic_ncols=True)
    try:
        for outcome in run_specs(specs, executor, workers, scheduler) if specs else []:
            counts[outcome.status] += 1
            if bar is not None:
                bar.set_postfix(done=counts["done"] + counts["skipped"], failed=counts["failed"], refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return counts


def _finish(exp: Experiment, out: Path, frame: pd.DataFrame, in_slice: int, summary: dict[str, Any]
            ) -> dict[str, Any]:
    """Record the batch in the manifest, export for the EMA Workbench when all is done; the full summary."""
    final = store.finish(out, frame, exp.outputs, summary)
    skipped: list[Path] = []
    if (final.status == "done").all():
        skipped = store.export_ema(out, final, exp.varied_keys())
    done, seconds = summary["ran"], summary["seconds"]
    rate = round(60 * done / seconds, 1) if seconds > 0 and done else 0.0
    summary.update({"total": len(frame), "in_slice": in_slice,
                    "done_total": int((final.status == "done").sum()),
                    "failed_total": int((final.status == "failed").sum()),
                    "pending_total": int((final.status == "pending").sum()),
                    "runs_per_minute": rate, "unreadable": [str(p) for p in skipped]})
    return summary


class RunsFailed(Exception):  # noqa: N818  (a result of the work, not a user mistake: not a RegsimError)
    """Some runs of a batch failed; they are recorded in the results directory (``design.parquet``)."""

    def __init__(self, out: Path, summary: dict[str, Any]) -> None:
        super().__init__(f"{summary['failed_total']} run(s) failed in {out}; see {out}/design.parquet "
                         f"(status, error) and {out}/failed/")
        self.out = out
        self.summary = summary


def default_workers(workers: int | None) -> int:
    """``workers``, or every local core if None."""
    return workers if workers is not None else (os.cpu_count() or 1)


class BatchIncomplete(Exception):  # noqa: N818  (not an error: other shards are still to run)
    """This shard is done but other shards of the batch are not: the study's analysis waits for them."""

    def __init__(self, out: Path, summary: dict[str, Any]) -> None:
        super().__init__(f"{summary['pending_total']} run(s) of other shards are still to run in {out}")
        self.out = out
        self.summary = summary


def run_table(table: dict[str, Any], out_dir: str | Path, executor: str = "serial", workers: int | None = None,
              progress: bool = True, scheduler: str | None = None, shard: str | None = None) -> dict[str, Any]:
    """Run (or resume) an experiment given as a table (as read from TOML) into ``out_dir``; all must succeed.

    The studies (sensitivity, robustness) and the comparison build their experiments this way.

    Returns:
        The summary of :func:`run_batch`.

    Raises:
        RunsFailed: if any run failed (after every other run finished).
        BatchIncomplete: with ``shard``, if runs of other shards are not done yet.
    """
    out = Path(out_dir)
    summary = run_batch(parse(table, None), out, executor="dask" if scheduler else executor,
                        workers=default_workers(workers), progress=progress, scheduler=scheduler, shard=shard)
    if summary["failed_total"]:
        raise RunsFailed(out, summary)
    if summary["pending_total"]:
        raise BatchIncomplete(out, summary)
    return summary
