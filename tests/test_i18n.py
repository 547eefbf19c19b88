"""Translations: every message has a Russian and a Kyrgyz translation; ``--lang ru|ky`` gives a report and
summary in that language.

The slow tests build one small comparison in Russian and read it as a deputy minister would: section 1
opens with the plain answer and the scorecard (in Chromium too), no English sentence is left, and the
printed A4 PDF keeps every column of the pairwise and headline tables. The same folder re-rendered with
``--lang ky`` is read the same way in Kyrgyz.
"""

import contextlib
import io
import re
import shutil
import string
import subprocess

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from helpers import first_section_in_chromium

from regsim import i18n
from regsim.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
KEYWORDS = {"_": None, "ngettext": (1, 2)}
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,-]+[A-Za-z][a-z']+){2,}\b")  # three English words in a row
SMALL = ["--strategies", "none,equalisation_uniform,concentrated,concept_two_stage", "--hybrid-shares", "0,1",
         "--replications", "2", "--executor", "serial", "--quiet", "--set", "scale.household_weight=300",
         "--set", "time.end_year=2020"]


def source_messages() -> set:
    """Every msgid the code passes to ``_`` or ``ngettext`` (a tuple for plurals)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(i18n.LOCALE_DIR.parent, keywords=KEYWORDS):
        found.add(message)
    return found


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_every_message_has_a_translation_with_the_same_fields(lang):
    with i18n.catalogue_path(lang).open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    messages = source_messages()
    assert len(messages) > 200  # the report, its figures and the terminal summary
    missing, wrong = [], []
    for message in messages:
        entry = catalogue.get(message if isinstance(message, str) else message[0])
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(message)
            continue
        ids = [message] if isinstance(message, str) else list(message)
        if any(fields(s) != fields(ids[-1]) for s in strings):
            wrong.append(message)
    assert not missing, f"untranslated in {i18n.catalogue_path(lang)}: {missing[:5]}"
    assert not wrong, f"translations whose {{fields}} differ from the English: {wrong[:5]}"


def test_language_is_chosen_and_checked():
    with i18n.using("ru"):
        assert i18n._("equal per person") != "equal per person"
        assert i18n.number(-101357.5, 1) == "\u2212101\u202f357,5"
        assert i18n.ngettext("{k} of {n} world ({share})", "{k} of {n} worlds ({share})", 5).endswith("миров ({share})")
    with i18n.using("ky"):
        assert i18n._("support of the 20 centres") == "20 өнүгүү борборун колдоо"  # the Concept's Kyrgyz term
        assert i18n.number(-101357.5, 1) == "\u2212101\u202f357,5"  # grouped as the NSC writes: 5 478,91 сом
    assert i18n.language() == "en" and i18n.number(-101357.5, 1) == "-101,357.5"
    with pytest.raises(i18n.LanguageError, match="unknown language 'xx'; allowed: en, ru, ky"):
        i18n.set_language("xx")


def test_cli_refuses_an_unknown_language(capsys):
    with pytest.raises(SystemExit):
        main(["report", "somewhere", "--lang", "xx"])
    assert "invalid choice: 'xx'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def russian(tmp_path_factory):
    out = tmp_path_factory.mktemp("ru") / "compare"
    assert main(["compare", *SMALL, "--out", str(out), "--lang", "ru"]) == 0
    return out


def visible_text(page: str) -> str:
    """The words a reader sees: no style, script, code, images or content marked ``lang='en'``."""
    page = re.sub(r"<(style|script|code)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<(td|p|span)[^>]*lang='en'[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


@pytest.mark.slow
def test_russian_report_has_no_english_sentence_and_opens_with_the_answer(russian, capsys):
    page = (russian / "report.html").read_text()
    assert "<html lang='ru'>" in page
    english = sorted(set(ENGLISH_RUN.findall(visible_text(page))))
    assert not english, f"untranslated English in the Russian report: {english[:10]}"
    section = page.split("<h2>1. Ответ</h2>", 1)[1]
    assert section.startswith("<div class='answer'><p>")
    after = section.split("</div>", 1)[1]
    assert after.startswith("<figure><img alt=\"сводная таблица стратегий\"")
    for name in ("scorecard.png", "scorecard.svg"):
        assert (russian / "figures" / name).stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_printed_pdf_keeps_every_column_of_the_pairwise_and_headline_tables(russian, tmp_path):
    from playwright.sync_api import sync_playwright

    from regsim.reporting import plots

    assert main(["report", str(russian), "--lang", "ru", "--pdf"]) == 0
    assert (russian / "report.pdf").read_bytes().startswith(b"%PDF")
    with sync_playwright() as p:  # the A4 page less its margins (190 mm wide), as print lays it out
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 718, "height": 1000})
        page.emulate_media(media="print")
        page.goto((russian / "report.html").as_uri())
        for cls in ("pairs", "whole", "headline", "oblasts"):
            right, width, columns = page.evaluate(
                "c => {const t = document.querySelector('table.' + c); const r = t.getBoundingClientRect();"
                " return [r.right, document.documentElement.clientWidth, t.rows[0].cells.length];}", cls)
            assert columns >= 3 and right <= width + 1, f"table.{cls} is {right:.0f} px wide on a {width} px page"
        # every figure's smallest text, at the size the figure is printed (PNG at EMBED_DPI, 96 CSS px an inch)
        images = page.evaluate("() => [...document.querySelectorAll('img')].map(i => [i.alt, "
                               "Number(i.dataset.fontPt), i.getBoundingClientRect().width, i.naturalWidth])")
        assert len(images) >= 10
        for alt, font_pt, shown_px, natural_px in images:
            printed = font_pt * shown_px * plots.EMBED_DPI / (96 * natural_px)
            assert printed >= plots.MIN_PRINT_PT - 0.05, f"{alt}: smallest text prints at {printed:.1f} pt"
        browser.close()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(russian / "report.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "человеко-годы в бедности за" in text  # the last column of the pairwise table, the decisive one
        assert "Концепция" in text


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_russian_report_in_chromium_opens_with_the_paragraph_and_the_scorecard(russian):
    found = first_section_in_chromium(russian / "report.html", CHROMIUM)
    assert found["heading"] == "1. Ответ" and found["answer"] == "answer" and found["first"] == "P"
    assert found["words"] > 30 and found["on_first_screen"]  # a paragraph, not a heading or a list
    assert found["figure"] == "FIGURE" and found["alt"] == "сводная таблица стратегий" and found["loaded"]


@pytest.fixture(scope="module")
def kyrgyz(russian, tmp_path_factory):
    """The Russian comparison's folder, its report re-rendered with ``--lang ky`` (no new runs)."""
    out = tmp_path_factory.mktemp("ky") / "compare"
    shutil.copytree(russian, out)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(out), "--lang", "ky"]) == 0
    (out / "terminal-ky.txt").write_text(printed.getvalue())  # what the CLI printed, read by the test below
    return out


