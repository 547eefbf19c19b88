"""Regenerate ``tests/baseline.json``, the golden figures of a small run, ON PURPOSE ONLY.

``tests/test_baseline.py`` compares a small run (the configuration below) with the figures stored
in ``baseline.json``, so that any change of results is seen. Run this script only when a change of
results is intended (a new mechanism, a recalibration, a fixed bug that moved numbers), never to
make a failing baseline test pass after a refactoring, which must leave results bit-for-bit
unchanged. When you do run it:

1. say in the commit message that the baseline was regenerated and why, with the figures that moved
   (``git diff tests/baseline.json`` shows them);
2. add a line to ``CHANGELOG.md`` (Unreleased) naming the change of results.

When figures moved, the script also bumps ``MODEL_VERSION`` in ``regsim/version.py`` and records the
new number in ``baseline.json`` (``model_version``): every result, batch manifest and cache key names
the model version, so batches and caches of the old model are refused or run again, never mixed in.
``tests/test_baseline.py`` fails if ``baseline.json`` and ``MODEL_VERSION`` disagree.

Usage, from the repository root::

    PYTHONPATH=$PWD python tests/update_baseline.py          # rewrite tests/baseline.json
    PYTHONPATH=$PWD python tests/update_baseline.py --check  # only compare, exit 1 if figures moved
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # helpers.py, when run as a script

from helpers import run_model, small_params

BASELINE = Path(__file__).with_name("baseline.json")
VERSION_FILE = Path(__file__).resolve().parent.parent / "regsim" / "version.py"
_VERSION_LINE = re.compile(r"^(MODEL_VERSION: Final = )(\d+)(.*)$", re.MULTILINE)
SEED = 1
STRATEGIES = ("concentrated", "equalisation_uniform", "concept_two_stage")
YEARS = (2017, 2019, 2021)  # the recorded base year, the middle and the last year of the small run
METRICS = (
    "population", "gdp_som", "income_per_capita_som", "poverty_rate", "gini_consumption", "theil_income",
    "unemployment_rate", "migrants_abroad", "internal_migrants", "n_firms", "public_capital_som",
    "budget_absorbed_som",
)


def configuration() -> dict[str, Any]:
    """What the stored figures are figures of (checked by the test before comparing)."""
    params = small_params()
    return {"household_weight": params.scale.household_weight, "start_year": params.time.start_year,
            "end_year": params.time.end_year, "seed": SEED, "strategies": list(STRATEGIES),
            "years": list(YEARS), "metrics": list(METRICS)}


def compute() -> dict[str, float]:
    """The figures of the small run, keyed ``strategy/metric/year``; values as the run records them."""
    figures: dict[str, float] = {}
    for strategy in STRATEGIES:
        result = run_model(small_params(policy__strategy=strategy), seed=SEED)
        for metric in METRICS:
            for year in YEARS:
                figures[f"{strategy}/{metric}/{year}"] = float(result.value(metric, year))
    return figures


def moved(stored: dict[str, float], current: dict[str, float], rtol: float) -> list[str]:
    """One line per figure that differs from the stored one by more than ``rtol`` (relative), or is missing."""
    lines = []
    for key in sorted(set(stored) | set(current)):
        if key not in current or key not in stored:
            lines.append(f"{key}: {'missing now' if key not in current else 'not in the baseline'}")
            continue
        old, new = stored[key], current[key]
        if not math.isclose(new, old, rel_tol=rtol, abs_tol=0.0) and not (math.isnan(old) and math.isnan(new)):
            change = (new - old) / abs(old) if old else math.inf
            lines.append(f"{key}: {old!r} -> {new!r} ({change:+.3e} relative)")
    return lines


def model_version(path: Path = VERSION_FILE) -> int:
    """``MODEL_VERSION`` as written in ``regsim/version.py`` (read from the file, not the imported module)."""
    found = _VERSION_LINE.search(path.read_text())
    if found is None:
        raise SystemExit(f"{path}: no line 'MODEL_VERSION: Final = N'")
    return int(found.group(2))


def bump_model_version(path: Path = VERSION_FILE) -> int:
    """Add one to ``MODEL_VERSION`` in ``regsim/version.py``; returns the new number."""
    new = model_version(path) + 1
    path.write_text(_VERSION_LINE.sub(lambda m: f"{m.group(1)}{new}{m.group(3)}", path.read_text(), count=1))
    return new


def main(argv: list[str] | None = None) -> int:
    """Rewrite the baseline, or with ``--check`` print what moved and exit 1 if anything did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored baseline, write nothing")
    args = parser.parse_args(argv)
    current = compute()
    if args.check:
        lines = moved(json.loads(BASELINE.read_text())["figures"], current, rtol=0.0)
        print("\n".join(lines) or "baseline holds: every figure identical")
        return 1 if lines else 0
    stored = json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    version = model_version()
    if stored.get("figures") == current and stored.get("configuration") == configuration():
        print(f"no figure moved: {BASELINE} and MODEL_VERSION {version} kept")
        if stored.get("model_version") == version:
            return 0
    else:
        version = bump_model_version()
        print(f"figures moved: MODEL_VERSION bumped to {version} in {VERSION_FILE}")
    payload = {"note": "Golden figures of a small run; regenerate only on purpose: see tests/update_baseline.py.",
               "model_version": version, "configuration": configuration(), "figures": current}
    BASELINE.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(current)} figures of model version {version} to {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
