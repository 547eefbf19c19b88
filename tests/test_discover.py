"""regsim discover: PRIM recovers a known box; worlds and wins from a batch; CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regsim.cli import main
from regsim.errors import ExperimentError
from regsim.studies import discover


def constructed(n: int = 600, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """Worlds where the condition holds exactly when a > 0.6 and b < 0.4 (c is irrelevant)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, size=(n, 3)), columns=["economy.a", "economy.b", "economy.c"])
    y = ((x["economy.a"] > 0.6) & (x["economy.b"] < 0.4)).to_numpy()
    return x, y


def test_prim_recovers_a_known_box():
    x, y = constructed()
    found = discover.discover(x, y, "concentrated", "equalisation_uniform", "gdp_per_capita_end")
    limits = found.limits.set_index("parameter")
    assert set(limits.index) == {"economy.a", "economy.b"}
    assert limits.loc["economy.a", "lower"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["economy.b", "upper"] == pytest.approx(0.4, abs=0.05)
    step = found.trajectory.loc[found.chosen]
    assert step.density >= 0.9 and step.coverage >= 0.8
    assert "a exceeds 0.6" in found.sentence and "b is below 0.4" in found.sentence


def test_condition_text_names_both_sided_limits():
    limits = pd.DataFrame([{"parameter": "migration.distance_elasticity", "lower": 0.8, "upper": 1.2, "min": 0.5,
                            "max": 2.0}])
    assert discover.condition_text(limits) == "distance elasticity lies between 0.8 and 1.2"


def test_wins_follow_the_direction_of_the_outcome():
    values = pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 2.0]})
    assert discover.wins(values, "a", "b", "gdp_pv").tolist() == [False, True]
    assert discover.wins(values, "a", "b", "poverty_rate_end").tolist() == [True, False]
    with pytest.raises(ExperimentError, match="'c' is not in the batch"):
        discover.wins(values, "a", "c", "gdp_pv")


def test_nothing_to_discover_is_a_one_line_error():
    x, _ = constructed(50)
    with pytest.raises(ExperimentError, match="nothing to discover"):
        discover.discover(x, np.ones(50, bool), "a", "b", "gdp_pv")


def test_cli_discover_mistakes_exit_2(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "missing")]) == 2
    assert main(["discover", str(tmp_path), "--strategies", "concentrated"]) == 2
    err = capsys.readouterr().err
    assert err.count("regsim: error:") == 2 and "Traceback" not in err


@pytest.mark.slow
def test_cli_discover_smoke_on_a_robustness_batch(tmp_path, capsys):
    batch = tmp_path / "rob"
    assert main(["robustness", "--n", "10", "--strategies", "concentrated,equalisation_uniform", "--executor",
                 "serial", "--set", "time.end_year=2019", "--set", "scale.household_weight=200", "--out", str(batch),
                 "--quiet"]) == 0
    capsys.readouterr()
    status = main(["discover", str(batch), "--outcome", "gdp_pv"])
    out, err = capsys.readouterr()
    if status == 2:  # with 10 short worlds one strategy may win everywhere: then it says so in one line
        assert "nothing to discover" in err
        return
    assert status == 0 and "beats equalisation_uniform" in out
    for name in discover.FILES:
        assert (batch / "discover" / name).is_file()