@pytest.mark.slow
def test_kyrgyz_report_has_no_english_sentence_and_uses_the_official_terms(kyrgyz):
    page = (kyrgyz / "report.html").read_text()
    assert "<html lang='ky'>" in page
    text = visible_text(page)
    english = sorted(set(ENGLISH_RUN.findall(text)))
    assert not english, f"untranslated English in the Kyrgyz report: {english[:10]}"
    russian_words = [w for w in ("Ответ", "бедност", "повторени", "центров", "населённ") if w in text]
    assert not russian_words, f"Russian left in the Kyrgyz report: {russian_words}"
    section = page.split("<h2>1. Жооп</h2>", 1)[1]
    assert section.startswith("<div class='answer'><p>")
    assert section.split("</div>", 1)[1].startswith("<figure><img alt=\"стратегиялардын жыйынтык таблицасы\"")
    # the Concept's, the NSC's and the ministry's own Kyrgyz terms (sources in the catalogue's comments)
    for term in ("20 өнүгүү борборун колдоо", "кабыл алынган Концепция (эки этапта)", "жакырчылык", "ИДП",
                 "региондук бюджет", "Чүй облусу"):
        assert term in text, term
    assert (kyrgyz / "terminal-ky.txt").read_text().startswith("отчет: ")  # the CLI's own lines speak Kyrgyz


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_kyrgyz_report_in_chromium_opens_with_the_paragraph_and_the_scorecard(kyrgyz):
    found = first_section_in_chromium(kyrgyz / "report.html", CHROMIUM)
    assert found["heading"] == "1. Жооп" and found["answer"] == "answer" and found["first"] == "P"
    assert found["words"] > 30 and found["on_first_screen"]
    assert found["figure"] == "FIGURE" and found["alt"] == "стратегиялардын жыйынтык таблицасы" and found["loaded"]


