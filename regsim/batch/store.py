"""The batch results directory: manifest, design, one Parquet file per run and table, resume.

Layout of ``DIR``::

    manifest.json        experiment, fingerprint, regsim and model version, git commit, times, counts
    design.parquet       one row per run: run_id, cell, replication, seed, varied keys, status
    world.parquet        the settlements (id, name, kind, oblast, lat, lon, ...)
    national/run-000042.parquet     year, metric, value, run_id   (one file per run)
    oblasts/run-000042.parquet      year, oblast, metric, value, run_id
    settlements/...                 only when the experiment asks for it
    done/run-000042.json            size and sha256 of each of the run's files (written last)
    failed/run-000042.json          the error of a run that failed (removed when it succeeds)
    ema/experiments.csv, ema/outcomes.csv   x and y tables as EMA Workbench users know them
    .lock                           taken (``fcntl.flock``) around every read-modify-write

Every file is written under a temporary name, fsync'd and renamed into place. A run is complete
only when its ``done/`` record exists and every file it names has the recorded size and sha256
(or, without a record, e.g. after a crash between the rename and the record, when every file is
readable Parquet with the expected columns): a truncated, empty or altered file is run again,
never trusted, and nothing that is complete is rewritten. The per-run records (and ``failed/``)
are the source of truth; ``design.parquet`` statuses and the manifest counts are a summary derived
from them under the lock, so shards finishing at once lose no entry. The manifest is created with
``os.link`` of a finished temporary file, which fails if one exists: of two experiments started
together into one new folder, exactly one is accepted. ``pandas.read_parquet(DIR / "national")``
reads a whole dataset; :func:`read_dataset` does too, skipping (and naming) unreadable files. A batch
made by another model version (:mod:`regsim.version`) is refused on resume, never extended.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pandas as pd

from regsim import files
from regsim.errors import ExperimentError
from regsim.results import digest, git_commit, matches_record, record_file
from regsim.version import MODEL_VERSION, provenance

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
LOCK = ".lock"
COLUMNS: Final = {  # the columns every run file of a dataset must have
    "national": ("year", "metric", "value", "run_id"),
    "oblasts": ("year", "oblast", "metric", "value", "run_id"),
    "settlements": ("year", "settlement_id", "metric", "value", "run_id"),
}


def run_file(out_dir: Path, table: str, run_id: int) -> Path:
    """Path of one run's file in one dataset."""
    return out_dir / table / f"run-{run_id:06d}.parquet"


def failure_file(out_dir: Path, run_id: int) -> Path:
    """Path of one run's error record."""
    return out_dir / "failed" / f"run-{run_id:06d}.json"


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``DIR/.lock`` while the block runs.

    ``fcntl.flock`` is shared by every shard and host that mounts ``DIR`` (on Linux NFS it is
    emulated with fcntl locks); a no-op where ``fcntl`` does not exist.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def record_done(out_dir: Path, run_id: int, outputs: tuple[str, ...]) -> None:
    """Write the completion record of a run whose files are in place (fsync'd, renamed)."""
    files = {table: digest(run_file(out_dir, table, run_id)) for table in outputs}
    atomic_json({"run_id": run_id, "files": files, "finished_utc": _now()}, record_file(out_dir, run_id))


def forget_run(out_dir: Path, run_id: int) -> None:
    """Remove a run's completion record before its files are written again."""
    record_file(out_dir, run_id).unlink(missing_ok=True)


def readable(path: Path, table: str) -> bool:
    """``path`` is a Parquet file (footer intact) with the columns of ``table``."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
    except Exception:  # truncated, empty, not Parquet: pyarrow raises several types
        return False
    return set(COLUMNS.get(table, ())) <= names


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`regsim.files.write_bytes`)."""
    files.write_bytes(path, data)


def atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet atomically (:func:`regsim.files.atomic_write`)."""
    files.atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def atomic_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON atomically."""
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


