"""Imports point down the layers of docs/ODD.md and shared/design/style.md, never up."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "regsim"

# The one statement of which layer may import which. Lower number = lower layer; a module may import only
# modules of its own layer or below. The folders of regsim/ follow these layers (README, "Layout").
LAYERS = {
    # configuration: errors, parameters, random streams, scenario files, result files
    "errors": 0, "files": 0, "malloc": 0, "i18n": 0, "version": 0, "rng": 1, "params": 1, "scenario": 2, "results": 2,
    # embedded data of the Kyrgyz Republic
    "data": 3, "data.loader": 3,
    # the simulation, bottom up
    "model": 4, "model.world": 4, "model.households": 5, "model.settlements": 5, "model.firms": 5,
    "model.state": 6, "model.policy": 7, "model.processes": 8, "model.initialise": 9, "model.metrics": 9,
    "model.simulation": 10,
    # many runs: experiments, executors, the results store
    "batch": 11,
    # studies of the model: validation, calibration, sensitivity, robustness, benchmarks
    "studies": 12,
    # reading results: pure table functions (used by studies too), summaries, figures, the report
    "reporting": 13, "reporting.analysis": 3, "reporting.summary": 3, "reporting.plots": 3,
    "reporting.search_plots": 3, "reporting.paired": 3, "reporting.names": 3, "reporting.pdf": 3,
    # the command line and the Python API
    "cli": 14, "__init__": 14, "api": 14, "ema": 14,
    # the interactive explorer (regsim explore): levers, run cache over the batch executors, views, web page
    "explore": 14,
}
READ_ONLY = {"reporting"}  # read results; never import the model


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts) if parts else "__init__"


def layer(name: str) -> int | None:
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def regsim_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("regsim"):
            base = node.module.removeprefix("regsim").lstrip(".")
            found.add(base)
            folder = PACKAGE / base.replace(".", "/")
            for alias in node.names:  # "from regsim.model.processes import budget" imports a module
                if (folder / alias.name).exists() or (folder / f"{alias.name}.py").exists():
                    found.add(f"{base}.{alias.name}".lstrip("."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("regsim").lstrip(".") for a in node.names if a.name.startswith("regsim"))
    return {f for f in found if f}


def test_imports_point_down():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        own = layer(name)
        if own is None:
            continue
        for target in regsim_imports(path):
            target_layer = layer(target)
            if target_layer is None:
                continue
            if target_layer > own:
                problems.append(f"{name} (layer {own}) imports {target} (layer {target_layer})")
            if name.split(".")[0] in READ_ONLY and target.split(".")[0] in {"model", "batch"}:
                problems.append(f"{name} reads results only but imports {target}")
            if name.startswith("model.processes") and target.startswith("model.policy"):
                problems.append(f"{name}: processes never import policy")
    assert not problems, "\n".join(problems)


def test_every_module_is_assigned_a_layer():
    unknown = [module_name(p) for p in PACKAGE.rglob("*.py")
               if layer(module_name(p)) is None and module_name(p) != "__init__" and not module_name(p).startswith("_")]
    assert not unknown, f"add these modules to LAYERS: {unknown}"


def test_no_global_random_state():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "np.random.seed" not in text and "import random" not in text, path
        for call in ("np.random.rand(", "np.random.normal(", "np.random.choice(", "np.random.uniform("):
            assert call not in text, (path, call)
