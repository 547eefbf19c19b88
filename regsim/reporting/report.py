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
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from regsim import files
from regsim.errors import ExperimentError
from regsim.i18n import GROUPED_BY_SPACE, _, language, ngettext, number, using
from regsim.params import describe
from regsim.reporting import analysis, names, paired, plots
from regsim.reporting.analysis import BASELINE, Comparison

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
    """A number as the current language writes it (``n/a`` where missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return _("n/a")
    return number(x, digits)


def _range(values: tuple[float, float, float], digits: int = 1) -> str:
    p10, med, p90 = values
    return _("{median} ({low} to {high})").format(median=_fmt(med, digits), low=_fmt(p10, digits),
                                                   high=_fmt(p90, digits))


def summary_value(summary: pd.DataFrame, strategy: str, metric: str, year: int, column: str) -> float:
    """One cell of the summary table."""
    row = summary[(summary.strategy == strategy) & (summary.metric == metric) & (summary.year == year)]
    if row.empty:
        raise ExperimentError(f"summary has no {metric} for {strategy} in {year}")
    return float(row[column].iloc[0])


CONCEPT = "concept_two_stage"
OUTPUT_FILES = ("summary.csv", "pairwise.csv", "whole_period.csv", "distance_bands.csv", "distance_bands_versus.csv")
SAME_BUDGET_TOLERANCE = 0.02  # allocated totals within 2% of the largest count as the same budget
UNDECIDED_N = re.compile(r"cannot be told apart with (\d+) replications")


def _b(label: str, capital: bool = False) -> str:
    """A strategy's name in bold, escaped; ``capital`` where it starts a sentence."""
    name = names.strategy(label)
    return f"<b>{html.escape(name[:1].upper() + name[1:] if capital else name)}</b>"


def outcome_phrase(outcome: str, first: int, last: int, discount_rate: float) -> str:
    """What an outcome is, in words with its years: "GDP per person in 2040"."""
    rate = number(100 * discount_rate, 0)
    return {"gdp_per_capita_end": _("GDP per person in {last}").format(last=last),
            "gdp_pv": _("GDP over {first}-{last} (present value at {rate}% a year)").format(
                first=first, last=last, rate=rate),
            "poverty_rate_end": _("the poverty rate in {last}").format(last=last),
            "poverty_person_years": _("person-years in poverty over {first}-{last}").format(first=first, last=last),
            "theil_between_end": _("inequality between oblasts (Theil) in {last}").format(last=last)}[outcome]


READING = {  # outcome -> (scale, digits) of a difference as a reader sees it; units in _unit()
    "gdp_per_capita_end": (1.0, 0),
    "gdp_pv": (1e9, 1),
    "poverty_rate_end": (0.01, 2),
    "poverty_person_years": (1.0, 0),
    "theil_between_end": (1.0, 4),
}


def _unit(outcome: str) -> str:
    """The reading unit of an outcome's differences."""
    return {"gdp_per_capita_end": _("som"), "gdp_pv": _("bn som"), "poverty_rate_end": _("points"),
            "poverty_person_years": _("person-years"), "theil_between_end": ""}[outcome]


def amount(outcome: str, value: float, signed: bool = False, unit: bool = True) -> str:
    """A difference in the outcome's reading unit: som, bn som, points, person-years or index."""
    if not math.isfinite(value):
        return _("unbounded")
    scale, digits = READING[outcome]
    text = number(value / scale, digits, signed=signed)
    name = _unit(outcome)
    return f"{text} {name}" if unit and name else text


def pct(confidence: float) -> str:
    """A confidence level as a reader sees it: 90%, or 96.7% where the looks of auto adjusted it."""
    text = f"{100 * confidence:.1f}".rstrip("0").rstrip(".")
    if language() in GROUPED_BY_SPACE:
        text = text.replace(".", ",")
    return f"{text}%"


def _bounds(outcome: str, low: float, high: float) -> str:
    """``low to high unit``: an interval with its unit once."""
    return _("{low} to {high}").format(low=amount(outcome, low, unit=False), high=amount(outcome, high))


def _undecided(verdict: str) -> str:
    """"cannot be told apart with N replications" in the current language."""
    found = UNDECIDED_N.search(verdict)
    n = int(found.group(1)) if found else 0
    return ngettext("cannot be told apart with {n} replication", "cannot be told apart with {n} replications",
                    n).format(n=n)


def verdict_sentence(row: Any, first: int, last: int, discount_rate: float) -> str:
    """One pair on one outcome in words, with the mean paired difference and its interval."""
    what = outcome_phrase(row.outcome, first, last, discount_rate)
    ci = _("{level} CI {bounds}").format(level=pct(row.confidence), bounds=_bounds(row.outcome, row.low, row.high))
    a, b = _b(row.a), _b(row.b)
    diff = amount(row.outcome, row.mean_diff, signed=True)
    if row.verdict.startswith("cannot be told apart"):
        return _("On {what}, {a} and {b} {verdict} (difference {diff}, {ci}).").format(
            what=what, a=a, b=b, verdict=_undecided(row.verdict), diff=diff, ci=ci)
    if row.verdict == paired.EQUAL:
        return _("On {what}, {a} and {b} are practically equal (difference {diff}, {ci}, inside the practical "
                 "threshold of &plusmn;{threshold}).").format(what=what, a=a, b=b, diff=diff, ci=ci,
                                                             threshold=amount(row.outcome, row.threshold))
    leader = row.a if row.verdict == f"{row.a} ahead" else row.b
    other = row.b if leader == row.a else row.a
    return _("On {what}, {leader} is ahead of {other} ({a} minus {b}: {diff}, {ci}).").format(
        what=what, leader=_b(leader), other=_b(other), a=html.escape(names.strategy(row.a)),
        b=html.escape(names.strategy(row.b)), diff=diff, ci=ci)


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
    """The verdicts below the first paragraph: what the intervals support, and nothing more.

    No strategy is called best unless its interval is ahead of every other strategy's; pairs that
    cannot be told apart are said to be so, with the number of replications.
    """
    years = sorted(comp.national.year.unique())
    first, last = (years[1] if len(years) > 1 else years[0]), comp.last_year
    labels = [label for label in comp.labels if not label.startswith("hybrid ")]
    if len(labels) < 2:
        return [_("Only the counterfactual was run: nothing to compare.")]
    return [_method_sentence(comp, first), *_leader_sentences(comp, pairs, labels, first, last),
            *_focus_sentences(comp, pairs, labels, first, last), *_cost_sentences(comp, whole, labels, first, last),
            *unspent_sentences(whole, labels, last), *return_sentences(whole, labels, last),
            _("Which strategy wins depends on beliefs, not on the code: the gap between concentration and "
              "equalisation grows with the agglomeration elasticity and shrinks with the congestion elasticity "
              "(scenarios <code>strong-agglomeration</code> and <code>strong-congestion</code>); see section 9.")]


def _method_sentence(comp: Comparison, first: int) -> str:
    """How the comparison was made: same budget, world and draws; paired intervals; the stopping rule."""
    j, n = comp.judgement, comp.replications
    budget_rows = comp.national[(comp.national.metric == "budget_available_som") & (comp.national.year == first)]
    budget = float(budget_rows.value.median()) / 1e9 if len(budget_rows) else float("nan")
    rounds = comp.record or {}
    how = ""
    if rounds.get("replications_mode") == "auto":
        sizes = ", ".join(str(k) for k in rounds.get("rounds", []))
        stop = (_("and stopped there") if rounds.get("stopped") == "decided" else
                _("; the cap of {cap} was reached first").format(cap=rounds.get("max_replications")))
        how = " " + _("Replications were added in rounds ({sizes}) until every headline difference was decided "
                      "{stop}; each look is judged at {level} so that the {looks} planned looks keep the overall "
                      "{overall} (Bonferroni over looks).").format(sizes=sizes, stop=stop, level=pct(j.confidence),
                                                                  looks=j.looks, overall=pct(j.overall_confidence))
    level = (_("a Student-t confidence interval") if j.correction == "holm" else
             _("a {level} Student-t confidence interval").format(level=pct(j.confidence)))
    return _("All strategies get the same regional development budget ({budget} bn som in {first}, 2017 prices), "
             "the same world and the same random draws: replication k has the same seed under every strategy, so "
             "each difference below is taken replication by replication (paired) and shown as the mean over {n} "
             "replications with {level}.{how}").format(budget=_fmt(budget, 2), first=first, n=n, level=level,
                                                      how=how) + " " + judgement_sentence(j)