def is_complete(out_dir: Path, run_id: int, outputs: tuple[str, ...], checksum: bool = True) -> bool:
    """A run's files are all in place and valid.

    With a completion record: every file exists with the recorded size (and sha256 when
    ``checksum``). Without one: every file is readable Parquet with the dataset's columns.
    """
    try:
        files = json.loads(record_file(out_dir, run_id).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        files = None
    if files is None or not isinstance(files, dict):
        return all(readable(run_file(out_dir, table, run_id), table) for table in outputs)
    for table in outputs:
        path = run_file(out_dir, table, run_id)
        expected = files.get(table)
        try:
            if not isinstance(expected, dict) or path.stat().st_size != expected.get("size"):
                return False
            if checksum and digest(path)["sha256"] != expected.get("sha256"):
                return False
        except OSError:
            return False
    return True


def check_out_dir(out_dir: Path) -> None:
    """Refuse, before anything is created, an ``--out`` that cannot become a batch directory.

    Raises:
        ExperimentError: if ``DIR`` is a file, lies below a file, cannot be written, or is a
            folder of other files.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ExperimentError(f"{out_dir}: exists and is not a folder; choose another --out")
    existing = out_dir
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != out_dir and not existing.is_dir():
        raise ExperimentError(f"{out_dir}: cannot be created, {existing} is a file; choose another --out")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ExperimentError(f"{out_dir}: cannot write into {existing} (permission denied); choose another --out")
    if out_dir.is_dir() and not (out_dir / MANIFEST).is_file() and _foreign(out_dir):
        raise ExperimentError(f"{out_dir}: exists and is not a regsim batch directory (no {MANIFEST}); "
                              "use an empty or new --out")


def is_batch(folder: Path) -> bool:
    """Whether ``folder`` is a regsim batch directory (it holds a manifest)."""
    return (folder / MANIFEST).is_file()


def check_batch_folder(out: Path, option: str = "--out") -> None:
    """Refuse, before any run, an output folder that is not new, empty or a regsim batch (resumed).

    Stricter than :func:`check_out_dir` (run by every batch): the current folder, its parents and
    the home folder are refused too (:func:`regsim.files.check_folder`); the commands that create a
    batch themselves (compare, sensitivity, robustness) check this first.
    """
    files.check_folder(out, is_batch, "a regsim batch (manifest.json)", option=option)


def _foreign(out_dir: Path) -> bool:
    return any(p for p in out_dir.iterdir() if not p.name.startswith(".") and p.name != MANIFEST)


def _claim(manifest_path: Path, manifest: dict[str, Any]) -> bool:
    """Create the manifest if none exists, atomically: of two experiments started together, one wins."""
    text = json.dumps(manifest, indent=2, default=str) + "\n"
    return files.atomic_write(manifest_path, lambda tmp: tmp.write_text(text), exclusive=True) is not None


def _same_experiment(out_dir: Path, manifest: Any, fingerprint: str) -> None:
    """Refuse a batch directory whose manifest names another experiment fingerprint."""
    if not isinstance(manifest, dict) or manifest.get("fingerprint") != fingerprint:
        found = manifest if isinstance(manifest, dict) else {}
        raise ExperimentError(
            f"{out_dir}: holds results of experiment {found.get('experiment')!r} with fingerprint "
            f"{found.get('fingerprint')}, but this experiment now gives {fingerprint}: the experiment "
            "file, its scenario or a file they refer to changed after the batch started. Restore it, or "
            "use a new --out")


def check_fingerprint(out_dir: Path, fingerprint: str) -> None:
    """Refuse, creating nothing, a batch directory that holds another experiment (what ``--dry-run`` checks).

    Raises:
        ExperimentError: if ``out_dir/manifest.json`` is unreadable or names another fingerprint.
    """
    if (out_dir / MANIFEST).is_file():
        _existing_manifest(out_dir, fingerprint)


def _existing_manifest(out_dir: Path, fingerprint: str) -> dict[str, Any]:
    """Read ``out_dir/manifest.json`` and check its model version and experiment fingerprint.

    Raises:
        ExperimentError: if it is unreadable, of another model version or another experiment.
    """
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as err:
        raise ExperimentError(f"{manifest_path}: unreadable ({err}); not a usable batch directory") from None
    if isinstance(manifest, dict):
        check_model_version(out_dir, manifest)
    _same_experiment(out_dir, manifest, fingerprint)
    return manifest


def open_or_create(out_dir: Path, name: str, fingerprint: str, design: pd.DataFrame,
                   extra: dict[str, Any]) -> dict[str, Any]:
    """Create ``DIR`` for a new batch, or check that it belongs to this same experiment.

    Of several processes starting at once, exactly one creates the manifest; the others read
    it and are accepted only if their fingerprint is the same.

    Raises:
        ExperimentError: if ``DIR`` is unusable or holds another experiment, or the experiment
            (or a file it refers to) changed since the batch started.
    """
    check_out_dir(out_dir)
    manifest_path = out_dir / MANIFEST
    if not manifest_path.is_file():
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ExperimentError(f"{out_dir}: cannot create ({err.strerror}); choose another --out") from None
        manifest = {
            "experiment": name, "fingerprint": fingerprint, **provenance(), "git_commit": git_commit(),
            "created_utc": _now(), "runs": len(design), **extra,
        }
        if _claim(manifest_path, manifest):
            with locked(out_dir):
                atomic_parquet(design.assign(status="pending"), out_dir / DESIGN)
            return manifest
    manifest = _existing_manifest(out_dir, fingerprint)
    if not (out_dir / DESIGN).is_file():  # the creator may still be writing it: same design either way
        with locked(out_dir):
            if not (out_dir / DESIGN).is_file():
                atomic_parquet(design.assign(status="pending"), out_dir / DESIGN)
    return manifest


def check_model_version(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Refuse to add runs to a batch made by another model version (results would mix two models).

    Raises:
        ExperimentError: one line naming both model versions and what to do.
    """
    found = manifest.get("model_version")
    if found != MODEL_VERSION:
        made = (f"model version {found} (regsim {manifest.get('regsim_version', '?')})" if found is not None
                else f"regsim {manifest.get('regsim_version', '?')} before model versions were recorded")
        raise ExperimentError(
            f"{out_dir}: holds results of {made}, but this regsim runs model version {MODEL_VERSION}; "
            "resuming would mix two models in one batch. Use a new --out (or the regsim that made it)")


def statuses(out_dir: Path, design: pd.DataFrame, outputs: tuple[str, ...], checksum: bool = False) -> pd.Series:
    """``done``, ``failed`` or ``pending`` per design row, from the files on disk.

    ``checksum=False`` (the default) checks the recorded sizes only: it only stats the files.
    """
    out = []
    for run_id in design.run_id:
        if is_complete(out_dir, int(run_id), outputs, checksum=checksum):
            out.append("done")
        elif failure_file(out_dir, int(run_id)).is_file():
            out.append("failed")
        else:
            out.append("pending")
    return pd.Series(out, index=design.index, name="status")


def _error_of(out_dir: Path, run_id: int) -> str:
    try:
        return str(json.loads(failure_file(out_dir, run_id).read_text()).get("error", ""))
    except (OSError, ValueError, AttributeError):
        return "failed (its error record is unreadable)"


def finish(out_dir: Path, design: pd.DataFrame, outputs: tuple[str, ...], summary: dict[str, Any]) -> pd.DataFrame:
    """Rewrite the design with statuses and errors, and update the manifest; returns the design.

    Statuses are derived from the per-run files under the directory lock, so concurrent shards
    finishing at once each write a summary no older than their own read, and no session is lost.
    """
    with locked(out_dir):
        status = statuses(out_dir, design, outputs)
        errors = [_error_of(out_dir, int(r)) if s == "failed" else ""
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


def progress(out_dir: Path) -> tuple[int, int] | None:
    """(runs complete, runs in the design) of a batch directory; None if it holds no batch yet."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text())
        design = read_snapshot(Path(out_dir) / DESIGN, columns=["run_id"])
    except (OSError, ValueError):
        return None
    outputs = tuple(manifest.get("outputs", ("national",)))
    done = sum(is_complete(Path(out_dir), int(r), outputs, checksum=False) for r in design.run_id)
    return done, len(design)


def read_snapshot(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file that another shard may replace meanwhile.

    The bytes are read through one open file: ``pd.read_parquet(path)`` may open the path more
    than once (footer, then pages) and mix an old footer with a renamed-in new file.
    """
    import io

    return pd.read_parquet(io.BytesIO(Path(path).read_bytes()), columns=columns)


def read_design(out_dir: Path) -> pd.DataFrame:
    """The design table of a batch directory."""
    path = Path(out_dir) / DESIGN
    if not path.is_file():
        raise ExperimentError(f"{out_dir}: no {DESIGN}; not a regsim batch directory")
    return read_snapshot(path)


def read_dataset(out_dir: Path, table: str, skipped: list[Path] | None = None) -> pd.DataFrame:
    """All runs of one dataset (``national``, ``oblasts``, ``settlements``) in one DataFrame.

    Unreadable files (truncated, empty, wrong columns, or altered since their done record) are left
    out and appended to ``skipped``;
    without a ``skipped`` list, a warning names them.
    """
    import pyarrow as pa

    folder = Path(out_dir) / table
    files = sorted(folder.glob("run-*.parquet")) if folder.is_dir() else []
    frames, bad = [], []
    for path in files:
        if not matches_record(Path(out_dir), table, path):
            bad.append(path)
            continue
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException):
            bad.append(path)
            continue
        if not set(COLUMNS.get(table, ())) <= set(frame.columns):
            bad.append(path)
            continue
        frames.append(frame)
    if skipped is not None:
        skipped.extend(bad)
    elif bad:
        warnings.warn(f"{folder}: skipped {len(bad)} unreadable run file(s): {', '.join(p.name for p in bad)}",
                      stacklevel=2)
    if not frames:
        raise ExperimentError(f"{out_dir}: no readable {table} results (folder {table}/ is missing or empty"
                              f"{f'; {len(bad)} unreadable file(s)' if bad else ''})")
    return pd.concat(frames, ignore_index=True)


def export_ema(out_dir: Path, design: pd.DataFrame, varied: list[str]) -> list[Path]:
    """Write the x and y tables that EMA Workbench users know; returns the files it skipped.

    ``ema/experiments.csv`` has one row per run (the varied parameters, seed, replication);
    ``ema/outcomes.csv`` each national metric in the last year, one column each. A run whose
    national file cannot be read is left out of both (and its file returned).
    :func:`load_ema` returns outcomes as arrays of runs x years.
    """
    done = design[design.status == "done"]
    if done.empty:
        return []
    skipped: list[Path] = []
    national = read_dataset(out_dir, "national", skipped)
    last = national[national.year == national.year.max()].pivot_table(index="run_id", columns="metric", values="value")
    x = done[["run_id", *varied, "seed", "replication"]].set_index("run_id")
    x = x[x.index.isin(last.index)]
    folder = out_dir / "ema"
    folder.mkdir(exist_ok=True)
    atomic_write_bytes(folder / "experiments.csv", x.to_csv().encode())
    atomic_write_bytes(folder / "outcomes.csv", last.loc[x.index].to_csv().encode())
    return skipped


def load_ema(out_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read (experiments, outcomes) in EMA Workbench's shape.

    Outcomes map each national metric to an array of shape (runs, years), rows in the order of
    ``experiments``; ``TIME`` holds the years. Runs whose national file cannot be read are left
    out of both, with a warning naming the files.
    """
    import numpy as np

    out_dir = Path(out_dir)
    x = pd.read_csv(out_dir / "ema" / "experiments.csv")
    national = read_dataset(out_dir, "national")
    x = x[x.run_id.isin(national.run_id.unique())].reset_index(drop=True)
    outcomes: dict[str, Any] = {}
    for metric, group in national.groupby("metric"):
        wide = group.pivot_table(index="run_id", columns="year", values="value")
        outcomes[str(metric)] = wide.loc[x.run_id].to_numpy()
    outcomes["TIME"] = np.tile(np.array(sorted(national.year.unique())), (len(x), 1))
    return x, outcomes


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
