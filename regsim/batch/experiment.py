"""Experiment files (``experiments/*.toml``) and the design of runs they describe.

An experiment names a scenario, overrides applied to every run (``[experiment.set]``), a full
factorial grid (``[grid]``) and/or a list of cells (``[[cells]]``, each a table of overrides), an
optional sample over ranges (``[sample]``: ``lhs``, ``sobol`` (``second_order = true`` for S2) or
``morris``, drawn with SALib) and
a number of replications. The design is the cells crossed with the sample points crossed with the
replications; replication k gets the same seed in every cell
(common random numbers), derived from the experiment seed with ``numpy.random.SeedSequence``.
Every problem is an :class:`~regsim.errors.ExperimentError` naming the file, key and what is
allowed; every run's parameters are validated before anything runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from regsim import scenario as scenario_mod
from regsim.errors import ExperimentError, RegsimError
from regsim.params import SECTION_CLASSES, Params, all_keys
from regsim.rng import replication_seeds

OUTPUTS: Final = ("national", "oblasts", "settlements")
METHODS: Final = ("lhs", "sobol", "morris")
_TABLES: Final = {"experiment", "grid", "sample", "cells"}
_EXPERIMENT_KEYS: Final = {"name", "description", "scenario", "replications", "seed", "outputs", "set",
                           "settlement_years"}
SETTLEMENT_YEARS: Final = ("all", "base_and_last")
_SAMPLE_KEYS: Final = {"method", "n", "ranges", "levels", "second_order"}  # drawn with experiment.seed


@dataclass(frozen=True)
class Experiment:
    """A parsed, validated experiment."""

    name: str
    path: Path | None
    scenario: str
    replications: int
    seed: int
    outputs: tuple[str, ...]
    fixed: dict[str, Any]
    grid: dict[str, list[Any]]
    method: str | None = None
    n: int = 0
    levels: int = 4
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    description: str = ""
    cells: tuple[dict[str, Any], ...] = ()
    settlement_years: str = "all"
    second_order: bool = False  # sobol only: Saltelli's sample for S2 too, n (2D + 2) points

    def varied_keys(self) -> list[str]:
        """Parameter keys that vary across the design, in column order."""
        keys = [*self.grid]
        for cell in self.cells:
            keys += [k for k in cell if k not in keys]
        return [*keys, *self.ranges]

    def fingerprint(self) -> str:
        """Hash of everything that defines the runs (not of cosmetic fields).

        Covers the experiment's values, the resolved scenario parameters and the bytes of every
        file the runs read: the scenario file and each file up its ``inherits`` chain, and every
        ``policy.custom_weights_csv`` (in the scenario, ``[experiment.set]``, ``[grid]`` or
        ``[[cells]]``), so a file edited between two shards is refused.
        """
        blob = json.dumps({
            "scenario": self.scenario, "replications": self.replications, "seed": self.seed,
            "outputs": self.outputs, "fixed": self.fixed, "grid": self.grid, "method": self.method,
            "n": self.n, "levels": self.levels, "ranges": self.ranges, "cells": self.cells,
            "settlement_years": self.settlement_years,
            "scenario_params": _scenario_fingerprint(self.scenario),
            "files": _file_digests(self),
            **({"second_order": True} if self.second_order else {}),  # older fingerprints unchanged
        }, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _scenario_fingerprint(name: str) -> str:
    from regsim.params import params_hash

    return params_hash(scenario_mod.load(name).params)


WEIGHTS_KEY: Final = "policy.custom_weights_csv"


def _content(path: Path) -> str:
    """sha256 of a file's bytes, or a marker when it cannot be read (the runs report why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        return f"unreadable: {err.strerror}"


def _scenario_chain(name: str) -> list[Path]:
    """The scenario file and each file it inherits from, child first (cycles end the walk)."""
    chain: list[Path] = []
    path = scenario_mod.locate(name)
    while path.resolve() not in chain:
        chain.append(path.resolve())
        parent = scenario_mod.read_toml(path).get("inherits")
        if not isinstance(parent, str):
            break
        beside = path.parent / parent
        path = beside if beside.is_file() else scenario_mod.locate(parent)
    return chain


