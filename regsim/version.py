"""Which regsim, and which model, made a result.

Two numbers travel with every result (``run.json``, a batch's ``manifest.json``, every cache key):

- ``PACKAGE_VERSION``: the release, whose one source is ``pyproject.toml``: read from the checkout's
  ``pyproject.toml`` when regsim runs from one (an editable install's metadata goes stale when the
  version is bumped without reinstalling), else from the installed package's metadata.
- ``MODEL_VERSION``: a whole number that changes whenever the model's results change on purpose.
  ``tests/update_baseline.py`` bumps it when it rewrites the golden baseline with figures that moved,
  and ``tests/test_baseline.py`` checks that the baseline records the ``MODEL_VERSION`` it was made
  with. Two results of the same ``MODEL_VERSION`` come from the same model; a batch or a cache of
  another model version is refused or run again, never mixed in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

MODEL_VERSION: Final = 16  # bumped by tests/update_baseline.py; never edit by hand


def _package_version() -> str:
    """The version in the checkout's pyproject.toml when regsim runs from one, else the installed distribution's."""
    from importlib import metadata

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():  # a checkout (PYTHONPATH or editable): its own pyproject is the truth
        import tomllib

        try:
            project = tomllib.loads(pyproject.read_text())["project"]
            if project.get("name") == "regsim":
                return str(project["version"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    try:
        return metadata.version("regsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


PACKAGE_VERSION: Final = _package_version()


def provenance() -> dict[str, object]:
    """``{"regsim_version": ..., "model_version": ...}`` as written into results."""
    return {"regsim_version": PACKAGE_VERSION, "model_version": MODEL_VERSION}


def cache_tag() -> str:
    """The part of a cache key that names the model: ``v0.1.0-m3``."""
    return f"v{PACKAGE_VERSION}-m{MODEL_VERSION}"
