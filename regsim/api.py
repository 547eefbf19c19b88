"""The Python API's heavier half: :func:`compare`, :func:`run_batch` and the metric list.

``import regsim`` exposes these (``regsim.compare``, ``regsim.run_batch``, ``regsim.metrics``); the
command line runs the same functions. Worker processes never re-run the caller's script
(:func:`regsim.batch.executors.without_main`), so a plain ``python script.py`` without an
``if __name__ == "__main__":`` guard is safe with ``executor="processes"`` and ``"dask"``.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regsim.errors import ArgumentError
from regsim.scenario import plain_value


@dataclass
class StrategyComparison:
    """What :func:`regsim.compare` returns: the comparison's tables as DataFrames, and its folder.

    Attributes:
        out: The comparison's batch folder (``summary.csv``, ``pairwise.csv``, ... are written there).
        pairwise: Every pair of strategies on every headline outcome: ``a, b, outcome, n, mean_diff,
            sd_diff, low, high, threshold, confidence, verdict`` (``mean_diff`` is ``a - b`` in the
            outcome's unit; ``low``/``high`` the paired Student-t interval).
        summary: ``summary.csv``: per ``strategy, metric, year`` the median and 10th/90th percentiles over
            replications and the paired difference versus ``none`` (``diff_mean, diff_low, diff_high``).
        whole_period: Per strategy versus ``none`` over the whole period: GDP present value gain (som),
            person-years in poverty avoided, budget allocated (som), som per person-year out of poverty.
        distance_bands: Per run and road-distance band from the nearest growth centre, the last year's
            population, income per person (som), employment and poverty rate (fractions 0-1).
        tables: The loaded batch (:class:`regsim.reporting.analysis.Comparison`): ``national``,
            ``oblasts``, ``settlements`` with ``label``, ``replication``, ``seed`` and the varied keys.
        message: One paragraph: runs, rounds and why they stopped.
    """

    out: Path
    pairwise: pd.DataFrame
    summary: pd.DataFrame
    whole_period: pd.DataFrame
    distance_bands: pd.DataFrame
    tables: Any = field(repr=False)
    message: str = ""

    def report(self, path: str | Path | None = None) -> Path:
        """Write the self-contained HTML report (and ``figures/``) into :attr:`out`; copy it to ``path`` if given.

        Returns:
            The report's path (``path`` if given, else ``out/report.html``).
        """
        from regsim.reporting import report

        page = report.build(self.out)
        if path is None:
            return page
        target = Path(path)
        if target.is_dir():
            target = target / page.name
        shutil.copyfile(page, target)
        return target


def compare(scenario: str | Path = "baseline", *, strategies: Iterable[str] | None = None, replications: int = 10,
            overrides: Mapping[str, Any] | Iterable[str] | None = None, out: str | Path | None = None,
            executor: str = "processes", workers: int | None = None, hybrid_shares: Iterable[float] = (),
            seed: int | None = None, scheduler: str | None = None, progress: bool = False) -> StrategyComparison:
    """Compare strategies under one budget with common random numbers (``regsim compare`` without the report).

    Args:
        scenario: A scenario name in ``scenarios/`` or a path to a TOML file.
        strategies: Strategies to compare (``none`` is always added: every effect is measured against it);
            default every strategy but ``custom`` and ``hybrid``.
        replications: Replications per strategy (replication k has the same seed for every strategy).
        overrides: Parameter overrides for every run, ``{"policy.budget_som_per_year": 5e9}`` or
            ``["policy.budget_som_per_year=5e9"]``.
        out: The batch folder (created or resumed); default a new temporary folder.
        executor: ``"processes"`` (default), ``"serial"`` or ``"dask"``.
        workers: Worker processes (default: every local core).
        hybrid_shares: Centre shares (fractions 0-1) of a hybrid sweep; default none.
        seed: Experiment seed (default that of ``regsim compare``).
        scheduler: Address of an existing Dask scheduler (``tcp://host:port``); implies ``executor="dask"``.
        progress: Show a progress bar on standard error.

    Returns:
        A :class:`StrategyComparison`.

    Raises:
        regsim.errors.RegsimError: for a bad argument (naming it) or an unusable ``out``, before any run.
        regsim.batch.RunsFailed: if runs failed (they are recorded in ``out``).
    """
    from regsim import _override_strings
    from regsim.batch import RunsFailed, default_workers
    from regsim.batch.compare import CompareSettings, run_comparison
    from regsim.params import DEFAULT_SEED, STRATEGIES
    from regsim.reporting import analysis
    from regsim.scenario import locate, parse_override

    chosen = list(strategies) if strategies is not None else [s for s in STRATEGIES if s not in ("custom", "hybrid")]
    if isinstance(strategies, str):
        raise ArgumentError(f"strategies=: expected a list of names, got the string {strategies!r}")
    unknown = [s for s in chosen if s not in STRATEGIES]
    if unknown:
        raise ArgumentError(f"strategies=: unknown {unknown[0]!r}; allowed: {', '.join(STRATEGIES)}")
    if "none" not in chosen:
        chosen = ["none", *chosen]
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ArgumentError(f"replications=: {replications!r} is not allowed; use a whole number, 1 or more")
    fixed = dict(parse_override(text) for text in _override_strings(overrides or {}))
    settings = CompareSettings(scenario=str(locate(str(scenario)).resolve()), strategies=tuple(chosen),
                               hybrid_shares=tuple(float(x) for x in hybrid_shares), replications=replications,
                               seed=DEFAULT_SEED if seed is None else seed, fixed=fixed)
    folder = Path(out) if out is not None else Path(tempfile.gettempdir()) / f"regsim-compare-{uuid.uuid4().hex[:12]}"
    result = run_comparison(settings, folder, "dask" if scheduler else executor, default_workers(workers),
                            progress=progress, scheduler=scheduler)
    if not result.ok:
        from regsim.batch import store

        design = store.read_design(folder)
        raise RunsFailed(folder, {"failed_total": int((design.status == "failed").sum())})
    tables = analysis.load(folder, require=("national", "oblasts", "settlements"))
    pairs = analysis.pairwise_table(tables)
    return StrategyComparison(out=folder, pairwise=pairs, summary=analysis.full_summary(tables, pairs),
                              whole_period=analysis.whole_period_table(tables),
                              distance_bands=analysis.distance_band_table(tables), tables=tables,
                              message=result.message(settings))


def experiment_of(experiment: str | Path | Mapping[str, Any] | pd.DataFrame, *, scenario: str | Path = "baseline",
                  replications: int = 1, seed: int | None = None, outputs: Iterable[str] = ("national", "oblasts"),
                  name: str = "runs") -> Any:
    """An :class:`~regsim.batch.experiment.Experiment` from a TOML path or name, a table, or a DataFrame of runs.

    A DataFrame has one row per cell and one column per parameter key (``section.name``); each row is
    run ``replications`` times (replication k has the same seed in every row). An empty cell (NaN)
    leaves that parameter at the scenario's value; a column with one value in every row is fixed
    (``[experiment.set]``), not varied.
    """
    from regsim.batch import experiment as experiment_mod
    from regsim.params import DEFAULT_SEED

    if isinstance(experiment, str | Path):
        return experiment_mod.load(str(experiment))
    if isinstance(experiment, Mapping):
        return experiment_mod.parse(dict(experiment), None)
    if isinstance(experiment, pd.DataFrame):
        if experiment.empty:
            raise ArgumentError("experiment=: the DataFrame of runs has no rows")
        same = [c for c in experiment.columns
                if experiment[c].notna().all() and experiment[c].map(repr).nunique() == 1]  # one value: fixed
        fixed = {str(c): plain_value(experiment[c].iloc[0]) for c in same}
        cells = [{str(k): plain_value(v) for k, v in row.items() if not _missing(v)}
                 for row in experiment.drop(columns=same).to_dict("records")]
        table = {"experiment": {"name": name, "scenario": str(scenario), "replications": replications,
                                "seed": DEFAULT_SEED if seed is None else seed, "outputs": list(outputs),
                                "set": fixed}}
        if any(cells):
            table["cells"] = cells
        return experiment_mod.parse(table, None)
    raise ArgumentError(f"experiment=: expected a TOML path or name, a dict or a pandas DataFrame of runs, "
                          f"got {type(experiment).__name__}")


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def metric_table() -> pd.DataFrame:
    """Every recorded metric: ``name, scope, unit, description`` (scope ``national``, ``oblast``, ``settlement``)."""
    from regsim.model.metrics import METRICS

    return pd.DataFrame([{"name": m.name, "scope": m.scope, "unit": m.unit, "description": m.description}
                         for m in METRICS.values()])


def metrics_markdown() -> str:
    """The text of ``docs/metrics.md``: every metric of the registry with its scope and unit."""
    table = metric_table()
    lines = ["# Metrics", "",
             "Every quantity the model records each year, generated from the metric registry "
             "(`regsim/model/metrics.py`) by `python docs/make_metrics_table.py`; `regsim.metrics()` returns the "
             "same table. `national` metrics are rows of `national.parquet` (`year, metric, value`), `oblast` "
             "metrics of `oblasts.parquet` (one value per oblast unit), `settlement` metrics of "
             "`settlements.parquet`. Rates and shares are fractions 0-1; money is som at 2017 prices.", ""]
    for scope in ("national", "oblast", "settlement"):
        part = table[table.scope == scope]
        if part.empty:
            continue
        lines += [f"## {scope.capitalize()} ({len(part)})", "", "| metric | unit | description |", "|---|---|---|"]
        lines += [f"| `{r.name}` | {r.unit} | {r.description.replace('|', '/')} |" for r in part.itertuples()]
        lines.append("")
    return "\n".join(lines)
