"""Results know which model made them: the package and model versions in run.json, manifests and cache keys;
a batch or cache of another model version is refused or run again, never mixed in."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import regsim
from regsim import version
from regsim.batch import run_batch
from regsim.batch.experiment import load
from regsim.errors import ExperimentError

ROOT = Path(__file__).resolve().parent.parent

TINY = """
[experiment]
name = "tiny"
scenario = "baseline"
replications = 1
seed = 3
outputs = ["national"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 400
"""


def test_one_package_version_from_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert regsim.__version__ == version.PACKAGE_VERSION == declared
    assert isinstance(regsim.MODEL_VERSION, int) and regsim.MODEL_VERSION >= 1
    assert version.cache_tag() == f"v{declared}-m{regsim.MODEL_VERSION}"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mv")
    path = tmp / "tiny.toml"
    path.write_text(TINY)
    out = tmp / "out"
    run_batch(load(str(path)), out, progress=False)
    return path, out


def test_run_json_and_manifest_name_the_model_version(batch, tmp_path):
    _path, out = batch
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_version"] == regsim.MODEL_VERSION and manifest["regsim_version"] == regsim.__version__
    result = regsim.run("baseline", seed=2, overrides={"time.end_year": 2018, "scale.household_weight": 400},
                        out=tmp_path / "run")
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["model_version"] == result.meta["model_version"] == regsim.MODEL_VERSION
    assert meta["regsim_version"] == regsim.__version__


@pytest.mark.parametrize("old", [regsim.MODEL_VERSION - 1, None])
def test_resuming_a_batch_of_another_model_version_is_refused(batch, tmp_path, old):
    path, made = batch
    out = tmp_path / "old"
    out.mkdir()
    for item in made.iterdir():  # a copy of the finished batch, as an older regsim would have left it
        if item.is_file():
            (out / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["model_version"] = old
    if old is None:
        del manifest["model_version"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ExperimentError, match=f"runs model version {regsim.MODEL_VERSION}; resuming would mix"):
        run_batch(load(str(path)), out, progress=False)
    cli = subprocess.run([sys.executable, "-m", "regsim.cli", "batch", str(path), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and len(cli.stderr.strip().splitlines()) == 1, cli.stderr
    assert "model version" in cli.stderr and "Traceback" not in cli.stderr
    assert not (out / "national").exists(), "nothing may be added to the old batch"


def test_the_same_model_version_resumes(batch):
    path, out = batch
    summary = run_batch(load(str(path)), out, progress=False)
    assert summary["ran"] == 0 and summary["already_complete"] == 1


def test_explorer_cache_keys_name_the_model_and_ignore_other_versions(tmp_path, monkeypatch):
    from regsim.explore import levers
    from regsim.explore.runs import RunCache, stale_note

    cache = RunCache(tmp_path, executor="serial", workers=1)
    choice = levers.default_choice()
    now = cache.jobs({"A": choice}, 1)[0].folder
    assert now.parent.name == version.cache_tag()
    assert stale_note(tmp_path) is None
    now.mkdir(parents=True)
    monkeypatch.setattr(version, "MODEL_VERSION", regsim.MODEL_VERSION + 1)  # an upgrade that changed results
    later = cache.jobs({"A": choice}, 1)[0].folder
    assert later != now and later.name == now.name, "another model version must not read the old run"
    note = stale_note(tmp_path)
    assert note is not None and now.parent.name in note and "run again" in note


def test_optimiser_cache_reruns_runs_of_another_model_version(tmp_path):
    from regsim.studies.optimise import RunCache

    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "index.json").write_text(json.dumps({"abc:1": 0, "v0.0.1-m0:abc:2": 1}))
    cache = RunCache(folder, "baseline")
    assert cache.stale == 2
    key = cache.key(["time.end_year=2018"], 5)
    assert key.startswith(f"{version.cache_tag()}:") and key.endswith(":5") and key not in cache.index


def test_license_citation_and_lock_file_agree_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"]["text"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{project["version"]}"' in citation and "license: MIT" in citation
    pins = dict(line.split("==", 1) for line in (ROOT / "requirements-lock.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for requirement in project["dependencies"]:  # every core dependency is pinned (by its distribution name)
        name = requirement.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
        assert name in {k.lower() for k in pins}, f"{name} is not pinned in requirements-lock.txt"
    assert "psutil" not in str(project["dependencies"])
    assert "dask[distributed]>=2024.1" in project["optional-dependencies"]["dask"]
