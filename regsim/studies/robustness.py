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

from regsim import files
from regsim.batch.store import check_batch_folder
from regsim.errors import RegsimError
from regsim.params import DEFAULT_SEED, STRATEGIES, plausible_ranges
from regsim.reporting.analysis import BASELINE, load
from regsim.reporting.plots import close_all, plot_robustness, save
from regsim.studies.sensitivity import SCREEN_SETTINGS as SCREEN_SETTINGS  # the defaults here too
from regsim.studies.sensitivity import UNCERTAIN

DEFAULT_STRATEGIES: Final = ("none", "equalisation_uniform", "equalisation_needs", "concentrated",
                             "concentrated_hinterland", "concept_two_stage")
MIN_WORLDS: Final = 2  # fewer worlds cannot tell robustness from luck
# SCREEN_SETTINGS (from sensitivity) are also the defaults of ``regsim robustness`` (a cheaper screen:
# shorter horizon, coarser households); ``regsim compare --robustness N`` uses the comparison's own settings


def parse_strategies(text: str | None, default: tuple[str, ...] = DEFAULT_STRATEGIES) -> tuple[str, ...]:
    """Strategies from ``A,B,...`` (``default`` if None), with ``none`` first if absent (the satisficing threshold).

    Raises:
        RegsimError: naming an unknown strategy and the allowed ones.
    """
    strategies = tuple(s.strip() for s in text.split(",") if s.strip()) if text is not None else default
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise RegsimError(f"--strategies: unknown {unknown[0]!r}; allowed: {', '.join(STRATEGIES)}")
    return strategies if "none" in strategies else ("none", *strategies)


def check_worlds(n: int, option: str = "--n") -> None:
    """Raise a one-line error unless ``n`` is a usable number of worlds (``option`` names it)."""
    if n < MIN_WORLDS:
        raise RegsimError(f"{option}: {n} is not allowed; use {MIN_WORLDS} or more worlds")


def run(n: int, strategies: tuple[str, ...], scenario: str, fixed: dict[str, Any], out: Path,
        executor: str = "serial", workers: int | None = None, progress: bool = True,
        seed: int = DEFAULT_SEED, scheduler: str | None = None, shard: str | None = None) -> pd.DataFrame:
    """Run ``strategies`` (``none`` among them) in ``n`` Latin-hypercube worlds into the batch folder ``out``.

    Writes ``out/robustness.csv`` (shares of worlds as fractions 0-1, GDP regret in som per person,
    poverty regret in percentage points) and ``out/robustness.png``/``.svg``. Resumable like a batch.

    Args:
        n: Worlds (Latin hypercube points), at least ``MIN_WORLDS``.
        strategies: The strategies compared, ``none`` among them.
        scenario: Path of the scenario file.
        fixed: ``section.name`` -> value for every run (``--set``).
        out: The batch folder (new, empty or this batch, resumed); checked before any run.
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (None: every local core).
        progress: Show a progress bar on stderr.
        seed: Experiment seed.
        scheduler: Address of an existing Dask scheduler.
        shard: ``"I/N"``: run only the I-th of N slices (Slurm job arrays); the table is made once all are done.

    Returns:
        The robustness table (:func:`table`).

    Raises:
        RegsimError: for a bad ``n`` or ``out``, before any run.
        regsim.batch.RunsFailed: if runs failed (recorded in ``out``).
        regsim.batch.BatchIncomplete: with ``shard``, while other shards are still to run.
    """
    from regsim import batch

    check_worlds(n, "--n")
    check_batch_folder(out)
    batch.run_table(experiment_table(n, strategies, scenario, fixed, seed=seed), out, executor, workers, progress,
                    scheduler=scheduler, shard=shard)
    result = table(world_outcomes(out))
    files.write_csv(result, out / "robustness.csv")
    save(plot_robustness(result), out, "robustness")
    close_all()
    return result


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
