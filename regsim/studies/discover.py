"""Scenario discovery: under which beliefs does one strategy beat another? ``regsim discover`` (issue 17).

A robustness or sensitivity batch runs the strategies in many *worlds*: points drawn over the
plausible ranges of the uncertain parameters. Per world this module asks whether strategy A beats
strategy B on an outcome (paired: the same world and seed), and then finds with PRIM (Friedman &
Fisher 1999, as implemented in the EMA Workbench, Kwakkel 2017) the box of parameter values in
which A wins most often: its *density* (share of the worlds in the box where A wins), *coverage*
(share of all A-wins that fall in the box) and the peeling trajectory that trades one for the
other (Bryant & Lempert 2010). The EMA Workbench is imported lazily: it takes seconds to load.

The chosen box is the one on the trajectory with the highest coverage among those with density of
at least ``min_density``; when none reaches it, the densest. Its restricted dimensions become a
sentence: "concentrated beats equalisation_uniform on GDP per person, last year in 84% of worlds
where agglomeration elasticity exceeds 0.06 (coverage 71%; in all worlds 40%)".
"""

from __future__ import annotations

import inspect
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from regsim.errors import ExperimentError
from regsim.reporting.paired import OUTCOME_BY_NAME, per_run_outcomes

DEFAULT_MIN_DENSITY: Final = 0.8
DEFAULT_MASS_MIN: Final = 0.1  # smallest box: 10% of the worlds, and never fewer than MIN_BOX_WORLDS
MIN_BOX_WORLDS: Final = 5  # a box of fewer worlds describes single worlds, not a region of beliefs
DEFAULT_PEEL_ALPHA: Final = 0.1
MIN_WORLDS: Final = 10
FILES: Final = ("discover.md", "trajectory.csv", "box.csv", "discover.png", "discover.svg")
DESIGN_COLUMNS: Final = {"run_id", "cell", "replication", "seed", "status", "error", "label", "policy.strategy"}


@dataclass(frozen=True)
class Discovery:
    """What PRIM found.

    Attributes:
        trajectory: Peeling trajectory: ``id, coverage, density, mass, res_dim, n, k`` per step.
        chosen: Index of the chosen box on the trajectory.
        limits: Restricted dimensions of the chosen box: ``parameter, lower, upper, min, max,
            qp_lower, qp_upper`` (parameter range of the data in ``min``/``max``).
        base_rate: Share of all worlds where the condition holds.
        n_worlds: Worlds analysed.
        sentence: The finding in plain words.
    """

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    base_rate: float
    n_worlds: int
    sentence: str


