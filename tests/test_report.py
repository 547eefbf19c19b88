"""regsim compare and the policy report: sections, numbers equal to summary.csv, a real render."""

import html
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers import first_section_in_chromium

from regsim.cli import main
from regsim.errors import ExperimentError
from regsim.reporting import analysis, names, paired, report

SMALL = ["--set", "scale.household_weight=300", "--set", "time.end_year=2025"]
WORLDS = 3  # Latin-hypercube worlds of the small robustness analysis
ROBUSTNESS_HEADING = "<h2>9. Robustness across plausible worlds</h2>"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "compare"
    code = main(["compare", "--strategies", "none,equalisation_uniform,concentrated,concept_two_stage",
                 "--hybrid-shares", "0,1", "--replications", "3", "--executor", "serial", "--quiet",
                 "--robustness", str(WORLDS), "--out", str(out), *SMALL])
    assert code == 0
    return out


@pytest.mark.slow
def test_compare_writes_everything(compared, capsys):
    for name in ("summary.csv", "report.html", "design.parquet", "manifest.json", "world.parquet", "roads.parquet"):
        assert (compared / name).is_file(), name
    for name in report.OUTPUT_FILES:
        assert (compared / name).is_file(), name
    for stem in ("map_income_change", "frontier", "oblasts_heatmap", "money", "path_gdp_som", "path_diff_gdp_som",
                 "distance_bands", "scorecard"):
        assert (compared / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (compared / "figures" / f"{stem}.svg").stat().st_size > 1000
    summary = pd.read_csv(compared / "summary.csv")
    assert list(summary.columns) == ["strategy", "metric", "year", "median", "p10", "p90", "diff_median",
                                     "diff_p10", "diff_p90", "diff_mean", "diff_low", "diff_high", "verdict_vs_none",
                                     "money_note"]
    assert {"gdp_present_value_som", "poverty_person_years"} <= set(summary.metric)
    bands = pd.read_csv(compared / "distance_bands.csv")
    assert set(bands.band) == {"centres", "0-30 km", "30-60 km", "60-120 km", "over 120 km"}
    assert len(bands) == 5 * 6 * 3  # bands x labels x replications: every run
    assert set(summary.strategy) == {"none", "equalisation_uniform", "concentrated", "concept_two_stage",
                                     "hybrid 0.00", "hybrid 1.00"}
    none = summary[summary.strategy == "none"]
    assert np.allclose(none.diff_median.fillna(0), 0)


@pytest.mark.slow
def test_report_has_every_section_and_is_self_contained(compared):
    page = (compared / "report.html").read_text()
    for heading in ("1. The answer", "2. Where incomes change", "3. Paths over time", "4. Growth versus equity",
                    "5. Oblasts", "6. Where the money went", "7. Assumptions and provenance",
                    "8. How well the model fits the data", "9. Robustness across plausible worlds"):
        assert heading in page
    assert page.count("data:image/png;base64,") >= 10
    answer = page.split("<h2>1. The answer</h2>", 1)[1]  # the plain answer first, then the scorecard
    assert answer.startswith("<div class='answer'><p>")
    assert answer.split("</div>", 1)[1].startswith('<figure><img alt="scorecard of the strategies"')
    assert "allocates less of it" in answer.split("</div>", 1)[0]  # the Concept's first stage spends less
    assert not re.search(r"(src|href)=['\"]https?://", page)  # no external links
    assert "class=\"sortable" in page and "<details class=" in page  # the parameter table opens to print
    assert "targets met by the <code>concept_two_stage</code> runs" in page  # validation section
    assert (compared / "validation.csv").is_file()


@pytest.mark.slow
def test_first_section_names_no_winner_the_intervals_do_not_support(compared):
    pairs = pd.read_csv(compared / "pairwise.csv")
    comp = analysis.load(compared, require=("national", "oblasts", "settlements"))
    whole = analysis.whole_period_table(comp)
    text = report.verdict_findings(comp, analysis.pairwise_table(comp), whole)
    page = (compared / "report.html").read_text()
    assert html.unescape(text[1]) in html.unescape(page)
    labels = [lab for lab in comp.labels if not lab.startswith("hybrid ")]
    label_of = {names.strategy(lab): lab for lab in labels}  # the report names strategies as people say them
    for sentence in text:
        found = re.search(r"<b>([^<]+)</b> is ahead of every other strategy", sentence)
        if found:
            leader = label_of[found.group(1)]
            part = pairs[((pairs.a == leader) | (pairs.b == leader)) & pairs.a.isin(labels) & pairs.b.isin(labels)]
            outcome = next(o for o in paired.HEADLINE_OUTCOMES
                           if sentence.startswith(f"On {report.outcome_phrase(o, 2018, comp.last_year, 0.05)}"))
            assert (part[part.outcome == outcome].verdict == f"{leader} ahead").all()
    row = pairs[(pairs.a == "equalisation_uniform") & (pairs.b == "concentrated")
                & (pairs.outcome == "gdp_per_capita_end")].iloc[0]
    expected = report.verdict_sentence(row, 2018, comp.last_year, 0.05)
    assert expected in text
    assert f"{row.low:,.0f} to {row.high:,.0f} som" in expected or "unbounded" in expected


@pytest.mark.slow
def test_report_renders_in_headless_chromium(compared, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,2400",
                    (compared / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.std() > 0.05  # not blank
    # laid out by Chromium, section 1 opens with the paragraph, on the first screen, then the scorecard
    found = first_section_in_chromium(compared / "report.html", browser)
    assert found["heading"] == "1. The answer" and found["answer"] == "answer" and found["first"] == "P"
    assert found["words"] > 30 and found["on_first_screen"]
    assert found["figure"] == "FIGURE" and found["alt"] == "scorecard of the strategies" and found["loaded"]


@pytest.mark.slow
def test_report_on_incomplete_directory_says_what_is_missing(compared, tmp_path, capsys):
    partial = tmp_path / "partial"
    shutil.copytree(compared, partial)
    shutil.rmtree(partial / "settlements")
    assert main(["report", str(partial)]) == 2
    assert "missing results: settlements/" in capsys.readouterr().err
    shutil.rmtree(partial / "oblasts")
    with pytest.raises(ExperimentError, match="oblasts/, settlements/"):
        report.build(partial)
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "no such results directory" in capsys.readouterr().err


def test_compare_rejects_bad_options(capsys):
    assert main(["compare", "--strategies", "none,bogus"]) == 2
    assert "--strategies: unknown 'bogus'; allowed: none," in capsys.readouterr().err
    assert main(["compare", "--hybrid-shares", "0,2"]) == 2
    assert main(["compare", "--replications", "0"]) == 2
    assert main(["compare", "--robustness", "1"]) == 2
    assert "--robustness: 1 is not allowed; use 2 or more worlds" in capsys.readouterr().err


def _section(page: str) -> str:
    """The robustness section of a report page."""
    assert page.count(ROBUSTNESS_HEADING) == 1
    return page.split(ROBUSTNESS_HEADING)[1].split("<script>")[0]


@pytest.mark.slow
def test_compare_robustness_runs_the_compared_strategies_in_the_same_settings(compared):
    table = pd.read_csv(compared / "robustness" / "robustness.csv")
    assert set(table.strategy) == {"equalisation_uniform", "concentrated", "concept_two_stage"}  # none: threshold
    assert (table.worlds == WORLDS).all()
    design = pd.read_parquet(compared / "robustness" / "design.parquet")
    assert len(design) == WORLDS * 4  # N x strategies (with none), one run each; no hybrid sweep
    manifest = json.loads((compared / "robustness" / "manifest.json").read_text())
    assert manifest["fixed"] == json.loads((compared / "manifest.json").read_text())["fixed"]
    assert (compared / "robustness" / "robustness.png").stat().st_size > 1000
    assert (compared / "figures" / "robustness.png").stat().st_size > 1000


@pytest.mark.slow
def test_report_robustness_section_has_findings_table_and_figure(compared):
    section = _section((compared / "report.html").read_text())
    table = pd.read_csv(compared / "robustness" / "robustness.csv")
    assert "<table class=\"sortable\">" in section and section.count("<img ") == 1
    assert "data:image/png;base64," in section
    for row in table.itertuples():
        assert f"<tr><th>{names.strategy(row.strategy)}</th><td>{100 * row.share_best_gdp:.0f}%</td>" \
               f"<td>{100 * row.share_best_poverty:.0f}%</td><td>{row.mean_regret_gdp_pc_som:,.0f}</td>" \
               f"<td>{row.max_regret_gdp_pc_som:,.0f}</td>" in section
    assert "som per person" in section and "percentage points" in section
    # the findings numbers are those of robustness.csv
    leader = table.loc[table.share_best_gdp.idxmax()]
    worlds = f"{round(leader.share_best_gdp * WORLDS)} of {WORLDS} worlds ({100 * leader.share_best_gdp:.0f}%)"
    assert f"Across {WORLDS} worlds drawn by Latin hypercube" in section
    leaders = table.strategy[table.share_best_gdp == leader.share_best_gdp]
    if len(leaders) == 1:
        assert f"<b>{names.strategy(leader.strategy)}</b> is" in section and worlds in section
    else:  # tied leaders share the sentence ("are each best")
        assert all(f"<b>{names.strategy(name)}</b>" in section for name in leaders) and "are each" in section
        assert worlds in section
    safest = table.loc[table.max_regret_gdp_pc_som.idxmin()]
    if safest.max_regret_gdp_pc_som > 0:
        assert f"in no world more than {safest.max_regret_gdp_pc_som:,.0f} som per person below the best" in section
    else:
        assert f"<b>{names.strategy(safest.strategy)}</b> is never below the best strategy on GDP per person" in section


def test_robustness_findings_numbers_equal_the_table():
    table = pd.DataFrame({"strategy": ["a", "b", "c"], "worlds": 4, "share_best_gdp": [0.75, 0.25, 0.0],
                          "share_best_poverty": [0.25, 0.25, 0.5], "mean_regret_gdp_pc_som": [3.2, 40.0, 90.0],
                          "max_regret_gdp_pc_som": [12.6, 80.0, 150.0], "mean_regret_poverty_points": [0.1, 0.2, 0.0],
                          "max_regret_poverty_points": [0.31, 0.4, 0.0], "share_satisficing": [0.5, 0.5, 0.25]})
    text = " ".join(report.robustness_findings(table, year=2040, parameters=10))
    assert ("Across 4 worlds drawn by Latin hypercube over the plausible ranges of 10 uncertain parameters, outcomes "
            "in 2040, <b>a</b> is best on GDP per person in the largest share of worlds, 3 of 4 worlds (75%), and "
            "<b>c</b> on poverty, 2 of 4 worlds (50%).") in text
    assert "<b>a</b> has the smallest maximum regret on GDP per person: in no world more than 13 som per person " \
           "below the best strategy (mean 3)" in text
    assert "<b>c</b> never above the best on poverty" in text
    assert "<b>a</b> and <b>b</b> satisfy most often: more GDP per person and less poverty than with no regional " \
           "budget in 2 of 4 worlds (50%)." in text
    none = table.assign(share_satisficing=0.0)
    assert "No strategy gives both" in report.robustness_findings(none)[-1]


@pytest.mark.slow
def test_report_without_robustness_gives_the_command(compared, tmp_path):
    bare = tmp_path / "bare compare"  # a space: the command must quote it
    shutil.copytree(compared, bare, ignore=shutil.ignore_patterns("robustness"))
    section = _section(report.build(bare).read_text())
    assert "Not run for this comparison" in section and "<img" not in section and "<table" not in section
    command = html.unescape(section)
    assert (f"regsim robustness --strategies none,equalisation_uniform,concentrated,concept_two_stage "
            f"--set scale.household_weight=300 --set time.end_year=2025 --out '{bare}/robustness'") in command
    assert f"regsim report '{bare}'" in command


def test_the_method_states_thresholds_relative_to_the_programme_and_the_correction():
    j = analysis.Judgement(confidence=1 - 0.1 / 3, overall_confidence=0.9, looks=3, practical_share=0.1)
    text = report.judgement_sentence(j)
    assert "10% of the present value of the budget allocated over the period" in text
    assert "10% of the budget allocated per person per year" in text
    assert "10% of the smaller of the two strategies' effects" in text
    assert "Holm" in text and "3 planned looks" in text and "at most 10% over all looks" in text
    plain = report.judgement_sentence(analysis.Judgement(practical_share=0.05, correction="none"))
    assert "5% of the present value" in plain and "not corrected" in plain and "Holm" not in plain


def _whole(shares: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"label": label, "unspent_share": share, "budget_available_total": 60e9,
                          "budget_unspent_total": share * 60e9, "budget_unallocated_total": 0.0,
                          "gdp_end_gain_per_som_absorbed": 0.12} for label, share in shares.items()])


def test_a_strategy_leaving_over_5_percent_unspent_is_flagged_beside_its_verdicts():
    whole = _whole({"concentrated": 0.02, "equalisation_uniform": 0.27})
    pairs = pd.DataFrame([{"a": "equalisation_uniform", "b": "concentrated", "outcome": o, "mean_diff": 1.0,
                           "low": -1.0, "high": 3.0, "verdict": "cannot be told apart with 10 replications"}
                          for o in paired.HEADLINE_OUTCOMES])
    flags = paired.unspent_flags(whole)
    assert list(flags) == ["equalisation_uniform"]
    frame = report.verdict_frame(pairs, ["equalisation_uniform", "concentrated"], 2018, 2040, 0.05, flags=flags)
    assert list(frame.index) == ["equal per person [27% unspent] vs 20 centres"]  # names as people say them
    (sentence,) = report.unspent_sentences(whole, ["concentrated", "equalisation_uniform"], 2040)
    assert "left 27% of its budget unspent by 2040 (16.2 of 60.0 bn som" in sentence
    assert "per som absorbed, its GDP in 2040 gains 0.120 som" in sentence
    assert report.unspent_sentences(_whole({"concentrated": 0.05}), ["concentrated"], 2040) == []
