"""Scenario files (TOML) and ``--set`` overrides turned into validated :class:`~regsim.params.Params`.

A scenario is a TOML file with optional top-level ``description`` and ``inherits`` (the name of
another scenario or a path) and one table per parameter section. The parent is resolved first,
then overridden table by table; cycles fail. Unknown sections or keys fail with the closest valid
names; values are validated by the parameter classes. Every error names the file.

Shocks are an array of tables, ``[[shocks]]``, each with ``target``, ``size`` and either ``years =
[2020, 2021]`` or ``start``/``end`` (inclusive), and for some targets ``sector`` and ``oblast``
(:class:`~regsim.params.ShockParams`). With ``inherits``, a scenario's shocks are *added* to its
parent's (so ``covid-2020`` plus a remittance fall is a two-line file); a scenario that wants none of
its parent's shocks inherits from one without shocks. ``--set`` cannot change shocks.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regsim.errors import RegsimError, ScenarioError
from regsim.params import SECTION_CLASSES, Params, ShockParams, all_keys

_TOP_LEVEL = ("description", "inherits", "shocks")
_SHOCK_KEYS = ("target", "size", "years", "start", "end", "sector", "oblast")
_PACKAGE_DIR = Path(__file__).resolve().parent


def search_dirs(kind: str = "scenarios") -> list[Path]:
    """Folders searched for named scenario or experiment files, first match wins.

    ``./<kind>/`` in the working directory, then the repository checkout the package runs from,
    then the copy bundled into an installed wheel.
    """
    dirs = [Path.cwd() / kind, _PACKAGE_DIR.parent / kind, _PACKAGE_DIR / "_bundled" / kind]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def available(kind: str = "scenarios") -> dict[str, Path]:
    """Named files of one kind (``scenarios`` or ``experiments``), name -> path."""
    found: dict[str, Path] = {}
    for d in search_dirs(kind):
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def locate(name_or_path: str, kind: str = "scenarios") -> Path:
    """Path of a scenario (or experiment) given by name or path; a clear error if there is none."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or "/" in name_or_path or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"{name_or_path}: no such file")
        return candidate
    known = available(kind)
    if name_or_path in known:
        return known[name_or_path]
    near = difflib.get_close_matches(name_or_path, list(known), n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    allowed = ", ".join(sorted(known)) or "none found"
    raise ScenarioError(f"unknown {kind[:-1]} {name_or_path!r}{hint}; allowed: {allowed}")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: its name, source file, description and parameters."""

    name: str
    path: Path | None
    description: str
    params: Params


def _unknown(key: str, allowed: Iterable[str], where: str, what: str) -> ScenarioError:
    allowed = sorted(allowed)
    near = difflib.get_close_matches(key, allowed, n=3)
    hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
    return ScenarioError(f"{where}: unknown {what} {key!r}{hint}; allowed: {', '.join(allowed)}")


def _merge(base: dict[str, dict[str, Any]], table: Mapping[str, Any], where: str) -> None:
    for section, values in table.items():
        if section in _TOP_LEVEL:
            continue
        if section not in SECTION_CLASSES:
            raise _unknown(section, [*SECTION_CLASSES, *_TOP_LEVEL], where, "section")
        if not isinstance(values, Mapping):
            raise ScenarioError(f"{where}: [{section}] must be a table of keys, got {values!r}")
        allowed = {f.name for f in dataclasses.fields(SECTION_CLASSES[section])}
        for key, value in values.items():
            if key not in allowed:
                raise _unknown(f"{section}.{key}", all_keys(), where, "key")
            base[section][key] = value


def parse_shocks(raw: Any, where: str) -> tuple[ShockParams, ...]:
    """The ``[[shocks]]`` array of a scenario file as validated shocks; errors name the file and entry.

    Args:
        raw: The value of the top-level ``shocks`` key.
        where: The file, for messages.
    """
    if not isinstance(raw, list) or not all(isinstance(t, Mapping) for t in raw):
        raise ScenarioError(f"{where}: shocks must be an array of tables ([[shocks]] with target, size, years)")
    shocks = []
    for i, table in enumerate(raw, start=1):
        at = f"{where}: shocks[{i}]"
        for key in table:
            if key not in _SHOCK_KEYS:
                raise _unknown(str(key), _SHOCK_KEYS, at, "key")
        for key in ("target", "size"):
            if key not in table:
                raise ScenarioError(f"{at}: missing key {key!r}; required: target, size, and years or start/end")
        if "years" in table and ("start" in table or "end" in table):
            raise ScenarioError(f"{at}: give either years or start/end, not both")
        if "years" in table:
            years = table["years"]
            if isinstance(years, int) and not isinstance(years, bool):
                years = [years]
            if not isinstance(years, list):
                raise ScenarioError(f"{at}: shocks.years must be a list of years, e.g. [2020, 2021], got {years!r}")
        elif "start" in table:
            start, end = table["start"], table.get("end", table["start"])
            if not all(isinstance(y, int) and not isinstance(y, bool) for y in (start, end)) or end < start:
                raise ScenarioError(f"{at}: shocks.start and shocks.end must be years with start <= end, "
                                    f"got {start!r} and {end!r}")
            years = list(range(start, end + 1))
        else:
            raise ScenarioError(f"{at}: missing key 'years'; required: years = [2020, ...] or start (and end)")
        try:
            shocks.append(ShockParams(target=table["target"], size=table["size"], years=tuple(years),
                                      sector=table.get("sector"), oblast=table.get("oblast")))
        except RegsimError as err:
            raise ScenarioError(f"{at}: {err}") from None
    return tuple(shocks)


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, dict[str, Any]], str]:
    if path.resolve() in chain:
        names = " -> ".join(p.stem for p in (*chain, path.resolve()))
        raise ScenarioError(f"{path}: inherits in a cycle ({names})")
    table = read_toml(path)
    inherits = table.get("inherits")
    if inherits is not None:
        if not isinstance(inherits, str):
            raise ScenarioError(f"{path}: inherits must be a scenario name, got {inherits!r}")
        try:
            parent = locate(inherits)
        except ScenarioError as err:
            raise ScenarioError(f"{path}: inherits: {err}") from None
        values, _ = _resolve(parent, (*chain, path.resolve()))
    else:
        values = {section: {} for section in SECTION_CLASSES}
        values["shocks"] = []  # type: ignore[assignment]
    _merge(values, table, str(path))
    if "shocks" in table:  # added to the parent's shocks
        values["shocks"] = [*values["shocks"], *parse_shocks(table["shocks"], str(path))]  # type: ignore[assignment]
    description = table.get("description", "")
    return values, str(description)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``section.name=value``; the value is read as TOML (numbers, strings, booleans)."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. policy.strategy=concentrated")
    key, raw = (part.strip() for part in text.split("=", 1))
    if key.count(".") != 1:
        raise _unknown(key, all_keys(), "--set", "key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word such as a strategy name
    return key, value


def build_params(values: Mapping[str, Mapping[str, Any]], where: str) -> Params:
    """Build validated Params from nested values; errors are prefixed with ``where``."""
    groups = {}
    for section, cls in SECTION_CLASSES.items():
        try:
            groups[section] = cls(**dict(values.get(section, {})))
        except RegsimError as err:
            raise ScenarioError(f"{where}: {err}") from None
        except TypeError as err:
            raise ScenarioError(f"{where}: [{section}] {err}") from None
    return Params(**groups, shocks=tuple(values.get("shocks", ())))


def load(name_or_path: str = "baseline", overrides: Iterable[str] = ()) -> Scenario:
    """Resolve a scenario by name or path, apply ``--set`` overrides, validate.

    Args:
        name_or_path: Scenario name in ``scenarios/`` or a path to a TOML file.
        overrides: ``section.name=value`` strings, applied in order after the file.

    Returns:
        The resolved :class:`Scenario`.

    Raises:
        ScenarioError: naming the file or override, the key and what is allowed.
    """
    path = locate(name_or_path)
    values, description = _resolve(path, ())
    where = str(path)
    override_list = list(overrides)
    for text in override_list:
        key, value = parse_override(text)
        section, name = key.split(".", 1)
        if section == "shocks":
            raise ScenarioError(f"--set {text!r}: shocks cannot be set on the command line; "
                                "put a [[shocks]] table in a scenario file (see scenarios/covid-2020.toml)")
        if section not in SECTION_CLASSES:  # description and inherits are not parameters
            raise _unknown(key, all_keys(), "--set", "key")
        _merge(values, {section: {name: value}}, "--set")
    if override_list:
        where = f"{path} with --set {' '.join(override_list)}"
    params = build_params(values, where)
    return Scenario(name=path.stem, path=path, description=description, params=params)
