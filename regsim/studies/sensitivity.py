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

from regsim import files
from regsim.batch.store import check_batch_folder
from regsim.errors import ExperimentError, RegsimError
from regsim.params import DEFAULT_SEED, plausible_ranges
from regsim.reporting.plots import close_all, plot_sensitivity, save

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
    # issue 13: the paid spread (hinterland purchases), ordinary service spending, who owns the mine
    "economy.farm_input_share_industry",
    "economy.farm_input_share_services",
    "government.services_spending_share_gdp",
    "government.mining_surplus_abroad_share",
    # issue 22 item 5: the share of the money on offer spent in the year (execution data)
    "policy.execution_rate",
)
"""The uncertain parameters screened by default (at least 8, as issue 7 asks; issue 13 added ten, issue 22 one)."""

OUTCOMES: Final = ("gdp_per_capita_som", "poverty_rate", "theil_between_oblasts")

SCREEN_SETTINGS: Final = {"time.end_year": 2035, "scale.household_weight": 20}
"""Defaults of ``regsim sensitivity`` under the ``--set`` values: a shorter horizon, coarser households."""


def strategy_pair(text: str) -> tuple[str, str]:
    """The two strategies ``A,B`` whose difference (A minus B) is analysed.

    Raises:
        RegsimError: unless ``text`` names exactly two.
    """
    pair = tuple(s.strip() for s in text.split(","))
    if len(pair) != 2:
        raise RegsimError(f"--strategies: expected two strategies A,B, got {text!r}")
    return pair


def run(method: str, n: int, pair: tuple[str, str], scenario: str, fixed: dict[str, Any], out: Path,
        executor: str = "serial", workers: int | None = None, progress: bool = True,
        scheduler: str | None = None, shard: str | None = None) -> pd.DataFrame:
    """Run the sample for both strategies into the batch folder ``out`` and analyse the differences.

    Writes ``out/sensitivity.csv`` (:func:`analyse`) and ``out/sensitivity.png``/``.svg`` (one
    panel per outcome). Resumable like a batch.

    Args:
        method: ``morris`` or ``sobol``.
        n: Morris trajectories or the Sobol base sample size.
        pair: The difference ``pair[0]`` minus ``pair[1]``.
        scenario: Path of the scenario file.
        fixed: ``section.name`` -> value for every run (``--set``).
        out: The batch folder (new, empty or this batch, resumed); checked before any run.
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (None: every local core).
        progress: Show a progress bar on stderr.
        scheduler: Address of an existing Dask scheduler.
        shard: ``"I/N"``: run only the I-th of N slices (Slurm job arrays); indices once all are done.

    Returns:
        The indices per outcome and parameter, most influential first.

    Raises:
        RegsimError: for a bad method or ``out``, before any run.
        regsim.batch.RunsFailed: if runs failed (recorded in ``out``).
        regsim.batch.BatchIncomplete: with ``shard``, while other shards are still to run.
    """
    from regsim import batch

    table = experiment_table(method, n, pair, scenario, fixed)
    check_batch_folder(out)
    batch.run_table(table, out, executor, workers, progress, scheduler=scheduler, shard=shard)
    ranges = plausible_ranges(UNCERTAIN)
    x, diff = differences(out, pair, ranges)
    result = analyse(method, x, diff, ranges)
    files.write_csv(result, out / "sensitivity.csv")
    save(plot_sensitivity(result, index_column(method), pair, OUTCOMES), out, "sensitivity")
    close_all()
    return result


def index_column(method: str) -> str:
    """The column that ranks parameters: ``mu_star`` (Morris) or ``ST`` (Sobol total order)."""
    return "mu_star" if method == "morris" else "ST"


