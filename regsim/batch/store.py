"""The batch results directory: manifest, design, one Parquet file per run and table, resume.

Layout of ``DIR``::

    manifest.json        experiment, fingerprint, regsim version, git commit, times, counts
    design.parquet       one row per run: run_id, cell, replication, seed, varied keys, status
    world.parquet        the settlements (id, name, kind, oblast, lat, lon, ...)
    national/run-000042.parquet     year, metric, value, run_id   (one file per run)
    oblasts/run-000042.parquet      year, oblast, metric, value, run_id
    settlements/...                 only when the experiment asks for it
    failed/run-000042.json          the error of a run that failed (removed when it succeeds)
    ema/experiments.csv, ema/outcomes.csv   x and y tables as EMA Workbench users know them

Every file is written under a temporary name and renamed into place, so a run's file is either
complete or absent: resuming runs exactly the runs whose files are missing, and rewrites nothing
that is complete. ``pandas.read_parquet(DIR / "national")`` reads a whole dataset.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from regsim import __version__, files
from regsim.errors import ExperimentError
from regsim.results import git_commit

MANIFEST = "manifest.json"
DESIGN = "design.parquet"


def run_file(out_dir: Path, table: str, run_id: int) -> Path:
    """Path of one run's file in one dataset."""
    return out_dir / table / f"run-{run_id:06d}.parquet"


def failure_file(out_dir: Path, run_id: int) -> Path:
    """Path of one run's error record."""
    return out_dir / "failed" / f"run-{run_id:06d}.json"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`regsim.files.write_bytes`)."""
    files.write_bytes(path, data)


def atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet atomically (:func:`regsim.files.atomic_write`)."""
    files.atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def atomic_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON atomically."""
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


def is_complete(out_dir: Path, run_id: int, outputs: tuple[str, ...]) -> bool:
    """All of a run's output files exist."""
    return all(run_file(out_dir, table, run_id).is_file() for table in outputs)


def open_or_create(out_dir: Path, name: str, fingerprint: str, design: pd.DataFrame,
                   extra: dict[str, Any]) -> dict[str, Any]:
    """Create ``DIR`` for a new batch, or check that it belongs to this same experiment.

    Raises:
        ExperimentError: if ``DIR`` holds another experiment, or the experiment (or its
            scenario) changed since the batch started.
    """
    manifest_path = out_dir / MANIFEST
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("fingerprint") != fingerprint:
            raise ExperimentError(
                f"{out_dir}: holds results of experiment {manifest.get('experiment')!r} with fingerprint "
                f"{manifest.get('fingerprint')}, but this experiment now gives {fingerprint}: the experiment "
                "file or its scenario changed after the batch started. Restore it, or use a new --out")
        return manifest
    if out_dir.exists() and any(p for p in out_dir.iterdir() if not p.name.startswith(".")):
        raise ExperimentError(f"{out_dir}: exists and is not a regsim batch directory (no {MANIFEST}); "
                              "use an empty or new --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_parquet(design.assign(status="pending"), out_dir / DESIGN)
    manifest = {
        "experiment": name, "fingerprint": fingerprint, "regsim_version": __version__,
        "git_commit": git_commit(), "created_utc": _now(), "runs": len(design), **extra,
    }
    atomic_json(manifest, manifest_path)
    return manifest


def statuses(out_dir: Path, design: pd.DataFrame, outputs: tuple[str, ...]) -> pd.Series:
    """``done``, ``failed`` or ``pending`` per design row, from the files on disk."""
    out = []
    for run_id in design.run_id:
        if is_complete(out_dir, int(run_id), outputs):
            out.append("done")
        elif failure_file(out_dir, int(run_id)).is_file():
            out.append("failed")
        else:
            out.append("pending")
    return pd.Series(out, index=design.index, name="status")


def finish(out_dir: Path, design: pd.DataFrame, outputs: tuple[str, ...], summary: dict[str, Any]) -> pd.DataFrame:
    """Rewrite the design with statuses and errors, and update the manifest; returns the design."""
    status = statuses(out_dir, design, outputs)
    errors = [json.loads(failure_file(out_dir, int(r)).read_text()).get("error", "") if s == "failed" else ""
              for r, s in zip(design.run_id, status, strict=True)]
    final = design.assign(status=status.to_numpy(), error=errors)
    atomic_parquet(final, out_dir / DESIGN)
    manifest = json.loads((out_dir / MANIFEST).read_text())
    counts = status.value_counts().to_dict()
    manifest.update({"finished_utc": _now(), "done": int(counts.get("done", 0)),
                     "failed": int(counts.get("failed", 0)), "pending": int(counts.get("pending", 0))})
    manifest.setdefault("sessions", []).append(summary)
    atomic_json(manifest, out_dir / MANIFEST)
    return final


def read_design(out_dir: Path) -> pd.DataFrame:
    """The design table of a batch directory."""
    path = Path(out_dir) / DESIGN
    if not path.is_file():
        raise ExperimentError(f"{out_dir}: no {DESIGN}; not a regsim batch directory")
    return pd.read_parquet(path)


def read_dataset(out_dir: Path, table: str) -> pd.DataFrame:
    """All runs of one dataset (``national``, ``oblasts``, ``settlements``) in one DataFrame."""
    folder = Path(out_dir) / table
    files = sorted(folder.glob("run-*.parquet")) if folder.is_dir() else []
    if not files:
        raise ExperimentError(f"{out_dir}: no {table} results (folder {table}/ is missing or empty)")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def export_ema(out_dir: Path, design: pd.DataFrame, varied: list[str]) -> None:
    """Write the x and y tables that EMA Workbench users know.

    ``ema/experiments.csv`` has one row per run (the varied parameters, seed, replication);
    ``ema/outcomes.csv`` each national metric in the last year, one column each.
    :func:`load_ema` returns outcomes as arrays of runs x years.
    """
    done = design[design.status == "done"]
    if done.empty:
        return
    national = read_dataset(out_dir, "national")
    last = national[national.year == national.year.max()].pivot_table(index="run_id", columns="metric", values="value")
    x = done[["run_id", *varied, "seed", "replication"]].set_index("run_id")
    folder = out_dir / "ema"
    folder.mkdir(exist_ok=True)
    atomic_write_bytes(folder / "experiments.csv", x.to_csv().encode())
    atomic_write_bytes(folder / "outcomes.csv", last.loc[x.index].to_csv().encode())


def load_ema(out_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read (experiments, outcomes) in EMA Workbench's shape.

    Outcomes map each national metric to an array of shape (runs, years), rows in the order of
    ``experiments``; ``TIME`` holds the years.
    """
    import numpy as np

    out_dir = Path(out_dir)
    x = pd.read_csv(out_dir / "ema" / "experiments.csv")
    national = read_dataset(out_dir, "national")
    outcomes: dict[str, Any] = {}
    for metric, group in national.groupby("metric"):
        wide = group.pivot_table(index="run_id", columns="year", values="value")
        outcomes[str(metric)] = wide.loc[x.run_id].to_numpy()
    outcomes["TIME"] = np.tile(np.array(sorted(national.year.unique())), (len(x), 1))
    return x, outcomes


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
