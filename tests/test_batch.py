"""Batches: identical tables on every executor, resume after a kill, a loopback Dask cluster that
loses a worker, failed runs recorded, experiment files validated."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from regsim.batch import run_batch, store
from regsim.batch.experiment import load, parse
from regsim.errors import ExperimentError

SMALL = """
[experiment]
name = "{name}"
scenario = "baseline"
replications = {reps}
seed = 11
outputs = ["national", "oblasts"]
[experiment.set]
"time.end_year" = {end}
"scale.household_weight" = {weight}
[grid]
"policy.strategy" = ["concentrated", "equalisation_uniform"]
[sample]
method = "lhs"
n = {n}
[sample.ranges]
"economy.agglomeration_elasticity" = [0.0, 0.10]
"""


def write_experiment(tmp_path: Path, name="small", reps=2, n=1, end=2019, weight=300) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(SMALL.format(name=name, reps=reps, n=n, end=end, weight=weight))
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    result = {}
    for table in ("national", "oblasts"):
        frame = pd.read_parquet(out / table)
        keys = [c for c in frame.columns if c != "value"]
        result[table] = frame.sort_values(keys).reset_index(drop=True)
    return result


def assert_same(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)  # bitwise, not a tolerance


@pytest.fixture(scope="module")
def serial_reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ref")
    exp = load(str(write_experiment(tmp)))
    summary = run_batch(exp, tmp / "serial", progress=False)
    assert summary["done_total"] == 4 and summary["failed_total"] == 0
    return tmp / "serial", exp


def test_layout_and_reading(serial_reference):
    out, _exp = serial_reference
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"] == "small" and manifest["done"] == 4 and manifest["runs"] == 4
    design = pd.read_parquet(out / "design.parquet")
    assert list(design.columns[:4]) == ["run_id", "cell", "replication", "seed"]
    assert (design.status == "done").all()
    # replication k has the same seed in every cell (common random numbers)
    assert design.groupby("replication").seed.nunique().eq(1).all()
    national = pd.read_parquet(out / "national")
    assert set(national.run_id) == set(range(4)) and {"year", "metric", "value"} <= set(national.columns)
    x, y = store.load_ema(out)
    assert len(x) == 4 and y["gdp_som"].shape == (4, 3)


@pytest.mark.parametrize(("executor", "workers", "shards"), [
    pytest.param("processes", 2, None, marks=pytest.mark.slow), pytest.param("dask", 2, None, marks=pytest.mark.slow),
    ("serial", 1, ["1/2", "2/2"]),
])
def test_every_executor_gives_identical_tables(serial_reference, tmp_path, executor, workers, shards):
    reference, exp = serial_reference
    out = tmp_path / executor
    for shard in shards or [None]:
        run_batch(exp, out, executor=executor, workers=workers, shard=shard, progress=False)
    assert_same(reference, out)


@pytest.mark.slow
def test_resume_after_kill_loses_and_duplicates_nothing(serial_reference, tmp_path):
    _reference, _ = serial_reference
    path = write_experiment(tmp_path, name="killme", reps=6, n=1, end=2022, weight=200)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "regsim.cli", "batch", str(path), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "oblasts").glob("run-*.parquet"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = {p.name: p.stat().st_mtime_ns for p in (out / "national").glob("run-*.parquet")}
    assert 0 < len(first) < 12, "the batch should have been killed mid-way"
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    files = sorted((out / "national").glob("run-*.parquet"))
    assert len(files) == 12
    for name, mtime in first.items():  # complete files were not rewritten
        assert (out / "national" / name).stat().st_mtime_ns == mtime
    national = pd.read_parquet(out / "national")
    assert national.groupby("run_id").size().nunique() == 1  # no run duplicated
    clean = tmp_path / "clean"
    run_batch(load(str(path)), clean, progress=False)
    assert_same(clean, out)


def test_changed_experiment_is_refused(tmp_path):
    path = write_experiment(tmp_path, end=2018)
    run_batch(load(str(path)), tmp_path / "out", progress=False)
    path.write_text(path.read_text().replace('"time.end_year" = 2018', '"time.end_year" = 2019'))
    with pytest.raises(ExperimentError, match="changed after the batch started"):
        run_batch(load(str(path)), tmp_path / "out", progress=False)


def test_failed_run_is_recorded_and_others_complete(tmp_path, capsys, monkeypatch):
    weights = tmp_path / "weights.csv"
    weights.write_text("settlement_id,weight\n0,1\n")
    path = tmp_path / "fails.toml"
    path.write_text("""
