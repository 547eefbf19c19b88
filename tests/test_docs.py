"""docs/ODD.md stays true to the code: every process in step() and every parameter is in it."""

import ast
import inspect
from pathlib import Path

from regsim.model.simulation import RegionalModel
from regsim.params import all_keys

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def step_processes() -> list[str]:
    tree = ast.parse(inspect.getsource(RegionalModel.step).strip().replace("\n    ", "\n"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "run_process":
            names.append(node.args[0].id)
    return names


def test_every_process_is_documented_in_order():
    text = ODD.read_text()
    processes = step_processes()
    assert processes == ["budget", "roads", "investment", "productivity", "production", "labour", "incomes",
                         "migration", "demography"]
    for name in processes:
        assert f"`{name}`" in text or f"processes/{name}.py" in text, name


def test_every_parameter_is_documented():
    text = ODD.read_text()
    missing = [key for key in all_keys() if key not in text]
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_readme_has_the_two_commands():
    readme = (ODD.parent.parent / "README.md").read_text()
    assert 'pip install ".[test]" && pytest' in readme
    assert "pip install . && regsim" in readme
    ci = (ODD.parent.parent / ".ci" / "run").read_text()
    assert 'pip install ".[test]" && pytest' in ci


def test_reliability_promises_name_tests_that_exist():
    """docs/reliability.md says which test holds each promise: every test it names must exist."""
    import re

    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "reliability.md").read_text()
    named = set(re.findall(r"\b(test_[a-z0-9_]*[a-z0-9])\b(?!\*)", text))  # test_x_* is a prefix
    files = {p.stem for p in (root / "tests").glob("test_*.py")}
    defined = set(re.findall(r"^def (test_[a-z0-9_]+)", "\n".join(
        p.read_text() for p in (root / "tests").glob("test_*.py")), re.M))
    missing = sorted(named - defined - files)
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
