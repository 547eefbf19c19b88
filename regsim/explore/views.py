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
from matplotlib.cm import ScalarMappable
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from regsim.i18n import _, ngettext, number
from regsim.reporting import paired
from regsim.reporting.analysis import Comparison, settlement_change_interval
from regsim.reporting.names import place, short
from regsim.reporting.plots import DIVERGING, UNDECIDED_GREY, colour_for, draw_oblasts

CHOICE_COLOURS: Final = {"A": "#0072B2", "B": "#D55E00"}  # Okabe-Ito blue and vermillion
CONFIDENCE: Final = paired.DEFAULT_CONFIDENCE
PATH_METRICS: Final = (("gdp_per_capita_som", 1.0), ("poverty_rate", 100.0), ("theil_between_oblasts", 1.0))
MAP_MEASURES: Final = {"income": "income_per_capita_som", "poverty": "poverty_rate"}


def _metric_title(metric: str) -> str:
    """A metric's title with its unit, in the current language."""
    return {"gdp_per_capita_som": _("GDP per person, som"), "poverty_rate": _("poverty rate, points"),
            "theil_between_oblasts": _("Theil index between oblasts")}[metric]


def _map_title(measure: str, reference: str = paired.BASELINE) -> str:
    """The colour bar title of a map measure."""
    if reference == paired.BASELINE:
        return {"income": _("income per person vs no budget, %"),
                "poverty": _("poverty rate vs no budget, points")}[measure]
    return {"income": _("income per person vs {reference}, %"),
            "poverty": _("poverty rate vs {reference}, points")}[measure].format(reference=short(reference))
MAP_ASPECT: Final = 1.0 / math.cos(math.radians(41.5))  # degrees of latitude per degree of longitude at 41.5 N


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
        return ngettext("{n} paired replication", "{n} paired replications", n).format(n=n)
    return _("replications: {counts}").format(counts=", ".join(f"{label}: {n}" for label, n in counts.items()))


def settlement_change(comp: Comparison, label: str, reference: str, measure: str = "income") -> pd.DataFrame:
    """Per settlement, last year: ``settlement_id, lat, lon, population, change`` (mean over replications).

    ``change`` is the paired difference versus ``reference``: % of income per person, or points of
    the poverty rate; ``population`` is the label's mean population, persons.
    """
    if comp.settlements is None or comp.world is None:
        raise ValueError("this comparison has no settlement results (needed for the map)")
    metric = MAP_MEASURES[measure]
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
    """Map of the settlements, last year: size = population, colour = mean paired change versus the reference.

    A settlement is coloured only where the :data:`CONFIDENCE` interval of its change excludes zero, grey
    otherwise (as in the report); trunk roads and oblast outlines are drawn, the two big cities named. ``reference``
    may be ``none`` or the other choice (the A-versus-B map when B is pinned).
    """
    data = settlement_change(comp, label, reference, measure)
    interval = settlement_change_interval(comp, MAP_MEASURES[measure], confidence=CONFIDENCE, reference=reference,
                                          relative=measure == "income")
    interval = interval[interval.label == label].set_index("settlement_id")
    data = data.assign(decided=interval.decided.reindex(data.settlement_id).fillna(False).to_numpy(bool))
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    if comp.roads is not None and len(comp.roads):
        trunk = comp.roads[~comp.roads.synthetic] if "synthetic" in comp.roads else comp.roads
        for row in trunk.itertuples():
            ax.plot([row.lon1, row.lon2], [row.lat1, row.lat2], color="#dddddd", linewidth=0.6, zorder=1)
    draw_oblasts(ax, labels=True, fontsize=8)
    values = data.change.replace([np.inf, -np.inf], np.nan).where(data.decided)
    limit = float(np.nanpercentile(np.abs(values), 95)) if values.notna().any() else 1.0
    limit = max(limit, 1e-6)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    size = 6 + 220 * np.sqrt(data.population / data.population.max())
    centre = data.kind.isin(["capital", "growth_centre"]).to_numpy()
    decided = data.decided.to_numpy()
    ax.scatter(data.lon[~decided], data.lat[~decided], s=size[~decided], color=UNDECIDED_GREY, zorder=2,
               edgecolors=np.where(centre[~decided], "black", "none"), linewidths=0.7)
    ax.scatter(data.lon[decided], data.lat[decided], s=size[decided], c=values[decided], cmap=DIVERGING, norm=norm,
               zorder=3, edgecolors=np.where(centre[decided], "black", "none"), linewidths=0.7)
    for row in data[data.name.isin(["Bishkek", "Osh"])].itertuples():
        ax.annotate(place(str(row.name)), (row.lon, row.lat), textcoords="offset points", xytext=(5, 5), fontsize=9,
                    zorder=5)
    ax.set_aspect(MAP_ASPECT)
    ax.set_axis_off()
    fig.colorbar(ScalarMappable(norm=norm, cmap=DIVERGING), ax=ax, shrink=0.8,
                 label=_map_title(measure, reference) + "\n" + _("grey: interval includes zero"))
    n = n_note(comp, [label], reference)
    ax.set_title(title or _("{label} vs {reference}, {year}: mean of {n}\n{share} of places decided; size = "
                            "population, ringed = growth centres").format(
        label=short(label), reference=short(reference), year=comp.last_year, n=n, share=f"{decided.mean():.0%}"),
        fontsize=9)
    return fig


