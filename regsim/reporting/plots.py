"""Figures from result tables: ``(table, ..., ax=None) -> Axes``; never imports the model.

Colour-blind safe: strategies take fixed Okabe-Ito colours and also differ by line style and
marker (readable in greyscale print); changes use a diverging colour map centred at zero.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
import warnings
import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

import regsim.reporting.names as names
from regsim import files
from regsim.data.loader import load_oblast_boundaries
from regsim.i18n import _
from regsim.reporting.paired import BAND_ORDER

# Okabe-Ito, with its yellow last and darkened (#F0E442 is hard to see on white, as lines and in print)
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#B8A81E")
STRATEGY_ORDER = ("none", "equalisation_uniform", "equalisation_needs", "concentrated", "concentrated_hinterland",
                  "concept_two_stage", "hybrid", "cash_transfers", "custom")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DIVERGING = "PuOr"
GROUP_WIDTH = 0.8  # of the space between two rows of grouped bars
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73")  # Okabe-Ito; hatches tell them apart in greyscale
GROUP_HATCHES = ("", "//", "..")
LEGEND_BELOW = -0.16  # legend position of grouped bars, in axes heights below the axes
PANEL_SPACE = 0.06  # between the panels of the robustness figure, share of the figure height
ROBUSTNESS_WIDTH = 9.4  # inches, three panels one above the other (FIGURE_WIDTH)
ROBUSTNESS_MIN_HEIGHT = 3.0  # inches per panel
ROBUSTNESS_ROW_HEIGHT = 0.4  # inches per strategy and panel
ROBUSTNESS_MARGIN_HEIGHT = 1.4  # inches per panel for its title, axis label and legend
PRINT_WIDTH_IN = 190 / 25.4  # A4 less the report's 10 mm side margins: the widest a figure prints
MIN_PRINT_PT = 9.0  # the smallest type a reader should meet on paper
EMBED_DPI = 110  # resolution of the PNGs embedded in report.html (a browser shows 96 CSS px an inch)
FONT_PT = 12  # all text in a figure; a full-width figure is at most MAX_WIDTH_IN wide, so it prints at >= 9 pt
SMALL_PT = FONT_PT  # ticks, legends and cell values: as large as the rest, or they would print below 9 pt
MAX_WIDTH_IN = PRINT_WIDTH_IN * FONT_PT / MIN_PRINT_PT  # 9.97 in
FIGURE_WIDTH = 9.4  # inches: the width of a full-width figure, with room for the tight box's margins
SMALL_WIDTH = 4.6  # inches: a figure printed two to a row (48% of the page: 12 pt prints at 9.3 pt)
SCORE_COLOURS = {"better": "#7FC8A9", "worse": "#F0A577", "equal": "#D9D9D9", "undecided": "#FFFFFF",
                 "self": "#F2F2F2"}  # Okabe-Ito green and vermilion, lightened so black text reads on them
SCORE_HATCH = {"undecided": "..", "self": "//"}
plt.rcParams.update({"font.size": FONT_PT, "axes.titlesize": FONT_PT, "axes.labelsize": FONT_PT,
                     "xtick.labelsize": SMALL_PT, "ytick.labelsize": SMALL_PT, "legend.fontsize": SMALL_PT,
                     "figure.titlesize": FONT_PT + 1})


def _index(label: str) -> int:
    base = label.split(" ")[0]
    if base in STRATEGY_ORDER:
        return STRATEGY_ORDER.index(base)
    return zlib.crc32(label.encode()) % len(OKABE_ITO)


def colour_for(label: str) -> str:
    """Stable colour of a strategy label (Okabe-Ito)."""
    return OKABE_ITO[_index(label) % len(OKABE_ITO)]


def style_for(label: str) -> dict[str, str]:
    """Colour, line style and marker of a label, stable across figures."""
    i = _index(label)
    return {"color": colour_for(label), "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


def new_figure(ncols: int = 1, width: float = 8.0, height: float = 4.5,
               nrows: int = 1) -> tuple[Figure, Axes | np.ndarray]:
    """A figure with ``ncols`` axes side by side (and ``nrows`` rows of them), ``width`` x ``height`` inches."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")
    return fig, axes


def band_name(band: str) -> str:
    """A distance band as readers see it ("centres", "0-30 km", ..., "over 120 km")."""
    return {"centres": _("centres"), "over 120 km": _("over 120 km")}.get(band, band.replace("km", _("km")))


