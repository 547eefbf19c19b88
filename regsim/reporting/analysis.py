"""Analysis of batch results: pure functions on saved tables; never imports the model.

A comparison batch (``regsim compare``) has one design row per strategy (and hybrid share) and
replication; replication k has the same seed for every strategy, so differences versus ``none``
are paired: policy, not noise. Everything here reads ``DIR`` (see ``regsim.batch.store``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from regsim.errors import ExperimentError

BASELINE: Final = "none"
STRATEGY_KEY: Final = "policy.strategy"
SHARE_KEY: Final = "policy.centre_share"
QUANTILES: Final = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Comparison:
    """The tables of a comparison batch, with a ``label`` per run (strategy or ``hybrid 0.25``)."""

    national: pd.DataFrame
    oblasts: pd.DataFrame | None
    settlements: pd.DataFrame | None
    design: pd.DataFrame
    world: pd.DataFrame | None
    roads: pd.DataFrame | None
    manifest: dict

    @property
    def last_year(self) -> int:
        """Last simulated year."""
        return int(self.national.year.max())

    @property
    def labels(self) -> list[str]:
        """Strategy labels in design order."""
        return list(dict.fromkeys(self.design.label))

    @property
    def replications(self) -> int:
        """Replications per strategy."""
        return int(self.design.replication.nunique())


def labels_of(design: pd.DataFrame) -> pd.Series:
    """Label per design row: the strategy, with the centre share for ``hybrid``."""
    if STRATEGY_KEY not in design:
        return pd.Series(["scenario"] * len(design), index=design.index)
    labels = design[STRATEGY_KEY].astype(str)
    if SHARE_KEY in design:
        is_hybrid = (labels == "hybrid") & design[SHARE_KEY].notna()
        labels = labels.where(~is_hybrid, "hybrid " + design[SHARE_KEY].map(lambda v: f"{v:.2f}"))
    return labels


def _read_file(path: Path, unreadable: list[Path]) -> pd.DataFrame | None:
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):  # truncated, empty or not Parquet (pyarrow's errors are ValueErrors)
        unreadable.append(path)
        return None


def _read(folder: Path, name: str, unreadable: list[Path] | None = None) -> pd.DataFrame | None:
    """A dataset folder (every run file) or one Parquet file; unreadable files are skipped and listed."""
    unreadable = [] if unreadable is None else unreadable
    path = folder / name
    if path.is_dir():
        frames = [f for f in (_read_file(p, unreadable) for p in sorted(path.glob("run-*.parquet"))) if f is not None]
        return pd.concat(frames, ignore_index=True) if frames else None
    return _read_file(path, unreadable) if path.is_file() else None


def load(out_dir: str | Path, require: tuple[str, ...] = ("national",)) -> Comparison:
    """Read a batch directory for comparison.

    Raises:
        ExperimentError: naming what is missing (design, manifest, a dataset, complete runs) or
            unreadable (a truncated or empty run file is skipped and named, never a traceback).
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise ExperimentError(f"{folder}: no such results directory")
    missing = [name for name in ("manifest.json", "design.parquet") if not (folder / name).is_file()]
    if missing:
        raise ExperimentError(f"{folder}: not a regsim batch directory; missing {', '.join(missing)}")
    unreadable: list[Path] = []
    design = _read(folder, "design.parquet", unreadable)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        unreadable.append(folder / "manifest.json")
    if design is None or unreadable:
        raise ExperimentError(f"{folder}: unreadable {', '.join(p.name for p in unreadable)}; "
                              "not a usable batch directory")
    design = design.assign(label=labels_of(design))
    tables = {name: _read(folder, name, unreadable) for name in ("national", "oblasts", "settlements")}
    if unreadable:
        names = ", ".join(str(p.relative_to(folder)) for p in unreadable[:3])
        more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
        raise ExperimentError(f"{folder}: {len(unreadable)} run file(s) cannot be read ({names}{more}; truncated "
                              "or empty?) and were left out, but the report needs every run: run the same batch "
                              "command again (same --out) to redo them")
    absent = [name for name in require if tables[name] is None]
    if absent:
        raise ExperimentError(f"{folder}: missing results: {', '.join(f'{a}/' for a in absent)} (no run files); "
                              "run the batch (regsim batch / regsim compare) to completion first")
    done = set(tables["national"].run_id)
    if "status" in design:
        pending = design[~design.run_id.isin(done)]
        if len(pending):
            raise ExperimentError(f"{folder}: {len(pending)} of {len(design)} runs have no results yet "
                                  f"(e.g. run {int(pending.run_id.iloc[0])}); resume the batch to finish them")
    keep = ["run_id", "label", "replication", "seed"]

    def join(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame.merge(design[keep], on="run_id", how="inner")

    return Comparison(national=join(tables["national"]), oblasts=join(tables["oblasts"]),
                      settlements=join(tables["settlements"]), design=design,
                      world=_read(folder, "world.parquet"), roads=_read(folder, "roads.parquet"),
                      manifest=manifest)


def quantiles(values: pd.Series) -> tuple[float, float, float]:
    """(p10, median, p90) of a series."""
    q = values.quantile(list(QUANTILES))
    return float(q.iloc[0]), float(q.iloc[1]), float(q.iloc[2])


def summary_table(comp: Comparison) -> pd.DataFrame:
    """The summary table: quantiles of every national metric, per label and year.

    Columns ``strategy, metric, year, median, p10, p90, diff_median, diff_p10, diff_p90``;
    differences are versus ``none`` on paired replications.
    """
    national = comp.national
    levels = (national.groupby(["label", "metric", "year"]).value
              .quantile(list(QUANTILES)).unstack().rename(columns=dict(zip(QUANTILES, ("p10", "median", "p90"),
                                                                           strict=True))))
    has_base = (national.label == BASELINE).any()
    if has_base:
        base = national[national.label == BASELINE].set_index(["replication", "metric", "year"]).value
        diff = national.set_index(["replication", "metric", "year"])
        diff = diff.assign(value=diff.value - base.reindex(diff.index).to_numpy()).reset_index()
        diffs = (diff.groupby(["label", "metric", "year"]).value.quantile(list(QUANTILES)).unstack()
                 .rename(columns=dict(zip(QUANTILES, ("diff_p10", "diff_median", "diff_p90"), strict=True))))
        levels = levels.join(diffs)
    table = levels.reset_index().rename(columns={"label": "strategy"})
    order = {label: i for i, label in enumerate(comp.labels)}
    table = table.sort_values(["strategy", "metric", "year"], key=lambda c: c.map(order) if c.name == "strategy" else c)
    cols = ["strategy", "metric", "year", "median", "p10", "p90"]
    if has_base:
        cols += ["diff_median", "diff_p10", "diff_p90"]
    return table[cols].reset_index(drop=True)


@dataclass(frozen=True)
class Headline:
    """One row of the headline table: a strategy versus ``none`` in the last year."""

    label: str
    values: dict[str, tuple[float, float, float]]  # name -> (p10, median, p90)


HEADLINE_ROWS: Final = (
    ("gdp_gain_pct", "GDP vs none, %"),
    ("gdp_pc_gain_pct", "GDP per person vs none, %"),
    ("poverty_change_pp", "Poverty rate vs none, points"),
    ("out_of_poverty", "People out of poverty vs none"),
    ("theil_between_change", "Theil between oblasts vs none"),
    ("bishkek_share_change_pp", "Share in Bishkek vs none, points"),
    ("som_per_person_lifted", "Som spent per person lifted out of poverty"),
)


def headline(comp: Comparison) -> list[Headline]:
    """Per strategy (not ``none``), paired versus ``none`` in the last year, p10/median/p90.

    Som per person lifted: the whole budget allocated over the run divided by the people out of
    poverty in the last year (not defined where nobody is lifted out).
    """
    n = comp.national
    year = comp.last_year
    last = n[n.year == year].pivot_table(index=["label", "replication"], columns="metric", values="value")
    if BASELINE not in last.index.get_level_values("label"):
        raise ExperimentError("the comparison has no 'none' runs; include the strategy 'none'")
    spent = n[n.metric == "budget_allocated_som"].groupby(["label", "replication"]).value.sum()
    base = last.xs(BASELINE, level="label")
    out = []
    for label in comp.labels:
        if label == BASELINE:
            continue
        mine = last.xs(label, level="label")
        common = mine.index.intersection(base.index)
        m, b = mine.loc[common], base.loc[common]
        lifted = b.poor_people - m.poor_people
        spent_l = spent.xs(label, level="label").loc[common]
        per_person = (spent_l / lifted).where(lifted > 0)
        series = {
            "gdp_gain_pct": 100 * (m.gdp_som / b.gdp_som - 1),
            "gdp_pc_gain_pct": 100 * (m.gdp_per_capita_som / b.gdp_per_capita_som - 1),
            "poverty_change_pp": 100 * (m.poverty_rate - b.poverty_rate),
            "out_of_poverty": lifted,
            "theil_between_change": m.theil_between_oblasts - b.theil_between_oblasts,
            "bishkek_share_change_pp": 100 * (m.share_pop_bishkek - b.share_pop_bishkek),
            "som_per_person_lifted": per_person,
        }
        out.append(Headline(label, {k: quantiles(v.dropna()) if v.notna().any() else (np.nan,) * 3
                                    for k, v in series.items()}))
    return out


def share_better(comp: Comparison, a: str, b: str, metric: str, higher_is_better: bool = True) -> tuple[int, int]:
    """In how many replications ``a`` beats ``b`` on ``metric`` in the last year, and out of how many."""
    n = comp.national
    rows = n[(n.year == comp.last_year) & (n.metric == metric)].pivot_table(index="replication", columns="label",
                                                                           values="value")
    if a not in rows or b not in rows:
        return 0, 0
    diff = rows[a] - rows[b]
    wins = (diff > 0) if higher_is_better else (diff < 0)
    return int(wins.sum()), int(diff.notna().sum())


def bands(comp: Comparison, metric: str, labels: list[str] | None = None) -> pd.DataFrame:
    """``label, year, median, p10, p90`` of a national metric over replications."""
    n = comp.national[comp.national.metric == metric]
    if labels is not None:
        n = n[n.label.isin(labels)]
    q = n.groupby(["label", "year"]).value.quantile(list(QUANTILES)).unstack()
    q.columns = ["p10", "median", "p90"]
    return q.reset_index()


def oblast_change(comp: Comparison, metric: str, relative: bool) -> pd.DataFrame:
    """Median over replications of each label's last-year oblast value minus ``none`` (or % change)."""
    if comp.oblasts is None:
        raise ExperimentError("no oblasts/ results in this batch")
    o = comp.oblasts[(comp.oblasts.metric == metric) & (comp.oblasts.year == comp.last_year)]
    wide = o.pivot_table(index=["oblast", "replication"], columns="label", values="value")
    base = wide[BASELINE]
    change = wide.drop(columns=BASELINE).sub(base, axis=0)
    if relative:
        change = 100 * change.div(base, axis=0)
    return change.groupby(level="oblast").median()


def settlement_change(comp: Comparison, metric: str = "income_per_capita_som") -> pd.DataFrame:
    """``label, settlement_id, value``: median % change of a settlement metric vs ``none``, last year."""
    if comp.settlements is None:
        raise ExperimentError("no settlements/ results in this batch (needed for the map)")
    s = comp.settlements[(comp.settlements.metric == metric) & (comp.settlements.year == comp.last_year)]
    wide = s.pivot_table(index=["settlement_id", "replication"], columns="label", values="value")
    base = wide[BASELINE].replace(0, np.nan)
    change = 100 * wide.drop(columns=BASELINE).sub(base, axis=0).div(base, axis=0)
    med = change.groupby(level="settlement_id").median()
    return med.reset_index().melt(id_vars="settlement_id", var_name="label", value_name="value")


def money_by_oblast(comp: Comparison) -> pd.DataFrame:
    """``label, group, allocated, absorbed, returned, lost``: total over the run by oblast (median)."""
    if comp.oblasts is None:
        raise ExperimentError("no oblasts/ results in this batch")
    o = comp.oblasts[comp.oblasts.metric.isin(["budget_allocated_som", "budget_absorbed_som",
                                              "budget_returned_som", "budget_lost_som"])]
    total = o.groupby(["label", "replication", "oblast", "metric"]).value.sum()
    med = total.groupby(level=["label", "oblast", "metric"]).median().unstack("metric")
    med.columns = [c.removeprefix("budget_").removesuffix("_som") for c in med.columns]
    return med.reset_index().rename(columns={"oblast": "group"})
