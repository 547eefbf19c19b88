"""What the explorer shows, as pure functions of a comparison: figures (matplotlib) and tables.

Every function takes a :class:`~regsim.reporting.analysis.Comparison` whose ``label`` column names
the choices (``A``, ``B`` and ``none`` in the live explorer; strategies in a saved batch) and a
reference label; differences are paired replication by replication
(:mod:`regsim.reporting.paired`), and every figure and table says how many replications stand
behind it. Figures are ``matplotlib.figure.Figure`` objects made without pyplot, so the explorer's
threads can draw at the same time. Nothing here runs a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from regsim.reporting import paired
from regsim.reporting.analysis import Comparison
from regsim.reporting.plots import DIVERGING, colour_for

CHOICE_COLOURS: Final = {"A": "#0072B2", "B": "#D55E00"}  # Okabe-Ito blue and vermillion
CONFIDENCE: Final = paired.DEFAULT_CONFIDENCE
PATH_METRICS: Final = (
    ("gdp_per_capita_som", "GDP per person, som", 1.0),
    ("poverty_rate", "Poverty rate, points", 100.0),
    ("theil_between_oblasts", "Theil between oblasts", 1.0),
)
MAP_MEASURES: Final = {
    "income": ("income_per_capita_som", "Income per person vs none, %"),
    "poverty": ("poverty_rate", "Poverty rate vs none, points"),
}
MAP_ASPECT: Final = 1.0 / math.cos(math.radians(41.5))  # km per degree of longitude at Kyrgyz latitudes


def colour(label: str) -> str:
    """Colour of a choice (A, B) or a strategy label."""
    return CHOICE_COLOURS.get(label, colour_for(label))


def replications(comp: Comparison, label: str) -> int:
    """Replications of one label that have a paired ``none`` run... or of the label alone."""
    return int(comp.design[comp.design.label == label].replication.nunique())


def n_note(comp: Comparison, labels: Sequence[str], reference: str) -> str:
    """"3 paired replications" (or per label when they differ)."""
    counts = {label: replications(comp, label) for label in [*labels, reference]}
    values = set(counts.values())
    if len(values) == 1:
        n = values.pop()
        return f"{n} paired replication{'s' if n != 1 else ''}"
    return ", ".join(f"{label}: {n}" for label, n in counts.items()) + " replications"


def settlement_change(comp: Comparison, label: str, reference: str, measure: str = "income") -> pd.DataFrame:
    """Per settlement, last year: ``settlement_id, lat, lon, population, change`` (mean over replications).

    ``change`` is the paired difference versus ``reference``: % of income per person, or points of
    the poverty rate; ``population`` is the label's mean population, persons.
    """
    if comp.settlements is None or comp.world is None:
        raise ValueError("this comparison has no settlement results (needed for the map)")
    metric = MAP_MEASURES[measure][0]
    s = comp.settlements[comp.settlements.year == comp.last_year]
    s = s[s.label.isin([label, reference]) & s.metric.isin([metric, "population"])]
    wide = s.pivot_table(index=["settlement_id", "replication"], columns=["metric", "label"], values="value")
    mine, base = wide[(metric, label)], wide[(metric, reference)]
    change = 100 * (mine - base) / base.replace(0, np.nan) if measure == "income" else 100 * (mine - base)
    out = pd.DataFrame({"change": change, "population": wide[("population", label)]})
    out = out.groupby(level="settlement_id").mean()
    return comp.world[["settlement_id", "name", "kind", "lat", "lon"]].merge(
        out, left_on="settlement_id", right_index=True, how="inner")


def map_figure(comp: Comparison, label: str, reference: str = paired.BASELINE, measure: str = "income",
               title: str | None = None) -> Figure:
    """Map of the settlements: size = population, colour = change versus the reference, last year."""
    data = settlement_change(comp, label, reference, measure)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.add_subplot()
    if comp.roads is not None and len(comp.roads):
        trunk = comp.roads[~comp.roads.synthetic] if "synthetic" in comp.roads else comp.roads
        for row in trunk.itertuples():
            ax.plot([row.lon1, row.lon2], [row.lat1, row.lat2], color="#cccccc", linewidth=0.6, zorder=1)
    values = data.change.replace([np.inf, -np.inf], np.nan)
    limit = float(np.nanpercentile(np.abs(values), 95)) if values.notna().any() else 1.0
    limit = max(limit, 1e-6)
    size = 6 + 220 * np.sqrt(data.population / data.population.max())
    centre = data.kind.isin(["capital", "growth_centre"]).to_numpy()
    points = ax.scatter(data.lon, data.lat, s=size, c=values, cmap=DIVERGING,
                        norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit), zorder=2,
                        edgecolors=np.where(centre, "black", "none"), linewidths=0.7)
    for row in data[data.kind == "capital"].itertuples():
        ax.annotate(row.name, (row.lon, row.lat), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_aspect(MAP_ASPECT)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude", fontsize=8)
    ax.set_ylabel("latitude", fontsize=8)
    fig.colorbar(points, ax=ax, shrink=0.8, label=MAP_MEASURES[measure][1] + " (95% of places in range)")
    n = n_note(comp, [label], reference)
    ax.set_title(title or f"{label} vs {reference}, {comp.last_year}: mean of {n}; "
                 "size = population, ringed = growth centres", fontsize=9)
    return fig


def paths_figure(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> Figure:
    """Headline outcomes by year as paired differences versus the reference, with confidence bands."""
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, len(PATH_METRICS))
    national = comp.national[comp.national.label.isin([*labels, reference])]
    for ax, (metric, name, scale) in zip(axes, PATH_METRICS, strict=True):
        paths = paired.difference_paths(national, metric, reference=reference, confidence=CONFIDENCE)
        ax.axhline(0, color="grey", linewidth=0.8)
        for label in labels:
            p = paths[paths.label == label].sort_values("year")
            if p.empty:
                continue
            ax.plot(p.year, scale * p["mean"], color=colour(label), label=label, linewidth=1.8)
            low, high = p["low"].replace(-np.inf, np.nan), p["high"].replace(np.inf, np.nan)
            ax.fill_between(p.year, scale * low, scale * high, color=colour(label), alpha=0.2, linewidth=0)
        ax.set_title(f"{name}\nvs {reference}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Difference versus {reference}: mean and {CONFIDENCE:.0%} interval over "
                 f"{n_note(comp, labels, reference)}", fontsize=9)
    return fig


def frontier_points(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> pd.DataFrame:
    """Per label: GDP per person gain (%) and poverty change (points) vs the reference, last year.

    Returns:
        ``label, x, x_low, x_high, y, y_low, y_high, n``: x = change in the poverty rate, points;
        y = change in GDP per person, %; low/high the paired t interval.
    """
    n = comp.national
    last = n[(n.year == comp.last_year) & n.metric.isin(["gdp_per_capita_som", "poverty_rate"])]
    wide = last.pivot_table(index=["replication"], columns=["metric", "label"], values="value")
    rows = []
    for label in labels:
        if ("gdp_per_capita_som", label) not in wide:
            continue
        gdp = 100 * (wide[("gdp_per_capita_som", label)] / wide[("gdp_per_capita_som", reference)] - 1)
        pov = 100 * (wide[("poverty_rate", label)] - wide[("poverty_rate", reference)])
        y, _, y_low, y_high = paired.t_interval(gdp.dropna().to_numpy(), CONFIDENCE)
        x, _, x_low, x_high = paired.t_interval(pov.dropna().to_numpy(), CONFIDENCE)
        rows.append({"label": label, "x": x, "x_low": x_low, "x_high": x_high, "y": y, "y_low": y_low,
                     "y_high": y_high, "n": int(gdp.notna().sum())})
    return pd.DataFrame(rows)


def frontier_figure(points: pd.DataFrame, current: str | Sequence[str], reference: str = paired.BASELINE,
                    names: dict[str, str] | None = None) -> Figure:
    """Growth-equity frontier: every point with its interval; the current choice(s) marked with a star.

    Args:
        points: :func:`frontier_points` (one or more comparisons concatenated).
        current: Label(s) of the current choice (A, and B when pinned).
        reference: What the changes are measured against.
        names: Longer names for the legend, by label.
    """
    marked = [current] if isinstance(current, str) else list(current)
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    for row in points.itertuples():
        is_current = row.label in marked
        finite = all(np.isfinite(v) for v in (row.x_low, row.x_high, row.y_low, row.y_high))
        xerr = [[row.x - row.x_low], [row.x_high - row.x]] if finite else None
        yerr = [[row.y - row.y_low], [row.y_high - row.y]] if finite else None
        ax.errorbar(row.x, row.y, xerr=xerr, yerr=yerr, fmt="*" if is_current else "o",
                    markersize=16 if is_current else 6, capsize=2, zorder=3 if is_current else 2,
                    color=colour(row.label) if is_current or row.label in CHOICE_COLOURS else "#777777",
                    alpha=1.0 if is_current else 0.7,
                    label=(names or {}).get(row.label, row.label) if is_current else None)
        if not is_current:
            ax.annotate((names or {}).get(row.label, row.label), (row.x, row.y), textcoords="offset points",
                        xytext=(4, 3), fontsize=6, color="#555555")
    ax.set_xlabel(f"Poverty rate vs {reference}, points (left is better)", fontsize=8)
    ax.set_ylabel(f"GDP per person vs {reference}, %", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(points):
        ax.legend(fontsize=7, loc="best")
    n = sorted(set(points.n)) if len(points) else [0]
    ax.set_title(f"Growth-equity frontier, last year ({'/'.join(map(str, n))} paired replications, "
                 f"{CONFIDENCE:.0%} intervals)", fontsize=9)
    return fig


def oblast_table(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> pd.DataFrame:
    """Per oblast, last year, mean over paired replications: income per person (%) and poverty (points) vs reference."""
    if comp.oblasts is None:
        raise ValueError("this comparison has no oblast results")
    o = comp.oblasts[(comp.oblasts.year == comp.last_year)
                     & comp.oblasts.metric.isin(["income_per_capita_som", "poverty_rate", "population"])]
    wide = o.pivot_table(index=["oblast", "replication"], columns=["metric", "label"], values="value")
    out = pd.DataFrame(index=wide.index.get_level_values("oblast").unique())
    out.index.name = "oblast"
    for label in labels:
        income = 100 * (wide[("income_per_capita_som", label)] / wide[("income_per_capita_som", reference)] - 1)
        poverty = 100 * (wide[("poverty_rate", label)] - wide[("poverty_rate", reference)])
        population = 100 * (wide[("population", label)] / wide[("population", reference)] - 1)
        out[f"{label}: income per person, %"] = income.groupby(level="oblast").mean().round(2)
        out[f"{label}: poverty, points"] = poverty.groupby(level="oblast").mean().round(2)
        out[f"{label}: population, %"] = population.groupby(level="oblast").mean().round(2)
    return out.reset_index()


def band_table(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> pd.DataFrame:
    """Distance bands from the nearest growth centre: paired differences versus the reference, last year."""
    if comp.settlements is None or comp.world is None:
        raise ValueError("this comparison has no settlement results (needed for the distance bands)")
    settlements = comp.settlements[comp.settlements.label.isin([*labels, reference])]
    bands = paired.distance_bands(settlements, comp.world, comp.last_year)
    return paired.bands_versus(bands, confidence=CONFIDENCE, reference=reference)


def bands_figure(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> Figure:
    """Income per person and poverty by road distance from the nearest growth centre, versus the reference."""
    table = band_table(comp, labels, reference)
    fig = Figure(figsize=(9, 3.3), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = (("income_per_capita_som", "Income per person, som", 1.0), ("poverty_rate", "Poverty rate, points", 100.0))
    width = 0.8 / max(1, len(labels))
    for ax, (measure, name, scale) in zip(axes, panels, strict=True):
        rows = table[table.measure == measure]
        for i, label in enumerate(labels):
            r = rows[rows.label == label]
            r = r.assign(order=r.band.astype(str).map(paired.BAND_ORDER.index)).sort_values("order")
            if r.empty:
                continue
            x = np.arange(len(r)) + (i - (len(labels) - 1) / 2) * width
            low = (r["mean_diff"] - r["low"]).replace(np.inf, np.nan)
            high = (r["high"] - r["mean_diff"]).replace(np.inf, np.nan)
            ax.bar(x, scale * r["mean_diff"], width=width, color=colour(label), label=label,
                   yerr=[scale * low, scale * high], capsize=2, error_kw={"linewidth": 0.8})
            ax.set_xticks(np.arange(len(r)), [str(b) for b in r.band], fontsize=7)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_title(f"{name} vs {reference}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"By road distance from the nearest growth centre, {comp.last_year}: mean and "
                 f"{CONFIDENCE:.0%} interval over {n_note(comp, labels, reference)}", fontsize=9)
    return fig


def verdicts(comp: Comparison, a: str, b: str) -> pd.DataFrame:
    """The paired verdict of ``a`` versus ``b`` on every headline outcome (:func:`paired.pairwise`)."""
    national = comp.national[comp.national.label.isin({a, b, paired.BASELINE})]
    outcomes = paired.per_run_outcomes(national)
    order = [a, b] + ([paired.BASELINE] if paired.BASELINE in set(outcomes.label) and paired.BASELINE not in (a, b)
                      else [])
    table = paired.pairwise(outcomes, labels=order, confidence=CONFIDENCE)
    table = table[(table.a == a) & (table.b == b)] if a != paired.BASELINE else table[
        (table.a == b) & (table.b == a)]
    return pd.DataFrame({
        "outcome": [paired.OUTCOME_BY_NAME[o].label for o in table.outcome],
        "unit": [paired.OUTCOME_BY_NAME[o].unit for o in table.outcome],
        f"{table.a.iloc[0] if len(table) else a} - {table.b.iloc[0] if len(table) else b}": table.mean_diff.map(_fmt),
        f"{CONFIDENCE:.0%} interval": [f"{_fmt(lo)} to {_fmt(hi)}" for lo, hi in zip(table.low, table.high,
                                                                                       strict=True)],
        "verdict": table.verdict,
        "replications": table.n,
    })


def runs_table(comp: Comparison) -> pd.DataFrame:
    """The runs behind the view: label, replication, seed and two last-year levels each."""
    n = comp.national[(comp.national.year == comp.last_year)
                      & comp.national.metric.isin(["gdp_per_capita_som", "poverty_rate"])]
    wide = n.pivot_table(index=["label", "replication", "seed"], columns="metric", values="value").reset_index()
    wide = wide.rename(columns={"gdp_per_capita_som": f"GDP per person {comp.last_year}, som",
                                "poverty_rate": f"poverty rate {comp.last_year}"})
    wide.columns.name = None
    return wide


def _fmt(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:,.4g}"
