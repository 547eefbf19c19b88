"""regsim: agent-based simulation of regional development policy in the Kyrgyz Republic.

Compare concentrated support of the 20 growth centres of the 2017 Regional Policy Concept with
equalisation and other allocations of one limited budget. See ``docs/ODD.md`` for the model.

The Python API for notebooks and scripts (the ``regsim`` command uses the same functions)::

    import regsim

    scenario = regsim.load_scenario("baseline", {"policy.strategy": "concentrated", "time.end_year": 2030})
    result = regsim.run(scenario, seed=1)                 # a RunResult: national, oblasts, settlements, world
    result.series("gdp_per_capita_som")                   # a pandas Series by year
    comparison = regsim.compare(replications=5, overrides={"time.end_year": 2030})  # strategies vs none
    comparison.pairwise                                   # every pair on every headline outcome, verdicts
    summary = regsim.run_batch("budget-sweep", "results/sweep", executor="processes", workers=2)
    sweep = regsim.load_results("results/sweep")          # design and tables joined on run_id, grid columns too

Importing ``regsim`` is cheap: the model, Mesa and the batch machinery load on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regsim.version import MODEL_VERSION, PACKAGE_VERSION

__version__ = PACKAGE_VERSION

if TYPE_CHECKING:
    import pandas as pd

    from regsim.api import StrategyComparison
    from regsim.reporting.analysis import Comparison
    from regsim.results import RunResult
    from regsim.scenario import Scenario

__all__ = ["MODEL_VERSION", "__version__", "compare", "load_results", "load_scenario", "metrics", "run", "run_batch",
           "sensitivity"]


def _override_strings(overrides: Mapping[str, Any] | Iterable[str]) -> list[str]:
    """``{"section.name": value}`` or ``["section.name=value"]`` as ``--set`` strings."""
    if isinstance(overrides, Mapping):
        return [f"{key}={_toml_literal(value)}" for key, value in overrides.items()]
    return list(overrides)


def _toml_literal(value: Any) -> str:
    """A Python value as the TOML text ``--set`` parses (strings quoted, booleans lower case).

    numpy scalars count as the Python number they hold and a ``pathlib.Path`` as its text.
    """
    from regsim.scenario import plain_value

    value = plain_value(value)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    from regsim.errors import ArgumentError

    raise ArgumentError(f"overrides=: a value of type {type(value).__name__} cannot be a parameter value; "
                        "use a number, text, true/false or a list of them")


def _check_seed(seed: Any, name: str = "seed=") -> int:
    """``seed`` as an int if it is a whole number 0 or more (not a bool or a float); else an ArgumentError."""
    import numbers

    from regsim.errors import ArgumentError

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ArgumentError(f"{name} {seed!r} is not allowed; use a whole number, 0 or more")
    if int(seed) < 0:
        raise ArgumentError(f"{name} {int(seed)} is negative; allowed: 0 or more")
    return int(seed)


def load_scenario(name_or_path: str | Path = "baseline",
                  overrides: Mapping[str, Any] | Iterable[str] = ()) -> Scenario:
    """Resolve and validate a scenario, as ``regsim show`` does.

    Args:
        name_or_path: A name in ``scenarios/`` (``"baseline"``) or a path to a TOML file.
        overrides: Parameter overrides, either ``{"policy.strategy": "concentrated"}`` or
            ``["policy.strategy=concentrated"]``; applied after the file, checked like ``--set``.

    Returns:
        The scenario: ``name``, ``path``, ``description`` and validated ``params``.

    Raises:
        regsim.errors.ScenarioError: naming the file, key and allowed values.
    """
    from regsim import scenario as scenario_mod

    return scenario_mod.load(str(name_or_path), _override_strings(overrides))


def run(scenario: Scenario | str | Path = "baseline", *, seed: int = 0,
        overrides: Mapping[str, Any] | Iterable[str] = (), out: str | Path | None = None,
        overwrite: bool = False) -> RunResult:
    """Run one scenario from the base year to ``time.end_year``.

    Args:
        scenario: A :class:`~regsim.scenario.Scenario` from :func:`load_scenario`, or a name or path.
        seed: The run seed (common random numbers: the same seed gives every strategy the same draws).
        overrides: Parameter overrides as in :func:`load_scenario` (only with a name or path).
        out: If given, also write the run folder there (as ``regsim run --out`` does): a new or empty
            folder, or a regsim run of the same parameters and seed, which is replaced.
        overwrite: Also replace a regsim run of another configuration in ``out`` (``--overwrite``).

    Returns:
        The run's tidy tables (``national``, ``oblasts``, ``settlements``, ``world``) and provenance.

    Raises:
        regsim.errors.RegsimError: a subclass naming the argument (``seed=``, ``out=``, ``scenario=``).
    """
    from regsim.errors import ArgumentError
    from regsim.model.simulation import run_one
    from regsim.results import check_run_folder
    from regsim.scenario import Scenario

    seed = _check_seed(seed)
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario, overrides)
    elif not isinstance(scenario, Scenario):
        raise ArgumentError(f"scenario=: expected a Scenario (from load_scenario), a name or a path, "
                            f"got {type(scenario).__name__} {scenario!r:.60}")
    elif overrides:
        raise ArgumentError("overrides=: they apply to a scenario name or path; pass them to load_scenario instead")
    if out is not None:  # checked before the run, and again when the folder is renamed into place
        check_run_folder(out, scenario.params, seed, overwrite, option="out=", overwrite_option="overwrite=True")
    result = run_one(scenario.params, seed=seed, scenario=scenario.name)
    if out is not None:
        result.save(out, overwrite=overwrite, option="out=", overwrite_option="overwrite=True")
    return result


def run_batch(experiment: str | Path | Mapping[str, Any] | pd.DataFrame, out: str | Path, *,
              executor: str = "serial", workers: int = 1, scheduler: str | None = None, shard: str | None = None,
              progress: bool = False, scenario: str | Path = "baseline", replications: int = 1,
              seed: int | None = None, outputs: Iterable[str] = ("national", "oblasts")) -> dict[str, Any]:
    """Run (or resume) an experiment into a results folder, as ``regsim batch`` does.

    Safe in a plain ``python script.py`` without an ``if __name__ == "__main__":`` guard: worker
    processes never re-run the script.

    Args:
        experiment: A name in ``experiments/``, a path to an experiment TOML file, the same as a dict
            (``{"experiment": {...}, "grid": {...}}``), or a DataFrame of runs: one row per cell, one
            column per parameter key (``"policy.strategy"``), each row run ``replications`` times.
        out: The results folder (created, or resumed if it holds the same experiment).
        executor: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes for ``processes`` and a local Dask cluster.
        scheduler: Address of an existing Dask scheduler, ``tcp://host:port``.
        shard: ``"I/N"``: only the I-th of N slices of the design (Slurm job arrays).
        progress: Show a progress bar on standard error.
        scenario: With a DataFrame: the scenario every row starts from.
        replications: With a DataFrame: replications per row (common seeds across rows).
        seed: With a DataFrame: the experiment seed (default regsim's).
        outputs: With a DataFrame: the tables written (``national``, ``oblasts``, ``settlements``).

    Returns:
        A summary: runs done, failed and already complete, seconds, runs per minute.

    Raises:
        regsim.errors.RegsimError: for a bad experiment or argument, before anything is created.
        regsim.batch.RunsFailed: if any run failed (after every other run finished; recorded in ``out``).
    """
    from regsim.api import experiment_of
    from regsim.batch import RunsFailed
    from regsim.batch import run_batch as _run_batch

    exp = experiment_of(experiment, scenario=scenario, replications=replications, seed=seed, outputs=outputs)
    summary = _run_batch(exp, out, executor="dask" if scheduler else executor, workers=workers, scheduler=scheduler,
                         shard=shard, progress=progress)
    if summary["failed_total"]:
        raise RunsFailed(Path(out), summary)
    return summary


def compare(scenario: str | Path = "baseline", *, strategies: Iterable[str] | None = None, replications: int = 10,
            overrides: Mapping[str, Any] | Iterable[str] | None = None, out: str | Path | None = None,
            executor: str = "processes", workers: int | None = None, **options: Any) -> StrategyComparison:
    """Compare strategies under one budget with common random numbers; see :func:`regsim.api.compare`.

    Returns:
        A :class:`~regsim.api.StrategyComparison`: ``.pairwise``, ``.summary``, ``.whole_period`` and
        ``.distance_bands`` DataFrames, ``.tables`` (the loaded batch) and ``.report(path)``.
    """
    from regsim import api

    return api.compare(scenario, strategies=strategies, replications=replications, overrides=overrides, out=out,
                       executor=executor, workers=workers, **options)


def sensitivity(batch: str | Path, *, strategies: tuple[str, str] | None = None,
                metrics: Iterable[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol (S1, ST, S2) or Morris indices from a finished batch folder, as ``regsim sensitivity --from``.

    Args:
        batch: A batch folder whose experiment has a ``[sample]`` with method ``sobol`` or ``morris``.
        strategies: ``(A, B)``: analyse the difference A minus B on the same sample points; default each
            grid cell on its own.
        metrics: National metrics (last year); default GDP per person, poverty rate, Theil between oblasts.

    Returns:
        ``(indices, second_order)`` DataFrames (see :func:`regsim.studies.sensitivity.from_batch`).
    """
    from regsim.studies.sensitivity import OUTCOMES, from_batch

    return from_batch(batch, strategies, tuple(metrics) if metrics is not None else OUTCOMES)


def metrics() -> pd.DataFrame:
    """Every recorded metric with its scope and unit (``name, scope, unit, description``); docs/metrics.md."""
    from regsim.api import metric_table

    return metric_table()


def load_results(path: str | Path) -> RunResult | Comparison:
    """Read a results folder: one run (``regsim run``) or a batch (``regsim batch`` / ``regsim compare``).

    Returns:
        A :class:`~regsim.results.RunResult` for a run folder (it holds ``run.json``); a
        :class:`~regsim.reporting.analysis.Comparison` for a batch folder (design joined with the
        national, oblast and settlement tables on ``run_id``).

    Raises:
        regsim.errors.RegsimError: if the folder is neither, naming what is missing.
    """
    from regsim import results
    from regsim.reporting import analysis

    folder = Path(path)
    if (folder / "run.json").is_file():
        return results.load(folder)
    return analysis.load(folder)
