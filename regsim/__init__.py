"""regsim: agent-based simulation of regional development policy in the Kyrgyz Republic.

Compare concentrated support of the 20 growth centres of the 2017 Regional Policy Concept with
equalisation and other allocations of one limited budget. See ``docs/ODD.md`` for the model.

The Python API for notebooks and scripts (the ``regsim`` command uses the same functions)::

    import regsim

    scenario = regsim.load_scenario("baseline", {"policy.strategy": "concentrated", "time.end_year": 2030})
    result = regsim.run(scenario, seed=1)                 # a RunResult: national, oblasts, settlements, world
    result.series("gdp_per_capita_som")                   # a pandas Series by year
    summary = regsim.run_batch("compare-strategies", "results/compare", executor="processes", workers=2)
    comparison = regsim.load_results("results/compare")   # a batch folder: design and tables joined on run_id

Importing ``regsim`` is cheap: the model, Mesa and the batch machinery load on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regsim.version import MODEL_VERSION, PACKAGE_VERSION

__version__ = PACKAGE_VERSION

if TYPE_CHECKING:
    from regsim.reporting.analysis import Comparison
    from regsim.results import RunResult
    from regsim.scenario import Scenario

__all__ = ["MODEL_VERSION", "__version__", "load_results", "load_scenario", "run", "run_batch"]


def _override_strings(overrides: Mapping[str, Any] | Iterable[str]) -> list[str]:
    """``{"section.name": value}`` or ``["section.name=value"]`` as ``--set`` strings."""
    if isinstance(overrides, Mapping):
        return [f"{key}={_toml_literal(value)}" for key, value in overrides.items()]
    return list(overrides)


def _toml_literal(value: Any) -> str:
    """A Python value as the TOML text ``--set`` parses (strings quoted, booleans lower case).

    numpy scalars count as the Python number they hold and a ``pathlib.Path`` as its text.
    """
    if hasattr(value, "item") and type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        value = value.item()  # np.float64(1e9) -> 1e9, np.int64(2020) -> 2020, np.bool_ -> bool
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


def run_batch(experiment: str | Path, out: str | Path, *, executor: str = "serial", workers: int = 1,
              scheduler: str | None = None, shard: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Run (or resume) an experiment into a results folder, as ``regsim batch`` does.

    Args:
        experiment: A name in ``experiments/`` or a path to an experiment TOML file.
        out: The results folder (created, or resumed if it holds the same experiment).
        executor: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes for ``processes`` and a local Dask cluster.
        scheduler: Address of an existing Dask scheduler, ``tcp://host:port``.
        shard: ``"I/N"``: only the I-th of N slices of the design (Slurm job arrays).
        progress: Show a progress bar on standard error.

    Returns:
        A summary: runs done, failed and already complete, seconds, runs per minute.
    """
    from regsim.batch import experiment as experiment_mod
    from regsim.batch import run_batch as _run_batch

    exp = experiment_mod.load(str(experiment))
    return _run_batch(exp, out, executor=executor, workers=workers, scheduler=scheduler, shard=shard,
                      progress=progress)


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