def _weights_files(exp: Experiment) -> set[str]:
    """Resolved paths of every custom weights CSV the design can use."""
    raw: list[Any] = []
    if WEIGHTS_KEY in exp.fixed:
        raw.append(exp.fixed[WEIGHTS_KEY])
    raw += exp.grid.get(WEIGHTS_KEY, [])
    raw += [cell[WEIGHTS_KEY] for cell in exp.cells if WEIGHTS_KEY in cell]
    found = set()
    base = scenario_mod.load(exp.scenario).params.policy.custom_weights_csv
    if base:
        found.add(str(base))
    for value in raw:
        if not isinstance(value, str) or not value:
            continue
        try:  # resolved as a run resolves it (relative paths, once the scenario loader rebases them)
            resolved = scenario_mod.load(exp.scenario, [f"{WEIGHTS_KEY}={json.dumps(value)}"]).params
            found.add(str(resolved.policy.custom_weights_csv or value))
        except RegsimError:
            found.add(value)
    return found


def _file_digests(exp: Experiment) -> dict[str, str]:
    """sha256 of every file the experiment's runs read: the scenario chain by position, weights by path.

    The scenario files are named by their place in the ``inherits`` chain, not by where they were
    found: a name such as ``baseline`` may resolve to a checkout's ``scenarios/`` in one shell and
    to the packaged copy in another, and the same bytes are the same experiment.
    """
    files = {f"scenario[{i}]": _content(path) for i, path in enumerate(_scenario_chain(exp.scenario))}
    files.update({str(Path(p).resolve()): _content(Path(p)) for p in _weights_files(exp)})
    return files


