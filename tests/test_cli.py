"""The regsim command as a user meets it: outputs, summaries, one-line errors, nothing partial."""

import contextlib
import json
import subprocess
import sys

import pandas as pd
import pytest

from regsim.cli import main

SMALL = ["--set", "scale.household_weight=200", "--set", "time.end_year=2020"]


def test_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--seed", "3", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "Poverty rate" in printed and "2020" in printed and str(out) in printed
    national = pd.read_parquet(out / "national.parquet")
    assert list(national.columns) == ["year", "metric", "value"]
    required = {"population", "gdp_som", "gdp_per_capita_som", "poverty_rate", "extreme_poverty_rate",
                "gini_consumption", "theil_between_oblasts", "theil_within_oblasts", "unemployment_rate",
                "migrants_abroad", "remittances_som", "share_pop_bishkek", "share_pop_centres", "budget_available_som",
                "budget_allocated_som", "budget_absorbed_som", "budget_returned_som", "budget_lost_som"}
    assert required <= set(national.metric)
    assert sorted(national.year.unique()) == [2017, 2018, 2019, 2020]
    rates = national[national.metric.str.endswith("_rate")].value
    assert ((rates >= 0) & (rates <= 1)).all()
    assert list(pd.read_parquet(out / "oblasts.parquet").columns) == ["year", "oblast", "metric", "value"]
    assert list(pd.read_parquet(out / "settlements.parquet").columns) == ["year", "settlement_id", "metric", "value"]
    world = pd.read_parquet(out / "world.parquet")
    assert {"settlement_id", "name", "kind", "oblast", "rayon", "lat", "lon", "synthetic"} <= set(world.columns)
    assert len(world) > 450 and world.synthetic.sum() > 400
    meta = json.loads((out / "run.json").read_text())
    for key in ("scenario", "params", "seed", "regsim_version", "git_commit", "n_settlements", "n_household_rows",
                "n_firm_agents", "n_years", "model_seconds", "peak_rss_mb"):
        assert key in meta
    assert meta["seed"] == 3 and meta["n_years"] == 3 and meta["params"]["scale"]["household_weight"] == 200
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--set", "policy.strategy=equalise"], "policy.strategy: unknown value 'equalise'; allowed: none, "),
    (["run", "--set", "economy.agglomeration_elastcity=0.1"], "did you mean 'economy.agglomeration_elasticity'"),
    (["run", "--set", "policy.budget_som_per_year=-1"], "policy.budget_som_per_year: -1 is outside the allowed range"),
    (["run", "--set", "time.end_year=2000"], "time.end_year"),
    (["run", "nosuch"], "unknown scenario 'nosuch'"),
    (["run", "missing/file.toml"], "missing/file.toml: no such file"),
    (["run", "--seed", "x"], "invalid int value"),
])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) if "--seed" in args else contextlib.nullcontext():
        code = main([*args, "--out", str(out)])
        assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_scenario_file_names_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nbudget_som_per_year = = 3\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: invalid TOML" in err and "line 2" in err


def test_console_script_runs_and_fails_cleanly(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "regsim.cli", "run", "--set", "policy.strategy=bogus"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("regsim: error: ")
    assert "baseline.toml with --set policy.strategy=bogus: policy.strategy: unknown value 'bogus'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_scenarios_show_params(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "The Concept as adopted" in out
    assert main(["show", "strong-agglomeration", "--set", "time.end_year=2030"]) == 0
    out = capsys.readouterr().out
    assert "agglomeration_elasticity = 0.1" in out and "end_year = 2030" in out
    assert main(["params"]) == 0
    assert "economy.congestion_elasticity" in capsys.readouterr().out


def test_help_teaches():
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0


@pytest.mark.slow
def test_bench_json_to_stdout_or_file(tmp_path, capsys, monkeypatch):
    """``regsim bench --json`` prints one JSON object (for tracking); ``--json FILE`` writes it too."""
    from regsim.studies import bench

    monkeypatch.setitem(bench.SCALES, "default", 1000)  # a small scale: the worker receives the weight
    assert main(["bench", "--repeats", "1", "--leak-runs", "0", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["default"]["household_weight"] == 1000 and figures["default"]["speedup_vs_mesa"] > 0
    assert main(["bench", "--repeats", "1", "--leak-runs", "0", "--json", str(tmp_path / "b.json")]) == 0
    assert "speed-up versus Mesa" in capsys.readouterr().out
    assert json.loads((tmp_path / "b.json").read_text())["machine"]["cores"] >= 1
