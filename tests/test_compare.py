"""regsim compare's orchestration: rounds of --replications auto, common seeds, resume, one-line errors."""

import json

import pandas as pd
import pytest
from test_paired import national_table

from regsim.batch import compare
from regsim.cli import main
from regsim.reporting import analysis, paired
from regsim.rng import replication_seeds
from regsim.scenario import locate

TINY = {"scale.household_weight": 300, "time.end_year": 2019}


def test_replication_k_has_the_same_seed_in_every_round():
    assert replication_seeds(42, 50)[:10] == replication_seeds(42, 10)
    assert replication_seeds(42, 30)[:20] == replication_seeds(42, 20)


def test_schedule_and_per_look_confidence():
    s = compare.CompareSettings(scenario="x", strategies=("none",), replications=None, max_replications=30)
    assert s.schedule() == [10, 20, 30]
    assert s.interval_confidence == pytest.approx(1 - 0.1 / 3)
    assert compare.CompareSettings(scenario="x", strategies=("none",), replications=None,
                                   max_replications=25).schedule() == [10, 20, 25]
    assert compare.CompareSettings(scenario="x", strategies=("none",), replications=7).schedule() == [7]


def _toy(effects: dict[str, float], noise: float, practical: float, seed: int = 0):
    """A toy runner: replications come from one synthetic table of 50; the judge reads the first k."""
    table = national_table(effects, reps=50, noise=noise, seed=seed)
    ran: list[int] = []

    def run_round(k: int) -> bool:
        ran.append(k)
        return True

    def verdicts(k: int) -> pd.DataFrame:
        out = paired.per_run_outcomes(table[table.replication < k])
        return paired.pairwise(out, confidence=paired.look_confidence(0.9, 5), practical_scale=practical,
                               outcome_names=["gdp_per_capita_end"])

    return ran, run_round, verdicts


def test_auto_stops_early_on_a_clear_difference():
    ran, run_round, verdicts = _toy({"none": 0, "a": 500.0}, noise=50.0, practical=1.0)
    rounds = compare.replicate_until_decided([10, 20, 30, 40, 50], run_round, verdicts)
    assert rounds.stopped == "decided" and rounds.final == 10 and ran == [10]


def test_auto_runs_to_the_cap_on_a_null_difference():
    ran, run_round, verdicts = _toy({"none": 0, "a": 0.0}, noise=2000.0, practical=0.0)
    rounds = compare.replicate_until_decided([10, 20, 30, 40, 50], run_round, verdicts)
    assert rounds.stopped == "cap" and rounds.final == 50 and ran == [10, 20, 30, 40, 50]
    assert rounds.undecided == [1, 1, 1, 1, 1]


def test_auto_stops_when_a_round_fails():
    rounds = compare.replicate_until_decided([2, 4], lambda k: False, lambda k: pd.DataFrame())
    assert rounds.stopped == "failed" and rounds.final == 0


def _settings(**kw) -> compare.CompareSettings:
    base = dict(scenario=str(locate("baseline").resolve()), strategies=("none", "equalisation_uniform"),
                replications=None, max_replications=6, first_round=2, round_size=2, fixed=dict(TINY))
    base.update(kw)
    return compare.CompareSettings(**base)


def test_auto_with_real_runs_stops_early_and_resumes(tmp_path):
    """A strategy with no budget is the counterfactual itself: every difference is practically equal at once."""
    settings = _settings(fixed={**TINY, "policy.budget_som_per_year": 0.0})
    out = tmp_path / "cmp"
    result = compare.run_comparison(settings, out, executor="serial", progress=False)
    assert result.rounds.stopped == "decided" and result.rounds.final == 2 and result.runs_done_now == 4
    record = json.loads((out / analysis.COMPARISON_FILE).read_text())
    assert record["replications"] == 2 and record["stopped"] == "decided" and record["looks"] == 3
    comp = analysis.load(out)  # the design holds the cap (6); the comparison reads the 2 run so far
    assert comp.replications == 2 and len(comp.design) == 4
    assert (analysis.pairwise_table(comp).verdict == "practically equal").all()
    design = pd.read_parquet(out / "design.parquet")  # the cap's design: later rounds keep these seeds
    assert len(design) == 12 and (design.status == "pending").sum() == 8
    by_rep = design.groupby("replication").seed.agg(["min", "max"])
    assert (by_rep["min"] == by_rep["max"]).all()  # common random numbers across strategies
    assert by_rep["min"].tolist() == replication_seeds(settings.seed, 6) and \
        by_rep["min"].tolist()[:2] == replication_seeds(settings.seed, 2)
    again = compare.run_comparison(settings, out, executor="serial", progress=False)
    assert again.runs_done_now == 0 and again.rounds.final == 2
    with pytest.raises(compare.ExperimentError, match="max-replications"):
        compare.run_comparison(_settings(max_replications=8), out, executor="serial", progress=False)


@pytest.mark.parametrize("argv, message", [
    (["--replications", "many"], "--replications"),
    (["--replications", "auto", "--max-replications", "1"], "--max-replications"),
    (["--confidence", "1.5"], "--confidence"),
    (["--discount-rate", "-0.1"], "--discount-rate"),
    (["--practical-threshold", "-1"], "--practical-threshold"),
])
def test_compare_rejects_bad_judgement_options(argv, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["compare", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regsim: error:") and message in err and err.count("\n") == 1
    assert not out.exists()
