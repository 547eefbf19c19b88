"""regsim optimise: the search finds a known optimum, runs are cached and resumed, files and CLI work."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regsim.batch import store
from regsim.batch.executors import RunOutcome
from regsim.cli import main
from regsim.errors import ExperimentError
from regsim.studies import optimise

TOY = {
    "experiment": {"name": "toy", "replications": 2, "set": {"time.end_year": 2019, "scale.household_weight": 200}},
    "levers": {"centre_share": [0.0, 1.0], "hinterland_share": [0.0, 1.0]},
    "objectives": {"gdp_pv": "max", "poverty_person_years": "min"},
    "search": {"population": 20, "generations": 25, "seed": 3},
}


def toy_evaluator(calls: list[int]):
    """Both objectives best at centre share 0.3, hinterland share 0.7 (a single Pareto point)."""

    def evaluate(levers: list[dict[str, float]]) -> pd.DataFrame:
        calls.append(len(levers))
        d2 = np.array([(v["centre_share"] - 0.3) ** 2 + (v["hinterland_share"] - 0.7) ** 2 for v in levers])
        return pd.DataFrame({"gdp_pv": 1e12 - 1e12 * d2, "poverty_person_years": 1e6 + 1e6 * d2})

    return evaluate


def test_search_finds_known_optimum_of_a_toy_objective():
    spec = optimise.parse(TOY)
    calls: list[int] = []
    history = optimise.search(spec, toy_evaluator(calls))
    front = optimise.pareto(history, optimise.objective_columns(spec))
    best = front.iloc[front.gdp_pv.idxmax()]
    assert abs(best.centre_share - 0.3) < 0.05
    assert abs(best.hinterland_share - 0.7) < 0.05
    assert sum(calls) == len(history)  # each distinct candidate evaluated once


def test_decode_rounds_and_normalises_the_channel_split():
    spec = optimise.parse({**TOY, "levers": {"sunset_year": [2018, 2019], "channel_split": True}})
    values = optimise.decode(spec, np.array([2019.9, 0.2, 0.2, 0.6]))
    assert values["sunset_year"] == 2019
    assert sum(values[c] for c in optimise.CHANNELS) == pytest.approx(1.0, abs=1e-12)
    assert values["services_share"] == pytest.approx(0.6)


def test_allocation_weights_sum_to_one_and_follow_the_shares():
    population = np.array([100.0, 50.0, 50.0, 100.0])
    centre = np.array([True, False, False, False])
    road_km = np.array([[0, 10, 200, 300], [10, 0, 190, 290], [200, 190, 0, 100], [300, 290, 100, 0]], float)
    w = optimise.allocation_weights(population, centre, road_km, 0.5, 0.5, 60.0)
    assert w.sum() == pytest.approx(1.0)
    # centre: 0.5 + uniform 0.25 * 100/300; hinterland village 1: 0.25 + 0.25 * 50/300
    assert w[0] == pytest.approx(0.5 + 0.25 / 3)
    assert w[1] == pytest.approx(0.25 + 0.25 / 6)
    assert w[3] == pytest.approx(0.25 / 3)


@pytest.mark.parametrize(("section", "table", "match"), [
    ("levers", {"centre_shar": [0, 1]}, "unknown lever 'centre_shar'"),
    ("levers", {"centre_share": [0.5, 0.2]}, "low < high"),
    ("objectives", {"gdp": "max"}, "unknown 'gdp'"),
    ("objectives", {"gdp_pv": "up"}, "use \"max\" or \"min\""),
    ("levers", {"sunset_year": [2018, 2030]}, "after the last simulated year 2019"),
])
def test_bad_optimisation_files_name_the_key(section, table, match):
    with pytest.raises(ExperimentError, match=match):
        optimise.parse({**TOY, section: table})


NATIONAL_METRICS = ("gdp_som", "gdp_per_capita_som", "poverty_rate", "poor_people", "theil_between_oblasts",
                    "budget_allocated_som")


class FakeRunner:
    """Writes synthetic tables for each spec (numbers from a hash of its overrides and seed) and counts runs."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.ran: list[tuple[tuple[str, ...], int]] = []
        self.stop_after = stop_after

    def __call__(self, specs, executor, workers, scheduler):
        for spec in specs:
            if self.stop_after is not None and len(self.ran) >= self.stop_after:
                raise KeyboardInterrupt
            self.ran.append((spec.overrides, spec.seed))
            h = int(hashlib.sha256(json.dumps([spec.overrides, spec.seed]).encode()).hexdigest()[:8], 16) / 16**8
            rows = [{"year": y, "metric": m, "value": (1 + h) * (10.0 if m != "poverty_rate" else 0.01), "run_id": 0}
                    for y in (2017, 2018, 2019) for m in NATIONAL_METRICS]
            out = Path(spec.out_dir)
            store.atomic_parquet(pd.DataFrame(rows).assign(run_id=spec.run_id),
                                 store.run_file(out, "national", spec.run_id))
            obl = pd.DataFrame([{"year": 2019, "oblast": o, "metric": "income_per_capita_som", "value": 1 + h,
                                 "run_id": spec.run_id} for o in ("Chuy", "Naryn")])
            store.atomic_parquet(obl, store.run_file(out, "oblasts", spec.run_id))
            store.record_done(out, spec.run_id, spec.outputs)
            yield RunOutcome(spec.run_id, "done", 0.0)