def oblast_name(name: str) -> str:
    """An oblast or city of republican significance in the current language."""
    return {"Batken": _("Batken oblast"), "Chuy": _("Chuy oblast"), "Issyk-Kul": _("Issyk-Kul oblast"),
            "Jalal-Abad": _("Jalal-Abad oblast"), "Naryn": _("Naryn oblast"), "Osh": _("Osh oblast"),
            "Talas": _("Talas oblast"), "Bishkek": _("Bishkek"), "Osh city": _("Osh city")}.get(name, name)


def close_all() -> None:
    """Release every open figure."""
    plt.close("all")


def plot_paths(bands: pd.DataFrame, ylabel: str, ax: Axes | None = None, scale: float = 1.0,
               legend: bool = True) -> Axes:
    """Median path per label with its 10-90% band.

    Args:
        bands: Columns ``label, year, median, p10, p90``.
        ylabel: Axis label (with the unit after scaling).
        ax: Axes to draw on (a new figure if None).
        scale: Values are divided by this (e.g. 1e9 for bn som, 0.01 for percent).
        legend: Draw a legend (off where a figure beside it has one with the same styles).
    """
    if ax is None:
        _fig, ax = new_figure()
    for label, group in bands.groupby("label", sort=False):
        group = group.sort_values("year")
        style = style_for(str(label))
        ax.plot(group.year, group["median"] / scale, label=names.short(str(label)), color=style["color"],
                linestyle=style["linestyle"], marker=style["marker"], markevery=max(1, len(group) // 6), markersize=4)
        ax.fill_between(group.year, group.p10 / scale, group.p90 / scale, color=style["color"], alpha=0.2, linewidth=0)
    ax.set_xlabel(_("year"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(loc="best")
    return ax


def plot_difference_paths(paths: pd.DataFrame, ylabel: str, ax: Axes | None = None, scale: float = 1.0,
                          title: str = "", legend: bool = True) -> Axes:
    """Mean paired difference per label by year with its confidence band, around a zero line.

    Args:
        paths: Columns ``label, year, mean, low, high`` (``regsim.reporting.paired.difference_paths``).
        ylabel: Axis label (with the unit after scaling).
        ax: Axes to draw on (a new figure if None).
        scale: Values are divided by this.
        title: Axes title.
        legend: Draw a legend on the axes (off when the figure gets one shared legend).
    """
    if ax is None:
        _fig, ax = new_figure()
    ax.axhline(0, color="grey", linewidth=0.8)
    for label, group in paths.groupby("label", sort=False):
        group = group.sort_values("year")
        style = style_for(str(label))
        low = group.low.replace([np.inf, -np.inf], np.nan) / scale
        high = group.high.replace([np.inf, -np.inf], np.nan) / scale
        ax.plot(group.year, group["mean"] / scale, label=names.short(str(label)), color=style["color"],
                linestyle=style["linestyle"], marker=style["marker"], markevery=max(1, len(group) // 6), markersize=4)
        ax.fill_between(group.year, low, high, color=style["color"], alpha=0.15, linewidth=0)
    ax.set_xlabel(_("year"))
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(loc="best")
    return ax


def shared_legend(fig: Figure, axes: list[Axes], ncol: int = 3) -> None:
    """One legend below the figure for every labelled line of ``axes`` (each label once)."""
    handles: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=ncol, frameon=False)


BAND_ROW_HEIGHT = 1.8  # inches per strategy of the distance-band figure (six print on one A4 page)
BAND_MEASURES = (  # measure of paired.bands_versus, scale
    ("income_per_capita_som", 1.0), ("poverty_rate", 0.01), ("employment_rate", 0.01), ("population", 1e3))


def _band_title(measure: str) -> str:
    """Panel title of a distance-band measure, with its unit."""
    return {"income_per_capita_som": _("income per person, som"), "poverty_rate": _("poverty rate, points"),
            "employment_rate": _("employment per resident, points"),
            "population": _("population, thousands")}[measure]


def plot_distance_bands(versus: pd.DataFrame, labels: list[str], reference: str = "none",
                        fig: Figure | None = None) -> Figure:
    """Each strategy minus ``reference`` by distance band from the nearest growth centre, with intervals.

    One row of panels per strategy and one column per measure of :data:`BAND_MEASURES`; bars are
    the mean paired differences per band (centres, 0-30, 30-60, 60-120, over 120 km by road),
    whiskers the confidence interval.

    Args:
        versus: ``regsim.reporting.paired.bands_versus`` (``label, band, measure, mean_diff, low, high``).
        labels: Strategies to draw, one row each.
        reference: What the differences are taken from (for the titles).
        fig: Figure to draw into (a new one if None).
    """
    labels = [label for label in labels if label in set(versus.label)]
    nrows = max(1, len(labels))
    if fig is None:
        fig = plt.figure(figsize=(FIGURE_WIDTH, BAND_ROW_HEIGHT * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, len(BAND_MEASURES), squeeze=False, sharex="col")  # one scale down each column
    for r, label in enumerate(labels):
        mine = versus[versus.label == label]
        colour = colour_for(label)
        for c, (measure, scale) in enumerate(BAND_MEASURES):
            ax = axes[r, c]
            part = mine[mine.measure == measure]
            part = part.assign(order=part.band.astype(str).map(BAND_ORDER.index)).sort_values("order")
            y = np.arange(len(part))
            mean = part.mean_diff.to_numpy(float) / scale
            low = np.nan_to_num(part.low.to_numpy(float) / scale, nan=0.0, posinf=0.0, neginf=0.0)
            high = np.nan_to_num(part.high.to_numpy(float) / scale, nan=0.0, posinf=0.0, neginf=0.0)
            err = np.vstack([np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)])
            ax.barh(y, mean, xerr=err, color=colour, alpha=0.8, capsize=3, edgecolor="black", linewidth=0.4)
            ax.axvline(0, color="grey", linewidth=0.8)
            ax.set_yticks(y, [band_name(str(b)) for b in part.band])
            ax.invert_yaxis()
            ax.grid(axis="x", alpha=0.3)
            if c:
                ax.tick_params(labelleft=False)
            if r == 0:
                ax.set_title(textwrap.fill(_band_title(measure), 20), fontsize=SMALL_PT)
            if c == 0:
                ax.set_ylabel(_("{name}\nminus {reference}").format(name=names.short(label),
                                                                    reference=names.short(reference)))
    return fig


def plot_frontier(points: pd.DataFrame, hybrid: pd.DataFrame | None, xlabel: str, ylabel: str,
                  ax: Axes | None = None) -> Axes:
    """Growth-equity frontier: each strategy as a point with 10-90% ranges, the hybrid as a curve.

    Args:
        points: Columns ``label, x, y, x_p10, x_p90, y_p10, y_p90``.
        hybrid: Columns ``centre_share, x, y`` (sorted by share), or None.
        xlabel: Label of x (e.g. GDP gain in %).
        ylabel: Label of y (e.g. change in the poverty rate, points).
        ax: Axes to draw on.
    """
    if ax is None:
        _fig, ax = new_figure()
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    if hybrid is not None and len(hybrid):
        ax.plot(hybrid.x, hybrid.y, color=colour_for("hybrid"), linestyle="--", marker=".",
                label=_("mix (share to the centres)"))
        for row in hybrid.iloc[[0, -1]].itertuples():
            ax.annotate(f"{row.centre_share:.0%}", (row.x, row.y), textcoords="offset points", xytext=(4, 4))
    for row in points.itertuples():
        style = style_for(str(row.label))
        ax.errorbar(row.x, row.y, xerr=[[max(0.0, row.x - row.x_p10)], [max(0.0, row.x_p90 - row.x)]],
                    yerr=[[max(0.0, row.y - row.y_p10)], [max(0.0, row.y_p90 - row.y)]], fmt=style["marker"],
                    color=style["color"], capsize=3, label=names.short(str(row.label)), markersize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


UNDECIDED_GREY = "#C8C8C8"  # settlements whose interval includes zero
BORDER_GREY = "#8C8C8C"  # oblast outlines
MAP_ASPECT = 1.0 / math.cos(math.radians(41.5))  # degrees of latitude per degree of longitude at 41.5 N
MAP_WIDTH = FIGURE_WIDTH  # inches: prints at 0.8 of this on A4, so 12 pt type stays >= 9 pt on paper
KEY_HEIGHT = 4.8  # inches: the key map spans the width (a map of Kyrgyzstan is about twice as wide as tall)
MAP_COLUMNS = 3  # change panels a row (two when there are at most four)
PANEL_TITLE_HEIGHT = 0.55  # inches: a two-line panel title
COLOURBAR_HEIGHT = 0.9  # inches below the panels
# six strategies (two rows of three) print at 0.8 x (4.8 + 2 x 2.1 + 0.9) = 7.9 in: one A4 page with heading and caption
# Where a centre's name goes, in points from the dot (dx, dy, horizontal alignment); default right and up.
# Chosen by eye so that the names of the Fergana valley towns do not overlap at 12 pt.
CENTRE_LABELS = {"Bishkek": (0, 7, "center"), "Tokmok": (5, 4, "left"), "Kara-Balta": (-5, 4, "right"),
                 "Osh": (5, -10, "left"), "Kara-Suu": (-6, -2, "right"), "Uzgen": (6, -3, "left"),
                 "Jalal-Abad": (6, 6, "left"), "Kochkor-Ata": (-6, -6, "right"), "Tash-Kumyr": (-6, -4, "right"),
                 "Kara-Kul": (6, 2, "left"), "Kerben": (-6, 2, "right"), "Kadamjay": (0, -13, "center"),
                 "Batken": (0, 6, "center"), "Isfana": (4, 5, "left"), "Sary-Tash": (6, -3, "left"),
                 "Balykchy": (5, 5, "left"), "Kochkor": (-6, -2, "right"), "Naryn": (5, 4, "left"),
                 "Karakol": (-4, 6, "center"), "Talas": (0, 6, "center")}
# Where an oblast's name is written (lon, lat) where its centroid would sit on a centre's name; checked to
# lie inside the oblast (tests/test_plots.py)
OBLAST_LABEL_AT = {"Chuy": (74.4, 42.55), "Naryn": (76.25, 41.1), "Jalal-Abad": (71.25, 41.85),
                   "Osh": (74.1, 40.15), "Batken": (71.05, 39.62), "Talas": (72.05, 42.28),
                   "Issyk-Kul": (78.05, 41.7)}


def draw_oblasts(ax: Axes, labels: bool = False, fontsize: float = FONT_PT) -> None:
    """Outlines of the oblasts (Natural Earth admin-1, embedded), and their names if ``labels``."""
    for feature in load_oblast_boundaries()["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                xs, ys = zip(*ring, strict=True)
                ax.plot(xs, ys, color=BORDER_GREY, linewidth=0.7, zorder=1, solid_joinstyle="round")
        unit = feature["properties"]["unit"]
        if labels and unit != "Bishkek":  # the city is named as a centre
            x, y = OBLAST_LABEL_AT.get(unit, feature["properties"]["label"])
            ax.text(x, y, oblast_name(unit), ha="center", va="center", fontsize=fontsize,
                    style="italic", color="#555555", zorder=4)


def _name_centres(ax: Axes, world: pd.DataFrame, fontsize: float = FONT_PT) -> None:
    """A dot and the name of every growth centre (and the capital)."""
    centres = world[world.kind.isin(["capital", "growth_centre"])]
    ax.scatter(centres.lon, centres.lat, s=22, color="black", zorder=3)
    for row in centres.itertuples():
        dx, dy, ha = CENTRE_LABELS.get(str(row.name), (4, 3, "left"))
        ax.annotate(names.place(str(row.name)), (row.lon, row.lat), textcoords="offset points", xytext=(dx, dy),
                    ha=ha, va="center", fontsize=fontsize, zorder=5)


def _key_map(ax: Axes, world: pd.DataFrame) -> None:
    """The reference panel: oblast outlines and names, every settlement faintly, every growth centre by name."""
    draw_oblasts(ax, labels=True)
    ax.scatter(world.lon, world.lat, s=4, color="#dddddd", zorder=2)
    _name_centres(ax, world)
    ax.set_title(_("growth centres and oblasts"))


def plot_maps(world: pd.DataFrame, change: pd.DataFrame, title: str, fig: Figure | None = None,
              colour_label: str | None = None) -> Figure:
    """A key map naming the centres and oblasts across the top, then one small map per label, two or three a row.

    Settlements are coloured by ``value`` only where ``decided`` (the change's interval excludes zero);
    the others are grey, so that replication noise is not read as village winners and losers. Every
    panel draws the oblast outlines; the figure is :data:`MAP_WIDTH` wide with type of at least 12 pt.

    Args:
        world: Columns ``settlement_id, name, kind, lat, lon, population_2017``.
        change: Columns ``label, settlement_id, value`` (e.g. % change versus none) and optionally
            ``decided`` (bool; all coloured if absent).
        title: Figure title.
        fig: Figure to draw into (a new one if None).
        colour_label: Title of the colour bar (default: change in %, grey explained).

    Raises:
        ValueError: if ``change`` names settlements that ``world`` lacks.
    """
    unknown = set(change.settlement_id) - set(world.settlement_id)
    if unknown:
        raise ValueError(f"change names {len(unknown)} settlement ids missing from world, e.g. {min(unknown)}")
    labels = list(dict.fromkeys(change.label))
    ncols = MAP_COLUMNS if len(labels) > 4 else 2
    rows = math.ceil(len(labels) / ncols)
    panel_height = MAP_WIDTH / ncols / 2 + PANEL_TITLE_HEIGHT  # each map about twice as wide as tall
    if fig is None:
        fig = plt.figure(figsize=(MAP_WIDTH, KEY_HEIGHT + panel_height * rows + COLOURBAR_HEIGHT),
                         layout="constrained")
    grid = fig.add_gridspec(1 + rows, ncols, height_ratios=[KEY_HEIGHT] + [panel_height] * rows)
    key = fig.add_subplot(grid[0, :])
    key.set_aspect(MAP_ASPECT)
    key.set_axis_off()
    _key_map(key, world)
    if "decided" not in change:
        change = change.assign(decided=True)
    values = change.value.where(change.decided).replace([np.inf, -np.inf], np.nan)
    # a robust colour range: the 95th percentile of absolute decided changes (outliers saturate)
    limit = float(np.nanpercentile(np.abs(values), 95)) if values.notna().any() else 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-max(limit, 1e-9), vmax=max(limit, 1e-9))
    w = world.set_index("settlement_id")
    size = (6 + 110 * np.sqrt(w.population_2017 / w.population_2017.max())) * 2 / ncols  # dot area by panel width
    centre = w.kind.isin(["capital", "growth_centre"]).to_numpy()
    panels = []
    for i, label in enumerate(labels):
        ax = fig.add_subplot(grid[1 + i // ncols, i % ncols])
        panels.append(ax)
        ax.set_aspect(MAP_ASPECT)
        ax.set_axis_off()
        draw_oblasts(ax)
        mine = change[change.label == label].set_index("settlement_id").reindex(w.index)
        decided = mine.decided.fillna(False).astype(bool).to_numpy()
        ax.scatter(w.lon[~decided], w.lat[~decided], s=size[~decided], color=UNDECIDED_GREY, zorder=2,
                   edgecolors=np.where(centre[~decided], "black", "none"), linewidths=0.8)
        ax.scatter(w.lon[decided], w.lat[decided], s=size[decided], c=mine.value[decided], cmap=DIVERGING,
                   norm=norm, zorder=3, edgecolors=np.where(centre[decided], "black", "none"), linewidths=0.8)
        ax.set_title(_("{name}\n{share} of places decided").format(
            name=names.short(str(label)), share=f"{decided.mean():.0%}"))
    if panels:
        mappable = plt.cm.ScalarMappable(norm=norm, cmap=DIVERGING)
        fig.colorbar(mappable, ax=panels, orientation="horizontal", shrink=0.6, aspect=40,
                     label=colour_label or _("change, % (grey: interval includes zero)"))
    fig.suptitle(title)
    return fig


def plot_heatmap(table: pd.DataFrame, title: str, value_format: str = "{:.1f}", ax: Axes | None = None,
                 lower_is_better: bool = False) -> Axes:
    """Oblasts (rows) by strategy (columns), coloured by change, annotated with values.

    With ``lower_is_better`` (e.g. poverty) the colour map is reversed, so that an improvement has
    the same colour in every heatmap of a report.
    """
    if ax is None:
        _fig, ax = new_figure(height=5)
    data = table.to_numpy(dtype=float)
    finite = data[np.isfinite(data)]
    limit = float(np.abs(finite).max()) if finite.size else 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-max(limit, 1e-9), vmax=max(limit, 1e-9))
    image = ax.imshow(data, cmap=DIVERGING + ("_r" if lower_is_better else ""), norm=norm, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    for (r, c), value in np.ndenumerate(data):
        if np.isfinite(value):
            dark = abs(norm(value) - 0.5) > 0.35
            ax.text(c, r, value_format.format(value), ha="center", va="center", fontsize=SMALL_PT,
                    color="white" if dark else "black")
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    return ax


def plot_money(money: pd.DataFrame, ax: Axes | None = None, scale: float = 1e9) -> Axes:
    """Where the money went: absorbed, returned and lost per strategy, stacked by group.

    Args:
        money: Columns ``label, group, absorbed, returned, lost`` (som).
        ax: Axes to draw on.
        scale: Divide by this (bn som by default).
    """
    if ax is None:
        _fig, ax = new_figure(height=6)
    totals = money.groupby("label", sort=False)[["absorbed", "returned", "lost"]].sum() / scale
    left = np.zeros(len(totals))
    parts = (("absorbed", _("absorbed"), "#0072B2", ""), ("returned", _("returned"), "#E69F00", "//"),
             ("lost", _("lost"), "#999999", ".."))
    rows = [names.short(str(label)) for label in totals.index]
    for column, legend, colour, hatch in parts:
        ax.barh(rows, totals[column], left=left, color=colour, hatch=hatch, label=legend, edgecolor="white")
        left += totals[column].to_numpy()
    ax.set_xlabel(_("bn som over the whole run"))
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.invert_yaxis()
    return ax


def plot_bars(frame: pd.DataFrame, value: str, label: str, error: tuple[str, str] | None = None,
              ax: Axes | None = None, xlabel: str = "") -> Axes:
    """Horizontal bars of ``frame[value]`` by ``frame[label]``, with optional error columns (low, high)."""
    if ax is None:
        _fig, ax = new_figure(height=max(3.0, 0.35 * len(frame) + 1))
    xerr = None
    if error is not None:
        xerr = [frame[value] - frame[error[0]], frame[error[1]] - frame[value]]
    ax.barh(frame[label].astype(str), frame[value], xerr=xerr, color="#0072B2", capsize=3)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.invert_yaxis()
    return ax


def plot_grouped_bars(frame: pd.DataFrame, label: str, columns: dict[str, str], ax: Axes | None = None,
                      xlabel: str = "", scale: float = 1.0) -> Axes:
    """Horizontal bars of several columns side by side per ``frame[label]`` (top to bottom in row order).

    Args:
        frame: One row per label.
        label: Column naming the rows (e.g. ``strategy``).
        columns: Column to draw -> legend text, in drawing order; colours and hatches by position.
        ax: Axes to draw on (a new figure if None).
        xlabel: Axis label (with the unit after scaling).
        scale: Values are multiplied by this (e.g. 100 for shares in %).
    """
    if ax is None:
        _fig, ax = new_figure(height=max(3.0, 0.5 * len(frame) + 1))
    positions = np.arange(len(frame))
    height = GROUP_WIDTH / max(1, len(columns))
    for i, (column, legend) in enumerate(columns.items()):
        offset = (i - (len(columns) - 1) / 2) * height
        ax.barh(positions + offset, frame[column].to_numpy(dtype=float) * scale, height=height,
                color=GROUP_COLOURS[i % len(GROUP_COLOURS)], hatch=GROUP_HATCHES[i % len(GROUP_HATCHES)],
                edgecolor="white", label=legend)
    ax.set_yticks(positions, frame[label].astype(str).tolist())
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.invert_yaxis()
    if len(columns) > 1:  # below the axes: bars may fill any corner
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, LEGEND_BELOW), ncol=len(columns),
                  frameon=False)
    return ax


def plot_robustness(table: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Robustness across worlds in three panels, one above the other, one row of bars per strategy.

    Share of worlds in which each strategy is best (GDP per person; poverty rate, % of worlds),
    then mean and maximum regret on GDP per person (som per person) and on poverty (percentage
    points).

    Args:
        table: ``regsim.studies.robustness.table`` (columns ``strategy, share_best_gdp, share_best_poverty,
            mean_regret_gdp_pc_som, max_regret_gdp_pc_som, mean_regret_poverty_points,
            max_regret_poverty_points``; shares as fractions 0-1).
        fig: Figure to draw into (a new one if None).
    """
    if fig is None:
        height = 3 * max(ROBUSTNESS_MIN_HEIGHT, ROBUSTNESS_ROW_HEIGHT * len(table) + ROBUSTNESS_MARGIN_HEIGHT)
        fig = plt.figure(figsize=(ROBUSTNESS_WIDTH, height), layout="constrained")
    if fig.get_layout_engine() is not None:
        fig.get_layout_engine().set(hspace=PANEL_SPACE)
    axes = fig.subplots(3, 1)  # not sharey: each panel inverts its own y axis
    table = table.assign(name=[names.short(str(s)) for s in table.strategy])
    plot_grouped_bars(table, "name", {"share_best_gdp": _("GDP per person"), "share_best_poverty": _("poverty rate")},
                      ax=axes[0], xlabel=_("worlds in which it is best, %"), scale=100)
    axes[0].set_xlim(0, 100)
    axes[0].set_title(_("Best strategy: share of worlds"))
    plot_grouped_bars(table, "name", {"mean_regret_gdp_pc_som": _("mean"), "max_regret_gdp_pc_som": _("maximum")},
                      ax=axes[1], xlabel=_("som per person below the best"))
    axes[1].set_title(_("Regret: GDP per person"))
    plot_grouped_bars(table, "name", {"mean_regret_poverty_points": _("mean"),
                                      "max_regret_poverty_points": _("maximum")},
                      ax=axes[2], xlabel=_("percentage points above the best"))
    axes[2].set_title(_("Regret: poverty rate"))
    return fig


def plot_sensitivity(result: pd.DataFrame, key: str, pair: tuple[str, str], outcomes: tuple[str, ...]) -> Figure:
    """Sensitivity indices with confidence intervals, one panel per outcome.

    Args:
        result: One row per outcome and parameter with ``key`` and ``{key}_conf`` columns.
        key: The index shown, e.g. ``mu_star`` (Morris) or ``ST`` (Sobol total order).
        pair: The strategies whose difference was analysed (for the titles).
        outcomes: The outcomes, one panel each, in order.
    """
    conf = f"{key}_conf"
    fig, axes = new_figure(ncols=len(outcomes), width=15, height=4.5)
    for ax, outcome in zip(np.atleast_1d(axes), outcomes, strict=True):
        part = result[result.outcome == outcome].assign(lo=lambda f: f[key] - f[conf], hi=lambda f: f[key] + f[conf])
        plot_bars(part, key, "parameter", error=("lo", "hi"), ax=ax, xlabel=key)
        ax.set_title(f"{pair[0]} - {pair[1]}: {outcome}", fontsize=9)
    return fig


ROW_NAME_CHARS = 18
"""A scorecard row name longer than this wraps onto a second line (to leave the columns room)."""


def _heading_chars(row_names: list[str], columns: int, width_in: float) -> int:
    """Characters per line of a scorecard column heading, so that neighbouring headings do not touch.

    The row names take the left of the figure (``width_in`` inches); each column gets an equal share of
    the rest. Widths in ems of SMALL_PT: about 0.6 a character of a row name, 0.66 of a heading (Cyrillic
    in DejaVu Sans is wide: Kyrgyz headings of 16 characters overlapped). Between 12 and 20 characters.
    """
    em = SMALL_PT / 72
    longest = max((len(line) for name in row_names for line in name.split("\n")), default=0)
    return int(np.clip((width_in - 0.6 * em * longest - 0.3) / max(columns, 1) / (0.66 * em), 12, 20))


def plot_scorecard(cells: pd.DataFrame, row_names: list[str], rows: list[str], columns: list[tuple[str, str]],
                   outcome_titles: dict[str, str], reference_titles: dict[str, str],
                   legend: dict[str, str]) -> Figure:
    """Strategies (rows) x outcomes (columns), one panel per reference, cells coloured by verdict.

    Args:
        cells: Columns ``strategy, outcome, reference, status, text``; status one of ``better, worse, equal,
            undecided, self`` (``self``: a strategy against itself).
        row_names: Names shown for ``rows``, in order.
        rows: Strategy labels, top to bottom.
        columns: (outcome, reference) pairs; the references give the panels (top to bottom), the outcomes
            the columns of each.
        outcome_titles: Outcome -> column heading (its unit after a newline).
        reference_titles: Reference -> panel title.
        legend: Status -> legend text (statuses without an entry are left out of the legend).
    """
    from matplotlib.patches import Patch, Rectangle

    refs = list(dict.fromkeys(ref for _o, ref in columns))
    outcomes = list(dict.fromkeys(o for o, _r in columns))
    width = min(9.0, 2.6 + 1.6 * len(outcomes))
    row_names = [textwrap.fill(name, ROW_NAME_CHARS, break_long_words=False) for name in row_names]
    chars = _heading_chars(row_names, len(outcomes), width)
    heads = {o: "\n".join(textwrap.fill(part, chars, break_long_words=False)
                          for part in outcome_titles.get(o, o).split("\n")) for o in outcomes}
    head_lines = max(t.count("\n") + 1 for t in heads.values())
    top = 0.1 + 0.42 * head_lines  # rows of space above the cells for the headings
    panel = len(rows) + top
    fig = plt.figure(figsize=(width, 0.42 * panel * len(refs) + 1.0), layout="constrained")
    axes = fig.subplots(len(refs), 1, squeeze=False)[:, 0]
    index = cells.set_index(["strategy", "outcome", "reference"])
    for ax, ref in zip(axes, refs, strict=True):
        shown = [(label, name) for label, name in zip(rows, row_names, strict=True) if label != ref]
        for r, (label, _name) in enumerate(shown):
            for c, outcome in enumerate(outcomes):
                key = (label, outcome, ref)
                status = index.loc[key, "status"] if key in index.index else "self"
                text = index.loc[key, "text"] if key in index.index else ""
                ax.add_patch(Rectangle((c, r), 1, 1, facecolor=SCORE_COLOURS[status], edgecolor="#AAAAAA",
                                       hatch=SCORE_HATCH.get(status), linewidth=0.6))
                if text:
                    ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", fontsize=SMALL_PT)
        for c, outcome in enumerate(outcomes):
            ax.text(c + 0.5, -0.1, heads[outcome], ha="center", va="bottom", fontsize=SMALL_PT,
                    linespacing=1.0)
        ax.set_xlim(0, len(outcomes))
        ax.set_ylim(len(shown), -top)
        ax.set_yticks([r + 0.5 for r in range(len(shown))], [name for _label, name in shown])
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        ax.set_title(reference_titles.get(ref, ref), loc="left", fontweight="bold")
    handles = [Patch(facecolor=SCORE_COLOURS[s], edgecolor="#888888", hatch=SCORE_HATCH.get(s), label=text)
               for s, text in legend.items()]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False, fontsize=SMALL_PT)
    return fig


def settle(fig: Figure) -> Bbox:
    """Lay ``fig`` out once and keep that layout; its tight box (inches, padded as ``savefig`` pads it).

    The report renders each figure four times (PNG and SVG files, the embedded PNG, the check of its
    smallest type), and each ``savefig(bbox_inches="tight")`` drew it twice, re-solving the
    constrained layout every time: about 20 s of CPU for a default comparison (issue 23). The first
    call draws the figure (solving its layout), fixes the positions (no layout engine from then on:
    ``savefig`` draws a figure with one, or with ``bbox_inches="tight"``, once more before rendering)
    and computes the tight box; later renders reuse both, so each is one draw. Positions and box are
    in figure fractions and inches, the same at every resolution.
    """
    box = getattr(fig, "_regsim_tight_box", None)
    if box is None:
        fig.canvas.draw()
        with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # no engine: renders keep these positions and skip savefig's layout draw
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
        fig._regsim_tight_box = box  # type: ignore[attr-defined]
    return box


def save(fig: Figure, folder: str | Path, name: str) -> list[Path]:
    """Write ``name.png`` (150 dpi) and ``name.svg`` into ``folder``; returns both paths."""
    folder = Path(folder)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    box = settle(fig)
    files.atomic_write(paths[0], lambda p: fig.savefig(p, format="png", dpi=150, bbox_inches=box))
    files.atomic_write(paths[1], lambda p: fig.savefig(p, format="svg", bbox_inches=box))
    return paths


def smallest_font_pt(fig: Figure) -> float:
    """The size of the smallest visible, non-empty text in the figure, in points at the figure's own size.

    Printed, a figure of width W inches shrunk to width P prints its text at ``size * P / W`` points; the
    report writes this value on each image (``data-font-pt``) so that a test can check the printed size.
    """
    settle(fig)  # laid out once (constrained layout), drawn: tick labels and legends are placed
    with warnings.catch_warnings():  # the extent of a text placed at NaN (an empty cell) warns; it is not drawn
        warnings.simplefilter("ignore", RuntimeWarning)
        sizes = [text.get_fontsize() for text in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(
            a, "get_text")) if text.get_visible() and text.get_text().strip() and _drawn(text)]
    return float(min(sizes)) if sizes else float(plt.rcParams["font.size"])


def _drawn(text: object) -> bool:
    """Whether a text artist is inside its figure's box (tick labels beyond the axis limits are not drawn)."""
    try:
        box = text.get_window_extent()  # type: ignore[attr-defined]
    except (RuntimeError, ValueError):
        return False
    figure_box = text.figure.bbox  # type: ignore[attr-defined]
    return box.width > 0 and box.x1 >= figure_box.x0 and box.x0 <= figure_box.x1 and \
        box.y1 >= figure_box.y0 and box.y0 <= figure_box.y1


def figure_to_base64_png(fig: Figure) -> str:
    """The figure as a base64-encoded PNG (for ``data:image/png;base64,...``)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=EMBED_DPI, bbox_inches=settle(fig))
    return base64.b64encode(buffer.getvalue()).decode("ascii")
