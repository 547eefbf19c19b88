"""Whether the answer depends on how agents are counted (``regsim convergence``, issue 22).

One household row stands for ``scale.household_weight`` real households and one firm agent for
``scale.firm_weight`` enterprises. If the strategies' paired differences moved when agents stand
for fewer real units, the ranking would be an artefact of lumpiness (at ``firm_weight`` 50 it was:
uniform equalisation and concentration swapped places on the present value of GDP when firms were
made five times finer). This study runs the headline comparison twice on the same paired seeds:
at the given weights and with both weights halved (twice the rows and agents), and sets the
paired differences side by side with their Student-t intervals.

Design: every pair of the chosen strategies, the headline outcomes of ``regsim compare``
(``regsim.reporting.paired.per_run_outcomes``: GDP per person in the last year, the present value
of GDP, the poverty rate in the last year, person-years in poverty), ``n`` replications with the
comparison's seeds (common random numbers within each weight setting). The two settings **agree**
on a difference when their means differ by less than the half-width of the interval of that gap,
``|m_default - m_halved| <= sqrt(h_default^2 + h_halved^2)`` (the runs of the two settings are
independent draws, so the variances add); a sign that flips with both intervals excluding zero is
a disagreement whatever the widths.

What the intervals cover: the run seeds' noise and, since issue 22, the draw of the initial
population. Each replication draws its initial households and firms from its run seed
(``scale.population_draw = "per_run"``; the world's village sizes stay on ``scale.world_seed``), the
same for every strategy of the replication. Before, every run of a weight setting started from ONE
population drawn from ``scale.world_seed``, a fixed effect the intervals did not cover, and it was
what made the present value of GDP disagree: concentrated - none at 1:10/1:10 against 1:5/1:5 (6
seeds each) was 30.42 against 31.67 bn som with world_seed 2017, 31.60 against 30.41 with 11 and
31.41 against 31.37 with 12, the gap changing sign with the draw and the means over the three draws
equal (31.14 and 31.15). Halving one weight only left it within 0.3 bn of the default (30.17 at
1:10/1:5, 30.33 at 1:5/1:10; world_seed 2017).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

import regsim.reporting.paired as paired
from regsim.params import Params, replace

STRATEGIES = ("none", "concentrated", "equalisation_uniform", "concept_two_stage")
"""Default strategies: the baseline, the two poles and the Concept as adopted."""

OUTCOMES = paired.HEADLINE_OUTCOMES
"""Headline outcomes compared (those ``regsim compare`` must decide)."""

SETTINGS = ("default", "halved")


def halved(params: Params) -> Params:
    """The same parameters with household and firm weights halved (at least 1)."""
    scale = params.scale
    params = replace(params, "scale.household_weight", max(1, scale.household_weight // 2))
    return replace(params, "scale.firm_weight", max(1, scale.firm_weight // 2))


def _national(task: tuple[Params, str, int, int, str]) -> pd.DataFrame:
    """One run's national table with its labels (a top-level function, so processes can run it)."""
    from regsim.model.simulation import RegionalModel

    params, strategy, replication, seed, setting = task
    model = RegionalModel(replace(params, "policy.strategy", strategy), seed=seed)
    try:
        table = model.run().national
    finally:
        model.release()
    return table.assign(label=strategy, replication=replication, setting=setting)


