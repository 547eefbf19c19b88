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
        return paired.pairwise(out, confidence=paired.look_confidence(0.9, 5), practical_share=practical,
                               outcome_names=["gdp_per_capita_end"], correction="holm")

    return ran, run_round, verdicts


def test_auto_stops_early_on_a_clear_difference():
    ran, run_round, verdicts = _toy({"none": 0, "a": 500.0}, noise=50.0, practical=0.1)
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
    assert record["practical_share"] == 0.1 and record["correction"] == "holm"
    text = record["multiple_comparisons"]
    assert text.startswith("holm:") and "Bonferroni over looks" in text
    assert "budget allocated" in record["practical_thresholds"]["gdp_pv"]
    comp = analysis.load(out)  # the design holds the cap (6); the comparison reads the 2 run so far
    assert comp.replications == 2 and len(comp.design) == 4
    table = analysis.pairwise_table(comp)
    assert (table.verdict == "practically equal").all()
    judged = compare.judge(out, 2, settings)  # what the stopping rule saw is what the report says
    head = table[table.family == "headline"].merge(judged, on=["a", "b", "outcome"], suffixes=("", "_judged"))
    assert len(head) == len(judged) and (head.verdict == head.verdict_judged).all()
    assert (head.confidence == head.confidence_judged).all()
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
    (["--practical-threshold", "1.5"], "--practical-threshold"),
])
def test_compare_rejects_bad_judgement_options(argv, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["compare", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regsim: error:") and message in err and err.count("\n") == 1
    assert not out.exists()


def _auto_settings(**kw) -> compare.CompareSettings:
    return compare.CompareSettings(scenario="x", strategies=("none", "a"), replications=None, **kw)


def test_comparison_json_states_the_correction_and_how_it_meets_the_looks(tmp_path):
    """The record says Holm within a look and Bonferroni over looks, with the resulting error bound."""
    settings = _auto_settings(max_replications=30)
    compare.write_record(tmp_path, settings, compare.Rounds([10], [0], "decided"))
    record = json.loads((tmp_path / analysis.COMPARISON_FILE).read_text())
    text = record["multiple_comparisons"]
    assert "Holm" in text and "3 planned looks" in text and "0.0333" in text and "at most 0.1" in text
    assert analysis.Judgement.from_record(record).correction == "holm"
    assert analysis.Judgement.from_record(record).practical_share == 0.1
    old = {**record, "practical_threshold": 1.0}  # a record written before the thresholds were shares
    del old["practical_share"]
    assert analysis.Judgement.from_record(old).practical_share == paired.DEFAULT_PRACTICAL_SHARE
    none = _auto_settings(max_replications=30, correction="none")
    assert compare._correction_text(none).startswith("none:")
    with pytest.raises(compare.ExperimentError, match="--correction"):
        _auto_settings(correction="bonferroni").check()


def test_judge_corrects_the_headline_family_so_null_pairs_rarely_give_a_spurious_verdict():
    """Ten strategies with no effect (45 null pairs), ten tables: uncorrected, nearly every table calls some
    pair; with Holm at 90% at most about one table in ten does (the family-wise error is 10%)."""
    effects = {"none": 0.0, **{f"s{i}": 0.0 for i in range(9)}}
    raw_tables = holm_tables = 0
    for seed in range(10):
        out = paired.per_run_outcomes(national_table(effects, reps=10, noise=300.0, seed=seed))
        table = paired.pairwise(out, outcome_names=["gdp_per_capita_end"], practical_share=0.0, correction="holm")
        raw_tables += table.verdict_unadjusted.str.endswith("ahead").any()
        holm_tables += table.verdict.str.endswith("ahead").any()
    assert raw_tables >= 8 and holm_tables <= 2


def test_cli_rejects_an_unknown_correction(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "--correction", "bonferroni"])
    assert exit_.value.code == 2 and "--correction" in capsys.readouterr().err
