from pathlib import Path

import pytest

from regsim import scenario
from regsim.errors import ScenarioError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_baseline_is_the_concept_as_adopted():
    scen = scenario.load("baseline")
    assert scen.params.policy.strategy == "concept_two_stage"
    assert scen.params.policy.budget_som_per_year == 2.6e9
    assert scen.params.time.end_year == 2040


def test_every_shipped_scenario_loads():
    names = scenario.available()
    assert {"baseline", "equalisation", "concentrated", "strong-agglomeration", "strong-congestion"} <= set(names)
    for name in names:
        scenario.load(name)


def test_inherits_and_overrides(tmp_path):
    path = write(tmp_path, "child.toml", 'inherits = "baseline"\n[economy]\nagglomeration_elasticity = 0.1\n')
    scen = scenario.load(str(path), ["policy.strategy=concentrated", "time.end_year=2030"])
    assert scen.params.economy.agglomeration_elasticity == 0.1
    assert scen.params.policy.strategy == "concentrated"
    assert scen.params.time.end_year == 2030
    assert scen.params.policy.budget_som_per_year == 2.6e9  # from the parent


def test_unknown_key_names_file_key_and_closest(tmp_path):
    path = write(tmp_path, "typo.toml", "[economy]\nagglomeration_elastcity = 0.1\n")
    with pytest.raises(ScenarioError, match=r"typo.toml: unknown key 'economy.agglomeration_elastcity' "
                                            r"\(did you mean 'economy.agglomeration_elasticity'"):
        scenario.load(str(path))


def test_unknown_section(tmp_path):
    path = write(tmp_path, "sec.toml", "[econmy]\nx = 1\n")
    with pytest.raises(ScenarioError, match=r"sec.toml: unknown section 'econmy' \(did you mean 'economy'"):
        scenario.load(str(path))


def test_malformed_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.toml", "[policy]\nstrategy = \n")
    with pytest.raises(ScenarioError, match=r"bad.toml: invalid TOML: .*line 2"):
        scenario.load(str(path))


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match="nowhere.toml: no such file"):
        scenario.load("nowhere.toml")
    with pytest.raises(ScenarioError, match=r"unknown scenario 'basline' \(did you mean 'baseline'\?\); allowed:"):
        scenario.load("basline")


def test_inherits_cycle(tmp_path):
    write(tmp_path, "a.toml", f'inherits = "{tmp_path}/b.toml"\n')
    write(tmp_path, "b.toml", f'inherits = "{tmp_path}/a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        scenario.load(str(tmp_path / "a.toml"))


def test_set_errors():
    with pytest.raises(ScenarioError, match="expected KEY=VALUE"):
        scenario.load("baseline", ["policy.strategy"])
    with pytest.raises(ScenarioError, match=r"unknown key 'policy.strategie' \(did you mean 'policy.strategy'"):
        scenario.load("baseline", ["policy.strategie=none"])
    with pytest.raises(ScenarioError, match="policy.strategy: unknown value 'equal'; allowed: none, "):
        scenario.load("baseline", ["policy.strategy=equal"])
    with pytest.raises(ScenarioError, match=r"policy.budget_som_per_year: -5.0 is outside the allowed range"):
        scenario.load("baseline", ["policy.budget_som_per_year=-5.0"])
