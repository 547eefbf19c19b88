"""regsim compare and the policy report: sections, numbers equal to summary.csv, a real render."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from regsim import analysis, report
from regsim.cli import main
from regsim.errors import ExperimentError

SMALL = ["--set", "scale.household_weight=300", "--set", "time.end_year=2022"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "compare"
    code = main(["compare", "--strategies", "none,equalisation_uniform,concentrated,concept_two_stage",
                 "--hybrid-shares", "0,1", "--replications", "3", "--executor", "serial", "--quiet",
                 "--out", str(out), *SMALL])
    assert code == 0
    return out


def test_compare_writes_everything(compared, capsys):
    for name in ("summary.csv", "report.html", "design.parquet", "manifest.json", "world.parquet", "roads.parquet"):
        assert (compared / name).is_file(), name
    for stem in ("map_income_change", "frontier", "oblasts_heatmap", "money", "path_gdp_som"):
        assert (compared / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (compared / "figures" / f"{stem}.svg").stat().st_size > 1000
    summary = pd.read_csv(compared / "summary.csv")
    assert list(summary.columns) == ["strategy", "metric", "year", "median", "p10", "p90", "diff_median",
                                     "diff_p10", "diff_p90"]
    assert set(summary.strategy) == {"none", "equalisation_uniform", "concentrated", "concept_two_stage",
                                     "hybrid 0.00", "hybrid 1.00"}
    none = summary[summary.strategy == "none"]
    assert np.allclose(none.diff_median.fillna(0), 0)


def test_report_has_every_section_and_is_self_contained(compared):
    page = (compared / "report.html").read_text()
    for heading in ("1. The answer", "2. Where incomes change", "3. Paths over time", "4. Growth versus equity",
                    "5. Oblasts", "6. Where the money went", "7. Assumptions and provenance",
                    "8. How well the model fits the data"):
        assert heading in page
    assert page.count("data:image/png;base64,") >= 10
    assert not re.search(r"(src|href)=['\"]https?://", page)  # no external links
    assert "class=\"sortable\"" in page and "<details>" in page
    assert "targets met by the <code>concept_two_stage</code> runs" in page  # validation section
    assert (compared / "validation.csv").is_file()


def test_findings_numbers_equal_summary(compared):
    summary = pd.read_csv(compared / "summary.csv")
    comp = analysis.load(compared, require=("national", "oblasts", "settlements"))
    text = " ".join(report.findings(comp, summary))
    page = (compared / "report.html").read_text()
    year = comp.last_year
    labels = ["equalisation_uniform", "concentrated", "concept_two_stage"]
    gdp = {lab: report.summary_value(summary, lab, "gdp_som", year, "diff_median") / 1e9 for lab in labels}
    best = max(gdp, key=gdp.get)
    assert f"<b>{best}</b> raises {year} GDP most: by {gdp[best]:,.2f} bn som" in text
    pov = {lab: 100 * report.summary_value(summary, lab, "poverty_rate", year, "diff_median") for lab in labels}
    best_pov = min(pov, key=pov.get)
    assert f"<b>{best_pov}</b> reduces poverty most: the {year} poverty rate changes by {pov[best_pov]:,.2f}" in text
    assert text.split("Without the programme")[0][:40] in page


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
