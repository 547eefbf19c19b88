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
from scipy import stats

import regsim.reporting.paired as paired
from regsim.errors import ExperimentError

BASELINE: Final = "none"
COMPARISON_FILE: Final = "comparison.json"
"""Written by ``regsim compare`` into its directory: settings, rounds, the replications to read."""
STRATEGY_KEY: Final = "policy.strategy"
SHARE_KEY: Final = "policy.centre_share"
QUANTILES: Final = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Comparison:
    """The tables of a batch, each row with its run's ``label``, ``replication``, ``seed`` and varied values.

    ``label`` is the strategy (``hybrid 0.25`` for a hybrid share) followed by any other grid or cell
    value (``concentrated | policy.budget_som_per_year=5e+09``); every varied parameter is a column of
    ``national``, ``oblasts`` and ``settlements`` too (:attr:`varied` names them).
    """

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
    def varied(self) -> list[str]:
        """The parameter keys the design varies (columns of every table)."""
        return [k for k in self.manifest.get("varied", []) if k in self.national]

    @property
    def labels(self) -> list[str]:
        """Strategy labels in design order."""
        return list(dict.fromkeys(self.design.label))

    @property
    def replications(self) -> int:
        """Replications per strategy."""
        return int(self.design.replication.nunique())

    @property
    def judgement(self) -> Judgement:
        """How differences are judged: from ``comparison.json``, else the defaults."""
        return Judgement.from_record(self.record)

    record: dict | None = None


@dataclass(frozen=True)
class Judgement:
    """How a comparison judges differences.

    Attributes:
        confidence: Confidence of each look (``1 - (1 - overall) / looks``); with the Holm correction,
            of the pairwise table of a look as a family.
        discount_rate: Real discount rate per year of the present value of GDP.
        practical_share: ``--practical-threshold``: share of the programme's budget or effects (0.1 = 10%).
        overall_confidence: ``--confidence``.
        looks: Planned looks of ``--replications auto`` (1 with a fixed number).
        correction: Family-wise correction of the pairwise verdicts (``holm`` or ``none``).
    """

    confidence: float = paired.DEFAULT_CONFIDENCE
    discount_rate: float = paired.DEFAULT_DISCOUNT_RATE
    practical_share: float = paired.DEFAULT_PRACTICAL_SHARE
    overall_confidence: float = paired.DEFAULT_CONFIDENCE
    looks: int = 1
    correction: str = "holm"

    @classmethod
    def from_record(cls, record: dict | None) -> Judgement:
        """From ``comparison.json`` (None: the defaults)."""
        if not record:
            return cls()
        # records before issue 22 held a multiplier of 0.1%-of-level thresholds (practical_threshold): the
        # thresholds are now shares of the programme (practical_share), so such a record gets the default share
        return cls(confidence=float(record.get("interval_confidence", paired.DEFAULT_CONFIDENCE)),
                   discount_rate=float(record.get("discount_rate", paired.DEFAULT_DISCOUNT_RATE)),
                   practical_share=float(record.get("practical_share", paired.DEFAULT_PRACTICAL_SHARE)),
                   overall_confidence=float(record.get("confidence", paired.DEFAULT_CONFIDENCE)),
                   looks=int(record.get("looks", 1)), correction=str(record.get("correction", "holm")))


def read_record(out_dir: str | Path) -> dict | None:
    """``DIR/comparison.json`` written by ``regsim compare``, or None (a plain batch, or an older comparison)."""
    path = Path(out_dir) / COMPARISON_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        raise ExperimentError(f"{path}: unreadable; run the comparison command again to rewrite it") from None
    return record if isinstance(record, dict) else None


