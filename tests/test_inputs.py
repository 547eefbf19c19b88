"""Bad inputs (scenario and experiment files, --set values, weights CSVs) give one line, never a traceback.

Issue 11, inputs: every user mistake in a file or value is a ``RegsimError`` naming the file, the
key and what is allowed; the CLI prints it as one line and exits 2, with nothing written. Values
inside the allowed ranges run (``test_param_bounds.py``); whole numbers are ints after parsing;
relative paths are resolved against the file that names them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regsim import scenario
from regsim.batch import experiment
from regsim.cli import main
from regsim.errors import ExperimentError, RegsimError, ScenarioError
from regsim.model.initialise import _households
from regsim.model.simulation import cached_world
from regsim.params import SECTION_CLASSES, Params, all_keys, replace
from regsim.rng import stream

EXPERIMENT_HEAD = '[experiment]\nname = "x"\n'


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def one_line_error(capsys, status: int, *needles: str) -> str:
    """The CLI failed with exit 2 and one line ``regsim: error: ...`` containing ``needles``."""
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("regsim: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- 1. every allowed max_household_size ----------------------------------------------------------

@pytest.mark.parametrize("size", [4, 5])
def test_small_max_household_size_builds_the_population(size):
    """Was IndexError at the default weight: capped sizes fell short of the settlement's persons."""
    params = replace(Params(), "demography.max_household_size", size)
    world = cached_world(params.scale.world_seed, params.world)
    hh = _households(world, params, stream(params.scale.world_seed, "households", 0))
    sizes = hh.size[hh.alive]
    assert sizes.max() <= size and sizes.min() >= 1
    persons = np.bincount(hh.settlement[hh.alive], weights=sizes, minlength=world.n)
    expected = np.round(world.settlements.population_2017.to_numpy() / params.scale.household_weight)
    np.testing.assert_array_equal(persons, expected)


# --- 2. whole numbers are ints ---------------------------------------------------------------------

def test_integral_float_becomes_int_in_set_and_toml(tmp_path):
    scen = scenario.load("baseline", ["time.end_year=2022.0", "policy.sunset_year=2030.0"])
    assert type(scen.params.time.end_year) is int and scen.params.time.end_year == 2022
    assert type(scen.params.policy.sunset_year) is int
    path = write(tmp_path / "s.toml", "[time]\nend_year = 2021.0\n[economy]\ntime_to_build_years = 2.0\n")
    params = scenario.load(str(path)).params
    assert type(params.time.end_year) is int and type(params.economy.time_to_build_years) is int
    assert list(range(params.time.start_year, params.time.end_year + 1))  # the TypeError of issue 11


def test_int_for_a_float_parameter_gives_the_same_params():
    a = scenario.load("baseline", ["policy.budget_som_per_year=3000000000"]).params
    b = scenario.load("baseline", ["policy.budget_som_per_year=3e9"]).params
    assert a == b and type(a.policy.budget_som_per_year) is float


