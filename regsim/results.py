"""Results of a run: tidy tables plus provenance, saved atomically; knows nothing of the model.

A run directory holds ``national.parquet`` (``year, metric, value``), ``oblasts.parquet``
(``year, oblast, metric, value``), ``settlements.parquet`` (``year, settlement_id, metric,
value``), ``world.parquet`` (one row per settlement) and ``run.json`` (provenance). Everything
is written into a temporary sibling directory first and renamed into place when complete, so an
interrupted or failed run leaves nothing half-written behind; only a folder that holds such a run
(or nothing) is ever replaced.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regsim import files
from regsim.errors import RegsimError
from regsim.params import Params, to_dict

TABLES = ("national", "oblasts", "settlements", "world")
RUN_JSON = "run.json"


@dataclass
class RunResult:
    """Tables and provenance of one run."""

    national: pd.DataFrame
    oblasts: pd.DataFrame
    settlements: pd.DataFrame
    world: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def value(self, metric: str, year: int) -> float:
        """One national metric in one year."""
        rows = self.national[(self.national.metric == metric) & (self.national.year == year)]
        if rows.empty:
            raise KeyError(f"no national metric {metric!r} in {year}")
        return float(rows.value.iloc[0])

    def series(self, metric: str) -> pd.Series:
        """A national metric by year."""
        rows = self.national[self.national.metric == metric]
        return rows.set_index("year").value

    def save(self, out_dir: str | Path, *, overwrite: bool = False, option: str = "out_dir",
             overwrite_option: str = "overwrite=True") -> Path:
        """Write every table and ``run.json`` into ``out_dir``, all at once.

        The tables are written into a temporary sibling folder, flushed to disk and renamed into
        place (:func:`regsim.files.staged_dir`), so an interrupted or failed save leaves nothing.
        ``out_dir`` may be new, an empty folder, or a regsim run with nothing else in it (not even
        a hidden file) of the same parameters and seed (any configuration with ``overwrite``),
        which is replaced; this is checked before and again at the final rename, so a run of
        another configuration written meanwhile is never replaced.

        Args:
            out_dir: The run folder.
            overwrite: Also replace a regsim run of another configuration.
            option: How the caller named the folder, for messages (``--out`` on the command line).
            overwrite_option: How the caller names the overwrite switch (``--overwrite``).

        Returns:
            The directory written.

        Raises:
            OutputError: if ``out_dir`` holds anything but a regsim run (or one of another
                configuration without ``overwrite``), or cannot be written.
        """
        out = Path(out_dir)
        may_replace = replaceable_run(self.meta.get("params"), self.meta.get("seed"), overwrite, option,
                                      overwrite_option)
        files.check_folder(out, may_replace, "a regsim run (run.json and its tables)", option=option, replace=True)
        with files.staged_dir(out, may_replace) as tmp:
            for name in TABLES:
                getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / RUN_JSON).write_text(json.dumps(self.meta, indent=2, default=str) + "\n")
        return out


RUN_FILES = frozenset({*(f"{name}.parquet" for name in TABLES), RUN_JSON})  # all a run folder holds


def foreign_entries(run_dir: str | Path) -> list[str]:
    """Entries of a folder that regsim does not write into a run folder (hidden ones included)."""
    try:
        return sorted(p.name for p in Path(run_dir).iterdir() if p.name not in RUN_FILES)
    except OSError:
        return []


def _same_configuration(meta: dict[str, Any], params: Any, seed: Any) -> bool:
    normal = json.loads(json.dumps(params, default=str))
    return meta.get("params") == normal and meta.get("seed") == seed


def replaceable_run(params: Any, seed: Any, overwrite: bool, option: str = "--out",
                    overwrite_option: str = "--overwrite") -> Callable[[Path], bool]:
    """The test a run folder must pass, before the run and at the final rename, to be replaced.

    It holds for a regsim run and nothing else; a folder of a finished run with other files in it,
    or (without ``overwrite``) a run of other parameters (``to_dict`` form) or seed, raises one
    :class:`~regsim.files.OutputError` line naming ``option``.
    """
    def test(folder: Path) -> bool:
        meta = run_meta(folder)
        if meta is None:
            return False
        extra = foreign_entries(folder)
        if extra:
            shown = ", ".join(repr(e) for e in extra[:3]) + (", ..." if len(extra) > 3 else "")
            raise files.OutputError(f"{option} {folder}: holds a regsim run and other files ({shown}); regsim "
                                    "replaces a run folder only as a whole and never deletes other files: move "
                                    "them out, or give a new folder")
        if not overwrite and not _same_configuration(meta, params, seed):
            raise files.OutputError(f"{option} {folder}: holds a regsim run of another configuration (scenario "
                                    f"{meta.get('scenario')!r}, strategy {meta.get('strategy')!r}, seed "
                                    f"{meta.get('seed')}); add {overwrite_option} to replace it, or give a new "
                                    "folder; nothing was replaced")
        return True
    return test


def run_meta(run_dir: str | Path) -> dict[str, Any] | None:
    """The ``run.json`` of a finished run in ``run_dir`` (all tables present), or None if it is not one."""
    path = Path(run_dir)
    try:
        if not all((path / f"{n}.parquet").is_file() for n in TABLES):
            return None
        meta = json.loads((path / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and {"params", "seed"} <= set(meta) else None


def is_run_result(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished regsim run: ``run.json`` with params and seed, and every table.

    Only such a folder may be replaced by :meth:`RunResult.save`.
    """
    return run_meta(run_dir) is not None


