"""regsim explore without a browser: levers, the scenario TOML, the run cache, live and saved views, the CLI."""

from __future__ import annotations

import re

import pytest

from regsim import scenario as scenario_mod
from regsim.cli import main
from regsim.explore import levers, runs, saved, session
from regsim.params import all_keys, describe, params_hash

SMALL = {"time.end_year": 2019, "scale.household_weight": 100}


def test_belief_sliders_span_the_plausible_ranges():
    plausible = {row["key"]: row["plausible"] for row in describe()}
    by_key = {lever.key: lever for lever in levers.levers()}
    for key in levers.BELIEF_KEYS:
        assert (by_key[key].low, by_key[key].high) == plausible[key]


def test_defaults_sit_on_the_slider_grid():
    """A default off the grid would be snapped (moved) by the browser's slider at once."""
    for lever in levers.levers():
        if lever.kind == "float":
            position = (lever.default / lever.scale - lever.low) / lever.step
            assert position == pytest.approx(round(position), abs=1e-6), lever.key


def test_capital_lever_is_disabled_until_the_parameter_exists():
    lever = next(x for x in levers.levers() if x.key == levers.CAPITAL_KEY)
    assert lever.available == (levers.CAPITAL_KEY in all_keys())
    if not lever.available:
        assert "disabled" in lever.note


def test_scenario_toml_gives_the_parameters_of_the_choice(tmp_path):
    choice = {**levers.default_choice(), "policy.strategy": "hybrid", "policy.centre_share": 0.65,
              "policy.sunset_year": 2026, "economy.agglomeration_elasticity": 0.07}
    path = tmp_path / "choice.toml"
    path.write_text(levers.scenario_toml(choice, description="a test", comments=("line one",)))
    from_file = scenario_mod.load(str(path)).params
    from_overrides = scenario_mod.load("baseline", levers.overrides(choice)).params
    assert params_hash(from_file) == params_hash(from_overrides)
    assert from_file.policy.centre_share == 0.65 and from_file.policy.sunset_year == 2026


def test_none_ignores_the_policy_levers(tmp_path):
    """One `none` run serves every policy choice under the same beliefs (levers.reference_of)."""
    import regsim

    base = {**SMALL, "policy.strategy": "none"}
    a = regsim.run("baseline", seed=1, overrides=base).national
    b = regsim.run("baseline", seed=1, overrides={**base, "policy.budget_som_per_year": 7e9,
                                                   "policy.centre_share": 0.1, "policy.sunset_year": 2018}).national
    both = a.merge(b, on=["year", "metric"])
    differ = set(both[both.value_x != both.value_y].metric)
    # the budget made available and left unallocated, this year and to date (issue 22), and nothing else
    assert differ <= {"budget_available_som", "budget_unallocated_som", "budget_available_to_date_som",
                      "budget_unspent_som", "budget_unspent_share"}
    choice = {**levers.default_choice(), "policy.budget_som_per_year": 7e9}
    assert levers.reference_of(choice) == levers.reference_of(levers.default_choice())


def test_live_view_caches_runs_and_its_toml_reproduces_the_numbers(tmp_path):
    import regsim

    cache = runs.RunCache(tmp_path / "cache", executor="serial")
    a = {**levers.default_choice(), **SMALL, "policy.strategy": "concentrated"}
    b = {**a, "policy.strategy": "equalisation_uniform"}
    seen = []
    view = session.live_view(cache, a, b, replications=2, progress=lambda d, t: seen.append((d, t)))
    assert view.ran == 6 and seen[-1] == (6, 6)
    assert {"map_income", "map_poverty", "paths", "frontier", "bands"} <= set(view.images)
    assert {"map_ab_income", "map_ab_poverty"} <= set(view.images)  # B is pinned: the map of A versus B
    assert all(image.startswith(b"\x89PNG") for image in view.images.values())
    assert set(view.runs["choice"]) == {"A", "B", "none"} and len(view.runs) == 6
    assert set(view.verdicts.replications) == {2}
    again = session.live_view(cache, b, None, replications=2, visited=[a])  # moving back: nothing runs
    assert again.ran == 0
    fresh = runs.RunCache(tmp_path / "cache", executor="serial")  # a new server reads the disk cache
    assert session.live_view(fresh, a, None, replications=2).ran == 0

    toml = view.tomls["A"]
    path = tmp_path / "explore-A.toml"
    path.write_text(toml)
    seed, gdp, poverty = re.findall(r"seed (\d+): gdp_per_capita_som = (\S+), poverty_rate = (\S+)", toml)[1]
    national = regsim.run(str(path), seed=int(seed)).national
    last = national[national.year == national.year.max()].set_index("metric").value
    assert last["gdp_per_capita_som"] == pytest.approx(float(gdp.rstrip(",")), rel=1e-12)
    assert last["poverty_rate"] == pytest.approx(float(poverty), rel=1e-12)


def test_saved_view_reads_a_batch_without_running(tmp_path):
    import regsim

    exp = tmp_path / "small.toml"
    exp.write_text('[experiment]\nname = "small"\nscenario = "baseline"\nreplications = 2\nseed = 3\n'
                   'outputs = ["national", "oblasts", "settlements"]\n'
                   '[experiment.set]\n"time.end_year" = 2019\n"scale.household_weight" = 100\n'
                   '[grid]\n"policy.strategy" = ["none", "concentrated", "equalisation_uniform"]\n')
    regsim.run_batch(str(exp), tmp_path / "batch")
    batch = saved.load(tmp_path / "batch")
    assert batch.labels == ["none", "concentrated", "equalisation_uniform"]
    view = session.saved_view(batch, "concentrated", "equalisation_uniform", "none")
    assert view.ran == 0 and view.replications == 2 and "map_income" in view.images
    toml = view.tomls["concentrated"]
    assert 'inherits = "baseline"' in toml and 'strategy = "concentrated"' in toml and "end_year = 2019" in toml


def test_cli_explore_names_the_missing_extra(monkeypatch, capsys):
    import regsim.explore as explore

    monkeypatch.setattr(explore, "missing_dependencies", lambda: ["solara"])
    assert main(["explore"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "regsim[explore]"' in err


def test_cli_explore_refuses_a_folder_that_is_not_a_batch(tmp_path, capsys, monkeypatch):
    import regsim.explore as explore

    monkeypatch.setattr(explore, "missing_dependencies", lambda: [])
    assert main(["explore", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regsim: error:") and "not a regsim batch" in err and err.count("\n") == 1
