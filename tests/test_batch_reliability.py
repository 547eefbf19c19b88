"""Batch reliability (issue 11): dead workers, resume trusts only valid files, experiment identity,
atomic folder creation, concurrent shards, arguments checked before anything is created, design
size, Ctrl-C, and bitwise-identical results whatever the BLAS thread count."""

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regsim.batch import MAX_RUNS, design_size, run_batch, store
from regsim.batch.experiment import design, load, parse
from regsim.cli import main
from regsim.errors import ExperimentError

ROOT = Path(__file__).resolve().parents[1]
TINY = """
[experiment]
name = "{name}"
scenario = "{scenario}"
replications = {reps}
seed = 5
outputs = ["national", "oblasts"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 500
[grid]
"policy.strategy" = ["none", "equalisation_uniform"]
"""


def tiny(tmp_path: Path, name: str = "tiny", reps: int = 1, scenario: str = "baseline", extra: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(TINY.format(name=name, reps=reps, scenario=scenario) + extra)
    return path


def cli(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """The CLI in a fresh process (its own forkserver and environment), with a deadline."""
    return subprocess.run([sys.executable, "-m", "regsim.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("regsim: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# 1. a dead worker surfaces ---------------------------------------------------------------------

def test_dead_worker_is_retried_then_recorded_as_failed(tmp_path):
    path, out = tiny(tmp_path, reps=2), tmp_path / "out"
    result = cli("batch", str(path), "--out", str(out), "--executor", "processes", "--workers", "2", "--quiet",
                 env={"REGSIM_TEST_KILL_RUN": "1"})  # SIGKILL whenever a worker runs run 1
    assert result.returncode == 1, result.stderr
    assert "1 run(s) failed" in result.stderr
    final = pd.read_parquet(out / "design.parquet").set_index("run_id")
    assert final.status.to_dict() == {0: "done", 1: "failed", 2: "done", 3: "done"}
    assert "worker process died (killed by SIGKILL" in final.error[1] and "3 attempts" in final.error[1]
    assert json.loads((out / "manifest.json").read_text())["failed"] == 1


def test_worker_killed_once_is_retried_and_the_batch_completes(tmp_path):
    path, out = tiny(tmp_path, reps=2), tmp_path / "out"
    result = cli("batch", str(path), "--out", str(out), "--executor", "processes", "--workers", "2", "--quiet",
                 env={"REGSIM_TEST_KILL_RUN": "2:once"})
    assert result.returncode == 0, result.stderr
    assert (out / ".killed-2").exists()  # the worker really died once
    assert (pd.read_parquet(out / "design.parquet").status == "done").all()


# 2. resume trusts only valid files ------------------------------------------------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("finished")
    exp = load(str(tiny(tmp, reps=2)))
    run_batch(exp, tmp / "out", progress=False)
    return tmp / "out", exp


def copy_batch(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("damage", ["truncate", "empty", "flip_byte", "truncate_without_record"])
def test_damaged_run_file_is_run_again(finished, tmp_path, damage):
    src, exp = finished
    out = copy_batch(src, tmp_path / "out")
    victim = store.run_file(out, "national", 1)
    data = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        victim.write_bytes(b"")
    elif damage == "flip_byte":  # same size, different content: only the checksum can tell
        middle = len(data) // 2
        victim.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    else:
        victim.write_bytes(data[:-10])
        store.record_file(out, 1).unlink()
    assert not store.is_complete(out, 1, exp.outputs)
    assert store.is_complete(out, 0, exp.outputs)
    summary = run_batch(exp, out, progress=False)
    assert summary["ran"] == 1 and summary["done_total"] == 4
    assert victim.read_bytes() == data  # the same run, written again
    assert store.is_complete(out, 1, exp.outputs)


def test_valid_file_without_record_is_trusted(finished, tmp_path):
    src, exp = finished
    out = copy_batch(src, tmp_path / "out")
    store.record_file(out, 2).unlink()  # a crash between the files' rename and the record
    assert store.is_complete(out, 2, exp.outputs)
    assert run_batch(exp, out, progress=False)["ran"] == 0


def test_report_and_ema_skip_a_damaged_file_and_say_so(finished, tmp_path, capsys):
    src, _exp = finished
    out = copy_batch(src, tmp_path / "out")
    victim = store.run_file(out, "national", 3)
    victim.write_bytes(victim.read_bytes()[:100])
    assert main(["report", str(out)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "national/run-000003.parquet" in line and "again" in line
    with pytest.warns(UserWarning, match="skipped 1 unreadable run file"):
        x, y = store.load_ema(out)
    assert list(x.run_id) == [0, 1, 2] and y["gdp_som"].shape[0] == 3
    skipped = store.export_ema(out, pd.read_parquet(out / "design.parquet"), [])
    assert skipped == [victim]
    assert list(pd.read_csv(out / "ema" / "experiments.csv").run_id) == [0, 1, 2]


# 3. the fingerprint covers the files the experiment refers to ----------------------------------

def test_fingerprint_covers_inherited_scenario_files(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text("[economy]\nagglomeration_elasticity = 0.05\n")
    child = tmp_path / "child.toml"
    child.write_text(f'inherits = "{parent}"\n[economy]\ncongestion_elasticity = 0.02\n')
    exp = load(str(tiny(tmp_path, scenario=str(child))))
    before = exp.fingerprint()
    parent.write_text("# a note\n[economy]\nagglomeration_elasticity = 0.05\n")  # same values, new content
    assert exp.fingerprint() != before


WEIGHTS_GRID = '"policy.custom_weights_csv" = ["{weights}"]\n'


def test_weights_csv_edited_between_shards_is_refused(tmp_path, capsys):
    weights = tmp_path / "weights.csv"
    weights.write_text("settlement_id,weight\n0,1\n1,2\n")
    text = TINY.format(name="w", reps=1, scenario="baseline").replace(
        '["none", "equalisation_uniform"]', '["custom"]') + WEIGHTS_GRID.format(weights=weights)
    path = tmp_path / "w.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--shard", "1/2", "--quiet"]) == 0
    weights.write_text("settlement_id,weight\n0,1\n1,3\n")
    capsys.readouterr()
    assert main(["batch", str(path), "--out", str(out), "--shard", "2/2", "--quiet"]) == 2
    assert "changed after the batch started" in one_line_error(capsys.readouterr().err)


def test_weights_csv_in_fixed_values_is_covered(tmp_path):
    weights = tmp_path / "weights.csv"
    weights.write_text("settlement_id,weight\n0,1\n")
    table = {"experiment": {"set": {"policy.strategy": "custom", "policy.custom_weights_csv": str(weights)}}}
    before = parse(table, None).fingerprint()
    weights.write_text("settlement_id,weight\n0,2\n")
    assert parse(table, None).fingerprint() != before


# 4. creating an output folder is atomic ---------------------------------------------------------

def test_two_experiments_started_together_into_one_new_folder(tmp_path):
    frame = pd.DataFrame({"run_id": [0, 1], "cell": [0, 1], "replication": [0, 0], "seed": [1, 1]})
    for attempt in range(15):
        out = tmp_path / f"new-{attempt}"
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def start(fingerprint: str, out: Path = out, barrier: threading.Barrier = barrier,
                  results: dict = results) -> None:
            barrier.wait()
            try:
                store.open_or_create(out, fingerprint, fingerprint, frame, {})
                results[fingerprint] = "accepted"
            except ExperimentError:
                results[fingerprint] = "refused"

        threads = [threading.Thread(target=start, args=(f,)) for f in ("aaaa", "bbbb")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == ["accepted", "refused"], (attempt, results)
        winner = next(f for f, r in results.items() if r == "accepted")
        assert json.loads((out / "manifest.json").read_text())["fingerprint"] == winner


# 5. several shards updating the manifest and design at once --------------------------------------

def _shard_finishes(out: str, run_ids: list[int], rounds: int) -> None:
    out_dir = Path(out)
    design_ = store.read_design(out_dir).drop(columns="status")
    for run_id in run_ids:
        frame = pd.DataFrame({"year": [2017], "metric": ["m"], "value": [1.0], "run_id": [run_id]})
        store.atomic_parquet(frame, store.run_file(out_dir, "national", run_id))
        store.record_done(out_dir, run_id, ("national",))
        for k in range(rounds):
            store.finish(out_dir, design_, ("national",), {"shard": run_id, "round": k})


def test_concurrent_shards_lose_no_entry(tmp_path):
    out = tmp_path / "out"
    n_proc, per_proc, rounds = 6, 3, 4
    runs = n_proc * per_proc
    frame = pd.DataFrame({"run_id": np.arange(runs), "cell": np.arange(runs), "replication": 0, "seed": 1})
    store.open_or_create(out, "c", "ffff", frame, {"outputs": ["national"]})
    ctx = multiprocessing.get_context("spawn")  # not fork: the test process may have threads (Python 3.12+ warns)
    procs = [ctx.Process(target=_shard_finishes, args=(str(out), list(range(i, runs, n_proc)), rounds))
             for i in range(n_proc)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == runs * rounds  # every shard's every session
    assert manifest["done"] == runs
    assert (pd.read_parquet(out / "design.parquet").status == "done").all()


# 6. argument errors: one line, exit 2, nothing left behind ----------------------------------------

@pytest.mark.parametrize("args", [
    ["--shard", "3/2"], ["--shard", "x"], ["--shard", "0/2"], ["--shard", "1/2/3"], ["--workers", "0"],
    ["--executor", "processes", "--workers", "-1"], ["--scheduler", "tcp://127.0.0.1:1"],
    ["--scheduler", "tcp://nohost"],
])
def test_argument_errors_leave_nothing_behind(tmp_path, capsys, args):
    out = tmp_path / "new" / "out"
    started = time.perf_counter()
    assert main(["batch", str(tiny(tmp_path)), "--out", str(out), "--quiet", *args]) == 2
    assert time.perf_counter() - started < 15
    one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "new").exists()


def test_out_an_existing_file_or_below_one(tmp_path, capsys):
    path = tiny(tmp_path)
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    for out in (existing, existing / "sub"):
        assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 2
        assert "notes.txt" in one_line_error(capsys.readouterr().err)
    assert existing.read_text() == "keep me"


def test_out_a_folder_of_other_files_is_refused(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("x")
    assert main(["batch", str(tiny(tmp_path)), "--out", str(folder), "--quiet"]) == 2
    assert "not a regsim batch" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


# 7. design size ------------------------------------------------------------------------------------

SAMPLED = """
[experiment]
replications = {reps}
[grid]
"policy.strategy" = ["none", "equalisation_uniform"]
{cells}
[sample]
method = "{method}"
n = {n}
[sample.ranges]
"economy.agglomeration_elasticity" = [0.0, 0.1]
"economy.congestion_elasticity" = [0.0, 0.05]
"""


@pytest.mark.parametrize("method", ["lhs", "sobol", "morris"])
@pytest.mark.parametrize("cells", ["", '[[cells]]\n"policy.strategy" = "concentrated"\n'])
def test_design_size_is_counted_without_building(tmp_path, method, cells):
    import tomllib

    text = SAMPLED.format(reps=2, method=method, n=4, cells=cells)
    exp = parse(tomllib.loads(text), None)
    assert design_size(exp) == len(design(exp))


def test_shipped_experiment_sizes():
    for name in ("compare-strategies", "budget-sweep", "sensitivity-morris"):
        exp = load(name)
        assert design_size(exp) == len(design(exp))


def test_absurd_design_is_refused_quickly_and_leaves_nothing(tmp_path, capsys):
    values = ", ".join(f"{x / 10000:.4f}" for x in range(1000))
    path = tmp_path / "huge.toml"
    path.write_text(f'[experiment]\nreplications = 10\n[grid]\n"economy.agglomeration_elasticity" = [{values}]\n'
                    f'"economy.congestion_elasticity" = [{values}]\n')
    started = time.perf_counter()
    assert main(["batch", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "10,000,000 runs" in line and f"{MAX_RUNS:,}" in line and "--allow-large" in line
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "out").exists()


def test_run_count_is_announced(tmp_path, capsys):
    path, out = tiny(tmp_path, reps=2), tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--shard", "1/2"]) == 0
    assert "tiny: 4 runs, 2 in shard 1/2 (2 to do)" in capsys.readouterr().out
    assert main(["batch", str(path), "--out", str(out)]) == 0
    assert "tiny: 4 runs (2 to do)" in capsys.readouterr().out


# 8. Ctrl-C says what was kept -----------------------------------------------------------------

def _default_sigint() -> None:
    """In the child: SIGINT back to its default, as in a terminal. pytest-xdist's workers ignore SIGINT,
    and an ignored signal stays ignored across exec, so the batch would never see the Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_says_what_was_kept(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(TINY.format(name="long", reps=6, scenario="baseline").replace("2018", "2022"))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "regsim.cli", "batch", str(path), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_default_sigint)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "done").glob("run-*.json"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    kept = sum(store.is_complete(out, r, ("national", "oblasts")) for r in range(12))
    assert 2 <= kept < 12
    assert stderr.strip() == (f"regsim: interrupted; {kept} of 12 runs finished and kept in {out}; "
                              "run the same command again to resume")
    again = cli("batch", str(path), "--out", str(out), timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"12 runs ({12 - kept} to do)" in again.stdout


# 9. identical results whatever the BLAS thread count ------------------------------------------------

RUN_ONE = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import numpy as np
    from helpers import run_model, small_params
    from regsim.model.metrics import weighted_gini
    rng = np.random.default_rng(1)
    print(repr(weighted_gini(rng.lognormal(10, 1, 200_000), rng.uniform(1, 5, 200_000))))
    result = run_model(small_params(scale__household_weight=20, time__end_year=2019), seed=3)
    result.national.to_parquet(sys.argv[1])
""")


def test_results_do_not_depend_on_blas_threads(tmp_path):
    script = tmp_path / "one.py"
    script.write_text(RUN_ONE.format(tests=str(ROOT / "tests")))
    outputs = {}
    for threads in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
        target = tmp_path / f"national-{threads}.parquet"
        done = subprocess.run([sys.executable, str(script), str(target)], capture_output=True, text=True,
                              env=env, timeout=240)
        assert done.returncode == 0, done.stderr
        outputs[threads] = (done.stdout.strip(), pd.read_parquet(target))
    assert outputs["1"][0] == outputs["2"][0]  # weighted_gini, to the last bit
    pd.testing.assert_frame_equal(outputs["1"][1], outputs["2"][1], check_exact=True)


def test_manifest_follows_the_umask(tmp_path):
    frame = pd.DataFrame({"run_id": [0], "cell": [0], "replication": [0], "seed": [1]})
    old = os.umask(0o027)
    try:
        store.open_or_create(tmp_path / "out", "m", "ffff", frame, {})
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "manifest.json").stat().st_mode & 0o777 == 0o640


# 12. round 2 (issue 21): a run folder is replaced only as a whole regsim run of the same configuration ----

RUN_SMALL = ["--set", "time.end_year=2018", "--set", "scale.household_weight=500", "--quiet"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A finished ``regsim run`` folder (seed 0), copied by each test."""
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", *RUN_SMALL, "--out", str(out)]) == 0
    return out


def copy_run(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(("case", "added", "extra"), [
    ("u01", "notes.txt", []),                              # the same configuration again
    ("u02", "analysis.ipynb", ["--seed", "3", "--overwrite"]),  # --overwrite never touches anything else
    ("u03", ".notes", []),                                 # hidden files count
])
def test_run_folder_with_foreign_files_is_refused_and_kept(run_folder, tmp_path, capsys, case, added, extra):
    out = copy_run(run_folder, tmp_path / "out")
    (out / added).write_text("the user's own\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(["run", *RUN_SMALL, *extra, "--out", str(out)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert added in line and "other files" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_same_configuration_is_checked_again_at_the_final_rename(tmp_path, monkeypatch):
    """f27: a run of another seed written into the new --out while this run worked is never replaced."""
    from regsim.files import OutputError
    from regsim.results import RunResult

    def result(seed: int) -> RunResult:
        frame = pd.DataFrame({"year": [2017], "metric": ["population"], "value": [float(seed)]})
        return RunResult(national=frame, oblasts=frame, settlements=frame, world=frame,
                         meta={"params": {"x": 1}, "seed": seed})

    target = tmp_path / "out"
    original = pd.DataFrame.to_parquet
    state = {"raced": False}

    def racing_to_parquet(self, *args, **kwargs):
        if not state["raced"]:  # the other process finishes first, while this one writes its tables
            state["raced"] = True
            result(0).save(target)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", racing_to_parquet)
    with pytest.raises(OutputError, match="another configuration"):
        result(9).save(target)
    assert json.loads((target / "run.json").read_text())["seed"] == 0  # the first result is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    result(0).save(target)  # the same configuration is replaced, as before


# 13. round 2: regsim optimise checks everything first and trusts its run cache only by checksum ---------

OPT_TOML = """
[experiment]
name = "tiny"
replications = 1
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 500
[levers]
centre_share = [0.0, 1.0]
[search]
population = {population}
generations = 1
"""


@pytest.mark.parametrize(("case", "args", "population", "needle"), [
    ("op14", ["--executor", "processes", "--workers", "0"], 4, "--workers"),
    ("op15", ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"], 4, "--scheduler"),
    ("op24", ["--executor", "serial", "--robust", "1000000000"], 4, "more than 100,000"),
    ("op25", ["--executor", "serial"], 100_000_000, "more than 100,000"),
])
def test_optimise_refuses_bad_arguments_and_sizes_before_creating_anything(tmp_path, capsys, case, args,
                                                                           population, needle):
    path = tmp_path / "o.toml"
    path.write_text(OPT_TOML.format(population=population))
    started = time.perf_counter()
    assert main(["optimise", str(path), *args, "--quiet", "--out", str(tmp_path / "out")]) == 2
    assert needle in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 15


@pytest.fixture
def optimised(tmp_path):
    """A small search done with synthetic runs (tests/test_optimise.py's FakeRunner)."""
    from test_optimise import SMALL, FakeRunner

    from regsim.studies import optimise

    spec = optimise.parse(SMALL)
    optimise.run(spec, tmp_path / "opt", runner=FakeRunner())
    return spec, tmp_path / "opt"


@pytest.mark.parametrize(("case", "damaged"), [("op21", "runs/index.json"), ("op22", "optimise.json")])
def test_optimise_names_a_damaged_cache_file(optimised, case, damaged):
    from test_optimise import FakeRunner

    from regsim.studies import optimise

    spec, out = optimised
    (out / damaged).write_text('{"a": ')
    with pytest.raises(ExperimentError, match=damaged.split("/")[-1]):
        optimise.run(spec, out, runner=FakeRunner())


def test_optimise_reruns_a_cached_run_altered_without_a_size_change(optimised):
    """op23: the run cache checks the done-record sha256, not only the size."""
    from test_optimise import FakeRunner

    from regsim.studies import optimise

    spec, out = optimised
    target = store.run_file(out / "runs", "national", 3)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    again = FakeRunner()
    optimise.run(spec, out, runner=again)
    assert len(again.ran) == 1  # exactly the altered run ran again
    assert store.is_complete(out / "runs", 3, optimise.OUTPUTS)


# 14. round 2: no wrong result reported as success ---------------------------------------------------

def test_workers_in_another_folder_write_into_out_and_the_parent_checks(tmp_path, monkeypatch, capsys):
    """f10: a relative --out reaches the workers as an absolute path (a worker started elsewhere)."""
    from regsim.batch import runner

    real = runner.run_specs
    elsewhere = tmp_path / "worker-cwd"
    elsewhere.mkdir()
    work = tmp_path / "work"
    work.mkdir()

    def worker_elsewhere(specs, *args):
        here = os.getcwd()
        os.chdir(elsewhere)  # like `dask worker` started in another folder
        try:
            yield from real(specs, *args)
        finally:
            os.chdir(here)

    monkeypatch.setattr(runner, "run_specs", worker_elsewhere)
    monkeypatch.chdir(work)
    assert main(["batch", str(tiny(tmp_path)), "--out", "out", "--quiet"]) == 0
    assert "2/2 complete in out" in capsys.readouterr().out
    assert not list(elsewhere.iterdir())


def test_runs_reported_done_but_not_recorded_never_exit_0(tmp_path, monkeypatch, capsys):
    """f10: workers that cannot see --out (another host) make the batch fail in one line."""
    from regsim.batch import runner
    from regsim.batch.executors import RunOutcome

    def lost_worker(specs, *args):
        for spec in specs:
            yield RunOutcome(spec.run_id, "done", 0.0)

    monkeypatch.setattr(runner, "run_specs", lost_worker)
    assert main(["batch", str(tiny(tmp_path)), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "not recorded" in one_line_error(capsys.readouterr().err)


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_report_and_readers_check_the_done_record_sha256(finished, tmp_path, capsys):
    """f12: a run file altered without a change of size is never read as a result."""
    import regsim

    src, _exp = finished
    out = copy_batch(src, tmp_path / "out")
    victim = store.run_file(out, "national", 2)
    flip_a_byte(victim)
    assert main(["report", str(out)]) == 2
    assert "national/run-000002.parquet" in one_line_error(capsys.readouterr().err)
    with pytest.raises(ExperimentError, match="altered"):
        regsim.load_results(out)
    skipped: list[Path] = []
    national = store.read_dataset(out, "national", skipped)
    assert skipped == [victim] and 2 not in set(national.run_id)


@pytest.mark.parametrize(("case", "damage"), [("api19", "truncate_parquet"), ("api20", "corrupt_run_json")])
def test_load_results_of_a_damaged_run_folder_is_a_regsim_error(run_folder, tmp_path, case, damage):
    import regsim
    from regsim.errors import RegsimError

    out = copy_run(run_folder, tmp_path / "r")
    if damage == "truncate_parquet":
        (out / "national.parquet").write_bytes((out / "national.parquet").read_bytes()[:200])
        needle = "national.parquet"
    else:
        (out / "run.json").write_text("{'not json'")
        needle = "run.json"
    with pytest.raises(RegsimError, match=needle):
        regsim.load_results(out)


def test_dry_run_refuses_what_the_real_command_refuses(tmp_path, capsys):
    """dr08: --out holding another (edited) version of the experiment."""
    path = tiny(tmp_path)
    out = tmp_path / "k1"
    assert main(["batch", str(path), "--out", str(out), "--quiet"]) == 0
    path.write_text(path.read_text().replace("replications = 1", "replications = 2"))
    before = sorted(p.name for p in out.rglob("*"))
    for extra in (["--dry-run"], []):
        assert main(["batch", str(path), "--out", str(out), "--quiet", *extra]) == 2
        assert "changed after the batch started" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in out.rglob("*")) == before


def test_dry_run_counts_a_huge_design_without_building_it(tmp_path, capsys, monkeypatch):
    """dr05: --dry-run --allow-large on 10,000,000 runs counts them; the design is never built."""
    from regsim.batch import runner

    def no_design(exp):
        raise AssertionError("the design was built")

    monkeypatch.setattr(runner, "design", no_design)
    path = tiny(tmp_path, reps=5_000_000)
    assert main(["batch", str(path), "--out", str(tmp_path / "out"), "--dry-run", "--allow-large"]) == 0
    assert "10,000,000 runs" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


# 15. round 2: a Dask cluster that lost every worker stops the batch in one line ----------------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_external_dask_workers_killed_stop_the_batch_in_one_line(tmp_path):
    """f09: `dask scheduler` + `dask worker` (nanny too) on localhost; kill -9 the worker command mid-batch."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "REGSIM_DASK_NO_WORKERS_S": "3"}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=env)
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:  # the scheduler listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-dashboard", "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env, start_new_session=True, cwd=tmp_path)
    out = tmp_path / "out"
    try:
        batch = subprocess.Popen([sys.executable, "-m", "regsim.cli", "batch", str(tiny(tmp_path, reps=6)), "--out",
                                  str(out), "--scheduler", address, "--quiet"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.time() + 120
        while time.time() < deadline and not list((out / "done").glob("run-*.json")):
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker command, its nanny and its worker process
        started = time.perf_counter()
        _stdout, stderr = batch.communicate(timeout=60)
        assert time.perf_counter() - started < 30
        assert batch.returncode == 2
        line = one_line_error(stderr)
        assert "no Dask worker" in line and "run the same command again" in line
        assert list((out / "done").glob("run-*.json"))  # finished runs are kept
    finally:
        for proc in (scheduler, worker):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)


@pytest.mark.slow
def test_ctrl_c_with_the_dask_executor_is_one_line(tmp_path):
    """f07: SIGINT to the whole process group (a terminal's Ctrl-C) with a local Dask cluster: one line only."""
    path = tmp_path / "long.toml"
    path.write_text(TINY.format(name="long", reps=6, scenario="baseline").replace("2018", "2022"))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "regsim.cli", "batch", str(path), "--out", str(out), "--quiet",
                             "--executor", "dask", "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "done").glob("run-*.json"))) < 2:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    kept = sum(store.is_complete(out, r, ("national", "oblasts")) for r in range(12))
    assert stderr.strip() == (f"regsim: interrupted; {kept} of 12 runs finished and kept in {out}; "
                              "run the same command again to resume")


# 16. round 2, minor: protected folders, stale temporary folders, the fingerprint by content -----------

@pytest.mark.parametrize("case", ["u07", "u08"])
def test_batch_refuses_the_current_and_the_home_folder_even_empty(tmp_path, capsys, monkeypatch, case):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(work))
    path = tiny(tmp_path)
    assert main(["batch", str(path), "--out", "." if case == "u07" else str(work), "--quiet"]) == 2
    one_line_error(capsys.readouterr().err)
    assert not list(work.iterdir())


def test_a_killed_save_leaves_no_temporary_folder_for_long(tmp_path):
    """f34: a run killed while it saves leaves .out.tmp-HOST.PID-XXXX; the next save into out removes it."""
    from regsim import files
    from regsim.results import RunResult

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)  # a process that has ended
    host = files._owner().split(".")[0]
    stale = tmp_path / f".out.tmp-{host}.{pid}-0123abcd"
    alive = tmp_path / f".out.tmp-{host}.{os.getpid()}-4567cdef"  # a save in progress: kept
    other_host = tmp_path / f".out.tmp-00000000.{pid}-89abcdef"  # another host's: kept
    for folder in (stale, alive, other_host):
        (folder / "national.parquet").parent.mkdir()
        (folder / "national.parquet").write_bytes(b"half")
    frame = pd.DataFrame({"year": [2017], "metric": ["population"], "value": [1.0]})
    RunResult(national=frame, oblasts=frame, settlements=frame, world=frame,
              meta={"params": {}, "seed": 1}).save(tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", alive.name, other_host.name])


def test_fingerprint_depends_on_the_scenario_content_not_where_it_was_found(tmp_path, monkeypatch):
    """A checkout's scenarios/baseline.toml, byte-identical to the packaged one, is the same experiment."""
    from regsim.scenario import locate

    path = tiny(tmp_path)
    packaged = load(str(path)).fingerprint()
    checkout = tmp_path / "checkout"
    (checkout / "scenarios").mkdir(parents=True)
    (checkout / "scenarios" / "baseline.toml").write_bytes(locate("baseline").read_bytes())
    monkeypatch.chdir(checkout)
    assert locate("baseline").resolve() == (checkout / "scenarios" / "baseline.toml").resolve()
    assert load(str(path)).fingerprint() == packaged
    (checkout / "scenarios" / "baseline.toml").write_text(locate("baseline").read_text() + "\n# edited\n")
    assert load(str(path)).fingerprint() != packaged  # other bytes: another experiment


def test_explorer_cache_trusts_a_run_only_by_its_checksum(tmp_path):
    """The explorer's run cache re-runs a cached file altered without a change of size (done-record sha256)."""
    from regsim.explore import runs
    from regsim.params import Params

    folder = tmp_path / "cache" / "run"
    frames = {"national": ("year", "metric", "value", "run_id"), "oblasts": ("year", "oblast", "metric", "value",
                                                                            "run_id"),
              "settlements": ("year", "settlement_id", "metric", "value", "run_id")}
    for table, columns in frames.items():
        frame = pd.DataFrame({c: [2017] if c in ("year", "run_id", "settlement_id") else
                              ([1.5] if c == "value" else ["x"]) for c in columns}).assign(run_id=0)
        store.atomic_parquet(pd.concat([frame] * 50, ignore_index=True), store.run_file(folder, table, 0))
    store.record_done(folder, 0, runs.OUTPUTS)
    job = runs.Job("A", 0, 1, Params(), "", folder)
    assert runs.RunCache(tmp_path / "cache", executor="serial").is_cached(job)
    flip_a_byte(store.run_file(folder, "national", 0))
    assert not runs.RunCache(tmp_path / "cache", executor="serial").is_cached(job)