def check_run_folder(out: str | Path, params: Params, seed: int, overwrite: bool = False,
                     option: str = "--out", overwrite_option: str = "--overwrite") -> None:
    """Refuse, before the run, an ``--out`` that is not new, empty or a regsim run that may be replaced.

    A regsim run of the same parameters and seed is replaced (rerunning a command refreshes its
    result); one of another configuration only with ``overwrite`` (``--overwrite``); a run folder
    holding anything else (the user's notes, a hidden file) and any other folder never.

    Raises:
        RegsimError: (or :class:`~regsim.files.OutputError`) naming the folder and what it holds.
    """
    files.check_folder(out, replaceable_run(to_dict(params), seed, overwrite, option, overwrite_option),
                       "a regsim run (run.json and its tables)", option=option, replace=True)


def load(run_dir: str | Path) -> RunResult:
    """Read a run directory written by :meth:`RunResult.save`."""
    path = Path(run_dir)
    missing = [f"{n}.parquet" for n in TABLES if not (path / f"{n}.parquet").is_file()]
    if not (path / "run.json").is_file():
        missing.append("run.json")
    if missing:
        raise RegsimError(f"{path}: not a complete run directory; missing {', '.join(missing)}")
    tables = {}
    for name in TABLES:
        try:
            tables[name] = pd.read_parquet(path / f"{name}.parquet")
        except Exception as err:  # truncated, empty, not Parquet: pyarrow raises several types
            raise RegsimError(f"{path / f'{name}.parquet'}: cannot be read ({type(err).__name__}: truncated, empty "
                              "or not Parquet); run it again into a new folder") from None
    try:
        meta = json.loads((path / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RegsimError(f"{path / RUN_JSON}: cannot be read ({type(err).__name__}); "
                          "not a usable run folder") from None
    if not isinstance(meta, dict):
        raise RegsimError(f"{path / RUN_JSON}: is not a table of provenance; not a usable run folder")
    return RunResult(**tables, meta=meta)


def git_commit() -> str | None:
    """Commit of the source checkout this package runs from, with ``-dirty``; None if unknown."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}-dirty" if dirty else sha


# ---------------------------------------------------------------- batch run records (read by every reader)

def record_file(out_dir: Path, run_id: int) -> Path:
    """Path of one run's completion record (size and sha256 of each of its files)."""
    return out_dir / "done" / f"run-{run_id:06d}.json"


def digest(path: Path) -> dict[str, Any]:
    """Size (bytes) and sha256 of a file."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return {"size": path.stat().st_size, "sha256": sha.hexdigest()}


def matches_record(out_dir: Path, table: str, path: Path) -> bool:
    """Whether a run file still has the size and sha256 its done record names (readers check this).

    True without a readable record (a crash between the rename and the record: the Parquet
    check decides); False for a file altered since, even without a change of size.
    """
    try:
        run_id = int(Path(path).stem.split("-", 1)[1])
        expected = json.loads(record_file(Path(out_dir), run_id).read_text())["files"][table]
        wanted = {"size": expected["size"], "sha256": expected["sha256"]}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return True
    try:
        return digest(Path(path)) == wanted
    except OSError:
        return False
