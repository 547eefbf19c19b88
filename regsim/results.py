"""Results of a run: tidy tables plus provenance, saved atomically; knows nothing of the model.

A run directory holds ``national.parquet`` (``year, metric, value``), ``oblasts.parquet``
(``year, oblast, metric, value``), ``settlements.parquet`` (``year, settlement_id, metric,
value``), ``world.parquet`` (one row per settlement) and ``run.json`` (provenance). Everything
is written into a temporary sibling directory first and renamed into place when complete, so an
interrupted or failed run leaves nothing half-written behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regsim.errors import RegsimError

TABLES = ("national", "oblasts", "settlements", "world")


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

    def save(self, out_dir: str | Path) -> Path:
        """Write every table and ``run.json`` atomically into ``out_dir`` (replacing it).

        Returns:
            The directory written.
        """
        out = Path(out_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            for name in TABLES:
                getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "run.json").write_text(json.dumps(self.meta, indent=2, default=str) + "\n")
            if out.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
                os.replace(out, trash / out.name)
                os.replace(tmp, out)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


def load(run_dir: str | Path) -> RunResult:
    """Read a run directory written by :meth:`RunResult.save`."""
    path = Path(run_dir)
    missing = [f"{n}.parquet" for n in TABLES if not (path / f"{n}.parquet").is_file()]
    if not (path / "run.json").is_file():
        missing.append("run.json")
    if missing:
        raise RegsimError(f"{path}: not a complete run directory; missing {', '.join(missing)}")
    tables = {n: pd.read_parquet(path / f"{n}.parquet") for n in TABLES}
    return RunResult(**tables, meta=json.loads((path / "run.json").read_text()))


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