def run(params: Params, seeds: Sequence[int], strategies: Sequence[str] = STRATEGIES,
        workers: int = 1) -> pd.DataFrame:
    """National tables of every run: columns ``setting, label, replication, year, metric, value``."""
    tasks = [(p, s, k, seed, setting)
             for setting, p in zip(SETTINGS, (params, halved(params)), strict=True)
             for s in strategies for k, seed in enumerate(seeds)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            tables = list(pool.map(_national, tasks))
    else:
        tables = [_national(t) for t in tasks]
    return pd.concat(tables, ignore_index=True)


def differences(national: pd.DataFrame, confidence: float = paired.DEFAULT_CONFIDENCE,
                discount_rate: float = paired.DEFAULT_DISCOUNT_RATE) -> pd.DataFrame:
    """Paired differences A - B per setting, outcome and pair: mean and Student-t interval.

    Returns:
        Columns ``a, b, outcome, setting, mean, low, high, n``.
    """
    rows = []
    for setting, table in national.groupby("setting", sort=False):
        outcomes = paired.per_run_outcomes(table.drop(columns="setting"), discount_rate).set_index(
            ["label", "replication"])
        labels = sorted(dict.fromkeys(table.label), key=lambda label: label == paired.BASELINE)  # "X vs none"
        for a, b in itertools.combinations(labels, 2):
            for name in OUTCOMES:
                diff = (outcomes.loc[a, name] - outcomes.loc[b, name]).to_numpy(float)
                mean, _, low, high = paired.t_interval(diff, confidence)
                rows.append({"a": a, "b": b, "outcome": name, "setting": setting, "mean": mean, "low": low,
                             "high": high, "n": len(diff)})
    return pd.DataFrame(rows)


def agreement(diffs: pd.DataFrame) -> pd.DataFrame:
    """The two settings side by side per pair and outcome, with the verdict ``agree``.

    Returns:
        Columns ``a, b, outcome``, ``mean/low/high`` of each setting (suffixes ``_default``,
        ``_halved``), ``gap`` (default minus halved), ``tolerance`` (half-width of the gap's
        interval) and ``agree``.
    """
    wide = diffs.pivot_table(index=["a", "b", "outcome"], columns="setting", values=["mean", "low", "high"],
                             sort=False)
    wide.columns = [f"{value}_{setting}" for value, setting in wide.columns]
    wide = wide.reset_index()
    half_d = (wide.high_default - wide.low_default) / 2
    half_h = (wide.high_halved - wide.low_halved) / 2
    wide["gap"] = wide.mean_default - wide.mean_halved
    wide["tolerance"] = np.sqrt(half_d**2 + half_h**2)
    flipped = ((wide.low_default > 0) & (wide.high_halved < 0)) | ((wide.high_default < 0) & (wide.low_halved > 0))
    wide["agree"] = (wide.gap.abs() <= wide.tolerance) & ~flipped
    order = ["a", "b", "outcome", "mean_default", "low_default", "high_default", "mean_halved", "low_halved",
             "high_halved", "gap", "tolerance", "agree"]
    return wide[order]


UNITS = {"gdp_per_capita_end": ("som", 1.0, "{:,.0f}"), "gdp_pv": ("bn som", 1e-9, "{:,.2f}"),
         "poverty_rate_end": ("points", 100.0, "{:.3f}"), "poverty_person_years": ("person-years", 1.0, "{:,.0f}")}
"""Unit, scale and format of each outcome in :func:`side_by_side`."""


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`agreement` as text, one row per pair and outcome: ``mean [low, high]`` of each setting.

    Returns:
        Columns ``a, b, outcome, unit, default, halved, gap`` (``gap +- tolerance``) and ``agree``.
    """
    rows = []
    for row in table.itertuples(index=False):
        unit, scale, fmt = UNITS.get(row.outcome, ("", 1.0, "{:.4g}"))

        def cell(mean: float, low: float, high: float, fmt: str = fmt, scale: float = scale) -> str:
            return f"{fmt.format(mean * scale)} [{fmt.format(low * scale)}, {fmt.format(high * scale)}]"

        rows.append({"a": row.a, "b": row.b, "outcome": row.outcome, "unit": unit,
                     "default": cell(row.mean_default, row.low_default, row.high_default),
                     "halved": cell(row.mean_halved, row.low_halved, row.high_halved),
                     "gap": f"{fmt.format(row.gap * scale)} +- {fmt.format(row.tolerance * scale)}",
                     "agree": "yes" if row.agree else "NO"})
    return pd.DataFrame(rows)


def measure(params: Params, seeds: Sequence[int], strategies: Sequence[str] = STRATEGIES, workers: int = 1,
            confidence: float = paired.DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Run both settings and return :func:`agreement` of their paired differences."""
    return agreement(differences(run(params, seeds, strategies, workers), confidence))
