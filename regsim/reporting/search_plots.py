"""Figures of ``regsim optimise`` and ``regsim discover``: the Pareto frontier and PRIM's peeling trajectory.

Pure functions on the tables those commands write; each takes ``ax`` (or makes a figure) and
returns the Axes, as in :mod:`regsim.reporting.plots`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from regsim.reporting.plots import colour_for


def _axes(ax: Axes | None, width: float = 8.0, height: float = 5.5) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def _errors(frame: pd.DataFrame, column: str, scale: float) -> np.ndarray | None:
    low, high = f"{column}_low", f"{column}_high"
    if low not in frame or high not in frame:
        return None
    mid = frame[column].to_numpy(float)
    lo = np.nan_to_num(mid - frame[low].to_numpy(float), posinf=0.0, neginf=0.0)
    hi = np.nan_to_num(frame[high].to_numpy(float) - mid, posinf=0.0, neginf=0.0)
    return np.vstack([np.maximum(lo, 0), np.maximum(hi, 0)]) * scale


def plot_pareto(evaluated: pd.DataFrame, front: pd.DataFrame, named: pd.DataFrame, x: str, y: str,
                ax: Axes | None = None, x_scale: float = 1.0, y_scale: float = 1.0,
                xlabel: str | None = None, ylabel: str | None = None) -> Axes:
    """Evaluated candidates (grey), the Pareto set (black, with intervals) and the named strategies.

    Args:
        evaluated: All candidates (``evaluations.csv``).
        front: The Pareto set (``pareto.csv``).
        named: The named strategies, evaluated the same way (``named.csv``, column ``label``).
        x: Column on the horizontal axis (e.g. ``poverty_person_years_vs_none``).
        y: Column on the vertical axis (e.g. ``gdp_pv_vs_none``); ``_low``/``_high`` columns give bars.
        ax: Axes to draw on.
        x_scale: Multiplies x values (units).
        y_scale: Multiplies y values (units).
        xlabel: Axis label (default: ``x``).
        ylabel: Axis label (default: ``y``).
    """
    ax = _axes(ax)
    ax.scatter(evaluated[x] * x_scale, evaluated[y] * y_scale, s=12, color="0.75", label="evaluated allocations",
               zorder=1)
    ordered = front.sort_values(x)
    ax.errorbar(ordered[x] * x_scale, ordered[y] * y_scale, xerr=_errors(ordered, x, x_scale),
                yerr=_errors(ordered, y, y_scale), fmt="o-", color="black", ms=5, lw=1, elinewidth=0.6,
                capsize=2, label="Pareto set (90% intervals over seeds)", zorder=3)
    for row in named.itertuples():
        rx, ry = getattr(row, x) * x_scale, getattr(row, y) * y_scale
        ax.scatter([rx], [ry], s=50, marker="D", color=colour_for(row.label), edgecolor="black", zorder=4)
        ax.annotate(row.label, (rx, ry), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_peeling(trajectory: pd.DataFrame, chosen: int, ax: Axes | None = None, title: str = "") -> Axes:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted parameters, chosen box ringed.

    Args:
        trajectory: ``coverage, density, res_dim`` per step (fractions 0-1).
        chosen: Index of the chosen step.
        ax: Axes to draw on.
        title: Axes title.
    """
    ax = _axes(ax, 6.5, 5.0)
    points = ax.scatter(trajectory.coverage, trajectory.density, c=trajectory.res_dim, cmap="viridis", s=30,
                        zorder=2)
    ax.plot(trajectory.coverage, trajectory.density, color="0.6", lw=0.8, zorder=1)
    pick = trajectory.loc[chosen]
    ax.scatter([pick.coverage], [pick.density], s=160, facecolors="none", edgecolors="red", lw=1.5, zorder=3,
               label=f"chosen box (step {chosen})")
    ax.figure.colorbar(points, ax=ax, label="restricted parameters")
    ax.set_xlabel("coverage (share of all wins inside the box)")
    ax.set_ylabel("density (share of worlds in the box with a win)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title, fontsize=9)
    return ax