def _fail(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def _check_key(key: str, where: str) -> None:
    keys = all_keys()
    if key not in keys:
        near = difflib.get_close_matches(key, keys, n=3)
        hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
        raise _fail(where, f"unknown parameter {key!r}{hint}; allowed: section.name keys, see 'regsim params'")


def _unknown(keys: set[str], allowed: set[str], where: str, what: str) -> None:
    extra = sorted(keys - allowed)
    if extra:
        near = difflib.get_close_matches(extra[0], sorted(allowed), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise _fail(where, f"unknown {what} {extra[0]!r}{hint}; allowed: {', '.join(sorted(allowed))}")


def _whole(value: Any, lowest: int) -> bool:
    """True if ``value`` is an int (not a bool) of at least ``lowest``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= lowest


def _field(key: str) -> dataclasses.Field:
    section, name = key.split(".", 1)
    return next(f for f in dataclasses.fields(SECTION_CLASSES[section]) if f.name == name)


def _is_integer_key(key: str) -> bool:
    return str(_field(key).type).removesuffix(" | None") == "int"


def _resolve_paths(values: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """``values`` with relative paths of path parameters made absolute against ``base_dir``."""
    return {k: (scenario_mod.resolve_path(v, base_dir) if k in scenario_mod.PATH_KEYS else v)
            for k, v in values.items()}


def _check_distinct(values: list[Any], where: str) -> None:
    seen: list[Any] = []
    for value in values:
        if any(type(value) is type(s) and value == s for s in seen):
            raise _fail(where, f"value {value!r} is listed twice; list each value once")
        seen.append(value)


def _check_range(key: str, bounds: Any, where: str) -> tuple[float, float]:
    """``[low, high]`` of a sampled parameter, inside its allowed range."""
    f = _field(key)
    lo, hi = f.metadata["bounds"]
    numeric = f.metadata.get("choices") is None and str(f.type).removesuffix(" | None") in ("int", "float")
    if not numeric:
        raise _fail(where, f"[sample.ranges] {key!r} is not a numeric parameter; vary it in [grid] instead")
    allowed = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}] {f.metadata['unit']}"
    if (not isinstance(bounds, list) or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or not all(math.isfinite(b) for b in bounds) or not bounds[0] < bounds[1]):
        raise _fail(where, f"[sample.ranges] {key!r} must be [low, high] with low < high within {allowed}, "
                    f"got {bounds!r}")
    if (lo is not None and bounds[0] < lo) or (hi is not None and bounds[1] > hi):
        raise _fail(where, f"[sample.ranges] {key!r} = {bounds!r} leaves the allowed range {allowed}")
    if _is_integer_key(key) and not all(float(b).is_integer() for b in bounds):
        raise _fail(where, f"[sample.ranges] {key!r} is a whole-number parameter; give whole-number bounds, "
                    f"got {bounds!r}")
    return float(bounds[0]), float(bounds[1])


def parse(table: dict[str, Any], path: Path | None) -> Experiment:
    """Validate an experiment table (from TOML) into an :class:`Experiment`.

    Relative paths (``scenario`` given as a path, ``policy.custom_weights_csv`` values) are resolved
    against the experiment file's folder (the working directory if there is no file), and every
    weights file named is read and checked here, before any run. The tables are checked in the
    order ``[experiment]``, ``[grid]``, ``[[cells]]``, ``[sample]``; the first mistake is reported.

    Raises:
        ExperimentError: naming the file, the key and what is allowed.
    """
    where = str(path) if path else "experiment"
    base_dir = path.parent if path else Path.cwd()
    _unknown(set(table), _TABLES, where, "table")
    head = _parse_head(table.get("experiment"), path, base_dir, where)
    grid = _parse_grid(table, where)
    cells = _parse_cells(table, where)
    settlement_years = head["exp"].get("settlement_years", "all")
    if not isinstance(settlement_years, str) or settlement_years not in SETTLEMENT_YEARS:
        raise _fail(where, f"experiment.settlement_years: unknown value {settlement_years!r}; "
                    f"allowed: {', '.join(SETTLEMENT_YEARS)}")
    method, n, levels, ranges = _parse_sample(table.get("sample"), grid, where)
    second_order = (table.get("sample") or {}).get("second_order", False)
    if not isinstance(second_order, bool):
        raise _fail(where, f"sample.second_order must be true or false, got {second_order!r}")
    if second_order and method != "sobol":
        raise _fail(where, f"sample.second_order is used by method = 'sobol' only (this is {method!r}); remove it")
    fixed = head["fixed"]
    varied = [*grid, *ranges, *(k for c in cells for k in c)]
    if clash := next((k for k in fixed if k in varied), None):
        raise _fail(where, f"{clash!r} is both in [experiment.set] and varied ([grid], [[cells]] or "
                    "[sample.ranges]); choose one")
    fixed = _resolve_paths(dict(fixed), base_dir)
    grid = {k: [_resolve_paths({k: v}, base_dir)[k] for v in vs] for k, vs in grid.items()}
    cells = [_resolve_paths(dict(c), base_dir) for c in cells]
    _check_weight_files(head["scenario"], [fixed, *cells, *({k: v} for k, vs in grid.items() for v in vs)], where)
    return Experiment(name=head["name"], path=path, scenario=head["scenario"], replications=head["replications"],
                      seed=head["seed"], outputs=tuple(head["outputs"]), fixed=fixed, grid=grid,
                      method=method, n=int(n or 0), levels=int(levels), ranges=ranges,
                      description=head["description"], cells=tuple(cells), settlement_years=settlement_years,
                      second_order=second_order)


def _parse_head(exp: Any, path: Path | None, base_dir: Path, where: str) -> dict[str, Any]:
    """The ``[experiment]`` table's name, description, scenario, replications, seed, outputs and ``set``."""
    if not isinstance(exp, dict):
        raise _fail(where, "missing [experiment] table (with name, scenario, replications, seed)")
    _unknown(set(exp), _EXPERIMENT_KEYS, where, "key in [experiment]")
    name = exp.get("name", path.stem if path else "experiment")
    if not isinstance(name, str) or not name.strip():
        raise _fail(where, f"experiment.name must be non-empty text, got {name!r}")
    description = exp.get("description", "")
    if not isinstance(description, str):
        raise _fail(where, f"experiment.description must be text, got {description!r}")
    scen = exp.get("scenario", "baseline")
    if not isinstance(scen, str) or not scen:
        raise _fail(where, f"experiment.scenario must be a scenario name or path, got {scen!r}")
    if scenario_mod.is_path(scen) and not Path(scen).is_absolute():
        scen = str((base_dir / scen).resolve())  # relative to the experiment file
    replications = exp.get("replications", 1)
    if not _whole(replications, 1):
        raise _fail(where, f"experiment.replications must be a whole number >= 1, got {replications!r}")
    seed = exp.get("seed", 0)
    if not _whole(seed, 0):
        raise _fail(where, f"experiment.seed must be a whole number >= 0, got {seed!r}")
    outputs = exp.get("outputs", ["national", "oblasts"])
    if (not isinstance(outputs, list) or not outputs or any(not isinstance(o, str) or o not in OUTPUTS
                                                             for o in outputs)):
        raise _fail(where, f"experiment.outputs must be a list drawn from {', '.join(OUTPUTS)}; got {outputs!r}")
    _check_distinct(outputs, f"{where}: experiment.outputs")
    fixed = exp.get("set", {})
    if not isinstance(fixed, dict):
        raise _fail(where, "[experiment.set] must be a table of \"section.name\" = value")
    for key in fixed:
        _check_key(key, f"{where}: [experiment.set]")
    return {"exp": exp, "name": name, "description": description, "scenario": scen,
            "replications": replications, "seed": seed, "outputs": outputs, "fixed": fixed}


def _parse_grid(table: dict[str, Any], where: str) -> dict[str, list[Any]]:
    """The ``[grid]`` table: ``section.name`` -> a non-empty list of distinct values."""
    grid = table.get("grid", {})
    if not isinstance(grid, dict):
        raise _fail(where, "[grid] must be a table of \"section.name\" = [values]")
    if "grid" in table and not grid:
        raise _fail(where, "[grid] is empty; list at least one \"section.name\" = [values], or remove [grid]")
    for key, values in grid.items():
        _check_key(key, f"{where}: [grid]")
        if not isinstance(values, list) or not values:
            raise _fail(where, f"[grid] {key!r} must be a non-empty list of values, got {values!r}")
        _check_distinct(values, f"{where}: [grid] {key!r}")
    return grid


def _parse_cells(table: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The ``[[cells]]`` list: each a non-empty table of ``section.name`` = value."""
    cells = table.get("cells", [])
    if not isinstance(cells, list) or not all(isinstance(c, dict) and c for c in cells):
        raise _fail(where, "[[cells]] must be a list of tables of \"section.name\" = value")
    if "cells" in table and not cells:
        raise _fail(where, "cells is empty; give at least one [[cells]] table, or remove it")
    for cell in cells:
        for key in cell:
            _check_key(key, f"{where}: [[cells]]")
    return cells


def _parse_sample(sample: Any, grid: dict[str, list[Any]], where: str
                  ) -> tuple[str | None, int, int, dict[str, tuple[float, float]]]:
    """The ``[sample]`` table: method, n, Morris levels and the ranges (none of them in ``grid``)."""
    if sample is None:
        return None, 0, 4, {}
    if not isinstance(sample, dict):
        raise _fail(where, "[sample] must be a table")
    _unknown(set(sample), _SAMPLE_KEYS, where, "key in [sample]")
    method = sample.get("method")
    if not isinstance(method, str) or method not in METHODS:
        raise _fail(where, f"sample.method: unknown value {method!r}; allowed: {', '.join(METHODS)}")
    n = sample.get("n")
    if not _whole(n, 1):
        raise _fail(where, f"sample.n must be a whole number >= 1, got {n!r}")
    if "levels" in sample and method != "morris":
        raise _fail(where, f"sample.levels is used by method = 'morris' only (this is {method!r}); remove it")
    levels = sample.get("levels", 4)
    if not _whole(levels, 2) or levels % 2:
        raise _fail(where, f"sample.levels must be an even whole number >= 2 (Morris grid levels, "
                    f"e.g. 4), got {levels!r}")
    raw_ranges = sample.get("ranges")
    if not isinstance(raw_ranges, dict) or not raw_ranges:
        raise _fail(where, "[sample.ranges] must list at least one \"section.name\" = [low, high]")
    ranges = {}
    for key, bounds in raw_ranges.items():
        _check_key(key, f"{where}: [sample.ranges]")
        if key in grid:
            raise _fail(where, f"{key!r} is both in [grid] and [sample.ranges]; choose one")
        ranges[key] = _check_range(key, bounds, where)
    return method, n, levels, ranges


def _check_weight_files(scenario: str, tables: list[dict[str, Any]], where: str) -> None:
    """Read every weights CSV the experiment names (ids checked against the world), before any run."""
    key = "policy.custom_weights_csv"
    paths = {str(t[key]) for t in tables if isinstance(t.get(key), str)}
    try:
        base = scenario_mod.load(scenario).params
    except RegsimError as err:
        raise _fail(where, f"experiment.scenario: {err}") from None
    if base.policy.custom_weights_csv is not None:
        paths.add(base.policy.custom_weights_csv)
    if not paths:
        return
    from regsim.model.policy import read_custom_weights
    from regsim.model.simulation import cached_world

    n_settlements = cached_world(base.scale.world_seed, base.world).n  # the same for every world seed
    for csv_path in sorted(paths):
        try:
            read_custom_weights(csv_path, n_settlements)
        except RegsimError as err:
            raise _fail(where, str(err)) from None


def load(name_or_path: str) -> Experiment:
    """Read an experiment by name (``experiments/NAME.toml``) or path."""
    try:
        path = scenario_mod.locate(name_or_path, kind="experiments")
        table = scenario_mod.read_toml(path)
    except RegsimError as err:
        raise ExperimentError(str(err)) from None
    return parse(table, path)


def _sample_points(exp: Experiment) -> np.ndarray:
    """Sample over ``exp.ranges`` with SALib, shape (points, keys); one empty row if no sample.

    A whole-number parameter is sampled over ``[low, high + 1)`` and rounded down, so that each
    whole number in ``[low, high]`` is equally likely (and every value is whole).
    """
    if not exp.ranges:
        return np.zeros((1, 0))
    integer = np.array([_is_integer_key(k) for k in exp.ranges])
    bounds = [[lo, hi + 1.0] if whole else [lo, hi] for (lo, hi), whole in zip(exp.ranges.values(), integer,
                                                                                strict=True)]
    problem = {"num_vars": len(exp.ranges), "names": list(exp.ranges), "bounds": bounds}
    if exp.method == "lhs":
        from SALib.sample import latin

        points = latin.sample(problem, exp.n, seed=exp.seed)
    elif exp.method == "sobol":
        from SALib.sample import sobol

        points = sobol.sample(problem, exp.n, calc_second_order=exp.second_order, seed=exp.seed)
    else:
        from SALib.sample import morris

        points = morris.sample(problem, exp.n, num_levels=exp.levels, seed=exp.seed)
    if integer.any():
        highs = np.array([hi for _, hi in exp.ranges.values()])
        points[:, integer] = np.minimum(np.floor(points[:, integer]), highs[integer])
    return points


def design(exp: Experiment) -> pd.DataFrame:
    """One row per run: ``run_id, cell, replication, seed`` and one column per varied key.

    Raises:
        ExperimentError: if any run's parameters are invalid (naming the row and the problem).
    """
    grid_keys = list(exp.grid)
    cells = [dict(zip(grid_keys, combo, strict=True)) for combo in itertools.product(*exp.grid.values())]
    if exp.cells:
        cells = [*(cells if grid_keys else []), *exp.cells]
    elif not grid_keys:
        cells = [{}]
    points = _sample_points(exp)
    seeds = replication_seeds(exp.seed, exp.replications)
    rows = []
    cell_id = 0
    for cell in cells:
        for point in points:
            values = dict(cell)
            values.update({k: float(v) for k, v in zip(exp.ranges, point, strict=True)})
            for rep, seed in enumerate(seeds):
                rows.append({"cell": cell_id, "replication": rep, "seed": seed, **values})
            cell_id += 1
    frame = pd.DataFrame(rows)
    frame.insert(0, "run_id", np.arange(len(frame), dtype=np.int64))
    check = frame if len(frame) <= 2000 else frame.iloc[:: max(1, len(frame) // 2000)]
    for row in check.to_dict("records"):  # fail before anything runs
        run_params(exp, row)
    return frame


def run_overrides(exp: Experiment, row: dict[str, Any]) -> list[str]:
    """``--set`` strings of one design row: fixed overrides, then the row's varied values."""
    values = {**exp.fixed, **{k: row[k] for k in exp.varied_keys() if k in row and not _missing(row[k])}}
    return set_strings(values)


def set_strings(values: dict[str, Any]) -> list[str]:
    """``section.name -> value`` as ``--set`` strings (numpy scalars as plain JSON values)."""
    return [f"{key}={json.dumps(scenario_mod.plain_value(value))}"
            for key, value in values.items()]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def run_params(exp: Experiment, row: dict[str, Any]) -> Params:
    """Validated parameters of one design row."""
    try:
        return scenario_mod.load(exp.scenario, run_overrides(exp, row)).params
    except RegsimError as err:
        where = exp.path or "experiment"
        raise ExperimentError(f"{where}: run {row.get('run_id', '?')}: {err}") from None
