"""The Python API of the README: load_scenario, run, run_batch, load_results."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import regsim
from regsim.errors import RegsimError, ScenarioError

FAST = {"time.end_year": 2019, "scale.household_weight": 300}


def test_load_scenario_takes_a_mapping_or_set_strings():
    from_mapping = regsim.load_scenario("baseline", {"policy.strategy": "concentrated", **FAST})
    from_strings = regsim.load_scenario("baseline", ["policy.strategy=concentrated", "time.end_year=2019",
                                                     "scale.household_weight=300"])
    assert from_mapping.params == from_strings.params
    assert from_mapping.params.policy.strategy == "concentrated"


def test_load_scenario_rejects_unknown_keys_with_the_allowed_ones():
    with pytest.raises(ScenarioError, match="allowed"):
        regsim.load_scenario("baseline", {"policy.strategi": "concentrated"})


def test_run_then_load_results_round_trips(tmp_path):
    scenario = regsim.load_scenario("baseline", FAST)
    result = regsim.run(scenario, seed=2, out=tmp_path / "run")
    again = regsim.load_results(tmp_path / "run")
    pd.testing.assert_frame_equal(result.national, again.national, check_exact=True)
    assert result.series("population").index.max() == 2019
    # the same seed gives the same numbers through a name and overrides
    by_name = regsim.run("baseline", seed=2, overrides=FAST)
    pd.testing.assert_frame_equal(result.national, by_name.national, check_exact=True)


def test_run_batch_and_load_results(tmp_path):
    exp = tmp_path / "tiny.toml"
    exp.write_text("""
[experiment]
name = "tiny"
scenario = "baseline"
replications = 1
seed = 5
outputs = ["national"]
[experiment.set]
"time.end_year" = 2019
"scale.household_weight" = 300
[grid]
"policy.strategy" = ["none", "concentrated"]
""")
    summary = regsim.run_batch(exp, tmp_path / "out")
    assert summary["ran"] == 2 and summary["failed"] == 0
    comparison = regsim.load_results(tmp_path / "out")
    assert sorted(comparison.design.label) == ["concentrated", "none"]
    assert set(comparison.national.run_id) == set(comparison.design.run_id)


# issue 21: the API keeps the CLI's promises; every error is a RegsimError naming the argument -----------

TINY = {"time.end_year": 2018, "scale.household_weight": 500}


@pytest.mark.parametrize(("case", "overrides", "check"), [
    ("api02", {"policy.budget_som_per_year": np.float64(1e9)}, lambda p: p.policy.budget_som_per_year == 1e9),
    ("api03", {"time.end_year": np.int64(2020)}, lambda p: p.time.end_year == 2020),
    ("api03-int32", {"time.end_year": np.int32(2021)}, lambda p: p.time.end_year == 2021),
])
def test_overrides_take_numpy_scalars(case, overrides, check):
    assert check(regsim.load_scenario("baseline", overrides).params)


def test_overrides_take_a_path(tmp_path, monkeypatch):
    """api04: a pathlib.Path is its text, relative to the working folder as with --set."""
    (tmp_path / "w.csv").write_text("settlement_id,weight\n3,1\n")
    monkeypatch.chdir(tmp_path)
    overrides = {"policy.strategy": "custom", "policy.custom_weights_csv": Path("w.csv")}
    scenario = regsim.load_scenario("baseline", overrides)
    assert Path(scenario.params.policy.custom_weights_csv) == (tmp_path / "w.csv").resolve()


@pytest.mark.parametrize(("case", "call", "needle"), [
    ("api08", lambda: regsim.run("baseline", seed=-1, overrides=TINY), "seed="),
    ("api10", lambda: regsim.run("baseline", seed=1.5, overrides=TINY), "seed="),
    ("api10-bool", lambda: regsim.run("baseline", seed=True, overrides=TINY), "seed="),
    ("api26", lambda: regsim.run(123), "scenario="),
    ("overrides-type", lambda: regsim.load_scenario("baseline", {"time.end_year": object()}), "overrides="),
])
def test_bad_api_arguments_are_regsim_errors_naming_the_argument(case, call, needle):
    with pytest.raises(RegsimError) as info:
        call()
    assert needle in str(info.value) and "--" not in str(info.value)


def test_run_out_never_silently_replaces_another_configuration(tmp_path):
    """api13: regsim.run(out=) keeps the CLI's promise: another configuration only with overwrite=True."""
    regsim.run("baseline", seed=0, overrides=TINY, out=tmp_path / "r")
    with pytest.raises(RegsimError, match=r"out=.*another configuration.*overwrite=True"):
        regsim.run("baseline", seed=5, overrides=TINY, out=tmp_path / "r")
    assert json.loads((tmp_path / "r" / "run.json").read_text())["seed"] == 0
    regsim.run("baseline", seed=5, overrides=TINY, out=tmp_path / "r", overwrite=True)
    assert json.loads((tmp_path / "r" / "run.json").read_text())["seed"] == 5


def test_readme_example_as_a_script_without_a_main_guard(tmp_path):
    """api24: the README's Python example, run as a plain script with executor='processes', works."""
    import os
    import subprocess
    import sys

    (tmp_path / "small.toml").write_text("""
[experiment]
name = "small"
scenario = "baseline"
replications = 1
seed = 5
outputs = ["national", "oblasts"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 500
[grid]
"policy.strategy" = ["none", "concentrated"]
""")
    (tmp_path / "script.py").write_text(
        "import regsim\n"
        "s = regsim.load_scenario('baseline', {'policy.strategy': 'concentrated', 'time.end_year': 2018,"
        " 'scale.household_weight': 500})\n"
        "r = regsim.run(s, seed=1)\n"
        "regsim.run_batch('small.toml', 'cmp', executor='processes', workers=2)\n"
        "c = regsim.load_results('cmp')\n"
        "print(sorted(c.national.label.unique()))\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "['concentrated', 'none']" in done.stdout
    assert "Traceback" not in done.stderr and "bootstrapping" not in done.stderr
