"""Scenario files (TOML) and ``--set`` overrides turned into validated :class:`~regsim.params.Params`.

A scenario is a TOML file with optional top-level ``description`` and ``inherits`` (the name of
another scenario or a path) and one table per parameter section. The parent is resolved first,
then overridden table by table; cycles fail. Unknown sections or keys fail with the closest valid
names; values are validated by the parameter classes. Every error names the file.

Relative paths inside a file (``inherits``, ``policy.custom_weights_csv``) are resolved against
the folder of the file that names them, never the working directory; a bare ``inherits`` name
(no ``.toml``, no ``/``) is a scenario name, looked up in :func:`search_dirs`. A ``--set`` path is
relative to the working directory. With ``policy.strategy = "custom"`` the weights CSV is read and checked when
the scenario is loaded (:func:`read_weights_table`), so that a missing or malformed file fails
before any run.

Shocks are an array of tables, ``[[shocks]]``, each with ``target``, ``size`` and either ``years =
[2020, 2021]`` or ``start``/``end`` (inclusive), and for some targets ``sector`` and ``oblast``
(:class:`~regsim.params.ShockParams`). With ``inherits``, a scenario's shocks are *added* to its
parent's (so ``covid-2020`` plus a remittance fall is a two-line file); a scenario that wants none of
its parent's shocks inherits from one without shocks. ``--set`` cannot change shocks.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from regsim.errors import RegsimError, ScenarioError
from regsim.params import (
    SECTION_CLASSES,
    SHOCK_FIRST_YEAR,
    SHOCK_LAST_YEAR,
    Params,
    ShockParams,
    all_keys,
    shown,
    to_dict,
)

_TOP_LEVEL = ("description", "inherits", "shocks")
_SHOCK_KEYS = ("target", "size", "years", "start", "end", "sector", "oblast")
_PACKAGE_DIR = Path(__file__).resolve().parent


def plain_value(value: Any) -> Any:
    """A numpy scalar (or 0-d array) as the Python value it holds, anything else unchanged.

    ``np.float64(1e9)`` -> ``1e9``, ``np.int64(2020)`` -> ``2020``, ``np.bool_`` -> ``bool``: what the
    scenario, experiment and TOML writers check and print.
    """
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == () and hasattr(value, "item"):
        return value.item()
    return value


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
    if is_path(name_or_path) or candidate.exists():
        if candidate.is_dir():
            raise ScenarioError(f"{name_or_path}: is a folder, not a {kind[:-1]} file (.toml)")
        if candidate.exists() and not candidate.is_file():  # a FIFO, /dev/zero, a socket: never read
            raise ScenarioError(f"{name_or_path}: is not a regular file (a pipe or device); give a "
                                f"{kind[:-1]} file (.toml)")
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


def is_path(text: str) -> bool:
    """True if ``text`` names a file (``.toml`` or a folder separator), not a scenario name."""
    return text.endswith(".toml") or "/" in text or "\\" in text


def _not_text(where: object, err: UnicodeDecodeError) -> ScenarioError:
    return ScenarioError(f"{where}: not a UTF-8 text file (byte 0x{err.object[err.start]:02x} at offset "
                         f"{err.start}); save it as UTF-8 text")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise _not_text(path, err) from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror or err})") from None
    if "\x00" in text:
        raise ScenarioError(f"{path}: not a text file (it contains NUL bytes)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


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


PATH_KEYS: Final = ("policy.custom_weights_csv",)
"""Parameters holding a file path; relative values are resolved against the naming file's folder."""