SMALL = {**TOY, "search": {"population": 4, "generations": 2, "seed": 1}}


def test_resume_does_not_run_any_candidate_seed_pair_twice(tmp_path):
    spec = optimise.parse(SMALL)
    first = FakeRunner()
    result = optimise.run(spec, tmp_path / "opt", runner=first)
    pairs = len(first.ran)
    assert pairs == len(set(first.ran))  # no (parameters, seed) twice within a search
    assert pairs == 2 * (len(optimise.NAMED) + len(result["history"]))
    again = FakeRunner()
    rerun = optimise.run(spec, tmp_path / "opt", runner=again)
    assert again.ran == []  # everything came from the cache
    pd.testing.assert_frame_equal(rerun["pareto"], result["pareto"])
    for name in ("pareto.csv", "named.csv", "evaluations.csv", "optimise.md", "pareto.png"):
        assert (tmp_path / "opt" / name).is_file()
    toml = sorted((tmp_path / "opt" / "pareto").glob("pareto-*.toml"))
    assert len(toml) == len(result["pareto"])


def test_an_interrupted_search_continues_where_it_stopped(tmp_path):
    spec = optimise.parse(SMALL)
    interrupted = FakeRunner(stop_after=9)
    with pytest.raises(KeyboardInterrupt):
        optimise.run(spec, tmp_path / "opt", runner=interrupted)
    rest = FakeRunner()
    optimise.run(spec, tmp_path / "opt", runner=rest)
    full = FakeRunner()
    optimise.run(spec, tmp_path / "fresh", runner=full)
    assert len(interrupted.ran) == 9
    assert len(rest.ran) == len(full.ran) - 9
    assert not set(interrupted.ran) & set(rest.ran)


def test_pareto_scenarios_load_and_run_the_custom_weights(tmp_path):
    from regsim import scenario

    spec = optimise.parse({**SMALL, "levers": {"centre_share": [0.0, 1.0], "sunset_year": [2018, 2019],
                                               "channel_split": True}})
    result = optimise.run(spec, tmp_path / "opt", runner=FakeRunner())
    for path in result["scenarios"]:
        params = scenario.load(str(path)).params
        assert params.policy.strategy == "custom"
        assert Path(params.policy.custom_weights_csv).is_file()


def test_a_folder_of_another_search_is_refused(tmp_path):
    optimise.run(optimise.parse(SMALL), tmp_path / "opt", runner=FakeRunner())
    other = optimise.parse({**SMALL, "experiment": {**SMALL["experiment"], "replications": 3}})
    with pytest.raises(ExperimentError, match="other settings"):
        optimise.run(other, tmp_path / "opt", runner=FakeRunner())


def test_cli_optimise_mistake_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[levers]\ncentre = [0.0, 1.0]\n')
    assert main(["optimise", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown lever 'centre'" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_cli_optimise_smoke(tmp_path, capsys):
    path = tmp_path / "tiny.toml"
    path.write_text("""
[experiment]
name = "tiny"
replications = 1
[experiment.set]
"time.end_year" = 2019
"scale.household_weight" = 200
[levers]
centre_share = [0.0, 1.0]
hinterland_share = [0.0, 1.0]
[search]
population = 4
generations = 1
""")
    out = tmp_path / "o"
    assert main(["optimise", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Concept as adopted" in text
    assert (out / "pareto.csv").is_file() and (out / "pareto.png").is_file()
    named = pd.read_csv(out / "named.csv")
    assert set(named.label) == set(optimise.NAMED)