def paths_figure(comp: Comparison, labels: Sequence[str], reference: str = paired.BASELINE) -> Figure:
    """Headline outcomes by year as paired differences versus the reference, with confidence bands."""
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, len(PATH_METRICS))
    national = comp.national[comp.national.label.isin([*labels, reference])]
    for ax, (metric, scale) in zip(axes, PATH_METRICS, strict=True):
        name = _metric_title(metric)
        paths = paired.difference_paths(national, metric, reference=reference, confidence=CONFIDENCE)
        ax.axhline(0, color="grey", linewidth=0.8)
        for label in labels:
            p = paths[paths.label == label].sort_values("year")
            if p.empty:
                continue
            ax.plot(p.year, scale * p["mean"], color=colour(label), label=label, linewidth=1.8)
            low, high = p["low"].replace(-np.inf, np.nan), p["high"].replace(np.inf, np.nan)
            ax.fill_between(p.year, scale * low, scale * high, color=colour(label), alpha=0.2, linewidth=0)
        ax.set_title(_("{name}\nvs {reference}").format(name=name, reference=reference), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(_("Difference versus {reference}: mean and {level} interval over {n}").format(
        reference=reference, level=f"{CONFIDENCE:.0%}", n=n_note(comp, labels, reference)), fontsize=9)
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
    ax.set_xlabel(_("poverty rate vs {reference}, points (left is better)").format(reference=reference), fontsize=8)
    ax.set_ylabel(_("GDP per person vs {reference}, %").format(reference=reference), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(points):
        ax.legend(fontsize=7, loc="best")
    n = sorted(set(points.n)) if len(points) else [0]
    ax.set_title(_("Growth-equity frontier, last year ({n} paired replications, {level} intervals)").format(
        n="/".join(map(str, n)), level=f"{CONFIDENCE:.0%}"), fontsize=9)
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
        out[_("{label}: income per person, %").format(label=label)] = income.groupby(level="oblast").mean().map(
            lambda v: number(v, 2))
        out[_("{label}: poverty, points").format(label=label)] = poverty.groupby(level="oblast").mean().map(
            lambda v: number(v, 2))
        out[_("{label}: population, %").format(label=label)] = population.groupby(level="oblast").mean().map(
            lambda v: number(v, 2))
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
    panels = (("income_per_capita_som", _("income per person, som"), 1.0),
              ("poverty_rate", _("poverty rate, points"), 100.0))
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
    fig.suptitle(_("By road distance from the nearest growth centre, {year}: mean and {level} interval over "
                   "{n}").format(year=comp.last_year, level=f"{CONFIDENCE:.0%}", n=n_note(comp, labels, reference)),
                 fontsize=9)
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
    from regsim.reporting import names, report  # the report's words for outcomes, units and verdicts

    first_a = names.short(table.a.iloc[0] if len(table) else a)  # choices A, B stay; strategies get names
    first_b = names.short(table.b.iloc[0] if len(table) else b)
    return pd.DataFrame({
        _("outcome"): [names.outcome(o) for o in table.outcome],
        _("{a} minus {b}").format(a=first_a, b=first_b): [
            report.amount(o, v, signed=True) for o, v in zip(table.outcome, table.mean_diff, strict=True)],
        _("{level} interval").format(level=f"{CONFIDENCE:.0%}"): [
            report.amount(o, lo, unit=False) + " … " + report.amount(o, hi)
            for o, lo, hi in zip(table.outcome, table.low, table.high, strict=True)],
        _("verdict"): [_verdict_words(v, *pair) for v, pair in zip(
            table.verdict, zip(table.a, table.b, strict=True), strict=True)],
        _("replications"): table.n,
    })


def _verdict_words(verdict: str, a: str, b: str) -> str:
    """A verdict of :mod:`regsim.reporting.paired` in the current language (strategies by name)."""
    from regsim.reporting import names

    if verdict == paired.EQUAL:
        return _("practically equal")
    if verdict.startswith("cannot"):
        return _("cannot tell")
    return _("{name} ahead").format(name=names.short(a if verdict == f"{a} ahead" else b))


def runs_table(comp: Comparison) -> pd.DataFrame:
    """The runs behind the view: label, replication, seed and two last-year levels each."""
    n = comp.national[(comp.national.year == comp.last_year)
                      & comp.national.metric.isin(["gdp_per_capita_som", "poverty_rate"])]
    wide = n.pivot_table(index=["label", "replication", "seed"], columns="metric", values="value").reset_index()
    wide = wide.assign(gdp_per_capita_som=wide.gdp_per_capita_som.map(lambda v: number(v, 0)),
                       poverty_rate=(100 * wide.poverty_rate).map(lambda v: number(v, 2)))
    wide = wide.rename(columns={"label": _("choice"), "replication": _("replication"), "seed": _("seed"),
                                "gdp_per_capita_som": _("GDP per person {year}, som").format(year=comp.last_year),
                                "poverty_rate": _("poverty rate {year}, %").format(year=comp.last_year)})
    wide.columns.name = None
    return wide