def resolve_path(value: Any, base_dir: Path) -> Any:
    """``value`` as an absolute path if it is a relative path string, else unchanged."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str((base_dir / value).resolve())
    return value


def _merge(base: dict[str, dict[str, Any]], table: Mapping[str, Any], where: str,
           base_dir: Path | None = None) -> None:
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
            if base_dir is not None and f"{section}.{key}" in PATH_KEYS:
                if isinstance(value, str) and "\x00" in value:
                    raise ScenarioError(f"{where}: {section}.{key}: a path cannot contain a NUL character")
                value = resolve_path(value, base_dir)
            base[section][key] = value


def _whole_year(value: Any) -> Any:
    """``2019.0`` as the int 2019 (as for every whole-number parameter); anything else unchanged."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        return int(value)
    return value


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
            years = _whole_year(table["years"])
            if isinstance(years, int) and not isinstance(years, bool):
                years = [years]
            if not isinstance(years, list):
                raise ScenarioError(f"{at}: shocks.years must be a list of years, e.g. [2020, 2021], "
                                    f"got {shown(years)}")
            years = [_whole_year(y) for y in years]
        elif "start" in table:
            start, end = _whole_year(table["start"]), _whole_year(table.get("end", table["start"]))
            if not all(isinstance(y, int) and not isinstance(y, bool) for y in (start, end)) or end < start:
                raise ScenarioError(f"{at}: shocks.start and shocks.end must be years with start <= end, "
                                    f"got {shown(start)} and {shown(end)}")
            if start < SHOCK_FIRST_YEAR or end > SHOCK_LAST_YEAR:  # checked before the years are listed
                raise ScenarioError(f"{at}: shocks.start = {shown(start)}, end = {shown(end)}: allowed: whole years "
                                    f"{SHOCK_FIRST_YEAR}-{SHOCK_LAST_YEAR}")
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
        if not isinstance(inherits, str) or not inherits:
            raise ScenarioError(f"{path}: inherits must be a scenario name or a path to a .toml file, "
                                f"got {inherits!r}")
        try:
            parent = _locate_parent(inherits, path.parent)
        except ScenarioError as err:
            raise ScenarioError(f"{path}: inherits: {err}") from None
        values, _ = _resolve(parent, (*chain, path.resolve()))
    else:
        values = {section: {} for section in SECTION_CLASSES}
        values["shocks"] = []  # type: ignore[assignment]
    _merge(values, table, str(path), base_dir=path.parent)
    if "shocks" in table:  # added to the parent's shocks
        values["shocks"] = [*values["shocks"], *parse_shocks(table["shocks"], str(path))]  # type: ignore[assignment]
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"{path}: description must be text, got {description!r}")
    return values, description


def _locate_parent(inherits: str, folder: Path) -> Path:
    """The file ``inherits`` names: a path relative to ``folder``, or a scenario name."""
    if is_path(inherits) or Path(inherits).is_absolute():
        return locate(str(folder / inherits))
    return locate(inherits)


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
    except RecursionError:
        raise ScenarioError(f"--set {key}: the value is nested too deeply") from None
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


def _apply_overrides(values: dict[str, dict[str, Any]], overrides: Iterable[str]) -> None:
    """Merge ``section.name=value`` strings into ``values`` in order (unknown keys and shocks refused)."""
    for text in overrides:
        key, value = parse_override(text)
        section, name = key.split(".", 1)
        if section == "shocks":
            raise ScenarioError(f"--set {text!r}: shocks cannot be set on the command line; "
                                "put a [[shocks]] table in a scenario file (see scenarios/covid-2020.toml)")
        if section not in SECTION_CLASSES:  # description and inherits are not parameters
            raise _unknown(key, all_keys(), "--set", "key")
        _merge(values, {section: {name: value}}, "--set", base_dir=Path.cwd())


def defaults_with(overrides: Iterable[str] = (), values: Mapping[str, Mapping[str, Any]] | None = None) -> Params:
    """The default parameters (no scenario file) with ``values`` and then ``--set`` overrides applied, validated.

    Args:
        overrides: ``section.name=value`` strings, applied in order after ``values``.
        values: ``{section: {name: value}}`` set first (e.g. the scale a benchmark measures).

    Raises:
        ScenarioError: naming the override, the key and what is allowed.
    """
    merged: dict[str, dict[str, Any]] = {section: {} for section in SECTION_CLASSES}
    _merge(merged, values or {}, "defaults")
    override_list = list(overrides)
    _apply_overrides(merged, override_list)
    return build_params(merged, f"defaults with --set {' '.join(override_list)}" if override_list else "defaults")


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
    _apply_overrides(values, override_list)
    if override_list:
        where = f"{path} with --set {' '.join(override_list)}"
    params = build_params(values, where)
    if params.policy.strategy == "custom" and params.policy.custom_weights_csv is not None:
        read_weights_table(params.policy.custom_weights_csv)  # fail before any run, naming the file
    return Scenario(name=path.stem, path=path, description=description, params=params)