def judgement_sentence(j: analysis.Judgement) -> str:
    """What "ahead" and "practically equal" mean: thresholds relative to the programme, and the correction.

    ``comparison.json`` states the same (``practical_thresholds``, ``multiple_comparisons``).
    """
    share = pct(j.practical_share)
    text = _("\"Ahead\" means the interval excludes zero; \"practically equal\" that it lies inside a practical "
             "threshold relative to the programme: {share} of the present value of the budget allocated over the "
             "period (discounted like GDP) for the present value of GDP; {share} of the budget allocated per person "
             "per year for GDP per person; {share} of the smaller of the two strategies' effects versus no budget "
             "for poverty (against no budget itself, {share} of the largest effect of any strategy). The threshold "
             "of every pair is in <code>pairwise.csv</code>.").format(share=share)
    if j.correction != "holm":
        return text + " " + _("The intervals are not corrected for multiple comparisons (<code>--correction "
                              "none</code>).")
    looks = (_(" in each of the {looks} planned looks, so at most {overall} over all looks").format(
        looks=j.looks, overall=pct(1 - j.overall_confidence)) if j.looks > 1 else "")
    return text + " " + _("The verdicts are corrected for multiple comparisons: Holm's step-down over the whole table "
                          "of pairs of strategies and headline outcomes (with Shaffer's count: a pair's \"no "
                          "difference\" and \"a difference of at least the threshold\" cannot both be true), so the "
                          "chance that any verdict in the table is spurious is at most {alpha}{looks}. Each interval "
                          "is shown at the level at which its verdict was reached (the stricter the earlier in the "
                          "step-down), so the verdict can be read off it; <code>pairwise.csv</code> also has the "
                          "uncorrected intervals and verdicts.").format(alpha=f"{1 - j.confidence:.2g}", looks=looks)


def unspent_sentences(whole: pd.DataFrame, labels: list[str], last: int) -> list[str]:
    """Per strategy that left over 5% of its budget unspent by ``last``: how much, and its GDP gain per som absorbed."""
    flags = paired.unspent_flags(whole[whole.label.isin(labels)])
    out = []
    for label, (share, per_som) in flags.items():
        row = whole.set_index("label").loc[label]
        never = float(row.get("budget_unallocated_total", math.nan))
        split = (_(": {never} bn never allocated by the strategy, {absorbed} bn allocated but not absorbed by "
                   "{last}").format(never=_fmt(never / 1e9, 1), absorbed=_fmt((row.budget_unspent_total - never) / 1e9,
                                                                               1), last=last)
                 if math.isfinite(never) else "")
        out.append(_("{name} left {share} of its budget unspent by {last} ({unspent} of {available} bn som{split}), "
                     "so its verdicts compare less money put to use; per som absorbed, its GDP in {last} gains "
                     "{per_som} som.").format(
            name=_b(label, capital=True), share=pct(round(share, 2)), last=last,
            unspent=_fmt(row.budget_unspent_total / 1e9, 1), available=_fmt(row.budget_available_total / 1e9, 1),
            split=split, per_som=_fmt(per_som, 3)))
    return out


def return_sentences(whole: pd.DataFrame, labels: list[str], last: int) -> list[str]:
    """Per place-based strategy whose GDP gain per som absorbed is outside the evidence's range: the figure and why."""
    flags = paired.return_flags(whole[whole.label.isin(labels)])
    low, high = paired.RETURN_BAND
    return [_("{name}'s GDP in {last} gains {per_som} som per som absorbed, outside the {low}-{high} that the evidence "
              "on returns to public capital supports; docs/validation.md decomposes the return (the tax that pays "
              "for the budget, who moves and what movers gain, absorption).").format(
                name=_b(label, capital=True), last=last, per_som=_fmt(value, 3), low=_fmt(low, 2), high=_fmt(high, 2))
            for label, value in flags.items()]


def _flagged(label: str, flags: dict[str, tuple[float, float]]) -> str:
    """A strategy's short name with its unspent share beside it when it left more than 5% of its budget unspent."""
    name = names.short(label)
    return _("{name} [{share} unspent]").format(name=name, share=pct(round(flags[label][0], 2))) \
        if label in flags else name


def _leader_sentences(comp: Comparison, pairs: pd.DataFrame, labels: list[str], first: int, last: int) -> list[str]:
    """Per headline outcome: the strategy ahead of every other, or the lead group none is ahead of."""
    n = comp.replications
    out = []
    for outcome in paired.HEADLINE_OUTCOMES:
        what = outcome_phrase(outcome, first, last, comp.judgement.discount_rate)
        best, top = leaders(pairs, labels, outcome)
        if best is not None:
            out.append(_("On {what}, {best} is ahead of every other strategy.").format(what=what, best=_b(best)))
        elif len(top) == 1:
            out.append(_("On {what}, no other strategy is ahead of {top}, but it is not ahead of all of them either: "
                         "some cannot be told apart from it with {n} replications, or are practically equal (see "
                         "the table).").format(what=what, top=_b(top[0]), n=n))
        else:
            out.append(_("On {what}, no strategy is ahead of every other. The lead group, which no other strategy is "
                         "ahead of, is {group}: within it, the pairs cannot be told apart with {n} replications or "
                         "are practically equal.").format(what=what, group=_names(top), n=n))
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
        out.append(_("Over {first}-{last}, the person-years in poverty avoided by {names} cannot be told from zero "
                     "with {n} replications, so no cost per person-year out of poverty is claimed for them (the "
                     "table below gives the ratio of means for reference).").format(
            first=first, last=last, names=_names(unclear), n=n))
    if len(cheapest):
        lab = cheapest.idxmin()
        row = cost.loc[lab]
        out.append(_("Per som, {name} takes people out of poverty most cheaply of the strategies whose person-years "
                     "avoided are above zero by the interval: {cost} som per person-year out of poverty over "
                     "{first}-{last} ({avoided} person-years avoided, {level} CI {low} to {high}, for {budget} bn "
                     "som allocated); a ratio of means, read it with the interval of the person-years.").format(
            name=_b(str(lab)), cost=_fmt(row.som_per_person_year_out_of_poverty, 0), first=first, last=last,
            avoided=_fmt(row.poverty_person_years_avoided, 0), level=pct(j.confidence),
            low=_fmt(row.poverty_person_years_avoided_low, 0), high=_fmt(row.poverty_person_years_avoided_high, 0),
            budget=_fmt(row.budget_allocated_total / 1e9, 1)))
    return out


def _verdict_word(row: Any) -> str:
    """The short verdict of a table cell: "<name> ahead", "practically equal" or "cannot tell"."""
    if row.verdict == paired.EQUAL:
        return _("practically equal")
    if row.verdict.startswith("cannot"):
        return _("cannot tell")
    leader = row.a if row.verdict == f"{row.a} ahead" else row.b
    return _("{name} ahead").format(name=names.short(leader))


def interval_words(j: analysis.Judgement) -> str:
    """The interval of a verdict table in words: at a fixed level, or at the level Holm's step-down judged it."""
    if j.correction == "holm":
        return _("Student-t interval, at the level at which the Holm-corrected verdict was reached ({level} for the "
                 "table as a whole; a strategy marked [x% unspent] left that share of its budget unspent)").format(
            level=pct(j.confidence))
    return _("{level} Student-t interval").format(level=pct(j.confidence))


