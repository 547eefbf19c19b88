"""The policy report: ``summary.csv``, ``figures/`` and one self-contained ``report.html``.

Built from a comparison batch directory only (``regsim compare`` writes one; ``regsim report DIR``
rebuilds it). Figures are embedded as PNG data, the page has no external links and prints. The
plain-language findings are generated from the same numbers as ``summary.csv``; those of the
robustness section from ``DIR/robustness/robustness.csv`` (``regsim compare --robustness N``).
"""

from __future__ import annotations

import html
import json
import math
import shlex
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from regsim import files
from regsim.errors import ExperimentError
from regsim.params import describe
from regsim.reporting import analysis, paired, plots
from regsim.reporting.analysis import BASELINE, Comparison

PATH_METRICS = (
    ("gdp_som", "GDP, bn som (2017 prices)", 1e9),
    ("gdp_per_capita_som", "GDP per person, thousand som", 1e3),
    ("poverty_rate", "Poverty rate, %", 0.01),
    ("theil_between_oblasts", "Theil index between oblasts", 1.0),
    ("migrants_abroad", "Migrants abroad, thousands", 1e3),
    ("share_pop_bishkek", "Share of population in Bishkek, %", 0.01),
)
MAIN_ORDER = ("equalisation_uniform", "equalisation_needs", "concentrated", "concentrated_hinterland",
              "concept_two_stage", "cash_transfers")
ROBUSTNESS_DIR = "robustness"
"""Sub-directory of a comparison holding ``regsim robustness`` results (``regsim compare --robustness N``)."""
ROBUSTNESS_CSV = "robustness.csv"
ROBUSTNESS_SUGGESTED_WORLDS = 20  # the --n default of regsim robustness, suggested for --robustness
SHARE_DIGITS = 0  # shares of worlds, in %
REGRET_GDP_DIGITS = 0  # som per person
REGRET_POVERTY_DIGITS = 2  # percentage points
ROBUSTNESS_COLUMNS = (  # CSV column, heading in the report, kind of number
    ("share_best_gdp", "best on GDP per person, % of worlds", "share"),
    ("share_best_poverty", "best on poverty, % of worlds", "share"),
    ("mean_regret_gdp_pc_som", "mean regret on GDP per person, som per person", "gdp"),
    ("max_regret_gdp_pc_som", "maximum regret on GDP per person, som per person", "gdp"),
    ("mean_regret_poverty_points", "mean regret on poverty, percentage points", "poverty"),
    ("max_regret_poverty_points", "maximum regret on poverty, percentage points", "poverty"),
    ("share_satisficing", "satisficing (more GDP, less poverty than none), % of worlds", "share"),
)


