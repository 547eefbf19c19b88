"""Golden baseline: a small run's key figures equal the stored ones, so no change of results goes unseen.

The figures (``tests/baseline.json``) are national metrics at three years for three strategies of
a small run (1:100 households, 2018-2021, seed 1). They are identical, bit for bit, on Python 3.11
with Mesa 3.3.1 / numpy 2.4 and on Python 3.12 and 3.13 with Mesa 3.5.1 / numpy 2.5, so the test
compares exactly. A refactoring must keep them; a change of results that is intended regenerates
them with ``tests/update_baseline.py`` (read its docstring first).
"""

import json

from update_baseline import BASELINE, bump_model_version, compute, configuration, model_version, moved

from regsim import MODEL_VERSION

RTOL = 0.0  # exact: the run is deterministic and identical across the supported Mesa/Python/numpy ends


def test_small_run_reproduces_the_golden_figures():
    stored = json.loads(BASELINE.read_text())
    assert stored["configuration"] == configuration(), "the baseline was made with another configuration"
    lines = moved(stored["figures"], compute(), RTOL)
    assert not lines, (
        f"{len(lines)} of {len(stored['figures'])} golden figures moved (stored -> now):\n  " + "\n  ".join(lines)
        + "\nIf this change of results is intended, run tests/update_baseline.py and say so in the commit "
        "and CHANGELOG; otherwise find what changed the results."
    )


def test_moved_names_each_changed_figure_and_its_size():
    lines = moved({"a/x/2017": 100.0, "b/y/2017": 1.0, "c/z/2017": 2.0}, {"a/x/2017": 101.0, "b/y/2017": 1.0}, 0.0)
    assert lines == ["a/x/2017: 100.0 -> 101.0 (+1.000e-02 relative)", "c/z/2017: missing now"]


def test_the_baseline_records_the_model_version_it_was_made_with():
    stored = json.loads(BASELINE.read_text())
    assert stored.get("model_version") == MODEL_VERSION == model_version(), (
        f"baseline.json was made with model version {stored.get('model_version')}, regsim/version.py says "
        f"{MODEL_VERSION}: regenerate the baseline with tests/update_baseline.py, which bumps MODEL_VERSION "
        "when figures move (never edit either by hand)")


def test_bump_adds_one_to_model_version_and_keeps_the_rest(tmp_path):
    path = tmp_path / "version.py"
    path.write_text('"""doc"""\nMODEL_VERSION: Final = 7  # bumped by tests/update_baseline.py\nX = 1\n')
    assert bump_model_version(path) == 8 == model_version(path)
    assert path.read_text() == '"""doc"""\nMODEL_VERSION: Final = 8  # bumped by tests/update_baseline.py\nX = 1\n'