def verdict_frame(pairs: pd.DataFrame, labels: list[str], first: int, last: int, discount_rate: float,
                  flags: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Pairs (rows) by headline outcome (columns): verdict, mean difference and interval in each cell.

    Strategies are named as people say them (:mod:`regsim.reporting.names`); ``flags``
    (:func:`regsim.reporting.paired.unspent_flags`): strategies with the share of their budget left unspent beside
    them.
    """
    flags = flags or {}
    part = pairs[pairs.a.isin(labels) & pairs.b.isin(labels) & pairs.outcome.isin(paired.HEADLINE_OUTCOMES)]
    data: dict[str, dict[str, str]] = {}
    for row in part.itertuples():
        cell = (f"{_verdict_word(row)}: {amount(row.outcome, row.mean_diff, signed=True, unit=False)} "
                f"[{amount(row.outcome, row.low, unit=False)}; {amount(row.outcome, row.high, unit=False)}]")
        pair = _("{a} vs {b}").format(a=_flagged(row.a, flags), b=_flagged(row.b, flags))
        data.setdefault(outcome_phrase(row.outcome, first, last, discount_rate), {})[pair] = cell
    return pd.DataFrame(data)


def whole_period_frame(whole: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """The whole-period table for the report and the terminal, with units."""
    ci = _("{level} CI").format(level=pct(confidence))
    frame = pd.DataFrame({
        _("GDP present value vs no budget, bn som ({ci})").format(ci=ci): [
            _("{median} ({low} to {high})").format(median=number(r.gdp_pv_gain / 1e9, 1, signed=True),
                                                   low=_fmt(r.gdp_pv_gain_low / 1e9, 1),
                                                   high=_fmt(r.gdp_pv_gain_high / 1e9, 1))
            for r in whole.itertuples()],
        _("person-years in poverty avoided ({ci})").format(ci=ci): [
            _("{median} ({low} to {high})").format(median=number(r.poverty_person_years_avoided, 0, signed=True),
                                                   low=_fmt(r.poverty_person_years_avoided_low, 0),
                                                   high=_fmt(r.poverty_person_years_avoided_high, 0))
            for r in whole.itertuples()],
        _("budget allocated, bn som"): [_fmt(v / 1e9, 1) for v in whole.budget_allocated_total],
        _("som per person-year out of poverty"): [
            _fmt(v, 0) if low > 0 else _("not claimed (avoided person-years not above zero)")
            for v, low in zip(whole.som_per_person_year_out_of_poverty, whole.poverty_person_years_avoided_low,
                              strict=True)],
        _("budget unspent at the end, %"): [_fmt(100 * v, 1) for v in whole.get("unspent_share",
                                                                                 [math.nan] * len(whole))],
        _("last-year GDP gain per som absorbed"): [_fmt(v, 3) for v in whole.get("gdp_end_gain_per_som_absorbed",
                                                                                  [math.nan] * len(whole))],
    }, index=pd.Index([names.strategy(label) for label in whole.label], name=_("strategy")))
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
    interval = (_("t interval at the level each verdict was reached; Holm-corrected, {level} for the table").format(
        level=pct(j.confidence)) if j.correction == "holm" else _("{level} t interval").format(level=pct(j.confidence)))
    notes = "".join("\n" + _("[x% unspent]: {name} left {share} of its budget unspent by {last}; its {last} GDP gain "
                              "per som absorbed is {gain} som").format(
        name=names.strategy(label), share=pct(round(share, 2)), last=last, gain=_fmt(per_som, 3))
        for label, (share, per_som) in flags.items())  # paired.unspent_note's words, translated
    low, high = paired.RETURN_BAND
    notes += "".join("\n" + _("{name}: {last} GDP gain per som absorbed {gain} som, outside the evidence's "
                              "{low}-{high} (docs/validation.md decomposes it)").format(
        name=names.strategy(label), last=last, gain=_fmt(value, 3), low=_fmt(low, 2), high=_fmt(high, 2))
        for label, value in paired.return_flags(main).items())
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 70):
        return (_("pairwise: A minus B, mean over {n} paired replications [{interval}]; practically equal = inside "
                  "{share} of the programme's budget (GDP) or of the smaller effect versus no budget (poverty); "
                  "'cannot tell' = cannot be told apart with {n} replications").format(
                    n=comp.replications, interval=interval, share=pct(j.practical_share))
                + "\n" + verdicts.to_string() + notes + "\n\n"
                + _("whole period {first}-{last} versus no regional budget (GDP discounted at {rate}% a year):").format(
                    first=first, last=last, rate=number(100 * j.discount_rate, 0))
                + "\n" + whole_period_frame(main, j.confidence).to_string() + "\n\n" + headline_text(comp))


def _headline_titles() -> dict[str, str]:
    """Headline rows (``analysis.HEADLINE_ROWS``) as the report names them; the cost row is left out.

    The cost per person *lifted* in the last year contradicted the whole-period cost per person-year at a
    glance; the report gives one cost, per person-year out of poverty (section 1).
    """
    return {"gdp_gain_pct": _("GDP vs no budget, %"), "gdp_pc_gain_pct": _("GDP per person vs no budget, %"),
            "poverty_change_pp": _("poverty rate vs no budget, points"),
            "out_of_poverty": _("people out of poverty vs no budget"),
            "theil_between_change": _("Theil between oblasts vs no budget"),
            "bishkek_share_change_pp": _("share in Bishkek vs no budget, points")}


def _headline_frame(rows: list[analysis.Headline]) -> pd.DataFrame:
    titles = _headline_titles()
    data = {}
    for row in rows:
        data[names.short(row.label)] = {
            titles[key]: _range(row.values[key], 0 if key == "out_of_poverty"
                                else 2 if key != "theil_between_change" else 4)
            for key, _title in analysis.HEADLINE_ROWS if key in titles}
    return pd.DataFrame(data)


def headline_text(comp: Comparison) -> str:
    """The headline table for the terminal."""
    heads = [h for h in analysis.headline(comp) if not h.label.startswith("hybrid ")]
    frame = _headline_frame(heads)
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 40):
        return _("versus no regional budget, {year}, median (10% to 90%) over {n} replications").format(
            year=comp.last_year, n=comp.replications) + "\n" + frame.to_string()


def _table_html(frame: pd.DataFrame, sortable: bool = False, index_name: str = "", cls: str = "") -> str:
    classes = " ".join(c for c in ("sortable" if sortable else "", cls) if c)
    attr = f' class="{classes}"' if classes else ""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [index_name or frame.index.name or "", *frame.columns])
    body = "".join(
        "<tr><th>" + html.escape(str(idx)) + "</th>"
        + "".join(f"<td>{html.escape(v if isinstance(v, str) else _fmt(v, 2))}</td>" for v in row) + "</tr>"
        for idx, row in zip(frame.index, frame.itertuples(index=False), strict=True))
    return f"<div class='wide'><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _img(fig: Any, alt: str, caption: str = "") -> str:
    """A figure embedded as PNG, with its one-line caption."""
    image = (f'<img alt="{html.escape(alt)}" data-font-pt="{plots.smallest_font_pt(fig):g}" '
             f'src="data:image/png;base64,{plots.figure_to_base64_png(fig)}">')
    return f"<figure>{image}<figcaption>{caption}</figcaption></figure>" if caption else image


def _parameters_html(manifest: dict) -> str:
    params = manifest.get("base_params", {})
    rows_changed, rows_all = [], []
    for row in describe():
        section, name = row["key"].split(".", 1)
        value = params.get(section, {}).get(name, row["default"])
        line = (f"<tr><td><code>{row['key']}</code></td><td><code>{html.escape(str(value))}</code></td>"
                f"<td><code>{html.escape(str(row['default']))}</code></td><td lang='en'>{html.escape(row['unit'])}</td>"
                f"<td lang='en'>{html.escape(row['source'])}</td></tr>")
        rows_all.append(line)
        if value != row["default"]:
            rows_changed.append(line)
    head = "<tr>" + "".join(f"<th>{word}</th>" for word in (_("parameter"), _("value"), _("default"), _("unit"),
                                                            _("source"))) + "</tr>"
    changed = (f"<table class='params'>{head}{''.join(rows_changed)}</table>" if rows_changed
               else "<p>" + _("All parameters at their documented defaults.") + "</p>")
    varied = manifest.get("varied", [])
    nothing = _("nothing")
    english = "" if language() == "en" else (
        "<p class='note'>" + _("Units and sources of the parameters are given as in the code (in English).") + "</p>")
    return ("<p>" + _("Varied across runs:") + f" {', '.join(f'<code>{v}</code>' for v in varied) or nothing}.</p>"
            f"<h3>" + _("Parameters that differ from the defaults") + f"</h3>{changed}{english}"
            f"<details class='params'><summary>" + _("All {n} parameters").format(n=len(rows_all)) + f"</summary>"
            f"<table class='params'>{head}{''.join(rows_all)}</table></details>")


CSS = """
body{font-family:Georgia,'DejaVu Serif',serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
div.answer{font-size:1.05em;background:#f4f7fb;border-left:4px solid #0072B2;padding:.2em .9em;margin:.8em 0}
div.answer li{margin:.25em 0}
.lead li{margin:.4em 0}img{max-width:100%;height:auto;display:block;margin:1em 0}
figure{margin:1em 0}figure img{margin:0 0 .3em 0}figcaption{color:#444;font-size:.9em}
table{border-collapse:collapse;font-family:'DejaVu Sans',Arial,sans-serif;font-size:.85em;margin:1em 0}
th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}th{background:#eee}
td:first-child,th:first-child{text-align:left}
table.sortable th{cursor:pointer}.wide{overflow-x:auto}.note{color:#555;font-size:.9em}code{font-size:.9em}
.nowrap{white-space:nowrap}.small img{max-width:560px}
@page{size:A4;margin:12mm 10mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.3}
 h2{break-before:page;break-after:avoid}h1+p+h2,h2:first-of-type{break-before:auto}
 h3,h2{break-after:avoid;page-break-after:avoid}p.note{break-after:avoid}
 img,figure,tr{break-inside:avoid;page-break-inside:avoid}img{max-width:100%}
 .wide{overflow:visible}table{font-size:7pt;width:100%;table-layout:auto}
 th,td{padding:.15em .25em;white-space:normal;word-break:normal;overflow-wrap:anywhere}
 table.params td:last-child{font-size:6.5pt}
 details{display:block}details>summary{list-style:none;font-weight:bold}details>*{display:block}
 details:not([open])>*:not(summary){display:block}
 .small img{max-width:48%;display:inline-block}
 div.answer{background:none;border-left:3px solid #0072B2;font-size:10pt}
}
"""
PRINT_JS = "window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(" \
           "function(d){d.open=true;});});"
SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){th.addEventListener('click', function(){
 var table=th.closest('table'), body=table.tBodies[0], rows=Array.from(body.rows), asc=th.dataset.asc!=='1';
 rows.sort(function(a,b){var x=a.cells[col].innerText.replace(/[,%\\s\\u202f]/g,'').replace('\\u2212','-'),
  y=b.cells[col].innerText.replace(/[,%\\s\\u202f]/g,'').replace('\\u2212','-');
  var nx=parseFloat(x), ny=parseFloat(y); var c=(isNaN(nx)||isNaN(ny))?x.localeCompare(y):nx-ny; return asc?c:-c;});
 rows.forEach(function(r){body.appendChild(r);}); th.dataset.asc=asc?'1':'0';});});
"""


TARGET_PATTERNS = (  # validation target names (regsim.studies.validation) -> translatable pattern
    (re.compile(r"^poverty rate, %$"), lambda m: _("poverty rate, %")),
    (re.compile(r"^rural poverty rate, %$"), lambda m: _("rural poverty rate, %")),
    (re.compile(r"^urban poverty rate, %$"), lambda m: _("urban poverty rate, %")),
    (re.compile(r"^unemployment rate \(ILO\), %$"), lambda m: _("unemployment rate (ILO), %")),
    (re.compile(r"^GDP, bn som$"), lambda m: _("GDP, bn som")),
    (re.compile(r"^remittances, % of GDP$"), lambda m: _("remittances, % of GDP")),
    (re.compile(r"^migrants abroad, thousands$"), lambda m: _("migrants abroad, thousands")),
    (re.compile(r"^Gini of consumption, points$"), lambda m: _("Gini of consumption, points")),
    (re.compile(r"^Bishkek's share of population, %$"), lambda m: _("Bishkek's share of population, %")),
    (re.compile(r"^Bishkek's share of internal migration gains, %$"),
     lambda m: _("Bishkek's share of internal migration gains, %")),
    (re.compile(r"^oblasts outside Bishkek and Chuy gaining by internal migration$"),
     lambda m: _("oblasts outside Bishkek and Chuy gaining by internal migration")),
    (re.compile(r"^Naryn's net internal migration, persons \(negative: loses\)$"),
     lambda m: _("Naryn's net internal migration, persons (negative: loses)")),
    (re.compile(r"^Bishkek / Osh population \(primacy\)$"), lambda m: _("Bishkek / Osh population (primacy)")),
    (re.compile(r"^internal migrants \(registered moves between settlements\), thousands$"),
     lambda m: _("internal migrants (registered moves between settlements), thousands")),
    (re.compile(r"^births, thousands$"), lambda m: _("births, thousands")),
    (re.compile(r"^crude birth rate, per 1000$"), lambda m: _("crude birth rate, per 1000")),
    (re.compile(r"^population 1 January, millions$"), lambda m: _("population 1 January, millions")),
    (re.compile(r"^population growth 1 Jan (\d+) - 1 Jan (\d+), %$"),
     lambda m: _("population growth 1 Jan {start} - 1 Jan {end}, %").format(start=m.group(1), end=m.group(2))),
    (re.compile(r"^real GDP growth, %$"), lambda m: _("real GDP growth, %")),
    (re.compile(r"^real GDP growth after COVID, %$"), lambda m: _("real GDP growth after COVID, %")),
    (re.compile(r"^poverty rate (.+), %$"), lambda m: _("poverty rate, {place}, %").format(place=m.group(1))),
    (re.compile(r"^population (.+), thousands$"), lambda m: _("population, {place}, thousands").format(
        place=m.group(1))),
    (re.compile(r"^unemployment rate (.+), %$"), lambda m: _("unemployment rate, {place}, %").format(
        place=m.group(1))),
)


def target_name(name: str) -> str:
    """A validation target's name in the current language (unchanged where no pattern matches)."""
    for pattern, words in TARGET_PATTERNS:
        found = pattern.match(name)
        if found:
            return words(found)
    return name


def _validation_section(comp: Comparison, folder: Path) -> str:
    """Section 8: the validation targets, read off the runs of the scenario's own strategy."""
    from regsim import scenario as scenario_mod
    from regsim.data import loader
    from regsim.errors import RegsimError
    from regsim.results import RunResult
    from regsim.studies import validation

    head = "<h2>" + _("8. How well the model fits the data") + "</h2>"
    try:  # the strategy the scenario itself prescribes (the Concept for the baseline)
        strategy = scenario_mod.load(str(comp.manifest.get("scenario", "baseline"))).params.policy.strategy
    except RegsimError:
        strategy = None
    runs_of = comp.design[comp.design.label == strategy].run_id.tolist()
    if not runs_of or comp.settlements is None or comp.last_year < validation.VALIDATION_END_YEAR:
        return head + "<p>" + _("Not available for this batch (it needs runs of the scenario's own strategy to 2022 "
                                "or later); run <code>regsim validate</code>.") + "</p>"
    runs = [RunResult(national=comp.national[comp.national.run_id == r],
                      oblasts=comp.oblasts[comp.oblasts.run_id == r],
                      settlements=comp.settlements[comp.settlements.run_id == r], world=comp.world)
            for r in runs_of]
    table = validation.validate(runs, validation.targets(loader.load_kyrgyz_data()))
    files.atomic_write(folder / "validation.csv", lambda p: table.to_csv(p, index=False))
    shown = table.assign(target=table.target.map(target_name)).set_index("target")[
        ["year", "observed", "simulated_median", "p10", "p90", "tolerance", "ok"]]
    shown = shown.assign(year=shown.year.map(lambda y: "" if pd.isna(y) else str(int(y))),  # not 2,018.00
                         ok=shown.ok.map({True: _("yes"), False: _("no")}))
    shown.columns = [_("year"), _("observed"), _("simulated, median"), _("10%"), _("90%"), _("tolerance"),
                     _("met")]
    met = int(table.ok.sum())
    return (head + "<p>" + _("{met} of {total} targets met by the <code>{strategy}</code> runs of this comparison "
                             "(2017: calibrated; 2018-2022: out of sample; tolerances follow the quality of the data "
                             "and are stated, not tuned). Known gaps: poverty does not fall after 2017 as fast as "
                             "observed. See docs/validation.md.").format(
        met=met, total=len(table), strategy=html.escape(str(strategy))) + "</p>"
        + _table_html(shown, True, _("target")))


def _share(share: float) -> str:
    """A share of worlds (fraction 0-1) in %."""
    return f"{_fmt(100 * share, SHARE_DIGITS)}%"


def _worlds(share: float, n: int) -> str:
    """``2 of 3 worlds (67%)`` from a share of ``n`` worlds."""
    return ngettext("{k} of {n} world ({share})", "{k} of {n} worlds ({share})", n).format(
        k=round(share * n), n=n, share=_share(share))


def _names(labels: list[str]) -> str:
    """Bold strategy names joined as ``a, b and c``."""
    bold = [_b(label) for label in labels]
    return bold[0] if len(bold) == 1 else _("{first} and {last}").format(first=", ".join(bold[:-1]), last=bold[-1])


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
    over = (ngettext("{k} uncertain parameter", "{k} uncertain parameters", parameters).format(k=parameters)
            if parameters else _("the uncertain parameters"))
    when = _(", outcomes in {year}").format(year=year) if year else ""

    def value(labels: list[str], column: str) -> float:  # tied leaders share the value
        return float(table.loc[table.strategy == labels[0], column].iloc[0])

    gdp, pov = _leaders(table, "share_best_gdp", True), _leaders(table, "share_best_poverty", True)
    gdp_worlds, pov_worlds = _worlds(value(gdp, "share_best_gdp"), n), _worlds(value(pov, "share_best_poverty"), n)
    if gdp == pov:
        best = (_("{names} is best in the largest share of worlds both on GDP per person, {gdp}, and on poverty, "
                  "{pov}") if len(gdp) == 1 else
                _("{names} are each best in the largest share of worlds both on GDP per person, {gdp}, and on "
                  "poverty, {pov}")).format(names=_names(gdp), gdp=gdp_worlds, pov=pov_worlds)
    else:
        best = (_("{names} is best on GDP per person in the largest share of worlds, {gdp}, and {others} on "
                  "poverty, {pov}") if len(gdp) == 1 else
                _("{names} are each best on GDP per person in the largest share of worlds, {gdp}, and {others} on "
                  "poverty, {pov}")).format(names=_names(gdp), gdp=gdp_worlds, others=_names(pov), pov=pov_worlds)
    out = [_("Across {n} worlds drawn by Latin hypercube over the plausible ranges of {over}{when}, {best}.").format(
        n=n, over=over, when=when, best=best)]

    safe = _leaders(table, "max_regret_gdp_pc_som", False)
    safe_pov = _leaders(table, "max_regret_poverty_points", False)
    regret, regret_pov = value(safe, "max_regret_gdp_pc_som"), value(safe_pov, "max_regret_poverty_points")
    one = len(safe) == 1
    if regret == 0:
        gdp_part = (_("{names} is never below the best strategy on GDP per person") if one else
                    _("{names} are never below the best strategy on GDP per person")).format(names=_names(safe))
    else:
        mean = (_(" (mean {mean})").format(mean=_fmt(value(safe, "mean_regret_gdp_pc_som"), REGRET_GDP_DIGITS))
                if one else "")
        gdp_part = (_("{names} has the smallest maximum regret on GDP per person: in no world more than {regret} som "
                      "per person below the best strategy{mean}") if one else
                    _("{names} have the smallest maximum regret on GDP per person: in no world more than {regret} "
                      "som per person below the best strategy")).format(
            names=_names(safe), regret=_fmt(regret, REGRET_GDP_DIGITS), mean=mean)
    pov_part = (_("{names} never above the best on poverty").format(names=_names(safe_pov)) if regret_pov == 0 else
                _("on poverty {names}, at most {regret} percentage points above the best").format(
                    names=_names(safe_pov), regret=_fmt(regret_pov, REGRET_POVERTY_DIGITS)))
    out.append(f"{gdp_part}; {pov_part}.")

    sat = _leaders(table, "share_satisficing", True)
    sat_worlds = _worlds(value(sat, "share_satisficing"), n)
    if value(sat, "share_satisficing") == 0:
        out.append(_("No strategy gives both more GDP per person and less poverty than no regional budget in any "
                     "world."))
    elif len(sat) == len(table) and len(table) > 1:
        out.append(_("Every strategy gives both more GDP per person and less poverty than no regional budget in "
                     "{worlds}.").format(worlds=sat_worlds))
    else:
        out.append((_("{names} satisfices most often: more GDP per person and less poverty than with no regional "
                      "budget in {worlds}.") if len(sat) == 1 else
                    _("{names} satisfy most often: more GDP per person and less poverty than with no regional "
                      "budget in {worlds}.")).format(names=_names(sat), worlds=sat_worlds))
    return out


def _robustness_columns() -> tuple[tuple[str, str, str], ...]:
    """``ROBUSTNESS_COLUMNS`` with headings in the current language."""
    headings = {"share_best_gdp": _("best on GDP per person, % of worlds"),
                "share_best_poverty": _("best on poverty, % of worlds"),
                "mean_regret_gdp_pc_som": _("mean regret on GDP per person, som per person"),
                "max_regret_gdp_pc_som": _("maximum regret on GDP per person, som per person"),
                "mean_regret_poverty_points": _("mean regret on poverty, percentage points"),
                "max_regret_poverty_points": _("maximum regret on poverty, percentage points"),
                "share_satisficing": _("satisficing (more GDP, less poverty than no budget), % of worlds")}
    return tuple((column, headings[column], kind) for column, _heading, kind in ROBUSTNESS_COLUMNS)


def _robustness_frame(table: pd.DataFrame) -> pd.DataFrame:
    """``robustness.csv`` formatted for the report: shares in %, regrets with their units."""
    digits = {"gdp": REGRET_GDP_DIGITS, "poverty": REGRET_POVERTY_DIGITS}
    shown = {heading: [_share(v) if kind == "share" else _fmt(v, digits[kind]) for v in table[column]]
             for column, heading, kind in _robustness_columns()}
    return pd.DataFrame(shown, index=pd.Index([names.strategy(s) for s in table.strategy.astype(str)],
                                              name=_("strategy")))


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
    head = "<h2>" + _("9. Robustness across plausible worlds") + "</h2>"
    path = folder / ROBUSTNESS_DIR / ROBUSTNESS_CSV
    again = _("{command} and then {report}").format(
        command=f"<code>{html.escape(robustness_command(comp, folder))}</code>",
        report=f"<code>{html.escape(shlex.join(['regsim', 'report', str(folder)]))}</code>")
    if not path.is_file():
        return head + "<p>" + _("Not run for this comparison. To add it, run {again} (or run the comparison with "
                                "{option}).").format(
            again=again, option=f"<code class='nowrap'>--robustness {ROBUSTNESS_SUGGESTED_WORLDS}</code>") + "</p>"
    table = pd.read_csv(path)
    missing = [c for c in ("strategy", "worlds", *(c for c, _h, _k in ROBUSTNESS_COLUMNS)) if c not in table]
    if missing or table.empty:
        return head + "<p>" + _("{path} is incomplete (missing {missing}); run {again}.").format(
            path=f"<code>{html.escape(str(path))}</code>", missing=html.escape(", ".join(missing) or "rows"),
            again=again) + "</p>"
    manifest, year, varied = _robustness_manifest(folder)
    text = " ".join(robustness_findings(table, year, len(varied) or None))
    caveat = ""
    scenario, base = manifest.get("scenario"), comp.manifest.get("scenario")
    if (scenario and base and Path(scenario).resolve() != Path(base).resolve()) or (year and year != comp.last_year):
        caveat = " " + _("<b>These worlds differ from this comparison:</b> scenario {scenario} to {year}, the "
                         "comparison {base} to {last}.").format(
            scenario=f"<code>{html.escape(_scenario_name(str(scenario)))}</code>", year=year,
            base=f"<code>{html.escape(_scenario_name(str(base)))}</code>", last=comp.last_year)
    fig = plots.plot_robustness(table)
    plots.save(fig, figures, "robustness")
    note = _("Each world is one set of beliefs (a Latin-hypercube point over the plausible ranges of "
             "<code>regsim params</code>) with one run per strategy. Best: the highest GDP per person, or the lowest "
             "poverty rate, among the strategies with a budget in that world. Regret: the shortfall from the best "
             "strategy in the same world, in som per person (2017 prices) or percentage points of the poverty rate; "
             "a strategy with a small maximum regret is never far from the best, whatever the beliefs. Satisficing: "
             "more GDP per person and less poverty than no regional budget in the same world. Rows by maximum "
             "regret on GDP per person, smallest first; click a heading to sort.")
    return (f"{head}<p>{text}{caveat}</p><p class='note'>{note}</p>"
            + _table_html(_robustness_frame(table), True, _("strategy"))
            + _img(fig, _("robustness: share of worlds best and regret per strategy")))


def _robustness_manifest(folder: Path) -> tuple[dict, int | None, list[str]]:
    """The robustness run's manifest, its outcome year and its varied parameters (empty if absent)."""
    manifest_path = folder / ROBUSTNESS_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    year = (manifest.get("base_params") or {}).get("time", {}).get("end_year")
    varied = [key for key in manifest.get("varied", []) if key != analysis.STRATEGY_KEY]
    return manifest, year, varied


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


def build(out_dir: str | Path, lang: str | None = None) -> Path:
    """Write ``summary.csv``, ``figures/`` and ``report.html`` into a comparison batch directory.

    The report's sections, in order: the answer (a plain paragraph, the scorecard, the verdicts), where
    incomes change (map and distance bands), paths, the growth-equity frontier, oblasts, the money,
    assumptions, validation, robustness. ``lang`` (``en``, ``ru``; default: the current language of
    :mod:`regsim.i18n`) is the language of the page and of its figures.

    Raises:
        ExperimentError: naming what the directory lacks (national/, oblasts/, settlements/, none).
    """
    with using(lang):
        return _build(Path(out_dir))


def _build(folder: Path) -> Path:
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
    title = _("Concentrated support or equalisation?")
    intro = _("regsim comparison of budget allocations for the Kyrgyz Republic, 2018-{year}. An agent-based model: "
              "results depend on the stated assumptions (section 7).").format(year=c.year)
    page = (f"<!DOCTYPE html><html lang='{language()}'><head><meta charset='utf-8'><title>regsim: {title}</title>"
            f"<style>{CSS}</style></head><body><h1>{title}</h1><p class='note'>{intro}</p>"
            + "".join(sections) + f"<script>{SORT_JS}{PRINT_JS}</script></body></html>")
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


def versus(pairs: pd.DataFrame, label: str, reference: str, outcome: str) -> tuple[float, float, float, str] | None:
    """``label`` minus ``reference`` on ``outcome``: mean, low, high and ``better|worse|equal|undecided``.

    "Better" follows the verdict of :mod:`regsim.reporting.paired` (more GDP, less poverty); None where the
    pair was not compared.
    """
    part = pairs[(pairs.outcome == outcome) & (((pairs.a == label) & (pairs.b == reference))
                                               | ((pairs.a == reference) & (pairs.b == label)))]
    if part.empty:
        return None
    row = part.iloc[0]
    sign = 1.0 if row.a == label else -1.0
    low, high = sorted((sign * row.low, sign * row.high))
    if row.verdict == paired.EQUAL:
        status = "equal"
    elif row.verdict.startswith("cannot"):
        status = "undecided"
    else:
        status = "better" if row.verdict == f"{label} ahead" else "worse"
    return sign * row.mean_diff, low, high, status


def _level(comp: Comparison, metric: str, year: int, label: str = BASELINE) -> float:
    """Mean over replications of a national metric of ``label`` in ``year`` (NaN if absent)."""
    n = comp.national
    rows = n[(n.metric == metric) & (n.year == year) & (n.label == label)]
    return float(rows.value.mean()) if len(rows) else float("nan")


def _budget_sentence(c: _Context, strategies: list[str]) -> str:
    """The budget in som and % of GDP, how it changes over the period, and who allocates less."""
    comp, first, last = c.comp, c.first, c.year
    some = strategies[0]
    b0, b1 = _level(comp, "budget_available_som", first, some), _level(comp, "budget_available_som", last, some)
    g0, g1 = _level(comp, "gdp_som", first), _level(comp, "gdp_som", last)
    share0, share1 = 100 * b0 / g0, 100 * b1 / g1
    if abs(b1 / b0 - 1) < SAME_BUDGET_TOLERANCE:
        text = _("Every strategy is given the same regional budget: {b0} bn som a year ({s0}% of GDP in {first}), "
                 "fixed in 2017 prices, so as the economy grows it falls to {s1}% of GDP by {last}.").format(
            b0=_fmt(b0 / 1e9, 1), s0=_fmt(share0, 2), first=first, s1=_fmt(share1, 2), last=last)
    else:
        text = _("Every strategy is given the same regional budget: {b0} bn som in {first} ({s0}% of GDP) and "
                 "{b1} bn som in {last} ({s1}% of GDP), in 2017 prices.").format(
            b0=_fmt(b0 / 1e9, 1), s0=_fmt(share0, 2), first=first, b1=_fmt(b1 / 1e9, 1), s1=_fmt(share1, 2),
            last=last)
    spent = c.whole.set_index("label").budget_allocated_total.reindex(strategies).dropna()
    if len(spent):
        most = float(spent.max())
        less = [label for label, v in spent.items() if v < (1 - SAME_BUDGET_TOLERANCE) * most]
        for label in less:
            extra = (" " + _("(its first stage spends only on pilot settlements)") if label == CONCEPT else "")
            text += " " + _("{name} allocates less of it: {spent} bn som over {first}-{last} against {most} bn som "
                            "for the others{extra}.").format(
                name=_b(label, capital=True), spent=_fmt(spent[label] / 1e9, 1), first=first, last=last,
                most=_fmt(most / 1e9, 1), extra=extra)
    return text


def _strategy_sentence(c: _Context, label: str) -> str:
    """What one strategy does to GDP, to poverty and at what cost, in plain words with natural signs."""
    comp, first, last, n = c.comp, c.first, c.year, c.comp.replications
    gdp = versus(c.pairs, label, BASELINE, "gdp_per_capita_end")
    base_pc = _level(comp, "gdp_per_capita_som", last)
    if gdp is None:
        gdp_text = ""
    elif gdp[3] == "undecided":
        gdp_text = _("its effect on GDP per person in {last} cannot be told from zero ({pct}%)").format(
            last=last, pct=number(100 * gdp[0] / base_pc, 2, signed=True))
    elif gdp[3] == "equal":
        gdp_text = _("GDP per person in {last} practically unchanged").format(last=last)
    else:
        word = _("higher") if gdp[0] > 0 else _("lower")
        som = round(abs(gdp[0]))
        gdp_text = ngettext("GDP per person {word} by {pct}% in {last} ({som} som per person a year)",
                            "GDP per person {word} by {pct}% in {last} ({som} som per person a year)", som).format(
            word=word, pct=_fmt(abs(100 * gdp[0] / base_pc), 2), last=last, som=_fmt(som, 0))
    row = c.whole.set_index("label").loc[label]
    avoided = row.poverty_person_years_avoided
    poor = paired.difference_paths(comp.national[comp.national.label.isin([label, BASELINE])], "poor_people",
                                   BASELINE, comp.judgement.confidence)
    poor_last = poor[poor.year == last]
    fewer_people = -float(poor_last["mean"].iloc[0]) if len(poor_last) else float("nan")
    status = (versus(c.pairs, label, BASELINE, "poverty_person_years") or (0, 0, 0, "undecided"))[3]
    if status == "better":  # the verdict of the pairwise table (corrected as it is), the amounts of the whole period
        pov_text = _("{py} fewer person-years in poverty over {first}-{last} (about {people} fewer people in poverty "
                     "in {last}), at {cost} som per person-year out of poverty").format(
            py=_fmt(_round(avoided), 0), first=first, last=last, people=_fmt(_round(fewer_people), 0),
            cost=_fmt(_round(row.budget_allocated_total / avoided), 0))
    elif status == "worse":
        pov_text = _("{py} more person-years in poverty over {first}-{last}").format(
            py=_fmt(_round(-avoided), 0), first=first, last=last)
    elif status == "equal":
        pov_text = _("practically no change in person-years in poverty")
    else:
        pov_text = ngettext("an effect on poverty that {n} replication cannot tell from zero",
                            "an effect on poverty that {n} replications cannot tell from zero", n).format(n=n)
    parts = [p for p in (gdp_text, pov_text) if p]
    return _("{name}: {parts}.").format(name=_b(label, capital=True), parts="; ".join(parts))


def _round(value: float) -> float:
    """Round to three significant figures (101,357 -> 101,000): the replications support no more."""
    if not math.isfinite(value) or value == 0:
        return value
    return float(round(value, 2 - math.floor(math.log10(abs(value)))))


def _lead_sentence(pairs: pd.DataFrame, strategies: list[str], outcome: str, best: str, tied: str,
                   some: str) -> str:
    """Who leads on ``outcome`` (:func:`leaders`), in words; empty if none leads.

    ``best`` (with ``{name}``) if one strategy leads, ``tied`` if the replications tell none apart,
    ``some`` (with ``{names}``) if a few lead together.
    """
    first, top = leaders(pairs, strategies, outcome)
    if first is not None:
        return best.format(name=_b(first))
    if len(top) == len(strategies):
        return tied
    return some.format(names=_names(top)) if top else ""


def plain_answer(c: _Context) -> str:
    """Section 1's opening block: the answer in plain words, every number from the comparison's tables.

    A paragraph (who leads, the budget in som and % of GDP and who allocates less), one line per strategy
    (GDP, poverty in person-years and people, cost per person-year), and what the intervals cover.
    """
    comp, first, last, j = c.comp, c.first, c.year, c.comp.judgement
    strategies = [label for label in c.main if label != BASELINE]
    if not strategies:
        return "<div class='answer'><p>" + _("Only the counterfactual was run: nothing to compare.") + "</p></div>"
    n = comp.replications
    lead = [sentence for sentence in (
        _lead_sentence(c.pairs, strategies, "poverty_person_years",
                       _("The most person-years in poverty are avoided by {name}."),
                       ngettext("On person-years in poverty, {n} replication cannot tell the strategies apart.",
                                "On person-years in poverty, {n} replications cannot tell the strategies apart.",
                                n).format(n=n),
                       _("On person-years in poverty, {names} lead; the replications cannot tell them apart.")),
        _lead_sentence(c.pairs, strategies, "gdp_pv", _("The most GDP over the period comes from {name}."),
                       ngettext("On GDP over the period, {n} replication cannot tell the strategies apart.",
                                "On GDP over the period, {n} replications cannot tell the strategies apart.",
                                n).format(n=n),
                       _("On GDP over the period, {names} lead; the replications cannot tell them apart.")),
    ) if sentence]
    against = _("Against no regional budget, over {first}-{last}:").format(first=first, last=last)
    each = "".join(f"<li>{_strategy_sentence(c, label)}</li>" for label in strategies)
    _manifest, _year, _varied = _robustness_manifest(c.folder)
    table_path = c.folder / ROBUSTNESS_DIR / ROBUSTNESS_CSV
    seeds = _("The intervals ({level}) cover the randomness of the simulation over {n} paired replications, under "
              "one set of beliefs about how the economy works.").format(level=pct(j.confidence),
                                                                          n=comp.replications)
    if table_path.is_file():
        try:
            table = pd.read_csv(table_path)
            beliefs = robustness_findings(table, _year, len(_varied) or None)[0]
        except (KeyError, IndexError, ValueError, pd.errors.ParserError):
            beliefs = _("The robustness analysis (section 9) could not be read.")
    else:
        beliefs = _("Whether the verdicts hold under other beliefs was not tested: the robustness analysis across "
                    "beliefs (section 9) was not run for this comparison.")
    # what the intervals cover comes before the list, so that it is on the first screen
    return (f"<div class='answer'><p>{' '.join([*lead, _budget_sentence(c, strategies)])}</p>"
            f"<p>{seeds} {beliefs}</p><p>{against}</p><ul>{each}</ul></div>")


SCORE_STATUS = ("better", "worse", "equal", "undecided")


def scorecard_frame(c: _Context) -> pd.DataFrame:
    """Strategies x (outcome, reference): the verdict and the signed difference in reading units.

    Columns ``strategy, outcome, reference, status, text``; references are ``none`` and the Concept (where run).
    """
    refs = [BASELINE] + ([CONCEPT] if CONCEPT in c.main else [])
    rows = []
    for label in [label for label in c.main if label != BASELINE]:
        for outcome in paired.HEADLINE_OUTCOMES:
            for ref in refs:
                if ref == label:
                    rows.append({"strategy": label, "outcome": outcome, "reference": ref, "status": "self",
                                 "text": ""})
                    continue
                found = versus(c.pairs, label, ref, outcome)
                if found is None:
                    continue
                mean, _low, _high, status = found
                shown = _round(mean) if outcome == "poverty_person_years" else mean  # no false precision
                rows.append({"strategy": label, "outcome": outcome, "reference": ref, "status": status,
                             "text": amount(outcome, shown, signed=True, unit=False)})
    return pd.DataFrame(rows)


def _scorecard(c: _Context) -> str:
    """The scorecard figure (``figures/scorecard.png`` and ``.svg``) with its caption."""
    frame = scorecard_frame(c)
    if frame.empty:
        return ""
    refs = list(dict.fromkeys(frame.reference))
    columns = [(o, r) for o in paired.HEADLINE_OUTCOMES for r in refs]
    titles = {o: f"{names.outcome(o)}\n{_unit(o)}" if _unit(o) else names.outcome(o)
              for o in paired.HEADLINE_OUTCOMES}
    ref_titles = {BASELINE: _("each strategy against no regional budget"),
                  CONCEPT: _("each strategy against the Concept as adopted")}
    legend = {"better": _("better (interval excludes zero)"), "worse": _("worse (interval excludes zero)"),
              "equal": _("practically equal"), "undecided": _("cannot tell with these replications")}
    fig = plots.plot_scorecard(frame, [names.short(s) for s in dict.fromkeys(frame.strategy)],
                               list(dict.fromkeys(frame.strategy)), columns, titles, ref_titles, legend)
    plots.save(fig, c.figures, "scorecard")
    caption = _("Scorecard: each strategy against no regional budget and against the Concept as adopted, on the four "
                "outcomes the verdicts are based on; the number is the mean paired difference over {n} replications "
                "(GDP per person in som, GDP over the period in bn som, poverty rate in points, person-years); the "
                "colour says whether its {level} interval supports a verdict.").format(
        n=c.comp.replications, level=pct(c.comp.judgement.confidence))
    return _img(fig, _("scorecard of the strategies"), caption)


def _answer(c: _Context) -> str:
    """Section 1, the answer: the plain paragraph, the scorecard, then only what the paired intervals support."""
    comp, j, main, year, first = c.comp, c.comp.judgement, c.main, c.year, c.first
    items = "".join(f"<li>{f}</li>" for f in verdict_findings(comp, c.pairs, c.whole))
    verdicts = verdict_frame(c.pairs, main, first, year, j.discount_rate, flags=paired.unspent_flags(c.whole))
    heads = [h for h in c.heads if not h.label.startswith("hybrid ")]
    return (
        "<h2>" + _("1. The answer") + f"</h2>{plain_answer(c)}{_scorecard(c)}"
        f"<h3>" + _("The verdicts in detail") + f"</h3><ul class='lead'>{items}</ul>"
        f"<h3>" + _("Every pair of strategies") + "</h3><p class='note'>"
        + _("A minus B: verdict, mean paired difference over {n} replications and its {interval} in brackets. GDP "
            "per person in som (2017 prices), present value of GDP in bn som, poverty rate in percentage points, "
            "person-years in poverty in person-years. All pairs, the hybrid sweep too, are in "
            "<code>pairwise.csv</code>.").format(n=comp.replications, interval=interval_words(j)) + "</p>"
        + _table_html(verdicts, index_name=_("pair"), cls="pairs")
        + "<h3>" + _("Over the whole period, {first}-{year}").format(first=first, year=year) + "</h3><p class='note'>"
        + _("Versus no regional budget, mean over paired replications with the interval; the cost is the money "
            "allocated over the period divided by the person-years in poverty avoided (a ratio of means), given only "
            "where the person-years avoided are above zero by the interval.")
        + (" " + _("The cash transfers are the people-based benchmark: the same money paid as the monthly benefit for "
                   "low-income families is targeted (with its coverage of the poor and its leakage to the non-poor); a "
                   "place-based strategy with a higher cost per person-year out of poverty buys poverty reduction more "
                   "dearly than cash would, and must be justified by GDP.") if "cash_transfers" in main else "")
        + _current_note(c.comp)
        + "</p>"
        + _table_html(whole_period_frame(c.whole.set_index("label").reindex([m for m in main if m in set(
            c.whole.label)]).reset_index(), j.confidence), index_name=_("strategy"),
                      cls="whole")
        + "<h3>" + _("Headline table") + "</h3><p class='note'>"
        + _("Versus no regional budget in {year}, median (10% to 90%) over {n} replications: the spread of the paired "
            "differences, not a confidence interval.").format(year=year, n=comp.replications) + "</p>"
        + _table_html(_headline_frame(heads), index_name=_("measure"), cls="headline"))


def _current_note(comp: analysis.Comparison) -> str:
    """What the regional money is (issue 24): the share of it that pays running costs, and what that means."""
    share = float((comp.manifest.get("base_params") or {}).get("policy", {}).get("current_share", 0.0) or 0.0)
    if share > 0:
        said = _("Here {share} of each place-based allocation pays local running costs (policy.current_share) and "
                 "builds nothing.").format(share=pct(share))
    else:
        said = _("Here every som of the place-based money builds capital, services or firms (policy.current_share is "
                 "0).")
    return " " + said + " " + _(
        "The sources put about 77% of the Concept's 2.6 bn som in transfers that maintain subsidised local budgets, "
        "i.e. running costs; with that share the GDP return per som absorbed falls by one half to three quarters, "
        "while the money paid as local wages cuts poverty where it is spent (docs/issue24.md).")


def _where_incomes_change(c: _Context) -> str:
    """Section 2: the map, and spread and backwash by distance from the nearest centre."""
    comp, j, main, year, figures = c.comp, c.comp.judgement, c.main, c.year, c.figures
    change = analysis.settlement_change_interval(comp)
    change = change[change.label.isin(main)]
    fig = plots.plot_maps(comp.world, change,
                          title=_("Income per person in {year}, % change versus no regional budget").format(year=year))
    plots.save(fig, figures, "map_income_change")
    strategies = [label for label in main if label != BASELINE]
    fig_bands = plots.plot_distance_bands(c.versus, strategies)
    plots.save(fig_bands, figures, "distance_bands")
    base_bands = c.bands[c.bands.label == BASELINE].groupby("band", observed=True)[
        ["population", "income_per_capita_som", "poverty_rate", "employment_rate"]].mean()
    base_bands = base_bands.assign(population=base_bands.population.map(lambda v: _fmt(v, 0)),
                                   income_per_capita_som=base_bands.income_per_capita_som.map(lambda v: _fmt(v, 0)),
                                   poverty_rate=(100 * base_bands.poverty_rate).map(lambda v: f"{_fmt(v, 1)}%"),
                                   employment_rate=(100 * base_bands.employment_rate).map(lambda v: f"{_fmt(v, 1)}%"))
    base_bands.columns = [_("population"), _("income per person, som"), _("poverty rate"),
                          _("employment per resident")]
    base_bands.index = [plots.band_name(str(b)) for b in base_bands.index]
    return (
        "<h2>" + _("2. Where incomes change") + "</h2>"
        + _img(fig, _("map of income change by settlement"),
               _("Mean paired change over {n} replications. A settlement is coloured only where the {level} "
                 "interval of its change excludes zero, grey where it includes zero: about {chance} of places would "
                 "be coloured by chance alone. Size: population; black outline: growth centre; village clusters are "
                 "synthetic, placed within their rayon. The top map names the centres and the oblasts; oblast "
                 "outlines from Natural Earth (public domain), simplified to about 500 m.").format(
                   n=comp.replications, level=pct(j.confidence), chance=pct(round(1 - j.confidence, 2))))
        + "<h3>" + _("Spread and backwash by distance from the nearest growth centre") + "</h3><p class='note'>"
        + _("The Concept expects the growth centres to pull up their surroundings. Each row: one strategy minus no "
            "regional budget in {year}, by road distance from the nearest of the 20 growth centres (the centres "
            "themselves, 0-30, 30-60, 60-120 and over 120 km); bars are mean paired differences, whiskers the "
            "{level} interval. A hinterland effect shows as gains that fade with distance; backwash as losses near "
            "the centres. Per run in <code>distance_bands.csv</code>, differences in "
            "<code>distance_bands_versus.csv</code>.").format(year=year, level=pct(j.confidence)) + "</p>"
        + _img(fig_bands, _("differences by distance band from the nearest growth centre"),
               _("Mean paired difference by distance band with its {level} interval; the scales are shared down each "
                 "column.").format(level=pct(j.confidence)))
        + "<p class='note'>" + _("Without a regional budget in {year} (mean over replications):").format(year=year)
        + "</p>"
        + _table_html(base_bands, index_name=_("distance band")))


def _path_metrics() -> tuple[tuple[str, str, str, float], ...]:
    """(metric, level label, difference label, scale): a rate's level is in %, its difference in points."""
    return (("gdp_som", _("GDP, bn som (2017 prices)"), _("GDP, bn som"), 1e9),
            ("gdp_per_capita_som", _("GDP per person, thousand som"), _("GDP per person, thousand som"), 1e3),
            ("poverty_rate", _("poverty rate, %"), _("poverty rate, percentage points"), 0.01),
            ("theil_between_oblasts", _("Theil index between oblasts"), _("Theil index between oblasts"), 1.0),
            ("migrants_abroad", _("migrants abroad, thousands"), _("migrants abroad, thousands"), 1e3),
            ("share_pop_bishkek", _("share of population in Bishkek, %"),
             _("share of population in Bishkek, percentage points"), 0.01))


def _paths(c: _Context) -> str:
    """Section 3: paths as differences with intervals; levels in smaller figures."""
    comp, j, main, figures = c.comp, c.comp.judgement, c.main, c.figures
    figs = []
    for metric, label, diff_label, scale in _path_metrics():
        refs = [BASELINE] + ([CONCEPT] if CONCEPT in comp.labels and len(main) > 2 else [])
        fig, axes = plots.new_figure(ncols=len(refs), width=plots.FIGURE_WIDTH / 2 * len(refs), height=4.4)
        axes = [axes] if len(refs) == 1 else list(axes)
        for ax, ref in zip(axes, refs, strict=True):
            shown = [label for label in main if label != BASELINE or ref == BASELINE]  # none would set the scale
            paths = paired.difference_paths(comp.national[comp.national.label.isin(shown)], metric, ref,
                                            j.confidence)
            plots.plot_difference_paths(paths, diff_label, ax=ax, scale=scale, legend=False,
                                        title=_("minus {name}").format(name=names.short(ref)))
        plots.shared_legend(fig, axes)
        plots.save(fig, figures, f"path_diff_{metric}")
        figs.append(_img(fig, diff_label, _("{what}: each strategy minus no regional budget (left) and minus the "
                                            "Concept (right), with the {level} interval band.").format(
            what=diff_label, level=pct(j.confidence))))
        small, ax = plots.new_figure(width=plots.SMALL_WIDTH, height=3.2)
        plots.plot_paths(analysis.bands(comp, metric, main), label, ax=ax, scale=scale, legend=False)
        ax.set_title(_("{what}: levels").format(what=label))
        plots.save(small, figures, f"path_{metric}")
        figs.append(f"<div class='small'>{_img(small, label)}</div>")
    return ("<h2>" + _("3. Paths over time") + "</h2><p class='note'>"
            + _("Large figures: each strategy minus no regional budget (left) and minus the Concept as adopted (right, "
                "where run), mean paired difference with its {level} interval band; a band that leaves zero is a "
                "difference the replications support in that year. Small figures: levels, median and 10-90% band "
                "over replications, in the colours and line styles of the large figure above them.").format(
                level=pct(j.confidence)) + "</p>" + "".join(figs))


def _frontier(c: _Context) -> str:
    """Section 4: the growth-equity frontier on the whole period: GDP and person-years in poverty."""
    j, figures, first, year = c.comp.judgement, c.figures, c.first, c.year
    points, hybrid = [], []
    for r in c.whole.itertuples():
        row = {"label": r.label, "x": r.gdp_pv_gain / 1e9, "x_p10": r.gdp_pv_gain_low / 1e9,
               "x_p90": r.gdp_pv_gain_high / 1e9, "y": -r.poverty_person_years_avoided / 1e3,
               "y_p10": -r.poverty_person_years_avoided_high / 1e3, "y_p90": -r.poverty_person_years_avoided_low / 1e3}
        if r.label.startswith("hybrid "):
            hybrid.append({"centre_share": float(r.label.split()[1]), "x": row["x"], "y": row["y"]})
        elif r.label in c.main:
            points.append(row)
    fig, ax = plots.new_figure(width=7, height=4.6)
    plots.plot_frontier(pd.DataFrame(points), pd.DataFrame(hybrid).sort_values("centre_share") if hybrid else None,
                        _("GDP over {first}-{year} versus no budget, bn som (present value)").format(
                            first=first, year=year),
                        _("person-years in poverty versus no budget, thousands").format(first=first, year=year),
                        ax=ax)
    plots.save(fig, figures, "frontier")
    return ("<h2>" + _("4. Growth versus equity") + "</h2>"
            + _img(fig, _("growth-equity frontier"),
                   _("Over the whole period: right is more output, down is fewer person-years in poverty; whiskers "
                     "are {level} intervals; the dashed curve is the mix from all equalisation (0%) to all centres "
                     "(100%).").format(level=pct(j.confidence))))


def _oblasts(c: _Context) -> str:
    """Section 5: change by oblast."""
    comp, main, year, figures = c.comp, c.main, c.year, c.figures
    gdp_pc = analysis.oblast_change(comp, "gdp_per_capita_som", relative=True)
    poverty = 100 * analysis.oblast_change(comp, "poverty_rate", relative=False)
    cols = [c for c in main if c in gdp_pc.columns and c != BASELINE]
    gdp_pc, poverty = gdp_pc[cols], poverty[cols]
    gdp_pc.columns = poverty.columns = [names.short(col) for col in cols]
    gdp_pc.index = poverty.index = [plots.oblast_name(str(i)) for i in gdp_pc.index]
    fig, axes = plots.new_figure(nrows=2, width=plots.FIGURE_WIDTH, height=10.0)  # side by side: too small in print
    plots.plot_heatmap(gdp_pc, _("GDP per person, % vs no budget"), "{:.2f}", ax=axes[0])
    plots.plot_heatmap(poverty, _("poverty rate, points vs no budget"), "{:.2f}", ax=axes[1], lower_is_better=True)
    plots.save(fig, figures, "oblasts_heatmap")
    table = pd.concat({_("GDP per person, %"): gdp_pc.map(lambda v: _fmt(v, 2)),
                       _("poverty, points"): poverty.map(lambda v: _fmt(v, 2))}, axis=1)
    table.columns = [f"{b}: {a}" for a, b in table.columns]
    return ("<h2>" + _("5. Oblasts") + "</h2>"
            + _img(fig, _("oblast heatmap"),
                   _("Median change versus no regional budget in {year}; purple is better in both panels (more "
                     "output, less poverty).").format(year=year))
            + _table_html(table, True, _("oblast"), cls="oblasts"))


def _money(c: _Context) -> str:
    """Section 6: where the money went."""
    comp, main, figures = c.comp, c.main, c.figures
    money = analysis.money_by_oblast(comp)
    money = money[money.label.isin(main) & (money.label != BASELINE)]
    fig, ax = plots.new_figure(width=8, height=4.5)
    plots.plot_money(money, ax=ax)
    plots.save(fig, figures, "money")
    totals = money.groupby("label")[["allocated", "absorbed", "returned", "lost"]].sum() / 1e9
    totals = totals.map(lambda v: _fmt(v, 1))
    totals.index = [names.strategy(label) for label in totals.index]
    totals.columns = [_("allocated"), _("absorbed"), _("returned"), _("lost")]
    return ("<h2>" + _("6. Where the money went") + "</h2>"
            + _img(fig, _("money by oblast"),
                   _("Sum over the whole run, bn som, median over replications; money is returned where it exceeded "
                     "what administrations could absorb."))
            + _table_html(totals, True, _("strategy")))


def _assumptions(c: _Context) -> str:
    """Section 7: assumptions and provenance (validation, section 8, follows it)."""
    comp = c.comp
    m = comp.manifest
    prov = "<p>" + _("Experiment {experiment}, scenario {scenario}, {runs} runs, {n} replications, seed {seed}; "
                     "regsim {version}, commit {commit}; created {created}, finished {finished}. Data: "
                     "regsim/data/SOURCES.md; model: docs/ODD.md.").format(
        experiment=f"<code>{html.escape(str(m.get('experiment')))}</code>",
        scenario=f"<code>{html.escape(str(m.get('scenario')))}</code>", runs=len(comp.design), n=comp.replications,
        seed=m.get("seed"), version=m.get("regsim_version"), commit=m.get("git_commit") or _("unknown"),
        created=m.get("created_utc"), finished=m.get("finished_utc")) + "</p>"
    return "<h2>" + _("7. Assumptions and provenance") + "</h2>" + _parameters_html(m) + prov
