"""Robustness across plausible worlds: which strategy is best how often, and its regret.

Strategies run on a Latin hypercube over the uncertain parameters (plausible ranges, as in
``regsim.studies.sensitivity``); each sample point is a "world". Per world the best strategy on an
outcome is the one with the highest value (lowest for poverty); a strategy's regret is its
shortfall from the best in that world. Satisficing: the share of worlds in which a strategy
raises GDP per person and lowers poverty versus ``none`` (Lempert et al. 2003 style robustness).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pandas as pd

from regsim.params import DEFAULT_SEED, plausible_ranges
from regsim.reporting.analysis import BASELINE, load
from regsim.studies.sensitivity import UNCERTAIN

DEFAULT_STRATEGIES: Final = ("none", "equalisation_uniform", "equalisation_needs", "concentrated",
                             "concentrated_hinterland", "concept_two_stage")
MIN_WORLDS: Final = 2  # fewer worlds cannot tell robustness from luck
SCREEN_SETTINGS: Final = {"time.end_year": 2035, "scale.household_weight": 20}
"""Defaults of ``regsim robustness`` (a cheaper screen: shorter horizon, coarser households);
``regsim compare --robustness N`` uses the comparison's own settings instead."""


def experiment_table(n: int, strategies: tuple[str, ...], scenario: str, fixed: dict[str, Any],
                     seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The experiment: every strategy in every world of a Latin hypercube (one run each)."""
    return {
        "experiment": {"name": "robustness", "scenario": scenario, "replications": 1, "seed": seed,
                       "outputs": ["national"], "set": fixed},
        "grid": {"policy.strategy": list(strategies)},
        "sample": {"method": "lhs", "n": n, "ranges": plausible_ranges(UNCERTAIN)},
    }


def world_outcomes(out_dir: Path) -> pd.DataFrame:
    """Last-year GDP per person and poverty per (world, strategy)."""
    comp = load(out_dir)
    keys = list(UNCERTAIN)
    design = comp.design
    # the same sample point (world) has the same parameter values for every strategy
    world = design.groupby(keys, sort=False).ngroup()
    last = comp.national[comp.national.year == comp.last_year]
    wide = last.pivot_table(index="run_id", columns="metric", values="value")
    frame = pd.DataFrame({"world": world.to_numpy(), "strategy": design["policy.strategy"].to_numpy(),
                          "run_id": design.run_id.to_numpy()})
    frame["gdp_per_capita_som"] = wide.loc[frame.run_id, "gdp_per_capita_som"].to_numpy()
    frame["poverty_rate"] = wide.loc[frame.run_id, "poverty_rate"].to_numpy()
    return frame


def table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: share of worlds best (GDP; poverty), mean and max regret, satisficing share."""
    gdp = outcomes.pivot_table(index="world", columns="strategy", values="gdp_per_capita_som")
    pov = outcomes.pivot_table(index="world", columns="strategy", values="poverty_rate")
    candidates = [c for c in gdp.columns if c != BASELINE]
    best_gdp = gdp[candidates].idxmax(axis=1)
    best_pov = pov[candidates].idxmin(axis=1)
    regret_gdp = gdp[candidates].max(axis=1).to_numpy()[:, None] - gdp[candidates]
    regret_pov = 100 * (pov[candidates] - pov[candidates].min(axis=1).to_numpy()[:, None])
    rows = []
    for s in candidates:
        satisfies = (gdp[s] > gdp[BASELINE]) & (pov[s] < pov[BASELINE]) if BASELINE in gdp else pd.Series(False)
        rows.append({"strategy": s, "worlds": len(gdp),
                     "share_best_gdp": float((best_gdp == s).mean()),
                     "share_best_poverty": float((best_pov == s).mean()),
                     "mean_regret_gdp_pc_som": float(regret_gdp[s].mean()),
                     "max_regret_gdp_pc_som": float(regret_gdp[s].max()),
                     "mean_regret_poverty_points": float(regret_pov[s].mean()),
                     "max_regret_poverty_points": float(regret_pov[s].max()),
                     "share_satisficing": float(satisfies.mean())})
    return pd.DataFrame(rows).sort_values("max_regret_gdp_pc_som").reset_index(drop=True)
