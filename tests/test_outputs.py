"""Outputs: no user file is ever destroyed, unusable paths fail before the work, files are atomic.

Every refusal is one line ``regsim: error: ...``, exit status 2, no traceback, and the file tree
exactly as it was. "Before the work" is shown by replacing the work (the model, the batch, the
calibration, the benchmark) with a function that fails the test if it is ever called.

Tests run as root, for whom a ``chmod a-w`` folder stays writable: a read-only folder is simulated
by making ``os.access`` say no (that is what the check asks), and a path below a regular file is
a real unusable path that root cannot write either.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regsim import files
from regsim.cli import main
from regsim.results import TABLES, RunResult, is_run_result

SMALL = ["--set", "scale.household_weight=200", "--set", "time.end_year=2019"]
REPO = Path(__file__).resolve().parent.parent


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path below ``root`` with its content (None for folders): what must not change."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


def one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("regsim: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture
def no_work(monkeypatch):
    """Make every expensive step fail the test: a refusal must come before any of them."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the work started before the output path was checked")

    from regsim.model import simulation as model
    from regsim.studies import bench, calibration, validation
    monkeypatch.setattr(model.RegionalModel, "__init__", forbidden)
    monkeypatch.setattr(model, "run_one", forbidden)
    monkeypatch.setattr(validation, "validation_params", forbidden)
    monkeypatch.setattr(calibration, "calibrate", forbidden)
    monkeypatch.setattr(bench, "run", forbidden)
    monkeypatch.setattr("regsim.batch.compare.run_comparison", forbidden)
    monkeypatch.setattr("regsim.batch.run_batch", forbidden)
    monkeypatch.setattr("regsim.batch.runner.run_batch", forbidden)


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A working folder holding a user's folder ``mine/`` (a file inside) and a file ``notes.txt``."""
    work = tmp_path / "work"
    (work / "mine").mkdir(parents=True)
    (work / "mine" / "thesis.tex").write_text("years of work\n")
    (work / "notes.txt").write_text("do not lose\n")
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return work


# ---------------------------------------------------------------- refused before any work, nothing touched