def experiment_table(method: str, n: int, strategies: tuple[str, str], scenario: str,
                     fixed: dict[str, Any], seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The experiment (as a TOML-like table) for the batch engine."""
    if method not in ("morris", "sobol"):
        raise ExperimentError(f"--method: unknown {method!r}; allowed: morris, sobol")
    return {
        "experiment": {"name": f"sensitivity-{method}", "scenario": scenario, "replications": 1, "seed": seed,
                       "outputs": ["national"], "set": fixed},
        "grid": {"policy.strategy": list(strategies)},
        "sample": {"method": method, "n": n, "ranges": plausible_ranges(UNCERTAIN)},
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
    key = index_column(method)
    return table.sort_values(["outcome", key], ascending=[True, False]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# indices from any finished batch with a Sobol or Morris [sample] (regsim sensitivity --from DIR)


def from_batch(out_dir: str | Path, strategies: tuple[str, str] | None = None,
               outcomes: tuple[str, ...] = OUTCOMES, confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol (S1, ST and, with a second-order sample, S2) or Morris indices of a finished batch.

    The batch is any ``regsim batch`` (or ``regsim sensitivity``) folder whose experiment has a
    ``[sample]`` with ``method = "sobol"`` or ``"morris"``; its manifest records the method, ``n`` and
    ranges. The outcome of a sample point is a national metric in the last year, averaged over
    replications; with ``strategies = (A, B)`` the difference A minus B on the same point (the grid
    must vary ``policy.strategy``), else the level in each grid cell (a ``label`` column tells them apart).

    Args:
        out_dir: The batch folder (every run done).
        strategies: The pair whose difference is analysed, or None for levels per grid cell.
        outcomes: National metrics analysed (``regsim.metrics()`` lists them).
        confidence: Confidence level of the bootstrap intervals (``*_conf`` columns are half-widths).

    Returns:
        ``(indices, second_order)``: one row per label, outcome and parameter (``S1, S1_conf, ST,
        ST_conf`` or ``mu_star, mu_star_conf, sigma``), most influential first; and the S2 table
        (``label, outcome, parameter_1, parameter_2, S2, S2_conf``), empty without a second-order sample.

    Raises:
        ExperimentError: one line, if the folder is not such a batch, runs are missing, or a strategy
            or metric is not in it.
    """
    import json

    from regsim.reporting.analysis import load  # checks that every run is done

    folder = Path(out_dir)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        raise ExperimentError(f"{folder}: no readable manifest.json; --from needs a regsim batch folder") from None
    sample = manifest.get("sample")
    if not isinstance(sample, dict) or sample.get("method") not in ("sobol", "morris"):
        raise ExperimentError(f"{folder}: its experiment has no Sobol or Morris [sample] (method = "
                              f"{(sample or {}).get('method')!r}); --from needs one, e.g. [sample] method = \"sobol\"")
    comp = load(folder)
    ranges = {k: list(v) for k, v in sample["ranges"].items()}
    missing = [m for m in outcomes if m not in set(comp.national.metric)]
    if missing:
        raise ExperimentError(f"--metrics: {missing[0]!r} is not a national metric of {folder}; see regsim.metrics()")
    last = comp.national[(comp.national.year == comp.last_year) & comp.national.metric.isin(outcomes)]
    wide = last.pivot_table(index="run_id", columns="metric", values="value")
    design = comp.design.sort_values("run_id").copy()
    grid_label = design.label
    design["point"] = design.groupby(grid_label, sort=False).cell.rank(method="dense").astype(int) - 1
    per_point = (design[["run_id", "point"]].assign(label=grid_label).join(wide, on="run_id")
                 .groupby(["label", "point"], sort=False)[list(outcomes)].mean())
    labels = list(dict.fromkeys(grid_label))
    if strategies is not None:
        strategy_of = design.groupby(grid_label, sort=False)["policy.strategy"].first() \
            if "policy.strategy" in design else pd.Series(dtype=str)
        pick = []
        for name in strategies:
            found = [label for label in labels if strategy_of.get(label) == name]
            if len(found) != 1:
                raise ExperimentError(f"--strategies: {name!r} is {'not' if not found else 'more than once'} in the "
                                      f"grid of {folder} (labels: {', '.join(labels)})")
            pick.append(found[0])
        ys = {f"{strategies[0]} - {strategies[1]}": per_point.loc[pick[0]] - per_point.loc[pick[1]]}
    else:
        ys = {label: per_point.loc[label] for label in labels}
    first = design[grid_label == labels[0]].drop_duplicates("point").sort_values("point")
    x = first[list(ranges)].to_numpy(dtype=float)
    problem = {"num_vars": len(ranges), "names": list(ranges), "bounds": [list(map(float, b)) for b in ranges.values()]}
    rows, pairs = [], []
    for label, table in ys.items():
        for outcome in outcomes:
            y = table[outcome].to_numpy(dtype=float)
            if sample["method"] == "morris":
                from SALib.analyze import morris

                res = morris.analyze(problem, x, y, num_levels=int(sample.get("levels", 4)), conf_level=confidence,
                                     seed=1)
                rows += [{"label": label, "outcome": outcome, "parameter": name, "mu_star": float(res["mu_star"][i]),
                          "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i])}
                         for i, name in enumerate(problem["names"])]
                continue
            from SALib.analyze import sobol

            second = bool(sample.get("second_order"))
            res = sobol.analyze(problem, y, calc_second_order=second, conf_level=confidence, seed=1)
            rows += [{"label": label, "outcome": outcome, "parameter": name, "S1": float(res["S1"][i]),
                      "S1_conf": float(res["S1_conf"][i]), "ST": float(res["ST"][i]),
                      "ST_conf": float(res["ST_conf"][i])} for i, name in enumerate(problem["names"])]
            if second:
                names = problem["names"]
                pairs += [{"label": label, "outcome": outcome, "parameter_1": names[i], "parameter_2": names[j],
                           "S2": float(res["S2"][i, j]), "S2_conf": float(res["S2_conf"][i, j])}
                          for i in range(len(names)) for j in range(i + 1, len(names))]
    key = index_column(str(sample["method"]))
    indices = pd.DataFrame(rows).sort_values(["label", "outcome", key], ascending=[True, True, False])
    s2 = pd.DataFrame(pairs, columns=["label", "outcome", "parameter_1", "parameter_2", "S2", "S2_conf"])
    return indices.reset_index(drop=True), s2


def method_of(out_dir: str | Path) -> str:
    """``sobol`` or ``morris``: the sample method a batch folder's manifest records."""
    import json

    try:
        return str(json.loads((Path(out_dir) / "manifest.json").read_text()).get("sample", {}).get("method"))
    except (OSError, ValueError, AttributeError):
        return "?"