def test_fractional_value_for_a_whole_number_is_one_line(capsys, tmp_path):
    status = main(["run", "--set", "time.end_year=2022.5", "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, "time.end_year", "whole number in [2018, 2100]", "2022.5")
    assert not (tmp_path / "o").exists()


def test_grid_and_sample_values_of_whole_number_parameters_are_ints(tmp_path):
    path = write(tmp_path / "e.toml", EXPERIMENT_HEAD + """
[experiment.set]
"scale.household_weight" = 500
[grid]
"time.end_year" = [2019.0, 2020]
[sample]
method = "lhs"
n = 6
[sample.ranges]
"economy.time_to_build_years" = [0, 3]
"economy.agglomeration_elasticity" = [0.0, 0.1]
""")
    exp = experiment.load(str(path))
    frame = experiment.design(exp)
    assert set(frame["economy.time_to_build_years"]) <= {0, 1, 2, 3}
    for row in frame.to_dict("records"):
        params = experiment.run_params(exp, row)
        assert type(params.time.end_year) is int and type(params.economy.time_to_build_years) is int


# --- 3. binary and non-UTF-8 files; BOM ------------------------------------------------------------

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
LATIN1 = "[policy]\nstrategy = \"none\"  # r\xe9gion\n".encode("latin-1")


@pytest.mark.parametrize("content", [BINARY, LATIN1, b"[time]\nend_year = 2020\n\x00\x00"],
                         ids=["binary", "latin1", "nul"])
def test_binary_or_non_utf8_scenario_is_one_line(capsys, tmp_path, content):
    path = write(tmp_path / "s.toml", content)
    status = main(["run", str(path), "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, str(path))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("content", [BINARY, LATIN1], ids=["binary", "latin1"])
def test_binary_or_non_utf8_experiment_is_one_line(capsys, tmp_path, content):
    path = write(tmp_path / "e.toml", content)
    status = main(["batch", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    one_line_error(capsys, status, str(path))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("content", [BINARY, "settlement_id,weight\n0,1\n5,2 r\xe9gion\n".encode("latin-1"),
                                     b"settlement_id,weight\n0,1\x00\n"], ids=["binary", "latin1", "nul"])
def test_binary_or_non_utf8_weights_is_one_line(capsys, tmp_path, content):
    weights = write(tmp_path / "w.csv", content)
    status = main(["run", "--set", "policy.strategy=custom", "--set", f"policy.custom_weights_csv={weights}",
                   "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, "policy.custom_weights_csv", str(weights))
    assert not (tmp_path / "o").exists()


def test_weights_with_byte_order_mark_and_spaces_are_read(tmp_path):
    from regsim.model.policy import read_custom_weights

    path = write(tmp_path / "w.csv", "\ufeffsettlement_id, weight\r\n0, 1.5\r\n\r\n7,2\r\n".encode())
    weights = read_custom_weights(path, 10)
    assert weights[0] == 1.5 and weights[7] == 2 and sum(weights) == 3.5


@pytest.mark.parametrize(("text", "message"), [
    ("settlement_id,weight\n1,1\n1,2\n", "line 3: settlement_id 1 already given on line 2"),
    ("", "expected columns settlement_id, weight; got an empty file"),
    ("settlement_id,weight\n", "all weights are zero (or there are none)"),
    ("settlement_id,weight\n1,nan\n", "line 2: weight must be a finite number >= 0"),
    ("settlement_id,weight\n1,inf\n", "line 2: weight must be a finite number >= 0"),
    ("settlement_id,weight\n1\n", "line 2: settlement_id must be a whole number and weight a number"),
    ("settlement_id,weight\n1,1e308\n2,1e308\n", "the weights add up to more than a float can hold"),
    ("settlement_id;weight\n1;2\n", "expected columns settlement_id, weight (separate columns with commas)"),
])
def test_weights_holes(tmp_path, text, message):
    path = write(tmp_path / "w.csv", text)
    with pytest.raises(ScenarioError, match=rf"policy.custom_weights_csv: {path}.*{_re(message)}"):
        scenario.read_weights_table(path)


def _re(text: str) -> str:
    import re

    return re.escape(text)


def test_weights_path_is_a_folder(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder"):
        scenario.read_weights_table(tmp_path)


# --- 4. experiment keys ----------------------------------------------------------------------------

SAMPLE = '[sample]\nmethod = "morris"\nn = 2\n{extra}[sample.ranges]\n"economy.congestion_elasticity" = [0.0, 0.1]\n'


@pytest.mark.parametrize(("text", "message"), [
    (SAMPLE.format(extra='levels = "four"\n'), "sample.levels must be an even whole number >= 2"),
    (SAMPLE.format(extra="levels = 1\n"), "sample.levels must be an even whole number >= 2 (Morris grid levels"),
    (SAMPLE.format(extra="levels = 3\n"), "got 3"),
    (SAMPLE.format(extra="levels = true\n"), "got True"),
    (SAMPLE.format(extra="seed = 3\n"), "unknown key in [sample] 'seed'"),
    (SAMPLE.format(extra="").replace('"morris"', '"lhs"').replace("n = 2\n", "n = 2\nlevels = 4\n"),
     "sample.levels is used by method = 'morris' only"),
    (SAMPLE.format(extra="").replace("n = 2", "n = 0"), "sample.n must be a whole number >= 1, got 0"),
    (SAMPLE.format(extra="").replace("n = 2", "n = 2.0"), "sample.n must be a whole number >= 1, got 2.0"),
    (SAMPLE.format(extra="").replace("[0.0, 0.1]", "[0.0, 0.9]"),
     "'economy.congestion_elasticity' = [0.0, 0.9] leaves the allowed range [0, 0.3] elasticity"),
    (SAMPLE.format(extra="").replace("[0.0, 0.1]", "[0.0, nan]"), "must be [low, high] with low < high"),
    (SAMPLE.format(extra="").replace('"economy.congestion_elasticity" = [0.0, 0.1]',
                                     '"policy.strategy" = [0, 1]'), "'policy.strategy' is not a numeric parameter"),
    (SAMPLE.format(extra="").replace('"economy.congestion_elasticity" = [0.0, 0.1]',
                                     '"economy.time_to_build_years" = [0, 2.5]'), "whole-number parameter"),
    ("[grid]\n", "[grid] is empty"),
    ("cells = []\n", "cells is empty"),
    ('[grid]\n"policy.strategy" = ["none", "none"]\n', "value 'none' is listed twice"),
    ('[experiment.set]\n"policy.strategy" = "none"\n[grid]\n"policy.strategy" = ["hybrid"]\n',
     "'policy.strategy' is both in [experiment.set] and varied"),
])
def test_experiment_key_holes(tmp_path, text, message):
    top_level = text.startswith("cells")  # a top-level key must come before the first table
    path = write(tmp_path / "e.toml", text + EXPERIMENT_HEAD if top_level else EXPERIMENT_HEAD + text)
    with pytest.raises(ExperimentError, match=_re(message)) as info:
        experiment.load(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("line", "message"), [
    ("replications = -1", "experiment.replications must be a whole number >= 1, got -1"),
    ("replications = true", "experiment.replications must be a whole number >= 1, got True"),
    ("replications = 2.0", "got 2.0"),
    ("seed = -1", "experiment.seed must be a whole number >= 0, got -1"),
    ("seed = 1e3", "got 1000.0"),
    ('outputs = ["national", "national"]', "value 'national' is listed twice"),
    ("outputs = []", "experiment.outputs must be a list drawn from national, oblasts, settlements"),
    ("outputs = [1]", "experiment.outputs must be a list drawn from"),
    ("settlement_years = ['all']", "experiment.settlement_years: unknown value ['all']; allowed: all, base_and_last"),
    ("description = 5", "experiment.description must be text"),
    ("scenario = 5", "experiment.scenario must be a scenario name or path"),
    ('scenario = "nowhere"', "experiment.scenario: unknown scenario 'nowhere'"),
])
def test_experiment_table_holes(tmp_path, line, message):
    path = write(tmp_path / "e.toml", f"[experiment]\n{line}\n")
    with pytest.raises(ExperimentError, match=_re(message)):
        experiment.load(str(path))


def test_experiment_name_must_be_text(tmp_path):
    path = write(tmp_path / "e.toml", "[experiment]\nname = 3\n")
    with pytest.raises(ExperimentError, match="experiment.name must be non-empty text, got 3"):
        experiment.load(str(path))


def test_levels_four_as_text_is_one_line_at_the_cli(capsys, tmp_path):
    path = write(tmp_path / "e.toml", EXPERIMENT_HEAD + SAMPLE.format(extra='levels = "four"\n'))
    status = main(["batch", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    one_line_error(capsys, status, str(path), "sample.levels", "even whole number")
    assert not (tmp_path / "o").exists()


def test_morris_sample_of_a_whole_number_parameter_covers_its_values(tmp_path):
    path = write(tmp_path / "e.toml", EXPERIMENT_HEAD + """[sample]
method = "morris"
n = 8
[sample.ranges]
"economy.time_to_build_years" = [1, 2]
""")
    points = experiment._sample_points(experiment.load(str(path)))
    assert set(points[:, 0]) == {1.0, 2.0}


# --- 5. relative paths ------------------------------------------------------------------------------

def test_relative_inherits_and_weights_resolve_against_the_scenario_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "scen"
    write(folder / "parent.toml", 'inherits = "baseline"\n[policy]\nstrategy = "custom"\n'
                                  'custom_weights_csv = "data/w.csv"\n')
    write(folder / "data" / "w.csv", "settlement_id,weight\n3,1\n")
    child = write(folder / "child.toml", 'inherits = "parent.toml"\n[time]\nend_year = 2030\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    params = scenario.load(str(child)).params
    assert params.time.end_year == 2030 and params.policy.strategy == "custom"
    assert Path(params.policy.custom_weights_csv) == (folder / "data" / "w.csv").resolve()
    assert params.policy.budget_som_per_year == 2.6e9  # "baseline" is still a name


def test_relative_set_path_is_against_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "w.csv", "settlement_id,weight\n3,1\n")
    monkeypatch.chdir(tmp_path)
    params = scenario.load("baseline", ["policy.strategy=custom", "policy.custom_weights_csv=w.csv"]).params
    assert Path(params.policy.custom_weights_csv) == (tmp_path / "w.csv").resolve()


def test_relative_paths_in_an_experiment_resolve_against_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "exp"
    write(folder / "w.csv", "settlement_id,weight\n3,1\n")
    write(folder / "my.toml", 'inherits = "baseline"\n')
    path = write(folder / "e.toml", EXPERIMENT_HEAD + 'scenario = "my.toml"\n[grid]\n'
                 '"policy.strategy" = ["custom"]\n"policy.custom_weights_csv" = ["w.csv"]\n')
    monkeypatch.chdir(tmp_path)
    exp = experiment.load(str(path))
    assert Path(exp.scenario) == (folder / "my.toml").resolve()
    assert exp.grid["policy.custom_weights_csv"] == [str((folder / "w.csv").resolve())]
    params = experiment.run_params(exp, experiment.design(exp).iloc[0].to_dict())
    assert params.policy.custom_weights_csv == str((folder / "w.csv").resolve())


# --- 6. weights checked before any run ---------------------------------------------------------------

@pytest.mark.parametrize(("weights", "message"), [
    (None, "no such file"),
    ("settlement_id,weight\n99999,1\n", "settlement_id 99999 unknown; allowed: 0 to"),
    ("id,w\n1,2\n", "expected columns settlement_id, weight"),
])
def test_bad_weights_in_a_batch_fail_before_the_batch_starts(capsys, tmp_path, weights, message):
    if weights is not None:
        write(tmp_path / "w.csv", weights)
    path = write(tmp_path / "e.toml", EXPERIMENT_HEAD + '[experiment.set]\n"policy.custom_weights_csv" = "w.csv"\n'
                 '[grid]\n"policy.strategy" = ["custom", "none"]\n')
    with pytest.raises(ExperimentError, match=_re(message)):
        experiment.load(str(path))
    status = main(["batch", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    one_line_error(capsys, status, str(path), str(tmp_path / "w.csv"), message)
    assert not (tmp_path / "o").exists()


def test_missing_weights_in_run_fail_before_the_run(capsys, tmp_path):
    path = write(tmp_path / "s.toml", '[policy]\nstrategy = "custom"\ncustom_weights_csv = "gone.csv"\n')
    status = main(["run", str(path), "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, str(tmp_path / "gone.csv"), "no such file")
    assert not (tmp_path / "o").exists()


# --- 7. more holes of the same kind --------------------------------------------------------------------

@pytest.mark.parametrize(("toml", "message"), [
    ("[economy]\nagglomeration_elasticity = nan\n", "economy.agglomeration_elasticity: expected a number in [0, 0.3]"),
    ("[economy]\nagglomeration_elasticity = inf\n", "got inf"),
    ("[economy]\nagglomeration_elasticity = -inf\n", "got -inf"),
    ("[economy]\nagglomeration_elasticity = true\n", "got True"),
    ("[economy]\nagglomeration_elasticity = \"0.1\"\n", "got '0.1'"),
    ("[economy]\nagglomeration_elasticity = [0.1]\n", "got [0.1]"),
    ("[time]\nend_year = 99999999999999999999\n", "outside the allowed range"),
    ("[time]\nend_year = 1e400\n", "got inf"),
    ("[scale]\nhousehold_weight = 0\n", "scale.household_weight: 0 is outside the allowed range [1, 10000]"),
    ("[policy]\nstrategy = \"concentratd\"\n", "policy.strategy: unknown value 'concentratd'; allowed: none, "),
    ("[policy]\nstrategy = 3\n", "policy.strategy: unknown value 3; allowed: none"),
    ("[policy]\ncustom_weights_csv = 3\n", "policy.custom_weights_csv: expected text, got 3"),
    ("[time]\nend_year = 2030\nend_year = 2031\n", "invalid TOML"),
    ("[time]\nend_year = 2030\n[time]\n", "invalid TOML"),
    ("inherits = 3\n", "inherits must be a scenario name or a path to a .toml file, got 3"),
    ("inherits = \"\"\n", "inherits must be a scenario name or a path"),
    ("inherits = \"nothere.toml\"\n", "nothere.toml: no such file"),
    ("description = 3\n", "description must be text"),
    ("[economy]\ncapital_elasticity = 0.5\nlabour_elasticity = 0.5\n",
     "economy.capital_elasticity + economy.labour_elasticity must be at most 0.95"),
    ("[policy]\nsunset_year = 2030.5\n", "policy.sunset_year: expected a whole number in [2017, 2100] year"),
])
def test_scenario_value_holes(tmp_path, toml, message):
    path = write(tmp_path / "s.toml", toml)
    with pytest.raises(ScenarioError, match=_re(message)) as info:
        scenario.load(str(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("value", ["nan", "inf", "true", "abc", "'0.1'", "[1]", "{a=1}", "", "1e999",
                                   "99999999999999999999999"])
def test_set_value_holes_are_one_line(capsys, tmp_path, value):
    status = main(["run", "--set", f"economy.agglomeration_elasticity={value}", "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, "--set", "economy.agglomeration_elasticity", "[0, 0.3]")
    assert not (tmp_path / "o").exists()


def test_folder_as_scenario_or_experiment(capsys, tmp_path):
    status = main(["run", str(tmp_path), "--out", str(tmp_path / "o")])
    one_line_error(capsys, status, str(tmp_path), "is a folder")
    status = main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--quiet"])
    one_line_error(capsys, status, str(tmp_path), "is a folder")


def test_inherits_cycle_through_relative_paths(tmp_path):
    write(tmp_path / "a.toml", 'inherits = "b.toml"\n')
    write(tmp_path / "b.toml", 'inherits = "./a.toml"\n')
    with pytest.raises(ScenarioError, match=r"inherits in a cycle \(a -> b -> a\)"):
        scenario.load(str(tmp_path / "a.toml"))


# --- properties: any value for any key is a Params or one ScenarioError --------------------------------

toml_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: "nan" if math.isnan(x) else
                                                       ("inf" if x == math.inf else "-inf" if x == -math.inf
                                                        else repr(x))),
    st.sampled_from(["true", "false", "[]", "[1, 2]", "{x = 1}", '""', "'none'", "custom", "2022.0", "2.5"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=12),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(all_keys()), raw=toml_values)
def test_any_set_value_is_params_or_one_line(key, raw):
    try:
        params = scenario.load("baseline", [f"{key}={raw}"]).params
    except ScenarioError as err:
        assert "\n" not in str(err)
        assert key in str(err) or "policy.custom_weights_csv" in str(err)  # strategy=custom needs a file
        return
    section, name = key.split(".")
    value = getattr(getattr(params, section), name)
    declared = next(f.type for f in dataclasses.fields(SECTION_CLASSES[section]) if f.name == name)
    if value is not None and declared.removesuffix(" | None") in ("int", "float"):
        assert type(value).__name__ == declared.removesuffix(" | None")  # 2022.0 -> 2022, 3 -> 3.0
        assert math.isfinite(value)


experiment_tables = st.fixed_dictionaries({}, optional={
    "experiment": st.dictionaries(
        st.sampled_from(["name", "scenario", "replications", "seed", "outputs", "settlement_years", "set",
                         "description", "bogus"]),
        st.one_of(st.integers(-3, 3), st.text(max_size=5), st.booleans(), st.floats(allow_nan=True),
                  st.lists(st.sampled_from(["national", "oblasts", "x"]), max_size=3), st.just({}),
                  st.just({"time.end_year": 2020}), st.just("baseline")), max_size=5),
    "grid": st.one_of(st.just({}), st.dictionaries(
        st.sampled_from(["policy.strategy", "time.end_year", "scale.bogus", "policy.centre_share"]),
        st.one_of(st.lists(st.one_of(st.integers(2018, 2030), st.floats(0, 1), st.just("none")), max_size=3),
                  st.integers()), max_size=2)),
    "sample": st.dictionaries(
        st.sampled_from(["method", "n", "levels", "ranges", "seed"]),
        st.one_of(st.sampled_from(["lhs", "sobol", "morris", "x"]), st.integers(-2, 6), st.text(max_size=4),
                  st.just({"economy.congestion_elasticity": [0.0, 0.1]}),
                  st.just({"economy.congestion_elasticity": [0.2, 0.1]})), max_size=4),
    "cells": st.one_of(st.just([]), st.lists(st.one_of(st.just({"policy.strategy": "none"}), st.just({}),
                                                       st.integers()), max_size=2)),
})


@settings(max_examples=200, deadline=None)
@given(table=experiment_tables)
def test_any_experiment_table_is_an_experiment_or_one_line(table):
    try:
        exp = experiment.parse(json.loads(json.dumps(table)), Path("fuzz.toml"))
    except ExperimentError as err:
        assert str(err).startswith("fuzz.toml") and "\n" not in str(err)
        return
    assert exp.replications >= 1 and exp.outputs
    try:
        frame = experiment.design(exp)
    except RegsimError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(frame, pd.DataFrame) and len(frame) >= 1


# --- issue 21: shocks, nesting and sizes that crashed ------------------------------------------------

SHOCK = 'inherits = "baseline"\n[[shocks]]\ntarget = "{target}"\nsize = {size}\n{years}\n'
RUN_FAST = ["--set", "time.end_year=2020", "--set", "scale.household_weight=500", "--quiet"]


@pytest.mark.parametrize(("case", "target", "size", "years", "needle"), [
    ("sh07", "output", "1" * 401, "years = [2019]", "shocks.size"),
    ("sh08", "output", "1e300", "years = [2019]", "shocks.size"),
    ("sh08-1e100", "output", "1e100", "years = [2019]", "shocks.size"),
    ("sh09", "remittances_per_migrant", "1e300", "years = [2019]", "shocks.size"),
    ("sh17", "output", "-0.1", "start = 2018\nend = 1000000000000", "shocks.start"),
    ("sh17-start", "output", "-0.1", "start = -1000000000000\nend = 2020", "shocks.start"),
], ids=["sh07", "sh08", "sh08-1e100", "sh09", "sh17", "sh17-start"])
def test_absurd_shocks_are_one_line_before_the_run(tmp_path, capsys, case, target, size, years, needle):
    path = write(tmp_path / "s.toml", SHOCK.format(target=target, size=size, years=years))
    status = main(["run", str(path), *RUN_FAST, "--out", str(tmp_path / "out")])
    line = one_line_error(capsys, status, needle, "allowed")
    assert len(line) < 400
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["output", "remittances_per_migrant", "prices"])
def test_the_largest_allowed_shock_runs(tmp_path, capsys, target):
    """The declared range of a shock size is a promise: its top (10, eleven times) runs."""
    from regsim.params import SHOCK_MAX_SIZE

    path = write(tmp_path / "s.toml", SHOCK.format(target=target, size=SHOCK_MAX_SIZE, years="years = [2019]"))
    assert main(["run", str(path), *RUN_FAST, "--out", str(tmp_path / "out")]) == 0


def test_integral_float_shock_years_are_years():
    """sh28: years = [2019.0] and start = 2019.0 are the year 2019, as 2022.0 is for any whole number."""
    as_floats = scenario.parse_shocks([{"target": "output", "size": -0.1, "years": [2019.0, 2020.0]},
                                       {"target": "prices", "size": 0.1, "start": 2019.0, "end": 2020.0}], "s")
    as_ints = scenario.parse_shocks([{"target": "output", "size": -0.1, "years": [2019, 2020]},
                                     {"target": "prices", "size": 0.1, "start": 2019, "end": 2020}], "s")
    assert as_floats == as_ints
    with pytest.raises(ScenarioError, match="2019.5"):
        scenario.parse_shocks([{"target": "output", "size": -0.1, "years": [2019.5]}], "s")


@pytest.mark.parametrize("where", ["file", "set"])
def test_deeply_nested_toml_is_one_line(tmp_path, capsys, where):
    """sf14: 10,000 nested arrays are invalid input, not a RecursionError."""
    nested = "[" * 10_000 + "]" * 10_000
    if where == "file":
        path = write(tmp_path / "s.toml", SHOCK.format(target="output", size=nested, years="years = [2019]"))
        status = main(["run", str(path), *RUN_FAST, "--out", str(tmp_path / "out")])
        one_line_error(capsys, status, "nested too deeply")
    else:
        status = main(["run", "--set", f"economy.congestion_elasticity={nested}", *RUN_FAST, "--out",
                       str(tmp_path / "out")])
        one_line_error(capsys, status, "nested too deeply")
    assert not (tmp_path / "out").exists()


# --- issue 21: every command checks all its arguments before it creates or runs anything --------------

def test_unwritable_out_is_refused_before_the_model_is_built(tmp_path, capsys, monkeypatch):
    """o06: --out under /proc passes a permission check but cannot be created: refused before the run."""
    from regsim.model import simulation

    def no_model(*args, **kwargs):
        raise AssertionError("the model was built")

    monkeypatch.setattr(simulation, "RegionalModel", no_model)
    status = main(["run", *RUN_FAST, "--out", "/proc/regsim-out"])
    one_line_error(capsys, status, "--out /proc/regsim-out", "cannot write")


@pytest.mark.parametrize(("case", "argv", "needle"), [
    ("di06", ["discover", "{tmp}", "--margin", "nan"], "--margin"),
    ("el10", ["elasticity", "--replications", "1", "--increase", "1e-300"], "--increase"),
    ("ex02", ["explore", "--port", "70000"], "--port 70000"),
    ("ca06", ["compare", "--strategies", "none,concentrated", "--hybrid-shares", "", "--replications", "auto",
              "--max-replications", "60000", "--executor", "serial", "--quiet", "--out", "{tmp}/out"], "120,000 runs"),
    ("ca07", ["compare", "--strategies", "none,concentrated", "--hybrid-shares", "", "--replications", "60000",
              "--executor", "serial", "--quiet", "--out", "{tmp}/out"], "120,000 runs"),
    ("st16", ["robustness", "--n", "1000000000", "--out", "{tmp}/out"], "6,000,000,000 runs"),
    ("st18", ["sensitivity", "--method", "sobol", "--n", "100000000", "--out", "{tmp}/out"], "runs"),
], ids=["di06", "el10", "ex02", "ca06", "ca07", "st16", "st18"])
def test_arguments_are_checked_first_and_only_real_options_are_suggested(tmp_path, capsys, case, argv, needle):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    line = one_line_error(capsys, main(argv), needle)
    assert "--allow-large" not in line  # only regsim batch has it
    assert not (tmp_path / "out").exists()


def test_elasticity_refuses_a_shock_too_small_to_measure():
    from regsim.params import Params
    from regsim.studies import elasticity

    with pytest.raises(RegsimError, match="increase"):
        elasticity.measure(Params(), [0], increase=1e-300)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_pipes_and_devices_are_not_scenario_files(tmp_path, capsys, kind):
    """A FIFO or /dev/zero given as a scenario is named as such (it was 'no such file'), never read."""
    import os

    if kind == "fifo":
        path = tmp_path / "s.toml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    one_line_error(capsys, main(["show", str(path)]), str(path), "not a regular file")