[experiment]
name = "fails"
replications = 1
outputs = ["national"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 500
"policy.custom_weights_csv" = "weights.csv"
[grid]
"policy.strategy" = ["custom", "none"]
""")
    import regsim.model.simulation
    from regsim.cli import main

    real_run_one = regsim.model.simulation.run_one

    def run_one(params, seed, scenario=""):  # the weights file vanishes after the batch was checked
        if params.policy.strategy == "custom":
            weights.unlink(missing_ok=True)
        return real_run_one(params, seed, scenario)

    monkeypatch.setattr(regsim.model.simulation, "run_one", run_one)
    assert main(["batch", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    design = pd.read_parquet(tmp_path / "out" / "design.parquet")
    assert design.set_index("policy.strategy").status.to_dict() == {"custom": "failed", "none": "done"}
    assert "no such file" in design.error[design.status == "failed"].iloc[0]
    assert "1 run(s) failed" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "message"), [
    ("[experimnt]\nname='x'\n", "unknown table 'experimnt' (did you mean 'experiment'?)"),
    ("[experiment]\nreplications = 0\n", "experiment.replications must be a whole number >= 1"),
    ("[experiment]\noutputs = ['nation']\n", "experiment.outputs must be a list drawn from national, oblasts"),
    ("[experiment]\n[grid]\n'policy.strategie' = ['none']\n", "unknown parameter 'policy.strategie'"),
    ("[experiment]\n[grid]\n'policy.strategy' = ['bogus']\n", "policy.strategy: unknown value 'bogus'"),
    ("[experiment]\n[sample]\nmethod='grid'\nn=2\n[sample.ranges]\n'economy.congestion_elasticity'=[0,1]\n",
     "sample.method: unknown value 'grid'; allowed: lhs, sobol, morris"),
    ("[experiment]\n[sample]\nmethod='lhs'\nn=2\n[sample.ranges]\n'economy.congestion_elasticity'=[1,0]\n",
     "must be [low, high] with low < high"),
    ("[experiment]\nseed = -1\n", "experiment.seed must be a whole number >= 0"),
])
def test_bad_experiment_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError) as info:
        from regsim.batch.experiment import design

        design(load(str(path)))
    assert message in str(info.value) and "bad.toml" in str(info.value)


def test_shipped_experiments_parse():
    for name in ("compare-strategies", "budget-sweep", "sensitivity-morris"):
        exp = load(name)
        assert exp.replications >= 1
    assert parse({"experiment": {}}, None).scenario == "baseline"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_loopback_cluster_survives_a_killed_worker(serial_reference, tmp_path):
    path = write_experiment(tmp_path, name="cluster", reps=8, n=1, end=2022, weight=200)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    worker_cmd = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                  "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
    try:
        time.sleep(2)
        workers = [subprocess.Popen(worker_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                   for _ in range(2)]
        procs += workers
        out = tmp_path / "out"
        batch = subprocess.Popen([sys.executable, "-m", "regsim.cli", "batch", str(path), "--out", str(out),
                                  "--scheduler", address, "--quiet"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        procs.append(batch)
        deadline = time.time() + 180
        while time.time() < deadline and len(list((out / "oblasts").glob("run-*.parquet"))) < 2:
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)  # mid-batch
        _stdout, stderr = batch.communicate(timeout=300)
        assert batch.returncode == 0, stderr
        assert len(list((out / "national").glob("run-*.parquet"))) == 16
        clean = tmp_path / "clean"
        run_batch(load(str(path)), clean, progress=False)
        assert_same(clean, out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
