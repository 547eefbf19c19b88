"""Build hook: ship the top-level ``scenarios/`` and ``experiments/`` inside the wheel.

The TOML files live at the top of the repository (one source of truth, easy to find and edit);
``build_py`` copies them to ``regsim/_bundled/`` so that an installed ``regsim`` finds its
default scenario without a checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithBundledFiles(build_py):
    """Copy scenario and experiment files into the built package."""

    def run(self) -> None:
        """Build as usual, then copy the TOML files into ``regsim/_bundled/``."""
        super().run()
        root = Path(__file__).parent
        for folder in ("scenarios", "experiments"):
            target = Path(self.build_lib) / "regsim" / "_bundled" / folder
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted((root / folder).glob("*.toml")):
                shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildWithBundledFiles})
