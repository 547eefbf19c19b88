"""The Python API researchers use: regsim.compare from a plain script, run_batch on a dict or a DataFrame,
grid values as columns, failures raised, the metric list, Sobol/Morris indices from a batch folder, dry runs."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import regsim
from regsim.batch import RunsFailed
from regsim.errors import ExperimentError, RegsimError

ROOT = Path(__file__).resolve().parent.parent
TINY = {"time.end_year": 2018, "scale.household_weight": 400}


@pytest.mark.slow
def test_compare_runs_from_a_plain_script_without_a_main_guard(tmp_path):
    script = tmp_path / "notebook.py"
    script.write_text(textwrap.dedent(f"""
        import regsim

        comparison = regsim.compare(strategies=["concentrated"], replications=2, overrides={TINY!r},
                                    out={str(tmp_path / "cmp")!r}, executor="processes", workers=2)
        print(type(comparison).__name__, sorted(set(comparison.pairwise.a)), len(comparison.whole_period),
              sorted(set(comparison.distance_bands.label)), "gdp_per_capita_som" in set(comparison.summary.metric))
        print("report", comparison.report({str(tmp_path / "page.html")!r}).stat().st_size > 1000)
    """))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=400, env=env,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-2] == "StrategyComparison ['concentrated'] 1 ['concentrated', 'none'] True", done.stdout
    assert lines[-1] == "report True"
    design = pd.read_parquet(tmp_path / "cmp" / "design.parquet")
    assert len(design) == 4 and (design.status == "done").all(), "every run ran once, in the workers"


def test_run_batch_takes_a_dataframe_and_keeps_grid_values_apart(tmp_path):
    runs = pd.DataFrame({"policy.strategy": ["concentrated", "concentrated", "none"],
                         "policy.budget_som_per_year": [1e9, 5e9, float("nan")]})
    table = {"experiment": {"name": "dict", "scenario": "baseline", "replications": 1, "seed": 4,
                            "outputs": ["national"], "set": TINY}}
    assert regsim.run_batch(table, tmp_path / "dict")["done_total"] == 1
    runs = runs.assign(**{k: v for k, v in TINY.items()})
    summary = regsim.run_batch(runs, tmp_path / "df", replications=2)
    assert summary["done_total"] == 6
    loaded = regsim.load_results(tmp_path / "df")
    assert {"policy.strategy", "policy.budget_som_per_year"} <= set(loaded.national.columns)
    assert set(loaded.varied) >= {"policy.strategy", "policy.budget_som_per_year"}
    # a label per grid cell: grouping by label and year never averages two budgets together
    per_label = loaded.national.groupby("label")["policy.budget_som_per_year"].nunique(dropna=False)
    assert len(per_label) == 3 and (per_label == 1).all(), per_label
    assert "concentrated | policy.budget_som_per_year=5e+09" in loaded.labels


def test_run_batch_raises_when_runs_fail(tmp_path, monkeypatch):
    import regsim.model.simulation

    real = regsim.model.simulation.run_one

    def run_one(params, seed, scenario=""):
        if params.policy.strategy == "concentrated":
            raise ValueError("boom")
        return real(params, seed, scenario)

    monkeypatch.setattr(regsim.model.simulation, "run_one", run_one)
    runs = pd.DataFrame({"policy.strategy": ["concentrated", "none"], **{k: [v, v] for k, v in TINY.items()}})
    with pytest.raises(RunsFailed, match=r"1 run\(s\) failed in .*design.parquet"):
        regsim.run_batch(runs, tmp_path / "fails", outputs=["national"])
    assert json.loads((tmp_path / "fails" / "manifest.json").read_text())["done"] == 1


def test_bad_experiment_objects_are_named(tmp_path):
    with pytest.raises(RegsimError, match="experiment=: expected a TOML path or name, a dict or a pandas DataFrame"):
        regsim.run_batch(42, tmp_path / "x")
    with pytest.raises(RegsimError, match="experiment=: the DataFrame of runs has no rows"):
        regsim.run_batch(pd.DataFrame(), tmp_path / "x")
    with pytest.raises(RegsimError, match="unknown parameter 'policy.strategie'"):
        regsim.run_batch(pd.DataFrame({"policy.strategie": ["none"]}), tmp_path / "x")
    with pytest.raises(RegsimError, match="strategies=: unknown 'bogus'"):
        regsim.compare(strategies=["bogus"], out=tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_dask_executor_names_the_extra_when_missing(monkeypatch):
    import importlib.util

    from regsim.batch.executors import check_arguments

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    with pytest.raises(ExperimentError, match=r"pip install 'regsim\[dask\]'"):
        check_arguments("dask", 2)


def test_metrics_are_documented_from_the_registry():
    from regsim.api import metrics_markdown

    table = regsim.metrics()
    assert {"name", "scope", "unit", "description"} <= set(table.columns) and len(table) >= 40
    assert (table.unit.str.len() > 0).all()
    text = (ROOT / "docs" / "metrics.md").read_text()
    assert text == metrics_markdown(), "docs/metrics.md is stale: run python docs/make_metrics_table.py"
    for name in ("gdp_per_capita_som", "poverty_rate", "theil_between_oblasts"):
        assert f"`{name}`" in text


SOBOL = """
[experiment]
name = "sob"
scenario = "baseline"
replications = 1
seed = 5
outputs = ["national"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 400
[sample]
method = "sobol"
n = 2
second_order = true
[sample.ranges]
"economy.agglomeration_elasticity" = [0.0, 0.10]
"policy.admin_loss_share" = [0.0, 0.3]
"migration.distance_elasticity" = [0.5, 2.0]
"""


def test_sensitivity_from_a_batch_folder_gives_sobol_indices_with_confidence(tmp_path):
    from regsim.batch import design_size
    from regsim.batch.experiment import load
    from regsim.cli import main

    path = tmp_path / "sob.toml"
    path.write_text(SOBOL)
    assert design_size(load(str(path))) == 2 * (2 * 3 + 2)  # n (2D + 2) with second_order
    regsim.run_batch(path, tmp_path / "b", executor="processes", workers=2)
    assert main(["sensitivity", "--from", str(tmp_path / "b"), "--metrics", "gdp_per_capita_som,poverty_rate"]) == 0
    first = pd.read_csv(tmp_path / "b" / "sensitivity" / "sensitivity.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(first.columns)
    assert len(first) == 2 * 3 and first[["S1", "ST", "ST_conf"]].notna().all().all()
    second = pd.read_csv(tmp_path / "b" / "sensitivity" / "sensitivity_s2.csv")
    assert len(second) == 2 * 3 and {"S2", "S2_conf"} <= set(second.columns)  # 3 pairs x 2 metrics


def test_sensitivity_from_refuses_a_batch_without_a_sobol_or_morris_sample(tmp_path, capsys):
    from regsim.cli import main

    regsim.run_batch({"experiment": {"name": "plain", "outputs": ["national"], "set": TINY}}, tmp_path / "plain")
    assert main(["sensitivity", "--from", str(tmp_path / "plain")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no Sobol or Morris [sample]" in err


def test_dry_runs_print_runs_and_core_hours(capsys):
    from regsim.cli import main

    assert main(["sensitivity", "--method", "sobol", "--n", "8", "--dry-run", "--out", "/nonexistent/s"]) == 0
    out = capsys.readouterr().out
    assert "368 runs" in out and "core-hours" in out  # 8 x (21 + 2) x 2 strategies (with execution_rate)
    assert main(["compare", "--dry-run", "--shard", "1/4", "--out", "/nonexistent/c"]) == 0
    out = capsys.readouterr().out
    total, in_shard = (int(x) for x in re.search(r"(\d+) runs \((\d+) in shard 1/4", out).groups())
    assert in_shard == -(-total // 4) and total >= 100 and "core-hours" in out  # every strategy x 10 replications
    assert not Path("/nonexistent").exists()


@pytest.mark.parametrize("command", ["compare", "robustness", "sensitivity"])
def test_studies_that_run_many_models_reach_a_cluster(command, capsys):
    from regsim.cli import main

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "--scheduler" in text and "--shard" in text and "--dry-run" in text


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_compare_and_robustness_on_a_real_dask_scheduler_equal_serial(tmp_path):
    """A dask.distributed scheduler and two worker processes on localhost, started as a cluster admin would."""
    import os
    import shutil
    import time

    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("no dask command (the 'dask' extra is not installed)")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", ":0", "--no-show"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    if len(client.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "the local Dask cluster did not start"
            time.sleep(1)
        remote = regsim.compare(strategies=["concentrated"], replications=2, overrides=TINY, out=tmp_path / "dask",
                                scheduler=address)
        local = regsim.compare(strategies=["concentrated"], replications=2, overrides=TINY, out=tmp_path / "serial",
                               executor="serial")
        pd.testing.assert_frame_equal(remote.pairwise, local.pairwise, check_exact=True)
        pd.testing.assert_frame_equal(remote.summary, local.summary, check_exact=True)
        from regsim.cli import main

        for name, extra in (("rob-dask", ["--scheduler", address]), ("rob-serial", ["--executor", "serial"])):
            assert main(["robustness", "--n", "2", "--strategies", "concentrated", "--set", "time.end_year=2018",
                         "--set", "scale.household_weight=400", "--out", str(tmp_path / name), "--quiet",
                         *extra]) == 0
        assert (tmp_path / "rob-dask" / "robustness.csv").read_text() == \
            (tmp_path / "rob-serial" / "robustness.csv").read_text()
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_compare_shards_judge_once_every_shard_is_done(tmp_path):
    from regsim.batch.compare import CompareSettings, run_comparison
    from regsim.reporting import analysis
    from regsim.scenario import locate

    settings = CompareSettings(scenario=str(locate("baseline").resolve()), strategies=("none", "concentrated"),
                               replications=2, fixed=dict(TINY))
    first = run_comparison(settings, tmp_path / "c", "serial", 1, progress=False, shard="1/2")
    assert first.ok and not first.complete and first.pending == 2
    assert analysis.read_record(tmp_path / "c") is None, "no verdicts on half the runs"
    last = run_comparison(settings, tmp_path / "c", "serial", 1, progress=False, shard="2/2")
    assert last.complete and analysis.read_record(tmp_path / "c")["replications"] == 2
    whole = run_comparison(settings, tmp_path / "whole", "serial", 1, progress=False)
    pd.testing.assert_frame_equal(analysis.pairwise_table(analysis.load(tmp_path / "c")),
                                  analysis.pairwise_table(analysis.load(tmp_path / "whole")), check_exact=True)
    assert whole.complete


@pytest.mark.slow
def test_validate_in_shards_gives_the_serial_table(tmp_path, capsys):
    from regsim.cli import main

    common = ["validate", "--replications", "2", "--set", "scale.household_weight=400", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "serial")]) == 0
    with pytest.raises(SystemExit) as first:
        main([*common, "--out", str(tmp_path / "shards"), "--shard", "1/2"])
    assert first.value.code == 0 and "still to run" in capsys.readouterr().out
    assert not (tmp_path / "shards" / "validation.csv").exists()
    assert main([*common, "--out", str(tmp_path / "shards"), "--shard", "2/2"]) == 0
    serial = (tmp_path / "serial" / "validation.csv").read_bytes()
    assert (tmp_path / "shards" / "validation.csv").read_bytes() == serial


def test_sensitivity_from_a_morris_batch(tmp_path):
    morris = SOBOL.replace('method = "sobol"\nn = 2\nsecond_order = true', 'method = "morris"\nn = 2')
    path = tmp_path / "morris.toml"
    path.write_text(morris)
    regsim.run_batch(path, tmp_path / "m")
    indices, second = regsim.sensitivity(tmp_path / "m", metrics=["gdp_per_capita_som"])
    assert list(indices.columns) == ["label", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma"]
    assert len(indices) == 3 and second.empty and (indices.mu_star >= 0).all()
    assert indices.mu_star.is_monotonic_decreasing  # most influential first
