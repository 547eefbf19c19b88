"""The Python API of the README: load_scenario, run, run_batch, load_results."""

import pandas as pd
import pytest

import regsim
from regsim.errors import ScenarioError

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
