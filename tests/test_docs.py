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
    assert processes == ["budget", "investment", "productivity", "production", "labour", "incomes", "migration",
                         "demography"]
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