def labels_of(design: pd.DataFrame, grid_keys: list[str] | None = None) -> pd.Series:
    """Label per design row: the strategy (with the centre share for ``hybrid``) and every other cell value.

    ``concentrated`` in a comparison; ``concentrated | policy.budget_som_per_year=5e+09`` in a grid that
    also varies the budget, so that grouping by ``label`` never averages across grid values.
    """
    if STRATEGY_KEY not in design:
        labels = pd.Series(["scenario"] * len(design), index=design.index)
    else:
        labels = design[STRATEGY_KEY].astype(str)
        if SHARE_KEY in design:
            is_hybrid = (labels == "hybrid") & design[SHARE_KEY].notna()
            labels = labels.where(~is_hybrid, "hybrid " + design[SHARE_KEY].map(lambda v: f"{v:.2f}"))
    others = [k for k in grid_keys or [] if k in design and k not in (STRATEGY_KEY, SHARE_KEY)
              and design[k].map(repr).nunique() > 1]
    for key in others:
        text = design[key].map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))
        labels = labels.where(design[key].isna(), labels + f" | {key}=" + text)
    if others and STRATEGY_KEY not in design:
        labels = labels.str.removeprefix("scenario | ")
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
        from regsim.results import matches_record

        runs = sorted(path.glob("run-*.parquet"))
        altered = [p for p in runs if not matches_record(folder, name, p)]  # checked by sha256, not size
        unreadable.extend(altered)
        frames = [f for f in (_read_file(p, unreadable) for p in runs if p not in altered) if f is not None]
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
    varied = [k for k in manifest.get("varied", []) if k in design]
    sampled = manifest.get("sampled")  # grid keys label the runs; older manifests: the strategy only
    design = design.assign(label=labels_of(design, [k for k in varied if k not in sampled] if sampled is not None
                                           else []))
    record = read_record(folder)
    if record and record.get("replications"):  # --replications auto: the rounds run so far
        design = design[design.replication < int(record["replications"])]
    tables = {name: _read(folder, name, unreadable) for name in ("national", "oblasts", "settlements")}
    if unreadable:
        names = ", ".join(str(p.relative_to(folder)) for p in unreadable[:3])
        more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
        raise ExperimentError(f"{folder}: {len(unreadable)} run file(s) cannot be read ({names}{more}; truncated, "
                              "empty, or altered since the done/ record) and were left out, but the report needs "
                              "every run: run the same batch command again (same --out) to redo them")
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
    keep = ["run_id", "label", "replication", "seed", *varied]  # grid and sampled values as columns too

    def join(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame.merge(design[keep], on="run_id", how="inner")

    return Comparison(national=join(tables["national"]), oblasts=join(tables["oblasts"]),
                      settlements=join(tables["settlements"]), design=design,
                      world=_read(folder, "world.parquet"), roads=_read(folder, "roads.parquet"),
                      manifest=manifest, record=record)


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


def settlement_change_interval(comp: Comparison, metric: str = "income_per_capita_som",
                               confidence: float | None = None, reference: str = BASELINE,
                               relative: bool = True) -> pd.DataFrame:
    """Paired change of a settlement metric vs ``reference`` in the last year, with its Student-t interval.

    Columns ``label, settlement_id, value`` (mean change over replications: % of the reference's value if
    ``relative``, else 100 x the difference, i.e. points of a rate), ``low, high`` (the interval at
    ``confidence``, the comparison's by default) and ``decided`` (the interval excludes zero). One row per
    label other than ``reference``; with one replication nothing is decided.
    """
    if comp.settlements is None:
        raise ExperimentError("no settlements/ results in this batch (needed for the map)")
    confidence = comp.judgement.confidence if confidence is None else confidence
    s = comp.settlements[(comp.settlements.metric == metric) & (comp.settlements.year == comp.last_year)]
    wide = s.pivot_table(index=["settlement_id", "replication"], columns="label", values="value")
    if reference not in wide:
        raise ExperimentError(f"no settlement results of {reference!r} to compare with")
    base = wide[reference].replace(0, np.nan) if relative else wide[reference]
    difference = wide.drop(columns=reference).sub(base, axis=0)
    change = 100 * (difference.div(base, axis=0) if relative else difference)
    grouped = change.groupby(level="settlement_id")
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = pd.DataFrame(stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), index=n.index,
                        columns=n.columns) * sd / np.sqrt(n)
    half = half.where(n > 1)
    out = []
    for label in mean.columns:
        low, high = mean[label] - half[label], mean[label] + half[label]
        out.append(pd.DataFrame({"label": label, "settlement_id": mean.index, "value": mean[label].to_numpy(),
                                 "low": low.to_numpy(), "high": high.to_numpy(),
                                 "decided": ((low > 0) | (high < 0)).to_numpy()}))
    return pd.concat(out, ignore_index=True)


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