def worlds(out_dir: Path, outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parameter values per world and the outcome per world and strategy (mean over replications).

    Args:
        out_dir: A batch folder whose design varies ``policy.strategy`` and sampled parameters
            (``regsim robustness``, ``regsim sensitivity`` or ``regsim batch`` with a sample).
        outcome: A column of :func:`regsim.reporting.paired.per_run_outcomes`.

    Returns:
        ``(x, values)``: x has one row per world and one column per varied parameter; values has
        one row per world and one column per strategy.
    """
    from regsim.reporting.analysis import load

    if outcome not in OUTCOME_BY_NAME:
        raise ExperimentError(f"--outcome: unknown {outcome!r}; allowed: {', '.join(OUTCOME_BY_NAME)}")
    comp = load(out_dir)
    design = pd.read_parquet(Path(out_dir) / "design.parquet")
    if "policy.strategy" not in design:
        raise ExperimentError(f"{out_dir}: the batch does not vary policy.strategy; run regsim robustness "
                              "or regsim sensitivity")
    keys = [c for c in design.columns if c not in DESIGN_COLUMNS]
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(design[k]) and design[k].nunique() > 1]
    if not numeric:
        raise ExperimentError(f"{out_dir}: the batch varies no parameter across worlds (no sample); "
                              "run regsim robustness or regsim sensitivity")
    national = comp.national.merge(design[["run_id"]], on="run_id")
    national = national.assign(label=national.run_id, replication=0)
    per_run = per_run_outcomes(national).rename(columns={"label": "run_id"})
    frame = design[["run_id", "replication", "policy.strategy", *numeric]].merge(
        per_run[["run_id", outcome]], on="run_id")
    frame["world"] = frame.groupby(numeric, sort=False).ngroup()
    values = frame.pivot_table(index="world", columns="policy.strategy", values=outcome, aggfunc="mean")
    x = frame.drop_duplicates("world").set_index("world").sort_index()[numeric]
    return x, values


def wins(values: pd.DataFrame, a: str, b: str, outcome: str, margin: float = 0.0) -> np.ndarray:
    """Per world: True where ``a`` is better than ``b`` on ``outcome`` by more than ``margin`` (outcome units)."""
    for name in (a, b):
        if name not in values:
            raise ExperimentError(f"--strategies: {name!r} is not in the batch; it has {', '.join(values.columns)}")
    diff = values[a] - values[b]
    better = diff > margin if OUTCOME_BY_NAME[outcome].higher_is_better else diff < -margin
    return better.to_numpy(bool)


def prim_boxes(x: pd.DataFrame, y: np.ndarray, min_density: float = DEFAULT_MIN_DENSITY,
               mass_min: float = DEFAULT_MASS_MIN, peel_alpha: float = DEFAULT_PEEL_ALPHA) -> tuple[Any, int]:
    """Run PRIM (EMA Workbench) for the worlds where ``y`` holds; return the box and the chosen step."""
    with warnings.catch_warnings():  # the workbench warns about optional parallel back ends on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    if len(x) < MIN_WORLDS:
        raise ExperimentError(f"{len(x)} worlds are too few for scenario discovery; use {MIN_WORLDS} or more "
                              "(regsim robustness --n 20)")
    if y.all() or not y.any():
        raise ExperimentError(f"the condition holds in {'all' if y.all() else 'none'} of the {len(x)} worlds; "
                              "there is nothing to discover (choose other strategies or outcome)")
    data = x.reset_index(drop=True).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options: dict[str, Any] = {"peel_alpha": peel_alpha, "mass_min": max(mass_min, MIN_BOX_WORLDS / len(y))}
        if "threshold" in inspect.signature(prim.Prim.__init__).parameters:  # EMA Workbench 2.x (Python 3.11)
            options["threshold"] = min(min_density, float(y.mean()))  # 3.x peels to mass_min without one
        finder = prim.Prim(data, y.astype(int), **options)
        box = finder.find_box()
    trajectory = box.peeling_trajectory
    good = trajectory[trajectory.density >= min_density - 1e-12]
    chosen = int(good.coverage.idxmax()) if len(good) else int(trajectory.density.idxmax())
    # among equal-coverage boxes the later one is denser; prefer it
    if len(good):
        best = good[good.coverage == good.coverage.max()]
        chosen = int(best.density.idxmax())
    return box, chosen


def box_limits(box: Any, i: int, x: pd.DataFrame) -> pd.DataFrame:
    """Restricted dimensions of box ``i``: parameter, lower, upper, min, max, qp_lower, qp_upper."""
    lims = box.box_lims[i]
    quasi_p = getattr(box, "qp", [])  # EMA Workbench 2.x keeps the quasi-p values of every step; 3.x does not
    qp = quasi_p[i] if i < len(quasi_p) else {}
    rows = []
    for name in lims.columns:
        lower, upper = float(lims.loc[0, name]), float(lims.loc[1, name])
        lo, hi = float(x[name].min()), float(x[name].max())
        if lower > lo + 1e-12 or upper < hi - 1e-12:
            q = [np.nan if v is None or v < 0 else float(v) for v in qp.get(name, [np.nan, np.nan])]  # -1: unrestricted
            rows.append({"parameter": name, "lower": lower, "upper": upper, "min": lo, "max": hi,
                         "qp_lower": q[0], "qp_upper": q[1]})
    return pd.DataFrame(rows, columns=["parameter", "lower", "upper", "min", "max", "qp_lower", "qp_upper"])


def _words(name: str) -> str:
    return name.split(".", 1)[-1].replace("_", " ")


def condition_text(limits: pd.DataFrame) -> str:
    """Box limits in words: "agglomeration elasticity exceeds 0.06 and ... is below 1.2"."""
    parts = []
    for row in limits.itertuples():
        low_cut, high_cut = row.lower > row.min + 1e-12, row.upper < row.max - 1e-12
        if low_cut and high_cut:
            parts.append(f"{_words(row.parameter)} lies between {row.lower:.3g} and {row.upper:.3g}")
        elif low_cut:
            parts.append(f"{_words(row.parameter)} exceeds {row.lower:.3g}")
        else:
            parts.append(f"{_words(row.parameter)} is below {row.upper:.3g}")
    return " and ".join(parts) if parts else "any of the sampled beliefs hold"


def discover(x: pd.DataFrame, y: np.ndarray, a: str, b: str, outcome: str,
             min_density: float = DEFAULT_MIN_DENSITY, mass_min: float = DEFAULT_MASS_MIN,
             peel_alpha: float = DEFAULT_PEEL_ALPHA) -> Discovery:
    """PRIM on worlds ``x`` for the condition ``y`` ("a beats b on outcome"), with a sentence."""
    box, chosen = prim_boxes(x, y, min_density, mass_min, peel_alpha)
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    limits = box_limits(box, chosen, x)
    step = trajectory.loc[chosen]
    label = OUTCOME_BY_NAME[outcome].label
    label = label[0].lower() + label[1:] if label[1:2].islower() else label
    sentence = (f"{a} beats {b} on {label} in {step.density:.0%} of worlds where {condition_text(limits)} "
                f"(coverage {step.coverage:.0%}, {int(step.n)} of {len(y)} worlds; in all worlds {y.mean():.0%}).")
    return Discovery(trajectory=trajectory, chosen=chosen, limits=limits, base_rate=float(y.mean()),
                     n_worlds=len(y), sentence=sentence)


def report_text(found: Discovery, a: str, b: str, outcome: str, source: Path) -> str:
    """A short report section (Markdown)."""
    lines = [f"## When does {a} beat {b}? Scenario discovery on {OUTCOME_BY_NAME[outcome].label}", "",
             found.sentence, "",
             f"PRIM (EMA Workbench) over {found.n_worlds} worlds of {source}; the chosen box is step "
             f"{found.chosen} of the peeling trajectory (discover.png): the widest box whose density reaches the "
             "asked-for share, or the densest one. Quasi-p values (qp) near or above 0.05 mean a limit may be "
             "chance; with a few dozen worlds read the box as a hint to test, not a finding."]
    if len(found.limits):
        lines += ["", "| parameter | lower | upper | sampled range | qp |", "|---|---|---|---|---|"]
        for row in found.limits.itertuples():
            qp = max((q for q in (row.qp_lower, row.qp_upper) if q == q), default=float("nan"))
            lines.append(f"| {row.parameter} | {row.lower:.4g} | {row.upper:.4g} | {row.min:.4g}-{row.max:.4g} "
                         f"| {qp:.2g} |")
    return "\n".join(lines) + "\n"


def run(batch: Path, a: str, b: str, outcome: str, margin: float = 0.0,
        min_density: float = DEFAULT_MIN_DENSITY) -> tuple[Discovery, str]:
    """Load a batch, find the box and return it with its report text (writes nothing)."""
    x, values = worlds(batch, outcome)
    y = wins(values, a, b, outcome, margin)
    found = discover(x, y, a, b, outcome, min_density)
    return found, report_text(found, a, b, outcome, batch)


def write(found: Discovery, text: str, out_dir: Path, title: str) -> list[Path]:
    """Write ``discover.md``, ``trajectory.csv``, ``box.csv`` and ``discover.png``/``.svg`` into ``out_dir``."""
    from regsim.batch import store
    from regsim.reporting.plots import close_all, new_figure, save
    from regsim.reporting.search_plots import plot_peeling

    out_dir.mkdir(parents=True, exist_ok=True)
    store.atomic_write_bytes(out_dir / "discover.md", text.encode())
    store.atomic_write_bytes(out_dir / "trajectory.csv", found.trajectory.to_csv(index=False).encode())
    store.atomic_write_bytes(out_dir / "box.csv", found.limits.to_csv(index=False).encode())
    fig, ax = new_figure(width=6.5, height=5)
    plot_peeling(found.trajectory, found.chosen, ax=ax, title=title)
    paths = save(fig, out_dir, "discover")
    close_all()
    return [out_dir / "discover.md", out_dir / "trajectory.csv", out_dir / "box.csv", *paths]
