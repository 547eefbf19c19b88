"""Which beliefs decide the ranking: Morris screening and Sobol indices of strategy differences.

The outcome is the *difference* between two strategies on the same parameters and seed (by
default ``concentrated`` minus ``equalisation_uniform``) in the last year: GDP per person, the
poverty rate and the Theil index between oblasts. Samples and indices come from SALib; the runs
go through the batch engine (resumable, any executor). Ranges are the plausible ranges declared
in ``regsim/params.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from regsim.errors import ExperimentError
from regsim.params import DEFAULT_SEED, describe

UNCERTAIN: Final = (
    "economy.agglomeration_elasticity",
    "economy.congestion_elasticity",
    "economy.public_capital_elasticity",
    "economy.public_capital_depreciation_rate",
    "policy.absorption_share_village",
    "policy.admin_loss_share",
    "migration.move_propensity_per_year",
    "migration.distance_elasticity",
    "labour.commuting_radius_km",
    "economy.farm_marketing_margin",
    # issue 13: the return on public money and who pays for it; absorption by kind of settlement
    "economy.productivity_per_output_elasticity",
    "economy.services_elasticity",
    "government.public_investment_share_gdp",
    "government.upkeep_rate_per_year",
    "policy.absorption_share_city",
    "policy.absorption_share_town",
)
"""The uncertain parameters screened by default (at least 8, as issue 7 asks; issue 13 added six)."""

OUTCOMES: Final = ("gdp_per_capita_som", "poverty_rate", "theil_between_oblasts")


def plausible_ranges(keys: tuple[str, ...] = UNCERTAIN) -> dict[str, list[float]]:
    """The plausible range of each key, from the parameter declarations."""
    table = {row["key"]: row["plausible"] for row in describe()}
    missing = [k for k in keys if not table.get(k)]
    if missing:
        raise ExperimentError(f"no plausible range declared for {', '.join(missing)}")
    return {k: [float(table[k][0]), float(table[k][1])] for k in keys}


def experiment_table(method: str, n: int, strategies: tuple[str, str], scenario: str,
                     fixed: dict[str, Any], seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The experiment (as a TOML-like table) for the batch engine."""
    if method not in ("morris", "sobol"):
        raise ExperimentError(f"--method: unknown {method!r}; allowed: morris, sobol")
    return {
        "experiment": {"name": f"sensitivity-{method}", "scenario": scenario, "replications": 1, "seed": seed,
                       "outputs": ["national"], "set": fixed},
        "grid": {"policy.strategy": list(strategies)},
        "sample": {"method": method, "n": n, "ranges": plausible_ranges()},
    }


def differences(out_dir: Path, strategies: tuple[str, str], ranges: dict[str, list[float]]
                ) -> tuple[np.ndarray, pd.DataFrame]:
    """Sample matrix X (in SALib order) and outcome differences (first minus second strategy)."""
    from regsim.reporting.analysis import load

    comp = load(out_dir)
    design = comp.design
    last = comp.national[comp.national.year == comp.last_year]
    wide = last.pivot_table(index="run_id", columns="metric", values="value")
    keys = list(ranges)
    a = design[design["policy.strategy"] == strategies[0]].sort_values("run_id")
    b = design[design["policy.strategy"] == strategies[1]].sort_values("run_id")
    if len(a) != len(b):
        raise ExperimentError(f"{out_dir}: unequal numbers of runs for {strategies[0]} and {strategies[1]}")
    x = a[keys].to_numpy(dtype=float)
    if not np.allclose(x, b[keys].to_numpy(dtype=float)):
        raise ExperimentError(f"{out_dir}: the two strategies were not run on the same sample")
    diff = pd.DataFrame({m: wide.loc[a.run_id, m].to_numpy() - wide.loc[b.run_id, m].to_numpy() for m in OUTCOMES})
    return x, diff


def analyse(method: str, x: np.ndarray, diff: pd.DataFrame, ranges: dict[str, list[float]],
            levels: int = 4) -> pd.DataFrame:
    """Sensitivity indices per outcome and parameter (SALib)."""
    problem = {"num_vars": len(ranges), "names": list(ranges), "bounds": list(ranges.values())}
    rows = []
    for outcome in OUTCOMES:
        y = diff[outcome].to_numpy()
        if method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(problem, x, y, num_levels=levels, seed=1)
            for i, name in enumerate(problem["names"]):
                rows.append({"outcome": outcome, "parameter": name, "mu_star": float(res["mu_star"][i]),
                             "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i])})
        else:
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
            for i, name in enumerate(problem["names"]):
                rows.append({"outcome": outcome, "parameter": name, "S1": float(res["S1"][i]),
                             "S1_conf": float(res["S1_conf"][i]), "ST": float(res["ST"][i]),
                             "ST_conf": float(res["ST_conf"][i])})
    table = pd.DataFrame(rows)
    key = "mu_star" if method == "morris" else "ST"
    return table.sort_values(["outcome", key], ascending=[True, False]).reset_index(drop=True)
