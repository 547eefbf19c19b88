"""Batches: experiment designs run on serial, process-pool, Dask or sharded executors.

``run_batch`` ties the pieces together: the design (``experiment``), the results directory
(``store``) and the executor (``executors``). Results are identical for a seed whichever
executor, worker count or sharding ran them, survive crashes and resume.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from regsim.batch import store
from regsim.batch.executors import RunSpec, parse_shard, run_specs
from regsim.batch.experiment import Experiment, design, run_overrides
from regsim.scenario import locate


def run_batch(exp: Experiment, out_dir: str | Path, executor: str = "serial", workers: int = 1,
              scheduler: str | None = None, shard: str | None = None, progress: bool = True) -> dict[str, Any]:
    """Run (or resume) every missing run of an experiment; returns a summary.

    Args:
        exp: The experiment.
        out_dir: Results directory (created, or resumed if it holds this experiment).
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes for ``processes`` and a local Dask cluster.
        scheduler: Address of an existing Dask scheduler (``tcp://host:port``).
        shard: ``"I/N"``: run only the I-th of N slices of the design.
        progress: Show a progress bar on stderr.
    """
    from regsim.model.simulation import cached_world, road_table, world_table

    out = Path(out_dir)
    frame = design(exp)
    scenario_path = str(locate(exp.scenario).resolve())
    from regsim.batch.experiment import run_params
    from regsim.params import to_dict

    store.open_or_create(out, exp.name, exp.fingerprint(), frame,
                         {"scenario": scenario_path, "replications": exp.replications, "seed": exp.seed,
                          "outputs": list(exp.outputs), "varied": exp.varied_keys(), "fixed": exp.fixed,
                          "base_params": to_dict(run_params(exp, frame.iloc[0].to_dict()))})
    if not (out / "world.parquet").is_file():
        first = run_params(exp, frame.iloc[0].to_dict())
        world = cached_world(first.scale.world_seed, first.world)
        store.atomic_parquet(road_table(world), out / "roads.parquet")
        store.atomic_parquet(world_table(world), out / "world.parquet")
    slice_ = parse_shard(shard)
    rows = frame if slice_ is None else frame[frame.run_id % slice_[1] == slice_[0] - 1]
    specs = [
        RunSpec(run_id=int(row["run_id"]), scenario=scenario_path, overrides=tuple(run_overrides(exp, row)),
                seed=int(row["seed"]), outputs=exp.outputs, out_dir=str(out),
                settlement_years=exp.settlement_years)
        for row in rows.to_dict("records")
        if not store.is_complete(out, int(row["run_id"]), exp.outputs)
    ]
    already = len(rows) - len(specs)
    started = time.perf_counter()
    counts = {"done": 0, "failed": 0, "skipped": 0}
    bar = None
    if progress and specs:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), desc=f"{exp.name} [{executor}]", unit="run", file=sys.stderr,
                   dynamic_ncols=True)
    try:
        for outcome in run_specs(specs, executor, workers, scheduler) if specs else []:
            counts[outcome.status] += 1
            if bar is not None:
                bar.set_postfix(done=counts["done"] + counts["skipped"], failed=counts["failed"], refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    summary = {"executor": executor, "workers": workers, "shard": shard, "ran": counts["done"],
               "failed": counts["failed"], "already_complete": already + counts["skipped"],
               "seconds": round(seconds, 2), "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    final = store.finish(out, frame, exp.outputs, summary)
    if (final.status == "done").all():
        store.export_ema(out, final, exp.varied_keys())
    rate = round(60 * counts["done"] / seconds, 1) if seconds > 0 and counts["done"] else 0.0
    summary.update({"total": len(frame), "in_slice": len(rows),
                    "done_total": int((final.status == "done").sum()),
                    "failed_total": int((final.status == "failed").sum()),
                    "pending_total": int((final.status == "pending").sum()),
                    "runs_per_minute": rate})
    return summary
