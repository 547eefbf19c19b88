"""The Slurm template on a real single-node Slurm (.ci/slurm-up starts one): a job array's shards give
exactly the serial results, with the environment taken from REGSIM_PYTHON. Skipped, with the reason,
where no Slurm answers."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from regsim.batch import run_batch
from regsim.batch.experiment import load

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "experiments" / "slurm" / "regsim-batch.sbatch"
EXPERIMENT = """
[experiment]
name = "slurm"
scenario = "baseline"
replications = 2
seed = 9
outputs = ["national", "oblasts"]
[experiment.set]
"time.end_year" = 2018
"scale.household_weight" = 400
[grid]
"policy.strategy" = ["concentrated", "none", "equalisation_uniform"]
"""


def slurm_state() -> str | None:
    """None if a Slurm partition has an idle node, else why not."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "no sbatch/sinfo on PATH (CI starts Slurm with .ci/slurm-up)"
    try:
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"sinfo failed: {err}"
    if state.returncode != 0 or not any(s in state.stdout for s in ("idle", "mixed")):
        return f"no idle Slurm node: {(state.stdout + state.stderr).strip()[:200]}"
    return None


def tables(out: Path) -> dict[str, pd.DataFrame]:
    found = {}
    for table in ("national", "oblasts"):
        frame = pd.read_parquet(out / table)
        found[table] = frame.sort_values([c for c in frame.columns if c != "value"]).reset_index(drop=True)
    return found


def test_job_array_shards_equal_the_serial_batch(tmp_path):
    reason = slurm_state()
    if reason:
        pytest.skip(reason)
    path = tmp_path / "slurm.toml"
    path.write_text(EXPERIMENT)
    out = tmp_path / "array"
    env = {**os.environ, "REGSIM_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    env.pop("REGSIM_ENV", None)
    done = subprocess.run(["sbatch", "--wait", "--array=1-3", f"--output={tmp_path}/task-%a.log",
                           f"--chdir={tmp_path}", "--time=00:10:00", str(TEMPLATE), str(path), str(out)],
                          capture_output=True, text=True, timeout=600, env=env)
    logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("task-*.log")))
    assert done.returncode == 0, done.stdout + done.stderr + logs
    assert len(list(tmp_path.glob("task-*.log"))) == 3, "one log per array task"
    run_batch(load(str(path)), tmp_path / "serial", progress=False)
    serial, array = tables(tmp_path / "serial"), tables(out)
    assert len(array["national"].run_id.unique()) == 6
    for name in serial:
        pd.testing.assert_frame_equal(serial[name], array[name], check_exact=True)


def test_template_says_what_to_set_when_regsim_cannot_be_imported(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "REGSIM_PYTHON": "/bin/false", "SLURM_ARRAY_TASK_ID": "1",
           "SLURM_ARRAY_TASK_COUNT": "1"}
    done = subprocess.run(["bash", str(TEMPLATE), "x.toml", str(tmp_path / "o")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 2 and "set REGSIM_ENV (a virtual environment) or REGSIM_PYTHON" in done.stderr
    env = {**env, "REGSIM_ENV": str(tmp_path)}
    done = subprocess.run(["bash", str(TEMPLATE), "x.toml", str(tmp_path / "o")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 2 and "has no bin/activate" in done.stderr