COMMANDS = {  # every command that writes a folder, with the cheapest arguments
    "run": ["run", *SMALL],
    "compare": ["compare", "--replications", "1", "--executor", "serial"],
    "validate": ["validate", "--replications", "1"],
    "sensitivity": ["sensitivity", "--executor", "serial"],
    "robustness": ["robustness", "--n", "2", "--executor", "serial"],
    "calibrate": ["calibrate", "--max-evaluations", "5"],
}
BAD_OUT = {  # --out value -> words the one line must contain
    "mine": "holds files that are not",
    "notes.txt": "is a file, not a folder",
    "notes.txt/sub": "notes.txt is a file, not a folder",
    ".": "is the current folder",
    "..": "is a parent of the current folder",
    "HOME": "is the home folder",
    "/": "is a parent of the current folder",
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("out", list(BAD_OUT))
def test_unusable_out_is_refused_before_the_work_and_nothing_changes(place, no_work, capsys, command, out):
    before = tree(place)
    home = place.parent / "home"
    target = str(home) if out == "HOME" else out
    assert main([*COMMANDS[command], "--out", target]) == 2
    one_line_error(capsys, BAD_OUT[out])
    assert tree(place) == before
    assert not [p for p in home.iterdir() if not p.name.startswith(".")]  # (matplotlib may cache fonts there)


@pytest.mark.parametrize("command", [*COMMANDS, "report"])
def test_read_only_out_is_refused_before_the_work(place, no_work, capsys, monkeypatch, command):
    """As root a chmod'ed folder stays writable, so the folder is made to look read-only to os.access."""
    (place / "ro").mkdir()
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    args = ["report", "ro"] if command == "report" else [*COMMANDS[command], "--out", "ro/new"]
    assert main(args) == 2
    one_line_error(capsys, "read-only or permission denied")
    assert not any((place / "ro").iterdir())


def test_bench_json_paths_are_checked_before_the_benchmark(place, no_work, capsys):
    cases = {"/missing/dir/x.json": "the folder /missing/dir does not exist",
             "notes.txt/x.json": "notes.txt is a file, not a folder",
             "mine": "is a folder",
             "notes.txt": "exists and is not a regsim bench JSON file"}
    before = tree(place)
    for path, message in cases.items():
        assert main(["bench", "--json", path]) == 2
        one_line_error(capsys, message)
    assert tree(place) == before


def test_bench_set_is_checked_before_the_benchmark_and_reaches_every_run(place, no_work, capsys, monkeypatch):
    """``regsim bench --set KEY=VALUE``: a bad key fails before any timing; a good one is passed to the runs."""
    from regsim.studies import bench

    assert main(["bench", "--set", "scale.firmweight=10"]) == 2
    one_line_error(capsys, "scale.firmweight", "scale.firm_weight")
    seen = []
    monkeypatch.setattr(bench, "run", lambda *a: seen.append(a) or {"machine": {"cores": 1}, "utc": "now"})
    monkeypatch.setattr(bench, "format_report", lambda result: "table")
    assert main(["bench", "--leak-runs", "0", "--set", "scale.firm_weight=10"]) == 0
    assert seen[0][3] == ("scale.firm_weight=10",)
    assert bench.bench_params(10, seen[0][3]).scale.firm_weight == 10
    full = bench.bench_params(bench.SCALES["full"])
    assert (full.scale.household_weight, full.scale.firm_weight) == (1, 1)  # one agent per enterprise


def test_bench_json_replaces_its_own_file_atomically(place, capsys, monkeypatch):
    from regsim.studies import bench

    figures = {"machine": {"cores": 1}, "utc": "2025-01-01T00:00:00Z"}
    monkeypatch.setattr(bench, "run", lambda *a: figures)
    monkeypatch.setattr(bench, "format_report", lambda result: "table")
    (place / "b.json").write_text(json.dumps({**figures, "utc": "old"}))
    assert main(["bench", "--json", "b.json"]) == 0
    assert json.loads((place / "b.json").read_text()) == figures
    assert sorted(p.name for p in place.iterdir()) == ["b.json", "mine", "notes.txt"]


def test_run_refuses_a_symbolic_link(place, no_work, capsys):
    (place / "link").symlink_to(place / "mine")
    assert main(["run", *SMALL, "--out", "link"]) == 2
    one_line_error(capsys, "symbolic link")
    assert (place / "mine" / "thesis.tex").read_text() == "years of work\n"


# ---------------------------------------------------------------- run: what may be replaced


def test_run_uses_an_empty_folder_and_replaces_only_a_regsim_run(place, capsys):
    (place / "empty").mkdir()
    assert main(["run", *SMALL, "--quiet", "--out", "empty"]) == 0
    assert is_run_result(place / "empty")
    first = json.loads((place / "empty" / "run.json").read_text())
    # the same command again refreshes its own result
    assert main(["run", *SMALL, "--quiet", "--out", "empty"]) == 0
    assert json.loads((place / "empty" / "run.json").read_text())["finished_utc"] >= first["finished_utc"]
    # a run of another configuration is kept unless --overwrite says so
    capsys.readouterr()
    assert main(["run", *SMALL, "--seed", "5", "--quiet", "--out", "empty"]) == 2
    one_line_error(capsys, "another configuration", "--overwrite")
    assert json.loads((place / "empty" / "run.json").read_text())["seed"] == 0
    assert main(["run", *SMALL, "--seed", "5", "--quiet", "--out", "empty", "--overwrite"]) == 0
    assert json.loads((place / "empty" / "run.json").read_text())["seed"] == 5
    # --overwrite never replaces what is not a regsim run
    capsys.readouterr()
    assert main(["run", *SMALL, "--quiet", "--out", "mine", "--overwrite"]) == 2
    one_line_error(capsys, "holds files that are not a regsim run")
    assert (place / "mine" / "thesis.tex").is_file()
    assert not [p for p in place.iterdir() if p.name.startswith(".")]  # no temporary or old folders


def small_result() -> RunResult:
    frame = pd.DataFrame({"year": [2017], "metric": ["population"], "value": [1.0]})
    return RunResult(national=frame, oblasts=frame, settlements=frame, world=frame,
                     meta={"params": {}, "seed": 1})


def test_save_itself_refuses_anything_but_a_run(tmp_path):
    """RunResult.save (the library API, not only the CLI) never deletes a folder of other files."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("x")
    (tmp_path / "file").write_text("x")
    for target in ("mine", "file", "file/below"):
        with pytest.raises(files.OutputError):
            small_result().save(tmp_path / target)
    assert (tmp_path / "mine" / "a.txt").read_text() == "x" and (tmp_path / "file").read_text() == "x"
    small_result().save(tmp_path / "run")
    small_result().save(tmp_path / "run")  # its own result is replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine", "run"]


# ---------------------------------------------------------------- full disk, interrupts: nothing partial


def raise_enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_during_run_is_one_line_and_leaves_nothing(place, capsys, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", raise_enospc)
    before = tree(place.parent)
    assert main(["run", *SMALL, "--out", "results/new/run"]) == 2
    one_line_error(capsys, "the disk is full", "nothing was written")
    assert tree(place.parent) == before  # not even the results/new/ folders it would have created


def test_full_disk_keeps_the_old_result(tmp_path, monkeypatch):
    small_result().save(tmp_path / "run")
    before = tree(tmp_path)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", raise_enospc)
    with pytest.raises(files.OutputError, match="disk is full"):
        small_result().save(tmp_path / "run")
    assert tree(tmp_path) == before


def test_interrupted_run_leaves_nothing(place, capsys, monkeypatch):
    from regsim.model import simulation as model

    def interrupt(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(model.RegionalModel, "step", interrupt)
    assert main(["run", *SMALL, "--out", "results/run"]) == 130
    assert not (place / "results").exists()


def test_interrupted_save_keeps_the_old_result(tmp_path, monkeypatch):
    small_result().save(tmp_path / "run")
    before = tree(tmp_path)
    calls = []

    def write_then_interrupt(self, path, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        Path(path).write_bytes(b"half")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        small_result().save(tmp_path / "run")
    assert tree(tmp_path) == before


def test_validate_full_disk_is_one_line(place, capsys, monkeypatch):
    """A failure while writing validation.csv (after the work) still gives one line and no file."""
    from regsim import cli
    from regsim.studies import validation

    monkeypatch.setattr("regsim.model.simulation.run_one", lambda *a, **k: None)
    monkeypatch.setattr(validation, "validate", lambda runs, targets, shocked=None: pd.DataFrame({"target": ["x"]}))
    monkeypatch.setattr(pd.DataFrame, "to_csv", raise_enospc)
    monkeypatch.setattr(cli, "pd_options", lambda: pytest.fail("printed after a failed write"))
    assert main(["validate", "--replications", "1", "--out", "v"]) == 2
    one_line_error(capsys, "the disk is full")
    assert not (place / "v").exists() and not [p for p in place.iterdir() if p.name.startswith(".")]


def test_operating_system_disk_errors_outside_the_writer_are_one_line(capsys, monkeypatch):
    from regsim import cli

    monkeypatch.setitem(cli.COMMANDS, "params", lambda args: raise_enospc())
    assert main(["params"]) == 2
    one_line_error(capsys, "No space left on device")


# ---------------------------------------------------------------- the one atomic writer


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.binary(max_size=64), new=st.binary(max_size=64), fail_after=st.integers(0, 2))
def test_atomic_write_leaves_old_or_new_content_never_a_mix(tmp_path, old, new, fail_after):
    """Fail (disk full) after 0, 1 or 2 of the writer's steps, or succeed: the file is old or new, alone."""
    path = tmp_path / "f.bin"
    path.write_bytes(old)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            for step, chunk in enumerate((new[: len(new) // 2], new[len(new) // 2:])):
                if step == fail_after:
                    raise_enospc()
                handle.write(chunk)

    if fail_after < 2:
        with pytest.raises(files.OutputError, match="disk is full"):
            files.atomic_write(path, write)
        assert path.read_bytes() == old
    else:
        files.atomic_write(path, write)
        assert path.read_bytes() == new
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_one_atomic_writer_in_the_package():
    """Only regsim/files.py renames files into place or makes temporary files; all others call it."""
    words = ("os.replace", "os.rename", "mkstemp", "mkdtemp", "NamedTemporaryFile")
    offenders = [f"{p.relative_to(REPO)}: {w}" for p in (REPO / "regsim").rglob("*.py")
                 if p.name != "files.py" for w in words if w in p.read_text()]
    assert not offenders, offenders


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_and_folders_follow_the_umask(tmp_path, umask):
    from regsim.batch import store

    old = os.umask(umask)
    try:
        small_result().save(tmp_path / "a" / "run")
        store.atomic_parquet(pd.DataFrame({"x": [1]}), tmp_path / "b" / "national" / "run-000001.parquet")
        store.atomic_json({"x": 1}, tmp_path / "b" / "manifest.json")
        files.write_files(tmp_path / "c", {"v.csv": lambda p: p.write_text("x\n")}, files.holds_only({"v.csv"}))
    finally:
        os.umask(old)
    made = [p for p in tmp_path.rglob("*")]
    assert len(made) == 5 + len(TABLES) + 1 + 3  # folders a, a/run, b, b/national, c and their files
    for path in made:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o777 if path.is_dir() else 0o666) & ~umask, (path, oct(mode))


def test_write_files_into_own_folder_replaces_only_its_files(tmp_path):
    folder = tmp_path / "v"
    ours = files.holds_only({"a.csv", "b.csv"})
    files.write_files(folder, {"a.csv": lambda p: p.write_text("1")}, ours)
    files.write_files(folder, {"a.csv": lambda p: p.write_text("2"), "b.csv": lambda p: p.write_text("3")}, ours)
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"a.csv": "2", "b.csv": "3"}


def test_staged_dir_will_not_replace_a_folder_that_changed_meanwhile(tmp_path):
    """The check is repeated at the rename: a folder that gained a user's file is kept."""
    target = tmp_path / "run"
    small_result().save(target)
    with pytest.raises(files.OutputError, match="changed while regsim worked"), \
            files.staged_dir(target, is_run_result) as tmp:
        (tmp / "x").write_text("new")
        (target / "run.json").unlink()  # no longer a regsim run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ---------------------------------------------------------------- standard output closed early


def test_closed_pipe_is_quiet(tmp_path):
    """``regsim params | head -1``: the reader goes away; no traceback, exit like a tool hit by SIGPIPE."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "regsim.cli", "params"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    proc.stdout.close()  # closed before the child writes anything (it is still importing)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""
