"""Browse a saved ``regsim compare`` or ``regsim batch`` folder without running anything.

Each cell of the design becomes one label: its strategy (with the centre share for ``hybrid``, as
in the report), plus the other varied values when a batch varies more than the strategy. The
scenario that reproduces a label inherits the batch's scenario and sets the batch's fixed values
(``[experiment.set]``) and the cell's own values.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regsim.errors import ExperimentError
from regsim.reporting import analysis
from regsim.scenario import available, plain_value

IGNORED = {"run_id", "cell", "replication", "seed", "status", "error", "label"}


@dataclasses.dataclass(frozen=True)
class Saved:
    """A saved comparison: the tables, the choice of every label and the scenario they inherit."""

    folder: Path
    comparison: analysis.Comparison
    choices: dict[str, dict[str, Any]]
    inherits: str

    @property
    def labels(self) -> list[str]:
        """Labels in design order."""
        return list(self.choices)


def load(folder: str | Path) -> Saved:
    """Read a batch folder for browsing.

    Raises:
        ExperimentError: if the folder is not a finished regsim batch (naming what is missing).
    """
    folder = Path(folder)
    comp = analysis.load(folder)
    manifest = comp.manifest
    design = comp.design
    varied = [k for k in manifest.get("varied", []) if k in design and k not in IGNORED]
    fixed = dict(manifest.get("fixed", {}) or {})
    extra = [k for k in varied if k not in (analysis.STRATEGY_KEY, analysis.SHARE_KEY)]
    labels = design.label.astype(str)
    if extra:
        labels = labels + design[extra].apply(
            lambda row: "".join(f" | {k.split('.', 1)[1]}={_show(v)}" for k, v in row.items() if not _missing(v)),
            axis=1)
    design = design.assign(label=labels)
    by_run = dict(zip(design.run_id, design.label, strict=True))

    def relabel(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame.assign(label=frame.run_id.map(by_run))

    comp = dataclasses.replace(comp, design=design, national=relabel(comp.national), oblasts=relabel(comp.oblasts),
                               settlements=relabel(comp.settlements))
    choices: dict[str, dict[str, Any]] = {}
    for row in design.drop_duplicates("label").to_dict("records"):
        values = {**fixed, **{k: plain_value(row[k]) for k in varied if not _missing(row[k])}}
        choices[str(row["label"])] = values
    return Saved(folder=folder, comparison=comp, choices=choices, inherits=_inherits(manifest))


def _inherits(manifest: dict[str, Any]) -> str:
    """The scenario to inherit: its name when that name finds the same file, else its path."""
    path = manifest.get("scenario")
    if not path:
        raise ExperimentError("the batch's manifest.json names no scenario")
    stem = Path(path).stem
    known = available()
    if stem in known and known[stem].resolve() == Path(path).resolve():
        return stem
    return str(path)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _show(value: Any) -> str:
    value = plain_value(value)
    return f"{value:g}" if isinstance(value, float) else json.dumps(value) if isinstance(value, str) else str(value)