def resolved_toml(scen: Scenario) -> str:
    """A scenario's fully resolved parameters as TOML text (``regsim show``); unset values as comments."""
    lines = [f"# scenario {scen.name} ({scen.path})"]
    if scen.description:
        lines.append(f"description = {scen.description!r}")
    for section, values in to_dict(scen.params).items():
        if section == "shocks":  # an array of tables, written after the sections
            continue
        lines += ["", f"[{section}]"]
        for key, value in values.items():
            if value is None:
                lines.append(f"# {key} = (not set)")
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            elif isinstance(value, bool):
                lines.append(f"{key} = {str(value).lower()}")
            else:
                lines.append(f"{key} = {value!r}")
    for shock in scen.params.shocks:
        lines += ["", "[[shocks]]", f'target = "{shock.target}"', f"size = {shock.size!r}",
                  f"years = {list(shock.years)!r}"]
        lines += [f'{key} = "{getattr(shock, key)}"' for key in ("sector", "oblast") if getattr(shock, key) is not None]
    return "\n".join(lines)


def read_weights_table(path: str | Path) -> list[tuple[int, int, float]]:
    """Read and check a weights CSV (columns ``settlement_id, weight``) without the world.

    UTF-8 with or without a byte-order mark (as Excel writes it); header names may carry spaces.
    The settlement ids are checked against the world by ``regsim.model.policy.read_custom_weights``.

    Returns:
        ``(line, settlement_id, weight)`` per data row.

    Raises:
        ScenarioError: naming the file (and line) for a missing, binary, non-UTF-8 or malformed
            file, a duplicate id, a negative or non-finite weight, or no positive weight.
    """
    path = Path(path)
    where = f"policy.custom_weights_csv: {path}"
    if path.is_dir():
        raise ScenarioError(f"{where}: is a folder; expected a CSV file with columns settlement_id, weight")
    if not path.is_file():
        raise ScenarioError(f"{where}: no such file")
    rows: list[tuple[int, int, float]] = []
    seen: dict[int, int] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            if not {"settlement_id", "weight"} <= set(header):
                hint = " (separate columns with commas)" if any(";" in name for name in header) else ""
                raise ScenarioError(f"{where}: expected columns settlement_id, weight{hint}; got "
                                    f"{', '.join(header) if header else 'an empty file'}")
            i_id, i_weight = header.index("settlement_id"), header.index("weight")
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue  # a blank line
                cells = [*record, "", ""]
                raw_id, raw_weight = cells[i_id].strip(), cells[i_weight].strip()
                try:
                    sid, weight = int(raw_id), float(raw_weight)
                except ValueError:
                    raise ScenarioError(f"{where}, line {line}: settlement_id must be a whole number and "
                                        f"weight a number, got {raw_id!r}, {raw_weight!r}") from None
                if not math.isfinite(weight) or weight < 0:
                    raise ScenarioError(f"{where}, line {line}: weight must be a finite number >= 0, "
                                        f"got {raw_weight}")
                if sid in seen:
                    raise ScenarioError(f"{where}, line {line}: settlement_id {sid} already given on "
                                        f"line {seen[sid]}; give each settlement once")
                seen[sid] = line
                rows.append((line, sid, weight))
    except UnicodeDecodeError as err:
        raise _not_text(where, err) from None
    except csv.Error as err:
        raise ScenarioError(f"{where}: not a readable CSV file ({err})") from None
    except OSError as err:
        raise ScenarioError(f"{where}: cannot read ({err.strerror or err})") from None
    if not math.isfinite(sum(weight for _, _, weight in rows)):
        raise ScenarioError(f"{where}: the weights add up to more than a float can hold; scale them down")
    if not any(weight > 0 for _, _, weight in rows):
        raise ScenarioError(f"{where}: all weights are zero (or there are none); at least one must be positive")
    return rows