@pytest.mark.slow
def test_russian_terminal_summary(russian, capsys):
    capsys.readouterr()
    assert main(["report", str(russian), "--lang", "ru"]) == 0
    assert capsys.readouterr().out.startswith("отчёт: ")  # the CLI's own lines speak Russian too
    from regsim.batch.compare import CompareResult, CompareSettings, Rounds
    from regsim.reporting import analysis, report

    with i18n.using("ru"):
        done = CompareResult(rounds=Rounds(replications=[10, 20], undecided=[3, 0], stopped="decided"), labels=6,
                             runs_done_now=120, seconds=96.0)
        line = done.message(CompareSettings(scenario="baseline", strategies=("none",), replications=None))
    assert line.startswith("прогонов: 120 (20 повторений x 6 стратегий") and not ENGLISH_RUN.findall(line)

    with i18n.using("ru"):
        text = report.terminal_text(analysis.load(russian))
    assert text.startswith("попарно: A минус B") and "весь период" in text
    assert not ENGLISH_RUN.findall(text.replace("t interval", ""))


@pytest.mark.slow
def test_map_colours_only_settlements_whose_interval_excludes_zero(russian):
    import numpy as np
    from matplotlib.colors import to_rgb

    from regsim.reporting import analysis, paired, plots

    comp = analysis.load(russian, require=("national", "oblasts", "settlements"))
    change = analysis.settlement_change_interval(comp)
    row = change[change.label == "concentrated"].iloc[0]
    t = comp.settlements
    s = t[(t.metric == "income_per_capita_som") & (t.year == comp.last_year) & (t.settlement_id == row.settlement_id)]
    wide = s.pivot_table(index="replication", columns="label", values="value")
    mean, _sd, low, high = paired.t_interval(100 * (wide.concentrated / wide.none - 1).to_numpy(),
                                             comp.judgement.confidence)
    assert np.isclose(row.value, mean) and np.isclose(row.low, low) and np.isclose(row.high, high)
    assert (change.decided == ((change.low > 0) | (change.high < 0))).all()
    part = change[change.label.isin(["concentrated", "equalisation_uniform"])]
    fig = plots.plot_maps(comp.world, part, title="")
    first = fig.axes[1]  # the key map comes first
    grey, coloured = first.collections[0], first.collections[1]
    undecided = int((~part[part.label == part.label.iloc[0]].decided).sum())
    assert len(grey.get_offsets()) == undecided and len(coloured.get_offsets()) == len(comp.world) - undecided
    assert np.allclose(grey.get_facecolors()[:, :3], to_rgb(plots.UNDECIDED_GREY))
    plots.close_all()

    # the explorer's map of A versus B (B pinned) greys the settlements where A and B cannot be told apart
    from regsim.explore import views

    versus = analysis.settlement_change_interval(comp, confidence=views.CONFIDENCE, reference="equalisation_uniform")
    versus = versus[versus.label == "concentrated"]
    wide = s.pivot_table(index="replication", columns="label", values="value")
    mean, _sd, low, high = paired.t_interval(
        100 * (wide.concentrated / wide.equalisation_uniform - 1).to_numpy(), views.CONFIDENCE)
    row = versus[versus.settlement_id == row.settlement_id].iloc[0]
    assert np.isclose(row.value, mean) and np.isclose(row.low, low) and np.isclose(row.high, high)
    ax = views.map_figure(comp, "concentrated", "equalisation_uniform", "income").axes[0]
    grey, coloured = ax.collections[0], ax.collections[1]
    assert len(grey.get_offsets()) == int((~versus.decided).sum())
    assert len(coloured.get_offsets()) == int(versus.decided.sum())
    assert len(ax.get_lines()) >= 8  # the oblast outlines


def test_pdf_without_a_browser_says_what_to_install(monkeypatch, tmp_path):
    from regsim.reporting import pdf

    monkeypatch.delenv(pdf.BROWSER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on it
    with pytest.raises(pdf.PdfError, match="--pdf needs headless Chromium and none was found .*apt-get install "
                                           "chromium"):
        pdf.print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    monkeypatch.setenv(pdf.BROWSER_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(pdf.PdfError, match="REGSIM_CHROMIUM=.*nowhere: no such executable"):
        pdf.find_browser()