def _fmt(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def _range(values: tuple[float, float, float], digits: int = 1) -> str:
    p10, med, p90 = values
    return f"{_fmt(med, digits)} ({_fmt(p10, digits)} to {_fmt(p90, digits)})"


def summary_value(summary: pd.DataFrame, strategy: str, metric: str, year: int, column: str) -> float:
    """One cell of the summary table."""
    row = summary[(summary.strategy == strategy) & (summary.metric == metric) & (summary.year == year)]
    if row.empty:
        raise ExperimentError(f"summary has no {metric} for {strategy} in {year}")
    return float(row[column].iloc[0])


CONCEPT = "concept_two_stage"
OUTPUT_FILES = ("summary.csv", "pairwise.csv", "whole_period.csv", "distance_bands.csv", "distance_bands_versus.csv")


def outcome_phrase(outcome: str, first: int, last: int, discount_rate: float) -> str:
    """What an outcome is, in words with its years: "GDP per person in 2040"."""
    return {"gdp_per_capita_end": f"GDP per person in {last}",
            "gdp_pv": f"GDP over {first}-{last} (present value at {discount_rate:.0%} a year)",
            "poverty_rate_end": f"the poverty rate in {last}",
            "poverty_person_years": f"person-years in poverty over {first}-{last}",
            "theil_between_end": f"inequality between oblasts (Theil) in {last}"}[outcome]


READING = {  # outcome -> (scale, format, unit) of a difference as a reader sees it
    "gdp_per_capita_end": (1.0, ",.0f", "som"),
    "gdp_pv": (1e9, ",.1f", "bn som"),
    "poverty_rate_end": (0.01, ",.2f", "points"),
    "poverty_person_years": (1.0, ",.0f", "person-years"),
    "theil_between_end": (1.0, ".4f", ""),
}


def amount(outcome: str, value: float, signed: bool = False, unit: bool = True) -> str:
    """A difference in the outcome's reading unit: som, bn som, points, person-years or index."""
    if not math.isfinite(value):
        return "unbounded"
    scale, fmt, name = READING[outcome]
    text = format(value / scale, ("+" if signed else "") + fmt)
    return f"{text} {name}" if unit and name else text


def pct(confidence: float) -> str:
    """A confidence level as a reader sees it: 90%, or 96.7% where the looks of auto adjusted it."""
    text = f"{100 * confidence:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _bounds(outcome: str, low: float, high: float) -> str:
    """``low to high unit``: an interval with its unit once."""
    return f"{amount(outcome, low, unit=False)} to {amount(outcome, high)}"


def verdict_sentence(row: Any, first: int, last: int, discount_rate: float) -> str:
    """One pair on one outcome in words, with the mean paired difference and its interval."""
    what = outcome_phrase(row.outcome, first, last, discount_rate)
    ci = f"{pct(row.confidence)} CI {_bounds(row.outcome, row.low, row.high)}"
    a, b = f"<b>{html.escape(row.a)}</b>", f"<b>{html.escape(row.b)}</b>"
    diff = f"difference {amount(row.outcome, row.mean_diff, signed=True)}"
    if row.verdict.startswith("cannot be told apart"):
        return f"On {what}, {a} and {b} {row.verdict} ({diff}, {ci})."
    if row.verdict == paired.EQUAL:
        return (f"On {what}, {a} and {b} are practically equal ({diff}, {ci}, inside the practical threshold of "
                f"&plusmn;{amount(row.outcome, row.threshold)}).")
    leader = row.a if row.verdict == f"{row.a} ahead" else row.b
    other = row.b if leader == row.a else row.a
    return (f"On {what}, <b>{html.escape(leader)}</b> is ahead of <b>{html.escape(other)}</b> ({row.a} minus "
            f"{row.b}: {amount(row.outcome, row.mean_diff, signed=True)}, {ci}).")


def leaders(pairs: pd.DataFrame, labels: list[str], outcome: str) -> tuple[str | None, list[str]]:
    """The label ahead of every other on ``outcome`` by the intervals (or None), and the top group.

    The top group: labels that no other label is ahead of.
    """
    part = pairs[(pairs.outcome == outcome) & pairs.a.isin(labels) & pairs.b.isin(labels)]
    behind = set()
    wins: dict[str, int] = dict.fromkeys(labels, 0)
    for row in part.itertuples():
        if row.verdict == f"{row.a} ahead":
            behind.add(row.b)
            wins[row.a] += 1
        elif row.verdict == f"{row.b} ahead":
            behind.add(row.a)
            wins[row.b] += 1
    top = [label for label in labels if label not in behind]
    best = next((label for label in labels if wins[label] == len(labels) - 1), None)
    return best, top


def verdict_findings(comp: Comparison, pairs: pd.DataFrame, whole: pd.DataFrame) -> list[str]:
    """The first section: what the intervals support, and nothing more.

    No strategy is called best unless its interval is ahead of every other strategy's; pairs that
    cannot be told apart are said to be so, with the number of replications.
    """
    years = sorted(comp.national.year.unique())
    first, last = (years[1] if len(years) > 1 else years[0]), comp.last_year
    labels = [label for label in comp.labels if not label.startswith("hybrid ")]
    if len(labels) < 2:
        return ["Only the counterfactual was run: nothing to compare."]
    return [_method_sentence(comp, first), *_leader_sentences(comp, pairs, labels, first, last),
            *_focus_sentences(comp, pairs, labels, first, last), *_cost_sentences(comp, whole, labels, first, last),
            *unspent_sentences(whole, labels, last),
            "Which strategy wins depends on beliefs, not on the code: the gap between concentration and "
            "equalisation grows with the agglomeration elasticity and shrinks with the congestion elasticity "
            "(scenarios <code>strong-agglomeration</code> and <code>strong-congestion</code>); see section 9."]


def _method_sentence(comp: Comparison, first: int) -> str:
    """How the comparison was made: same budget, world and draws; paired intervals; the stopping rule."""
    j, n = comp.judgement, comp.replications
    budget_rows = comp.national[(comp.national.metric == "budget_available_som") & (comp.national.year == first)]
    budget = float(budget_rows.value.median()) / 1e9 if len(budget_rows) else float("nan")
    rounds = comp.record or {}
    how = (f" Replications were added in rounds ({', '.join(str(k) for k in rounds.get('rounds', []))}) until every "
           "headline difference was decided" + (" and stopped there" if rounds.get("stopped") == "decided" else
                                              f"; the cap of {rounds.get('max_replications')} was reached first")
           + f"; each look is judged at {j.confidence:.1%} so that the {j.looks} planned looks keep the overall "
           f"{j.overall_confidence:.0%} (Bonferroni over looks)." if rounds.get("replications_mode") == "auto" else "")
    level = "a Student-t confidence interval" if j.correction == "holm" else \
        f"a {pct(j.confidence)} Student-t confidence interval"
    return (f"All strategies get the same regional development budget ({_fmt(budget, 2)} bn som in {first}, 2017 "
            f"prices), the same world and the same random draws: replication k has the same seed under every "
            f"strategy, so each difference below is taken replication by replication (paired) and shown as the mean "
            f"over {n} replications with {level}.{how} " + judgement_sentence(j, comp.record))


def judgement_sentence(j: analysis.Judgement, record: dict | None = None) -> str:
    """What "ahead" and "practically equal" mean: thresholds relative to the programme, and the correction.

    The same words go to the report and, through ``comparison.json``, to anyone reading the files.
    """
    share = f"{j.practical_share:.0%}"
    text = ("\"Ahead\" means the interval excludes zero; \"practically equal\" that it lies inside a practical "
            f"threshold relative to the programme: {share} of the present value of the budget allocated over the "
            f"period (discounted like GDP) for the present value of GDP; {share} of the budget allocated per person "
            f"per year for GDP per person; {share} of the smaller of the two strategies' effects versus no budget "
            f"for poverty (against no budget itself, {share} of the largest effect of any strategy). The threshold "
            "of every pair is in <code>pairwise.csv</code>.")
    if j.correction != "holm":
        return text + " The intervals are not corrected for multiple comparisons (<code>--correction none</code>)."
    looks = (f" in each of the {j.looks} planned looks, so at most {1 - j.overall_confidence:.0%} over all looks"
             if j.looks > 1 else "")
    return text + (" The verdicts are corrected for multiple comparisons: Holm's step-down over the whole table of "
                   "pairs of strategies and headline outcomes (with Shaffer's count: a pair's \"no difference\" and "
                   "\"a difference of at least the threshold\" cannot both be true), so the chance that any verdict "
                   f"in the table is spurious is at most {1 - j.confidence:.2g}{looks}. Each interval is shown at the "
                   "level at which its verdict was reached (the stricter the earlier in the step-down), so the "
                   "verdict can be read off it; <code>pairwise.csv</code> also has the uncorrected intervals and "
                   "verdicts.")


def unspent_sentences(whole: pd.DataFrame, labels: list[str], last: int) -> list[str]:
    """Per strategy that left over 5% of its budget unspent by ``last``: how much, and its GDP gain per som absorbed."""
    flags = paired.unspent_flags(whole[whole.label.isin(labels)])
    out = []
    for label, (share, per_som) in flags.items():
        row = whole.set_index("label").loc[label]
        never = float(row.get("budget_unallocated_total", math.nan))
        split = (f": {_fmt(never / 1e9, 1)} bn never allocated by the strategy, "
                 f"{_fmt((row.budget_unspent_total - never) / 1e9, 1)} bn allocated but not absorbed by {last}"
                 if math.isfinite(never) else "")
        out.append(f"<b>{html.escape(label)}</b> left {share:.0%} of its budget unspent by {last} "
                   f"({_fmt(row.budget_unspent_total / 1e9, 1)} of {_fmt(row.budget_available_total / 1e9, 1)} bn "
                   f"som{split}), so its verdicts compare less money put to use; per som absorbed, its GDP in {last} "
                   f"gains {_fmt(per_som, 3)} som.")
    return out


def _flagged(label: str, flags: dict[str, tuple[float, float]]) -> str:
    """A label with its unspent share beside it when it left more than 5% of its budget unspent."""
    return f"{label} [{flags[label][0]:.0%} unspent]" if label in flags else label


def _leader_sentences(comp: Comparison, pairs: pd.DataFrame, labels: list[str], first: int, last: int) -> list[str]:
    """Per headline outcome: the strategy ahead of every other, or the lead group none is ahead of."""
    n = comp.replications
    out = []
    for outcome in paired.HEADLINE_OUTCOMES:
        what = outcome_phrase(outcome, first, last, comp.judgement.discount_rate)
        best, top = leaders(pairs, labels, outcome)
        if best is not None:
            out.append(f"On {what}, <b>{html.escape(best)}</b> is ahead of every other strategy.")
        elif len(top) == 1:
            out.append(f"On {what}, no other strategy is ahead of <b>{html.escape(top[0])}</b>, but it is not ahead "
                       f"of all of them either: some cannot be told apart from it with {n} replications, or are "
                       "practically equal (see the table).")
        else:
            out.append(f"On {what}, no strategy is ahead of every other. The lead group, which no other strategy is "
                       f"ahead of, is {_names(top)}: within it, the pairs cannot be told apart with {n} replications "
                       "or are practically equal.")
    return out


def _focus_sentences(comp: Comparison, pairs: pd.DataFrame, labels: list[str], first: int, last: int) -> list[str]:
    """One sentence per headline outcome for concentration vs equalisation and the Concept vs no budget."""
    focus = [("concentrated", "equalisation_uniform")] + ([(CONCEPT, BASELINE)] if CONCEPT in labels else [])
    table = pairs.set_index(["a", "b", "outcome"])
    out = []
    for a, b in focus:
        if a not in labels or b not in labels:
            continue
        key = (a, b) if (a, b, paired.HEADLINE_OUTCOMES[0]) in table.index else (b, a)
        for outcome in paired.HEADLINE_OUTCOMES:
            row = SimpleNamespace(**table.loc[(*key, outcome)].to_dict(), a=key[0], b=key[1], outcome=outcome)
            out.append(verdict_sentence(row, first, last, comp.judgement.discount_rate))
    return out


def _cost_sentences(comp: Comparison, whole: pd.DataFrame, labels: list[str], first: int, last: int) -> list[str]:
    """Cost per person-year out of poverty, claimed only where the person-years avoided are above zero."""
    n, j = comp.replications, comp.judgement
    cost = whole[whole.label.isin([label for label in labels if label != BASELINE])].set_index("label")
    supported = cost[cost.poverty_person_years_avoided_low > 0]  # person-years avoided: interval above zero
    cheapest = supported.som_per_person_year_out_of_poverty.dropna()
    unclear = [label for label in cost.index if label not in supported.index]
    out = []
    if unclear:
        out.append(f"Over {first}-{last}, the person-years in poverty avoided by {_names(unclear)} cannot be "
                   f"told from zero with {n} replications, so no cost per person-year out of poverty is claimed "
                   "for them (the table below gives the ratio of means for reference).")
    if len(cheapest):
        lab = cheapest.idxmin()
        row = cost.loc[lab]
        out.append(f"Per som, <b>{html.escape(str(lab))}</b> takes people out of poverty most cheaply of the "
                   "strategies whose person-years avoided are above zero by the interval: "
                   f"{_fmt(row.som_per_person_year_out_of_poverty, 0)} som per person-year out of poverty over "
                   f"{first}-{last} ({_fmt(row.poverty_person_years_avoided, 0)} person-years avoided, "
                   f"{pct(j.confidence)} CI {_fmt(row.poverty_person_years_avoided_low, 0)} to "
                   f"{_fmt(row.poverty_person_years_avoided_high, 0)}, for {_fmt(row.budget_allocated_total / 1e9, 1)} "
                   "bn som allocated); a ratio of means, read it with the interval of the person-years.")
    return out


def interval_words(j: analysis.Judgement) -> str:
    """The interval of a verdict table in words: at a fixed level, or at the level Holm's step-down judged it."""
    if j.correction == "holm":
        return ("Student-t interval, at the level at which the Holm-corrected verdict was reached "
                f"({pct(j.confidence)} for the table as a whole; a strategy marked [x% unspent] left that share of "
                "its budget unspent)")
    return f"{pct(j.confidence)} Student-t interval"


def verdict_frame(pairs: pd.DataFrame, labels: list[str], first: int, last: int, discount_rate: float,
                  html_cells: bool = True, flags: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Pairs (rows) by headline outcome (columns): verdict, mean difference and interval in each cell.

    ``flags`` (:func:`regsim.reporting.paired.unspent_flags`): strategies named with the share of their
    budget left unspent beside them.
    """
    flags = flags or {}
    part = pairs[pairs.a.isin(labels) & pairs.b.isin(labels) & pairs.outcome.isin(paired.HEADLINE_OUTCOMES)]
    data: dict[str, dict[str, str]] = {}
    for row in part.itertuples():
        if row.verdict == paired.EQUAL:
            word = "practically equal"
        elif row.verdict.startswith("cannot"):
            word = "cannot tell"
        else:
            word = row.verdict
        cell = (f"{word}: {amount(row.outcome, row.mean_diff, signed=True, unit=False)} "
                f"[{amount(row.outcome, row.low, unit=False)}, {amount(row.outcome, row.high, unit=False)}]")
        pair = f"{_flagged(row.a, flags)} vs {_flagged(row.b, flags)}"
        data.setdefault(outcome_phrase(row.outcome, first, last, discount_rate), {})[pair] = cell
    return pd.DataFrame(data)


def whole_period_frame(whole: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """The whole-period table for the report and the terminal, with units."""
    ci = f"{pct(confidence)} CI"
    frame = pd.DataFrame({
        f"GDP present value vs none, bn som ({ci})": [
            f"{r.gdp_pv_gain / 1e9:+,.1f} ({r.gdp_pv_gain_low / 1e9:,.1f} to {r.gdp_pv_gain_high / 1e9:,.1f})"
            for r in whole.itertuples()],
        f"person-years in poverty avoided ({ci})": [
            f"{r.poverty_person_years_avoided:+,.0f} ({r.poverty_person_years_avoided_low:,.0f} to "
            f"{r.poverty_person_years_avoided_high:,.0f})" for r in whole.itertuples()],
        "budget allocated, bn som": [_fmt(v / 1e9, 1) for v in whole.budget_allocated_total],
        "som per person-year out of poverty": [_fmt(v, 0) for v in whole.som_per_person_year_out_of_poverty],
        "budget unspent at the end, %": [_fmt(100 * v, 1) for v in whole.get("unspent_share", [math.nan] * len(whole))],
        "last-year GDP gain per som absorbed": [_fmt(v, 3) for v in whole.get("gdp_end_gain_per_som_absorbed",
                                                                               [math.nan] * len(whole))],
    }, index=pd.Index(whole.label, name="strategy"))
    return frame


def terminal_text(comp: Comparison, pairs: pd.DataFrame | None = None, whole: pd.DataFrame | None = None) -> str:
    """What ``regsim compare`` prints: the pairwise verdicts, whole-period outcomes and the headline medians."""
    j = comp.judgement
    pairs = analysis.pairwise_table(comp) if pairs is None else pairs
    whole = analysis.whole_period_table(comp) if whole is None else whole
    years = sorted(comp.national.year.unique())
    first, last = (years[1] if len(years) > 1 else years[0]), comp.last_year
    labels = [label for label in comp.labels if not label.startswith("hybrid ")]
    flags = paired.unspent_flags(whole[whole.label.isin(labels)])
    verdicts = verdict_frame(pairs, labels, first, last, j.discount_rate, flags=flags)
    main = whole[~whole.label.str.startswith("hybrid ")]
    interval = (f"t interval at the level each verdict was reached; Holm-corrected, {pct(j.confidence)} for the "
                "table" if j.correction == "holm" else f"{pct(j.confidence)} t interval")
    notes = "".join(f"\n[x% unspent]: {paired.unspent_note(label, *flag, last)}" for label, flag in flags.items())
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 70):
        return (f"pairwise: A minus B, mean over {comp.replications} paired replications [{interval}]; practically "
                f"equal = inside {j.practical_share:.0%} of the programme's budget (GDP) or of the smaller effect "
                f"versus none (poverty); 'cannot tell' = cannot be told apart with {comp.replications} replications\n"
                + verdicts.to_string() + notes + f"\n\nwhole period {first}-{last} versus none (GDP discounted at "
                f"{j.discount_rate:.0%} a year):\n" + whole_period_frame(main, j.confidence).to_string()
                + "\n\n" + headline_text(comp))


def findings(comp: Comparison, summary: pd.DataFrame) -> list[str]:
    """Plain-language findings, every number taken from ``summary`` (paired versus ``none``)."""
    year = comp.last_year
    n_rep = comp.replications
    labels = [label for label in comp.labels if label != BASELINE and not label.startswith("hybrid ")]
    if not labels:
        return ["Only the counterfactual was run: nothing to compare."]

    def gdp(label: str, col: str) -> float:
        return summary_value(summary, label, "gdp_som", year, col) / 1e9

    def pov(label: str, col: str) -> float:
        return 100 * summary_value(summary, label, "poverty_rate", year, col)

    def poor(label: str, col: str) -> float:
        return -summary_value(summary, label, "poor_people", year, col)

    budget = summary_value(summary, labels[0], "budget_available_som", year, "median") / 1e9
    base_gdp = summary_value(summary, BASELINE, "gdp_som", year, "median") / 1e9
    out = [f"All strategies get the same regional development budget, {_fmt(budget, 2)} bn som a year (2017 prices), "
           f"the same world and the same random draws; figures are medians over {n_rep} replications with the "
           f"10-90% range in brackets, each compared with no regional budget on the same replication. "
           f"Without the programme GDP reaches {_fmt(base_gdp, 0)} bn som in {year}."]
    best_gdp = max(labels, key=lambda lab: gdp(lab, "diff_median"))
    out.append(f"<b>{best_gdp}</b> raises {year} GDP most: by {_fmt(gdp(best_gdp, 'diff_median'), 2)} bn som "
               f"({_fmt(gdp(best_gdp, 'diff_p10'), 2)} to {_fmt(gdp(best_gdp, 'diff_p90'), 2)}), "
               f"{_fmt(100 * gdp(best_gdp, 'diff_median') / base_gdp, 2)}% of GDP.")
    best_pov = min(labels, key=lambda lab: pov(lab, "diff_median"))
    out.append(f"<b>{best_pov}</b> reduces poverty most: the {year} poverty rate changes by "
               f"{_fmt(pov(best_pov, 'diff_median'), 2)} points ({_fmt(pov(best_pov, 'diff_p10'), 2)} to "
               f"{_fmt(pov(best_pov, 'diff_p90'), 2)}), about {_fmt(poor(best_pov, 'diff_median'), 0)} fewer "
               f"people in poverty.")
    if best_gdp != best_pov:
        out.append("The ranking on poverty differs from the ranking on GDP: the growth-equity trade-off is "
                   "real under these beliefs (see the frontier figure).")
    if {"concentrated", "equalisation_uniform"} <= set(labels):
        wins, total = analysis.share_better(comp, "concentrated", "equalisation_uniform", "gdp_som")
        pwins, _ = analysis.share_better(comp, "concentrated", "equalisation_uniform", "poverty_rate",
                                         higher_is_better=False)
        gap = gdp("concentrated", "diff_median") - gdp("equalisation_uniform", "diff_median")
        out.append(f"Concentrated support of the 20 growth centres gives higher {year} GDP than uniform "
                   f"equalisation in {wins} of {total} replications (difference of medians "
                   f"{_fmt(gap, 2)} bn som) and lower poverty in {pwins} of {total}.")
    if "concept_two_stage" in labels:
        out.append(f"The Concept as adopted (two stages) changes {year} GDP by "
                   f"{_fmt(gdp('concept_two_stage', 'diff_median'), 2)} bn som and poverty by "
                   f"{_fmt(pov('concept_two_stage', 'diff_median'), 2)} points against no programme.")
    out.append("Which strategy wins depends on beliefs, not on the code: the gap between concentration and "
               "equalisation grows with the agglomeration elasticity and shrinks with the congestion elasticity "
               "(scenarios <code>strong-agglomeration</code> and <code>strong-congestion</code>), and large "
               "budgets hit the smaller absorption capacity of villages. The budget is about 0.5% of GDP, so "
               "effects are of the order of a percent of GDP; read the ranges, not only the medians.")
    return out


def _headline_frame(rows: list[analysis.Headline]) -> pd.DataFrame:
    data = {}
    for row in rows:
        data[row.label] = {title: _range(row.values[key], 0 if key in ("out_of_poverty", "som_per_person_lifted")
                                         else 2 if key != "theil_between_change" else 4)
                           for key, title in analysis.HEADLINE_ROWS}
    return pd.DataFrame(data)


def headline_text(comp: Comparison) -> str:
    """The headline table for the terminal."""
    frame = _headline_frame(analysis.headline(comp))
    main = [c for c in frame.columns if not c.startswith("hybrid ")]
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40):
        return f"versus no regional budget, {comp.last_year}, median (10% to 90%) over {comp.replications} " \
               f"replications\n" + frame[main].to_string()


def _table_html(frame: pd.DataFrame, sortable: bool = False, index_name: str = "") -> str:
    cls = ' class="sortable"' if sortable else ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [index_name or frame.index.name or "", *frame.columns])
    body = "".join(
        "<tr><th>" + html.escape(str(idx)) + "</th>"
        + "".join(f"<td>{html.escape(v if isinstance(v, str) else _fmt(v, 2))}</td>" for v in row) + "</tr>"
        for idx, row in zip(frame.index, frame.itertuples(index=False), strict=True))
    return f"<div class='wide'><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _img(fig: Any, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{plots.figure_to_base64_png(fig)}">'


def _parameters_html(manifest: dict) -> str:
    params = manifest.get("base_params", {})
    rows_changed, rows_all = [], []
    for row in describe():
        section, name = row["key"].split(".", 1)
        value = params.get(section, {}).get(name, row["default"])
        line = (f"<tr><td><code>{row['key']}</code></td><td>{html.escape(str(value))}</td>"
                f"<td>{html.escape(str(row['default']))}</td><td>{html.escape(row['unit'])}</td>"
                f"<td>{html.escape(row['source'])}</td></tr>")
        rows_all.append(line)
        if value != row["default"]:
            rows_changed.append(line)
    head = "<tr><th>parameter</th><th>value</th><th>default</th><th>unit</th><th>source</th></tr>"
    changed = (f"<table>{head}{''.join(rows_changed)}</table>" if rows_changed
               else "<p>All parameters at their documented defaults.</p>")
    varied = manifest.get("varied", [])
    return (f"<p>Varied across runs: {', '.join(f'<code>{v}</code>' for v in varied) or 'none'}.</p>"
            f"<h3>Parameters that differ from the defaults</h3>{changed}"
            f"<details><summary>All {len(rows_all)} parameters</summary><table>{head}{''.join(rows_all)}</table>"
            "</details>")


CSS = """
body{font-family:Georgia,'DejaVu Serif',serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
.lead li{margin:.4em 0}img{max-width:100%;height:auto;display:block;margin:1em 0}
table{border-collapse:collapse;font-family:'DejaVu Sans',Arial,sans-serif;font-size:.85em;margin:1em 0}
th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}th{background:#eee}
td:first-child,th:first-child{text-align:left}
table.sortable th{cursor:pointer}.wide{overflow-x:auto}.note{color:#555;font-size:.9em}code{font-size:.9em}
.nowrap{white-space:nowrap}.small img{max-width:560px}
@media print{h2{page-break-before:auto}img{page-break-inside:avoid}details{display:block}}
"""
SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){th.addEventListener('click', function(){
 var table=th.closest('table'), body=table.tBodies[0], rows=Array.from(body.rows), asc=th.dataset.asc!=='1';
 rows.sort(function(a,b){var x=a.cells[col].innerText.replace(/[,%]/g,''), y=b.cells[col].innerText.replace(/[,%]/g,'');
  var nx=parseFloat(x), ny=parseFloat(y); var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny; return asc?c:-c;});
 rows.forEach(function(r){body.appendChild(r);}); th.dataset.asc=asc?'1':'0';});});
"""


def _validation_section(comp: Comparison, folder: Path) -> str:
    """Section 8: the validation targets, read off the runs of the scenario's own strategy."""
    from regsim import scenario as scenario_mod
    from regsim.data import loader
    from regsim.errors import RegsimError
    from regsim.results import RunResult
    from regsim.studies import validation

    try:  # the strategy the scenario itself prescribes (the Concept for the baseline)
        strategy = scenario_mod.load(str(comp.manifest.get("scenario", "baseline"))).params.policy.strategy
    except RegsimError:
        strategy = None
    runs_of = comp.design[comp.design.label == strategy].run_id.tolist()
    if not runs_of or comp.settlements is None or comp.last_year < validation.VALIDATION_END_YEAR:
        return ("<h2>8. How well the model fits the data</h2><p>Not available for this batch (it needs runs of "
                "the scenario's own strategy to 2022 or later); run <code>regsim validate</code>.</p>")
    runs = [RunResult(national=comp.national[comp.national.run_id == r],
                      oblasts=comp.oblasts[comp.oblasts.run_id == r],
                      settlements=comp.settlements[comp.settlements.run_id == r], world=comp.world)
            for r in runs_of]
    table = validation.validate(runs, validation.targets(loader.load_kyrgyz_data()))
    files.atomic_write(folder / "validation.csv", lambda p: table.to_csv(p, index=False))
    shown = table.set_index("target")[["year", "observed", "simulated_median", "p10", "p90", "tolerance", "ok"]]
    shown = shown.assign(year=shown.year.map(lambda y: "" if pd.isna(y) else str(int(y))),  # not 2,018.00
                         ok=shown.ok.map({True: "yes", False: "no"}))
    met = int(table.ok.sum())
    return (f"<h2>8. How well the model fits the data</h2><p>{met} of {len(table)} targets met by the "
            f"<code>{html.escape(str(strategy))}</code> runs of this comparison (2017: calibrated; 2018-2022: out of "
            "sample; tolerances follow the quality of the data and are stated, not tuned). Known gaps: poverty does "
            "not fall after 2017 as fast as observed. See docs/validation.md.</p>" + _table_html(shown, True, "target"))


def _share(share: float) -> str:
    """A share of worlds (fraction 0-1) in %."""
    return f"{_fmt(100 * share, SHARE_DIGITS)}%"


def _worlds(share: float, n: int) -> str:
    """``2 of 3 worlds (67%)`` from a share of ``n`` worlds."""
    return f"{round(share * n)} of {n} worlds ({_share(share)})"


def _names(names: list[str]) -> str:
    """Bold strategy names joined as ``a, b and c``."""
    bold = [f"<b>{html.escape(name)}</b>" for name in names]
    return bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " and " + bold[-1]


def _leaders(table: pd.DataFrame, column: str, largest: bool) -> list[str]:
    """Strategies with the largest (or smallest) value of ``column``; several on a tie."""
    target = table[column].max() if largest else table[column].min()
    return table.loc[table[column] == target, "strategy"].astype(str).tolist()


def robustness_findings(table: pd.DataFrame, year: int | None = None, parameters: int | None = None) -> list[str]:
    """Plain-language findings from ``robustness.csv``; every number is read from ``table``.

    Args:
        table: ``regsim.studies.robustness.table`` (shares as fractions 0-1, GDP regret in som per person,
            poverty regret in percentage points).
        year: The year the outcomes are read in, if known.
        parameters: How many uncertain parameters the Latin hypercube varies, if known.
    """
    n = int(table.worlds.iloc[0])
    over = f"{parameters} uncertain parameters" if parameters else "the uncertain parameters"
    when = f", outcomes in {year}" if year else ""

    def one(names: list[str], single: str, several: str) -> str:
        return single if len(names) == 1 else several

    def value(names: list[str], column: str) -> float:  # tied leaders share the value
        return float(table.loc[table.strategy == names[0], column].iloc[0])

    gdp, pov = _leaders(table, "share_best_gdp", True), _leaders(table, "share_best_poverty", True)
    gdp_worlds, pov_worlds = _worlds(value(gdp, "share_best_gdp"), n), _worlds(value(pov, "share_best_poverty"), n)
    if gdp == pov:
        best = (f"{_names(gdp)} {one(gdp, 'is', 'are each')} best in the largest share of worlds both on GDP per "
                f"person, {gdp_worlds}, and on poverty, {pov_worlds}")
    else:
        best = (f"{_names(gdp)} {one(gdp, 'is', 'are each')} best on GDP per person in the largest share of worlds, "
                f"{gdp_worlds}, and {_names(pov)} on poverty, {pov_worlds}")
    out = [f"Across {n} worlds drawn by Latin hypercube over the plausible ranges of {over}{when}, {best}."]

    safe = _leaders(table, "max_regret_gdp_pc_som", False)
    safe_pov = _leaders(table, "max_regret_poverty_points", False)
    regret, regret_pov = value(safe, "max_regret_gdp_pc_som"), value(safe_pov, "max_regret_poverty_points")
    gdp_part = (f"{_names(safe)} {one(safe, 'is', 'are')} never below the best strategy on GDP per person"
                if regret == 0 else
                f"{_names(safe)} {one(safe, 'has', 'have')} the smallest maximum regret on GDP per person: in no "
                f"world more than {_fmt(regret, REGRET_GDP_DIGITS)} som per person below the best strategy"
                + (f" (mean {_fmt(value(safe, 'mean_regret_gdp_pc_som'), REGRET_GDP_DIGITS)})" if len(safe) == 1
                   else ""))
    pov_part = (f"{_names(safe_pov)} never above the best on poverty" if regret_pov == 0 else
                f"on poverty {_names(safe_pov)}, at most {_fmt(regret_pov, REGRET_POVERTY_DIGITS)} percentage "
                "points above the best")
    out.append(f"{gdp_part}; {pov_part}.")

    sat = _leaders(table, "share_satisficing", True)
    sat_worlds = _worlds(value(sat, "share_satisficing"), n)
    if value(sat, "share_satisficing") == 0:
        out.append("No strategy gives both more GDP per person and less poverty than no regional budget in any world.")
    elif len(sat) == len(table) and len(table) > 1:
        out.append(f"Every strategy gives both more GDP per person and less poverty than no regional budget in "
                   f"{sat_worlds}.")
    else:
        out.append(f"{_names(sat)} {one(sat, 'satisfices', 'satisfy')} most often: more GDP per person and less "
                   f"poverty than with no regional budget in {sat_worlds}.")
    return out


def _robustness_frame(table: pd.DataFrame) -> pd.DataFrame:
    """``robustness.csv`` formatted for the report: shares in %, regrets with their units."""
    digits = {"gdp": REGRET_GDP_DIGITS, "poverty": REGRET_POVERTY_DIGITS}
    shown = {heading: [_share(v) if kind == "share" else _fmt(v, digits[kind]) for v in table[column]]
             for column, heading, kind in ROBUSTNESS_COLUMNS}
    return pd.DataFrame(shown, index=pd.Index(table.strategy.astype(str), name="strategy"))


def _scenario_name(scenario: str) -> str:
    """The short name of a scenario path if it is one of scenarios/, else the path."""
    from regsim import scenario as scenario_mod

    target = Path(scenario).resolve()
    for name, path in scenario_mod.available().items():
        if Path(path).resolve() == target:
            return name
    return scenario


def _toml_value(value: Any) -> str:
    """A ``--set`` value as the command line takes it (TOML, or a bare word)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, str) else repr(value)


def robustness_command(comp: Comparison, folder: Path) -> str:
    """The ``regsim robustness`` command for a comparison: its scenario, strategies and ``--set`` values.

    The comparison's horizon and scale are passed too where they differ from the cheaper defaults of
    ``regsim robustness``, so that the worlds match the comparison.
    """
    from regsim.studies.robustness import DEFAULT_STRATEGIES, SCREEN_SETTINGS

    parts = ["regsim", "robustness"]
    scenario = _scenario_name(str(comp.manifest.get("scenario", "baseline")))
    if scenario != "baseline":
        parts += ["--scenario", scenario]
    strategies = [label for label in comp.labels if not label.startswith("hybrid ")]
    if set(strategies) | {BASELINE} != set(DEFAULT_STRATEGIES):
        parts += ["--strategies", ",".join(strategies)]
    fixed = dict(comp.manifest.get("fixed") or {})
    base = comp.manifest.get("base_params") or {}
    for key, screen in SCREEN_SETTINGS.items():
        section, name = key.split(".")
        value = base.get(section, {}).get(name)
        if key not in fixed and value is not None and value != screen:
            fixed[key] = value
    for key, value in fixed.items():
        parts += ["--set", f"{key}={_toml_value(value)}"]
    return shlex.join([*parts, "--out", str(folder / ROBUSTNESS_DIR)])


def _robustness_section(comp: Comparison, folder: Path, figures: Path) -> str:
    """Section 9: strategies across a Latin hypercube of beliefs, from ``DIR/robustness/robustness.csv``."""
    head = "<h2>9. Robustness across plausible worlds</h2>"
    path = folder / ROBUSTNESS_DIR / ROBUSTNESS_CSV
    again = (f"<code>{html.escape(robustness_command(comp, folder))}</code> and then "
             f"<code>{html.escape(shlex.join(['regsim', 'report', str(folder)]))}</code>")
    if not path.is_file():
        return (f"{head}<p>Not run for this comparison. To add it, run {again} (or run the comparison with "
                f"<code class='nowrap'>--robustness {ROBUSTNESS_SUGGESTED_WORLDS}</code>).</p>")
    table = pd.read_csv(path)
    missing = [c for c in ("strategy", "worlds", *(c for c, _, _ in ROBUSTNESS_COLUMNS)) if c not in table]
    if missing or table.empty:
        return (f"{head}<p><code>{html.escape(str(path))}</code> is incomplete (missing "
                f"{html.escape(', '.join(missing) or 'rows')}); run {again}.</p>")
    manifest_path = folder / ROBUSTNESS_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    year = (manifest.get("base_params") or {}).get("time", {}).get("end_year")
    varied = [key for key in manifest.get("varied", []) if key != analysis.STRATEGY_KEY]
    text = " ".join(robustness_findings(table, year, len(varied) or None))
    caveat = ""
    scenario, base = manifest.get("scenario"), comp.manifest.get("scenario")
    if (scenario and base and Path(scenario).resolve() != Path(base).resolve()) or (year and year != comp.last_year):
        caveat = (f" <b>These worlds differ from this comparison:</b> scenario "
                  f"<code>{html.escape(_scenario_name(str(scenario)))}</code> to {year}, the comparison "
                  f"<code>{html.escape(_scenario_name(str(base)))}</code> to {comp.last_year}.")
    fig = plots.plot_robustness(table)
    plots.save(fig, figures, "robustness")
    note = ("Each world is one set of beliefs (a Latin-hypercube point over the plausible ranges of "
            "<code>regsim params</code>) with one run per strategy. Best: the highest GDP per person, or the lowest "
            "poverty rate, among the strategies with a budget in that world. Regret: the shortfall from the best "
            "strategy in the same world, in som per person (2017 prices) or percentage points of the poverty rate; "
            "a strategy with a small maximum regret is never far from the best, whatever the beliefs. Satisficing: "
            "more GDP per person and less poverty than no regional budget in the same world. Rows by maximum regret "
            "on GDP per person, smallest first; click a heading to sort.")
    return (f"{head}<p>{text}{caveat}</p><p class='note'>{note}</p>"
            + _table_html(_robustness_frame(table), True, "strategy")
            + _img(fig, "robustness: share of worlds best and regret per strategy"))


@dataclass(frozen=True)
class _Context:
    """What every report section reads: the comparison, its derived tables and where figures go."""

    comp: analysis.Comparison
    pairs: pd.DataFrame
    whole: pd.DataFrame
    bands: pd.DataFrame
    versus: pd.DataFrame
    heads: list
    main: list[str]
    first: int
    year: int
    figures: Path
    folder: Path


def build(out_dir: str | Path) -> Path:
    """Write ``summary.csv``, ``figures/`` and ``report.html`` into a comparison batch directory.

    The report's sections, in order: the answer (verdicts), where incomes change (map and distance
    bands), paths, the growth-equity frontier, oblasts, the money, assumptions, validation, robustness.

    Raises:
        ExperimentError: naming what the directory lacks (national/, oblasts/, settlements/, none).
    """
    folder = Path(out_dir)
    comp = analysis.load(folder, require=("national", "oblasts", "settlements"))
    if comp.world is None:
        raise ExperimentError(f"{folder}: missing world.parquet (needed for the map)")
    if BASELINE not in comp.labels:
        raise ExperimentError(f"{folder}: the batch has no 'none' runs; a report compares against 'none'")
    c = _context(comp, folder)
    summary = analysis.full_summary(comp, c.pairs)
    for name, frame in zip(OUTPUT_FILES, (summary, c.pairs, c.whole, c.bands, c.versus), strict=True):
        files.atomic_write(folder / name, lambda p, f=frame: f.to_csv(p, index=False))
    sections = [_answer(c), _where_incomes_change(c), _paths(c), _frontier(c), _oblasts(c), _money(c),
                _assumptions(c), _validation_section(comp, folder), _robustness_section(comp, folder, c.figures)]
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>regsim: concentration or "
            f"equalisation</title><style>{CSS}</style></head><body><h1>Concentrated support or equalisation?</h1>"
            f"<p class='note'>regsim comparison of budget allocations for the Kyrgyz Republic, 2018-{c.year}. "
            "An agent-based model: results depend on the stated assumptions (section 7).</p>"
            + "".join(sections) + f"<script>{SORT_JS}</script></body></html>")
    path = folder / "report.html"
    files.write_text(path, page)
    plots.close_all()
    return path


def _context(comp: analysis.Comparison, folder: Path) -> _Context:
    """The comparison's derived tables (pairs, whole period, distance bands) and the labels shown."""
    pairs = analysis.pairwise_table(comp)
    bands = analysis.distance_band_table(comp)
    years = sorted(comp.national.year.unique())
    main = [label for label in (BASELINE, *MAIN_ORDER) if label in comp.labels]
    main += [label for label in comp.labels if label not in main and not label.startswith("hybrid ")]
    return (_Context(comp=comp, pairs=pairs, whole=analysis.whole_period_table(comp), bands=bands,
        versus=analysis.distance_band_versus(comp, bands), heads=analysis.headline(comp), main=main,
        first=years[1] if len(years) > 1 else years[0], year=comp.last_year,
        figures=folder / "figures", folder=folder))


def _answer(c: _Context) -> str:
    """Section 1, the answer: only what the paired intervals support."""
    comp, j, main, year, first = c.comp, c.comp.judgement, c.main, c.year, c.first
    items = "".join(f"<li>{f}</li>" for f in verdict_findings(comp, c.pairs, c.whole))
    verdicts = verdict_frame(c.pairs, main, first, year, j.discount_rate, flags=paired.unspent_flags(c.whole))
    return (
        f"<h2>1. The answer</h2><ul class='lead'>{items}</ul>"
        f"<h3>Every pair of strategies</h3><p class='note'>A minus B: verdict, mean paired difference over "
        f"{comp.replications} replications and its {interval_words(j)} in brackets. GDP per person "
        "in som (2017 prices), present value of GDP in bn som, poverty rate in percentage points, person-years in "
        "poverty in person-years. All pairs, the hybrid sweep too, are in <code>pairwise.csv</code>.</p>"
        + _table_html(verdicts, index_name="pair")
        + f"<h3>Over the whole period, {first}-{year}</h3><p class='note'>Versus no regional budget, mean over "
        "paired replications with the interval; the cost is the money allocated over the period divided by the "
        "person-years in poverty avoided (a ratio of means; not defined where none are avoided)."
        + (" <code>cash_transfers</code> is the people-based benchmark: the same money paid as the monthly benefit "
           "for low-income families is targeted (with its coverage of the poor and its leakage to the non-poor); "
           "a place-based strategy with a higher cost per person-year out of poverty buys poverty reduction more "
           "dearly than cash would, and must be justified by GDP." if "cash_transfers" in main else "")
        + _current_note(c.comp)
        + "</p>"
        + _table_html(whole_period_frame(c.whole[c.whole.label.isin(main)], j.confidence), index_name="strategy")
        + f"<h3>Headline table</h3><p class='note'>Versus no regional budget in {year}, median (10% to 90%) over "
        f"{comp.replications} replications: the spread of the paired differences, not a confidence interval.</p>"
        + _table_html(_headline_frame(c.heads)[[h.label for h in c.heads if not h.label.startswith('hybrid ')]],
                      index_name="measure"))


def _current_note(comp: analysis.Comparison) -> str:
    """What the regional money is (issue 24): the share of it that pays running costs, and what that means."""
    share = float((comp.manifest.get("base_params") or {}).get("policy", {}).get("current_share", 0.0) or 0.0)
    said = (f" Here {pct(share)} of each place-based allocation pays local running costs "
            "(<code>policy.current_share</code>) and builds nothing." if share > 0 else
            " Here every som of the place-based money builds capital, services or firms "
            "(<code>policy.current_share</code> = 0).")
    return (said + " The sources put about 77% of the Concept's 2.6 bn som in transfers that maintain subsidised "
            "local budgets, i.e. running costs; with that share the GDP return per som absorbed falls by one half to "
            "three quarters, while the money paid as local wages cuts poverty where it is spent (docs/issue24.md).")


def _where_incomes_change(c: _Context) -> str:
    """Section 2: the map, and spread and backwash by distance from the nearest centre."""
    comp, j, main, year, figures = c.comp, c.comp.judgement, c.main, c.year, c.figures
    change = analysis.settlement_change(comp)
    change = change[change.label.isin(main)]
    fig = plots.plot_maps(comp.world, change, comp.roads, title=f"Income per person in {year}, % change versus none")
    plots.save(fig, figures, "map_income_change")
    strategies = [label for label in main if label != BASELINE]
    fig_bands = plots.plot_distance_bands(c.versus, strategies)
    plots.save(fig_bands, figures, "distance_bands")
    base_bands = c.bands[c.bands.label == BASELINE].groupby("band", observed=True)[
        ["population", "income_per_capita_som", "poverty_rate", "employment_rate"]].mean()
    base_bands = base_bands.assign(population=base_bands.population.map(lambda v: f"{v:,.0f}"),
                                   income_per_capita_som=base_bands.income_per_capita_som.map(lambda v: f"{v:,.0f}"),
                                   poverty_rate=(100 * base_bands.poverty_rate).map(lambda v: f"{v:.1f}%"),
                                   employment_rate=(100 * base_bands.employment_rate).map(lambda v: f"{v:.1f}%"))
    base_bands.columns = ["population", "income per person, som", "poverty rate", "employment per resident"]
    return (
        "<h2>2. Where incomes change</h2><p class='note'>Each dot is a settlement (size: population; "
        "black outline: growth centre); village clusters are synthetic, placed within their rayon.</p>"
        + _img(fig, "map of income change by settlement")
        + f"<h3>Spread and backwash by distance from the nearest growth centre</h3><p class='note'>The Concept "
        "expects the growth centres to pull up their surroundings. Each row: one strategy minus no regional budget "
        f"in {year}, by road distance from the nearest of the 20 growth centres (the centres themselves, 0-30, "
        f"30-60, 60-120 and over 120 km); bars are mean paired differences, whiskers the {pct(j.confidence)} "
        "interval. A hinterland effect shows as gains that fade with distance; backwash as losses near the "
        "centres. Per run in <code>distance_bands.csv</code>, differences in "
        "<code>distance_bands_versus.csv</code>.</p>"
        + _img(fig_bands, "differences by distance band from the nearest growth centre")
        + f"<p class='note'>Without a regional budget in {year} (mean over replications):</p>"
        + _table_html(base_bands, index_name="distance band"))


def _paths(c: _Context) -> str:
    """Section 3: paths as differences with intervals; levels in smaller figures."""
    comp, j, main, figures = c.comp, c.comp.judgement, c.main, c.figures
    figs = []
    for metric, label, scale in PATH_METRICS:
        refs = [BASELINE] + ([CONCEPT] if CONCEPT in comp.labels and len(main) > 2 else [])
        fig, axes = plots.new_figure(ncols=len(refs), width=7 * len(refs), height=4)
        axes = [axes] if len(refs) == 1 else list(axes)
        for ax, ref in zip(axes, refs, strict=True):
            paths = paired.difference_paths(comp.national[comp.national.label.isin(main)], metric, ref, j.confidence)
            plots.plot_difference_paths(paths, f"difference: {label}", ax=ax, scale=scale,
                                        title=f"{label}: each strategy minus {ref}")
        plots.save(fig, figures, f"path_diff_{metric}")
        figs.append(_img(fig, f"{label}, difference"))
        small, ax = plots.new_figure(width=5.5, height=2.8)
        plots.plot_paths(analysis.bands(comp, metric, main), label, ax=ax, scale=scale)
        ax.set_title(f"{label}: levels", fontsize=9)
        ax.legend(fontsize=6, loc="best")
        plots.save(small, figures, f"path_{metric}")
        figs.append(f"<div class='small'>{_img(small, label + ', levels')}</div>")
    return (f"<h2>3. Paths over time</h2><p class='note'>Large figures: each strategy minus no regional "
        f"budget (left) and minus the Concept as adopted (right, where run), mean paired difference with "
        f"its {pct(j.confidence)} interval band; a band that leaves zero is a difference the replications "
        "support in that year. Small figures: levels, median and 10-90% band over replications.</p>"
        + "".join(figs))


def _frontier(c: _Context) -> str:
    """Section 4: the growth-equity frontier."""
    year, figures = c.year, c.figures
    points, hybrid = [], []
    for h in c.heads:
        x, y = h.values["gdp_gain_pct"], h.values["poverty_change_pp"]
        row = {"label": h.label, "x": x[1], "y": y[1], "x_p10": x[0], "x_p90": x[2], "y_p10": y[0], "y_p90": y[2]}
        if h.label.startswith("hybrid "):
            hybrid.append({"centre_share": float(h.label.split()[1]), "x": x[1], "y": y[1]})
        else:
            points.append(row)
    fig, ax = plots.new_figure()
    plots.plot_frontier(pd.DataFrame(points), pd.DataFrame(hybrid).sort_values("centre_share") if hybrid else None,
                        f"GDP {year}, % versus none", f"Poverty rate {year}, points versus none", ax=ax)
    plots.save(fig, figures, "frontier")
    return ("<h2>4. Growth versus equity</h2><p class='note'>Right is more output, down is less poverty; "
        "the curve is the hybrid strategy from all equalisation (0) to all centres (1).</p>"
        + _img(fig, "growth-equity frontier"))


def _oblasts(c: _Context) -> str:
    """Section 5: change by oblast."""
    comp, main, year, figures = c.comp, c.main, c.year, c.figures
    gdp_pc = analysis.oblast_change(comp, "gdp_per_capita_som", relative=True)
    poverty = 100 * analysis.oblast_change(comp, "poverty_rate", relative=False)
    cols = [c for c in main if c in gdp_pc.columns]
    table = pd.concat({"GDP per person %": gdp_pc[cols], "poverty points": poverty[cols]}, axis=1)
    table.columns = [f"{a}: {b}" for a, b in table.columns]
    fig, axes = plots.new_figure(ncols=2, width=14)
    plots.plot_heatmap(gdp_pc[cols], "GDP per person, % vs none", "{:.2f}", ax=axes[0])
    plots.plot_heatmap(poverty[cols], "Poverty rate, points vs none", "{:.2f}", ax=axes[1], lower_is_better=True)
    plots.save(fig, figures, "oblasts_heatmap")
    return (f"<h2>5. Oblasts</h2><p class='note'>Median change versus none in {year}; purple is better "
        "in both maps (more output, less poverty); click a column heading to sort.</p>"
        + _img(fig, "oblast heatmap") + _table_html(table, True, "oblast"))


def _money(c: _Context) -> str:
    """Section 6: where the money went."""
    comp, main, figures = c.comp, c.main, c.figures
    money = analysis.money_by_oblast(comp)
    money = money[money.label.isin(main) & (money.label != BASELINE)]
    fig, ax = plots.new_figure(height=6)
    plots.plot_money(money, ax=ax)
    plots.save(fig, figures, "money")
    totals = money.groupby("label")[["allocated", "absorbed", "returned", "lost"]].sum() / 1e9
    totals.index.name = "strategy"
    return ("<h2>6. Where the money went</h2><p class='note'>Sum over the whole run, bn som, median over "
        "replications; returned money exceeded what administrations could absorb.</p>"
        + _img(fig, "money by oblast") + _table_html(totals, True, "strategy"))


def _assumptions(c: _Context) -> str:
    """Section 7: assumptions and provenance (validation, section 8, follows it)."""
    comp = c.comp
    m = comp.manifest
    prov = (f"<p>Experiment <code>{html.escape(str(m.get('experiment')))}</code>, scenario "
            f"<code>{html.escape(str(m.get('scenario')))}</code>, {len(comp.design)} runs, "
            f"{comp.replications} replications, seed {m.get('seed')}; regsim {m.get('regsim_version')}, "
            f"commit {m.get('git_commit') or 'unknown'}; created {m.get('created_utc')}, "
            f"finished {m.get('finished_utc')}. Data: regsim/data/SOURCES.md; model: docs/ODD.md.</p>")
    return "<h2>7. Assumptions and provenance</h2>" + _parameters_html(m) + prov