def run_outcomes(comp: Comparison) -> pd.DataFrame:
    """Headline outcomes per run (``regsim.reporting.paired.per_run_outcomes``) at the comparison's discount rate."""
    return paired.per_run_outcomes(comp.national, comp.judgement.discount_rate)


def pairwise_table(comp: Comparison, outcome_names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every pair of labels (each against ``none`` too) on every headline outcome, with the verdict.

    Columns as :func:`regsim.reporting.paired.pairwise`: ``a, b, outcome, n, mean_diff, sd_diff, low,
    high, threshold, threshold_basis, confidence, verdict`` and the correction's columns; ``mean_diff``
    is ``a - b`` in the outcome's unit, ``low``/``high`` the paired t interval at the row's
    ``confidence``. Verdicts are corrected within the headline family (the same rows and verdicts
    as the stopping rule of ``--replications auto`` judges) and within the other rows.
    """
    j = comp.judgement
    return paired.pairwise(run_outcomes(comp), comp.labels, j.confidence, j.practical_share, outcome_names,
                           correction=j.correction)


def whole_period_table(comp: Comparison) -> pd.DataFrame:
    """Per strategy versus ``none`` over the whole period, with paired t intervals.

    GDP present value gain, person-years in poverty avoided (each with the paired t interval), money
    allocated and som per person-year out of poverty.

    Columns ``label, gdp_pv_gain, gdp_pv_gain_low, gdp_pv_gain_high`` (som),
    ``poverty_person_years_avoided, ..._low, ..._high`` (person-years), ``budget_allocated_total`` (som),
    ``som_per_person_year_out_of_poverty`` (not defined where none are avoided), and the money left
    unspent (``budget_available_total, budget_absorbed_total, budget_unspent_total,
    budget_unallocated_total`` in som,
    ``unspent_share`` of the budget available) with ``gdp_end_gain`` (som, last year) and
    ``gdp_end_gain_per_som_absorbed`` (som of last-year GDP per som absorbed).
    """
    outcomes = run_outcomes(comp)
    cost = paired.cost_effectiveness(outcomes).set_index("label")
    table = outcomes.set_index(["label", "replication"])
    base = table.xs(BASELINE, level="label")
    for label in cost.index:
        mine = table.xs(label, level="label")
        common = mine.index.intersection(base.index)
        _, _, lo, hi = paired.t_interval((mine.loc[common, "gdp_pv"] - base.loc[common, "gdp_pv"]).to_numpy(),
                                         comp.judgement.confidence)
        cost.loc[label, ["gdp_pv_gain_low", "gdp_pv_gain_high"]] = lo, hi
        avoided = (base.loc[common, "poverty_person_years"] - mine.loc[common, "poverty_person_years"]).to_numpy()
        _, _, lo, hi = paired.t_interval(avoided, comp.judgement.confidence)
        cost.loc[label, ["poverty_person_years_avoided_low", "poverty_person_years_avoided_high"]] = lo, hi
    cols = ["gdp_pv_gain", "gdp_pv_gain_low", "gdp_pv_gain_high", "poverty_person_years_avoided",
            "poverty_person_years_avoided_low", "poverty_person_years_avoided_high", "budget_allocated_total",
            "som_per_person_year_out_of_poverty", "budget_available_total", "budget_absorbed_total",
            "budget_unspent_total", "budget_unallocated_total", "unspent_share", "gdp_end_gain",
            "gdp_end_gain_per_som_absorbed"]
    return cost[cols].reset_index()


def distance_band_table(comp: Comparison) -> pd.DataFrame:
    """Population, income per person, employment and poverty by distance band, per run, last year.

    Bands of road distance from the nearest growth centre (``regsim.reporting.paired.distance_bands``).
    """
    if comp.settlements is None or comp.world is None:
        raise ExperimentError("no settlements/ results or world.parquet in this batch (needed for distance bands)")
    return paired.distance_bands(comp.settlements, comp.world, comp.last_year)


def distance_band_versus(comp: Comparison, bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each label minus ``none`` per distance band, with the paired t interval (``paired.bands_versus``)."""
    bands = distance_band_table(comp) if bands is None else bands
    return paired.bands_versus(bands, comp.judgement.confidence)


# summary.csv rows of the whole-period outcomes: outcome column of per_run_outcomes -> metric name
WHOLE_PERIOD_METRICS: Final = {"gdp_pv": "gdp_present_value_som", "poverty_person_years": "poverty_person_years"}
# last-year metrics of summary.csv that are headline outcomes with a verdict
END_YEAR_OUTCOMES: Final = {"gdp_per_capita_som": "gdp_per_capita_end", "poverty_rate": "poverty_rate_end",
                            "theil_between_oblasts": "theil_between_end"}


def paired_columns(comp: Comparison) -> pd.DataFrame:
    """Mean paired difference versus ``none`` and its t interval per ``label, metric, year``.

    Columns ``strategy, metric, year, diff_mean, diff_low, diff_high`` at the comparison's confidence.
    """
    n = comp.national
    base = n[n.label == BASELINE].set_index(["replication", "metric", "year"]).value
    diff = n.set_index(["replication", "metric", "year"])
    diff = diff.assign(d=diff.value - base.reindex(diff.index).to_numpy()).reset_index()
    g = diff.groupby(["label", "metric", "year"]).d.agg(["mean", "std", "count"])
    dof = (g["count"] - 1).clip(lower=1)
    half = stats.t.ppf(0.5 + comp.judgement.confidence / 2, dof) * g["std"].fillna(0) / np.sqrt(g["count"])
    half = half.where(g["count"] > 1, np.inf)
    out = pd.DataFrame({"diff_mean": g["mean"], "diff_low": g["mean"] - half, "diff_high": g["mean"] + half})
    return out.reset_index().rename(columns={"label": "strategy"})


def full_summary(comp: Comparison, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """``summary.csv``: the summary table with paired intervals, verdicts and whole-period rows.

    :func:`summary_table` with the paired mean and t interval versus ``none`` (``diff_mean,
    diff_low, diff_high``) and ``verdict_vs_none`` on the headline outcomes, and rows for
    the whole-period outcomes (metric ``gdp_present_value_som``, discounted to the first policy year, and
    ``poverty_person_years``; ``year`` is the last year of the period they sum over). ``money_note``,
    beside the verdicts of a strategy that left more than 5% of its budget unspent by the last year,
    says how much and gives its GDP gain per som absorbed (:func:`regsim.reporting.paired.unspent_note`).
    """
    summary = summary_table(comp).merge(paired_columns(comp), on=["strategy", "metric", "year"], how="left")
    pairs = pairwise_table(comp) if pairs is None else pairs
    versus = pairs[pairs.b == BASELINE].set_index(["a", "outcome"]).verdict
    summary["verdict_vs_none"] = ""
    last = summary.year == comp.last_year
    for metric, outcome in END_YEAR_OUTCOMES.items():
        rows = last & (summary.metric == metric) & (summary.strategy != BASELINE)
        summary.loc[rows, "verdict_vs_none"] = [versus.get((s, outcome), "") for s in summary.loc[rows, "strategy"]]
    outcomes = run_outcomes(comp)
    base = outcomes[outcomes.label == BASELINE].set_index("replication")
    extra = []
    for label, group in outcomes.groupby("label", sort=False):
        mine = group.set_index("replication")
        for outcome, metric in WHOLE_PERIOD_METRICS.items():
            p10, med, p90 = quantiles(mine[outcome])
            d = (mine[outcome] - base[outcome].reindex(mine.index)).dropna()
            dp10, dmed, dp90 = quantiles(d)
            mean, _, low, high = paired.t_interval(d.to_numpy(), comp.judgement.confidence)
            extra.append({"strategy": label, "metric": metric, "year": comp.last_year, "median": med, "p10": p10,
                          "p90": p90, "diff_median": dmed, "diff_p10": dp10, "diff_p90": dp90, "diff_mean": mean,
                          "diff_low": low, "diff_high": high,
                          "verdict_vs_none": versus.get((label, outcome), "") if label != BASELINE else ""})
    out = pd.concat([summary, pd.DataFrame(extra)], ignore_index=True)
    flags = paired.unspent_flags(paired.cost_effectiveness(outcomes)) if (outcomes.label == BASELINE).any() else {}
    out["money_note"] = [paired.unspent_note(s, *flags[s], comp.last_year) if (s in flags and v) else ""
                         for s, v in zip(out.strategy, out.verdict_vs_none.fillna(""), strict=True)]
    return out
