"""Fuzzing the command line with generated scenario files, experiment files and ``--set`` values.

The promise (docs/reliability.md): whatever the input, ``regsim`` either exits 0 with complete output,
or exits 2 with one line ``regsim: error: ...`` on standard error and nothing written; never a
traceback. The CLI runs in this process (``regsim.cli.main``), so an escaping exception fails the
test with its traceback.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regsim.cli import main
from regsim.params import describe

KEYS = [row["key"] for row in describe()]
SECTIONS = sorted({key.split(".")[0] for key in KEYS})
# every run is forced short and coarse, whatever the generated file says
FAST = ["--set", "time.end_year=2019", "--set", "scale.household_weight=400"]

scalars = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["concentrated", "none", "hybrid", "custom", "baseline", "", "0.5", "1e400"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
known_keys = st.sampled_from(KEYS)
any_keys = st.one_of(known_keys, known_keys.map(lambda k: k + "x"), st.text("abcdef_.", min_size=1, max_size=12))


def toml_value(value: object) -> str:
    """A Python value as TOML text (enough for the generated values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """A scenario file: ``inherits`` or not, and a few tables of real or misspelt keys."""
    lines = []
    if draw(st.booleans()):
        lines.append(f"inherits = {toml_value(draw(st.sampled_from(['baseline', 'concentrated', 'nope', ''])))}")
    entries = draw(st.lists(st.tuples(any_keys, values), max_size=4))
    tables: dict[str, list[str]] = {}
    for key, value in entries:
        section, _, name = key.partition(".")
        if not name or not section.isidentifier() or not name.isidentifier():
            continue
        tables.setdefault(section, []).append(f"{name} = {toml_value(value)}")
    for section, body in tables.items():
        lines.append(f"[{section}]")
        lines.extend(dict.fromkeys(body))  # TOML forbids a key twice; keep the first of duplicates
    return "\n".join(lines) + "\n"


def call(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in-process; return (exit status, standard error)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse exits on its own errors
            status = stop.code if isinstance(stop.code, int) else 2
    return status, err.getvalue()


def assert_promise(status: int, stderr: str, out: Path, made_before: set[Path], folder: Path) -> None:
    """Exit 0 with a complete run folder, or exit 2 with one line and nothing written."""
    assert "Traceback" not in stderr
    if status == 0:
        assert {p.name for p in out.iterdir()} >= {"run.json", "national.parquet", "oblasts.parquet"}
    else:
        assert status == 2, stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("regsim: error: "), stderr
        assert set(folder.iterdir()) == made_before, "a failed command left files behind"


SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(text=scenario_texts())
def test_generated_scenario_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "scenario.toml"
    path.write_text(text)
    before = set(folder.iterdir())
    out = folder / "out"
    status, stderr = call(["run", str(path), *FAST, "--out", str(out), "--quiet"])
    assert_promise(status, stderr, out, before, folder)


@SETTINGS
@given(key=any_keys, value=st.one_of(values.map(toml_value), st.text(max_size=10)))
def test_generated_set_values(tmp_path_factory: pytest.TempPathFactory, key: str, value: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    before = set(folder.iterdir())
    out = folder / "out"
    status, stderr = call(["run", "--set", f"{key}={value}", *FAST, "--out", str(out), "--quiet"])
    assert_promise(status, stderr, out, before, folder)


@SETTINGS
@given(data=st.binary(min_size=1, max_size=64))
def test_binary_scenario_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "scenario.toml"
    path.write_bytes(data)
    before = set(folder.iterdir())
    status, stderr = call(["show", str(path)])
    assert "Traceback" not in stderr
    assert status in (0, 2)
    if status == 2:
        assert stderr.count("\n") == 1 and stderr.startswith("regsim: error: "), stderr
    assert set(folder.iterdir()) == before


@SETTINGS
@given(body=st.lists(st.tuples(st.sampled_from(
    ["name", "scenario", "replications", "seed", "outputs", "settlement_years"]), values), max_size=4),
    grid=st.lists(st.tuples(known_keys, st.lists(scalars, max_size=3)), max_size=2),
    sample=st.lists(st.tuples(st.sampled_from(["method", "n", "levels", "seed"]), values), max_size=3))
def test_generated_experiment_files(tmp_path_factory: pytest.TempPathFactory, body, grid, sample) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    lines = ["[experiment]"] + [f"{k} = {toml_value(v)}" for k, v in dict(body).items()]
    lines += ["[experiment.set]", '"time.end_year" = 2019', '"scale.household_weight" = 400']
    if grid:
        lines.append("[grid]")
        lines += [f'"{k}" = {toml_value(v)}' for k, v in dict(grid).items()]
    if sample:
        lines.append("[sample]")
        lines += [f"{k} = {toml_value(v)}" for k, v in dict(sample).items()]
    path = folder / "exp.toml"
    path.write_text("\n".join(lines) + "\n")
    before = set(folder.iterdir())
    out = folder / "out"
    status, stderr = call(["batch", str(path), "--out", str(out), "--dry-run"])
    assert "Traceback" not in stderr
    if status == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("regsim: error: "), stderr
    else:
        assert status == 0, stderr
    assert set(folder.iterdir()) == before, "a dry run or a refused experiment wrote files"


# issue 21: generated [[shocks]] (huge, tiny, fractional, nested values) give params or one line ---------

shock_numbers = st.one_of(
    st.integers(min_value=-(10**450), max_value=10**450),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([2019.0, 2019.5, 10**12, -(10**12), 1e300, 1e-300, 10.0, 10.000001, -1.0, -0.999]),
)
shock_values = st.one_of(shock_numbers, st.lists(shock_numbers, max_size=3),
                         st.integers(min_value=1, max_value=3000).map(lambda d: "[" * d + "]" * d))


@st.composite
def shock_texts(draw: st.DrawFn) -> str:
    target = draw(st.sampled_from(["output", "remittances_per_migrant", "migrants_abroad", "prices", "budget", "x"]))
    lines = ['inherits = "baseline"', "[[shocks]]", f'target = "{target}"']
    for key in draw(st.lists(st.sampled_from(["size", "years", "start", "end"]), unique=True, max_size=4)):
        value = draw(shock_values)
        lines.append(f"{key} = {value if isinstance(value, str) else toml_value(value)}")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=shock_texts())
def test_generated_shocks_are_params_or_one_line(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """regsim show (validation without a run) on generated shocks: exit 0, or one line and exit 2."""
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "scenario.toml"
    path.write_text(text)
    status, stderr = call(["show", str(path)])
    assert "Traceback" not in stderr
    if status != 0:
        assert status == 2, stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("regsim: error: ") and len(lines[0]) < 600, stderr
