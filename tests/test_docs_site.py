"""The documentation site (MkDocs, strict) builds, with the API reference from the docstrings and the ODD."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_site_builds_strictly_with_api_reference_and_odd(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "regsim.compare" in api and "StrategyComparison" in api and "MODEL_VERSION" in api
    assert "perform_experiments" in api  # the EMA adapter's module docstring
    odd = (tmp_path / "site" / "ODD" / "index.html").read_text()
    assert "Overview" in odd or "Purpose" in odd
    assert "gdp_per_capita_som" in (tmp_path / "site" / "metrics" / "index.html").read_text()
