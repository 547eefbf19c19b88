"""Shocks as scenario elements: parsing, validation, inheritance and their effect (issue 14)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from helpers import run_model, small_params

from regsim import scenario as scenario_mod
from regsim.cli import main
from regsim.data import loader
from regsim.errors import ScenarioError
from regsim.params import OBLASTS, ShockParams


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shocks_parse_years_or_start_end(tmp_path: Path) -> None:
    path = write(tmp_path, 'inherits = "baseline"\n[[shocks]]\ntarget = "budget"\nstart = 2020\nend = 2022\n'
                           'size = -0.5\n[[shocks]]\ntarget = "output"\nsector = "mining"\noblast = "Issyk-Kul"\n'
                           'years = [2021]\nsize = -0.2\n')
    shocks = scenario_mod.load(str(path)).params.shocks
    assert shocks == (ShockParams("budget", -0.5, (2020, 2021, 2022)),
                      ShockParams("output", -0.2, (2021,), sector="mining", oblast="Issyk-Kul"))


@pytest.mark.parametrize(("body", "message"), [
    ('target = "remitances"\nyears = [2020]\nsize = -0.1',
     r"shocks\[1\]: shocks.target: unknown value 'remitances'; allowed: remittances_per"),
    ('target = "budget"\nyear = [2020]\nsize = -0.1', r"shocks\[1\]: unknown key 'year' \(did you mean 'years'\?\)"),
    ('target = "budget"\nyears = [2020]\nsize = -1.5', r"shocks.size: -1.5 is outside the allowed range"),
    ('target = "budget"\nyears = [2010]\nsize = -0.1', r"shocks.years: 2010 is not a simulated year; allowed"),
    ('target = "budget"\nyears = [2020]\nsize = -0.1\nsector = "mining"', r"shocks.sector: only an 'output' shock"),
    ('target = "output"\nyears = [2020]\nsize = -0.1\noblast = "Narin"',
     r"shocks.oblast: unknown value 'Narin'; allowed: Batken"),
    ('target = "output"\nyears = [2020]', r"missing key 'size'"),
    ('target = "output"\nyears = [2020]\nstart = 2020\nsize = 0.1', r"either years or start/end"),
])
def test_a_bad_shock_fails_in_one_line_naming_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, f'inherits = "baseline"\n[[shocks]]\n{body}\n')
    with pytest.raises(ScenarioError, match=message) as err:
        scenario_mod.load(str(path))
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_child_adds_its_shocks_to_its_parents(tmp_path: Path) -> None:
    child = write(tmp_path, 'inherits = "covid-2020"\n[[shocks]]\ntarget = "budget"\nyears = [2020]\nsize = -0.5\n')
    parent = scenario_mod.load("covid-2020").params.shocks
    assert scenario_mod.load(str(child)).params.shocks == (*parent, ShockParams("budget", -0.5, (2020,)))


def test_shocks_cannot_be_set_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "baseline", "--set", "shocks.size=1"]) == 2
    assert "shocks cannot be set on the command line" in capsys.readouterr().err


def test_the_oblast_list_matches_the_data() -> None:
    assert sorted(OBLASTS) == sorted(loader.load_kyrgyz_data().oblasts.unit)


def test_shocked_scenarios_resolve_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("covid-2020", "remittance-shock"):
        assert scenario_mod.load(name).params.shocks
        assert main(["show", name]) == 0
        assert "[[shocks]]" in capsys.readouterr().out


def with_shocks(*shocks: ShockParams, **overrides: object):
    return dataclasses.replace(small_params(**overrides), shocks=shocks)


def test_each_target_moves_its_outcome_in_the_shock_year_only() -> None:
    base = run_model(small_params(), seed=3)
    cases = {
        "remittances_som": ShockParams("remittances_per_migrant", -0.3, (2020,)),
        "migrants_abroad": ShockParams("migrants_abroad", -0.2, (2020,)),
        "gdp_som": ShockParams("output", -0.1, (2020,)),
        "budget_available_som": ShockParams("budget", -0.5, (2020,)),
        "poverty_rate": ShockParams("prices", 0.2, (2020,)),
    }
    for metric, shock in cases.items():
        shocked = run_model(with_shocks(shock), seed=3)
        assert shocked.value(metric, 2019) == base.value(metric, 2019), metric
        moved = shocked.value(metric, 2020) / base.value(metric, 2020) - 1
        assert (moved > 0.05) if metric == "poverty_rate" else (moved < -0.05), (metric, moved)


def test_output_shock_size_is_the_output_change_at_given_wages() -> None:
    """A mining shock changes mining output by exactly its size; one limited to an oblast touches only it."""
    base = run_model(small_params(), seed=3)
    shocked = run_model(with_shocks(ShockParams("output", -0.5, (2020,), sector="mining")), seed=3)
    gap = base.value("gdp_som", 2020) - shocked.value("gdp_som", 2020)
    assert gap == pytest.approx(0.5 * 53.0e9, rel=0.02)
    one = run_model(with_shocks(ShockParams("output", -0.2, (2020,), oblast="Naryn")), seed=3)
    ob = one.oblasts[(one.oblasts.metric == "gdp_som") & (one.oblasts.year == 2020)].set_index("oblast").value
    ob0 = base.oblasts[(base.oblasts.metric == "gdp_som") & (base.oblasts.year == 2020)].set_index("oblast").value
    change = ob / ob0 - 1
    assert change["Naryn"] < -0.1
    assert np.abs(change.drop("Naryn")).max() < 0.01
