"""Paired comparisons of strategies: which one is ahead on what, with an interval, or that they tie.

Replication k of every strategy uses the same seed (common random numbers), so the difference
A - B is taken replication by replication and its noise is far smaller than either level's. For
every pair of strategies and every headline outcome this module gives the mean paired difference,
a Student-t confidence interval over replications (90% by default) and a verdict in plain words:

- ``"practically equal"``: the interval lies inside the practical threshold, so any true difference
  is too small to matter;
- ``"A ahead"`` / ``"B ahead"``: otherwise, when the interval excludes zero;
- ``"cannot be told apart with N replications"``: neither.

**Practical thresholds are relative to the programme** (:func:`practical_thresholds`): a share
(``--practical-threshold``, default 10%) of the programme's own budget over the period for the
money outcomes, or of the smaller of the two strategies' effects versus ``none`` for poverty and
inequality. Precisely, for a pair A, B:

- present value of GDP (som): the share of the present value of the budget allocated over the
  period, discounted like GDP to the first policy year (so at most the share of the undiscounted
  budget allocated), the smaller of A's and B's (mean over replications; ``none`` has no budget
  and is skipped);
- GDP per person in the last year (som per person): the share of the budget allocated per person
  per year, i.e. budget allocated over the period / policy years / population in the last year,
  the smaller of A's and B's;
- poverty rate, person-years in poverty, Theil index: the share of the smaller of ``|A - none|``
  and ``|B - none|`` (mean paired effects). For a pair with ``none`` itself the yardstick is the
  largest ``|effect|`` of any strategy in the comparison on that outcome (``none``'s own effect is
  zero by definition): a strategy is practically equal to no programme when its effect is below
  the share of what the best-placed strategy achieves.

**The verdicts of a table are corrected for multiple comparisons** (``correction="holm"``): each
row carries two hypotheses, "no difference" (two-sided t test; rejecting it gives "ahead") and
"a difference of at least the threshold" (two one-sided tests, TOST, read at the same two-sided
level as the interval; rejecting it gives "practically equal"). At most one of a row's two
hypotheses can be true, so Holm's step-down is run with Shaffer's (1986) count of the hypotheses
that can still be true (:func:`holm`): the first step divides the error ``1 - confidence`` by the
number of rows, not twice that. The family is the headline table (pairs of strategies outside the
hybrid sweep x :data:`HEADLINE_OUTCOMES`); the other rows (hybrid sweep, Theil) form a second
family, corrected the same way. Each row's interval is shown at the level at which the step-down
judged it (between ``1 - (1 - confidence) / rows`` and ``confidence``, in the ``confidence``
column), so the verdict can be read off its interval; the uncorrected interval and verdict are
kept (``low_unadjusted``, ``high_unadjusted``, ``verdict_unadjusted``).

The t interval assumes the paired differences are roughly normal; with 10 or more replications it
is robust to moderate skew. Outcomes are read in the last year and over the whole period (present
value of GDP, person-years in poverty), so a strategy that pays early and one that pays late are
told apart. Pure functions on result tables; never imports the model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from regsim.errors import ExperimentError

BASELINE: Final = "none"
DEFAULT_CONFIDENCE: Final = 0.90
DEFAULT_DISCOUNT_RATE: Final = 0.05  # per year, real; a common social discount rate for middle-income countries
DEFAULT_PRACTICAL_SHARE: Final = 0.10
"""Default ``--practical-threshold``: a difference below 10% of the programme's budget (money outcomes)
or of the smaller strategy's effect versus ``none`` (poverty, inequality) is practically nil."""
UNSPENT_NOTE_SHARE: Final = 0.05
"""A strategy that leaves more than this share of its budget unspent by the last year is flagged beside
its verdicts, with its GDP gain per som absorbed (issue 22: absorption can decide big budgets)."""
RETURN_BAND: Final = (0.02, 0.25)
"""The last-year GDP gain per som absorbed that the evidence supports (issue 24): Bom & Ligthart's (2014)
output elasticities of public capital, 0.05-0.11, over a stock of about one year's GDP, less depreciation
and building lags. A place-based strategy outside it is named in the report (docs/validation.md says why)."""
HYBRID_PREFIX: Final = "hybrid "  # labels of the hybrid sweep: "hybrid 0.25"
CORRECTIONS: Final = ("holm", "none")

AHEAD_A: Final = "{a} ahead"
AHEAD_B: Final = "{b} ahead"
EQUAL: Final = "practically equal"
UNDECIDED: Final = "cannot be told apart with {n} replications"

BUDGET_PV: Final = "budget_pv"
BUDGET_PER_PERSON_YEAR: Final = "budget_per_person_year"
EFFECT: Final = "effect"
BASES: Final = {
    BUDGET_PV: "{share:.0%} of the present value of the budget allocated over the period (smaller of the pair)",
    BUDGET_PER_PERSON_YEAR: "{share:.0%} of the budget allocated per person per year (smaller of the pair)",
    EFFECT: "{share:.0%} of the smaller effect versus none (pairs with none: of the largest effect)",
}
"""What a practical threshold is a share of, per basis; the ``threshold_basis`` column of the table."""


@dataclass(frozen=True)
class Outcome:
    """A headline outcome read from one run's national table.

    Attributes:
        name: Column name in the outcome tables.
        label: What a reader sees.
        unit: Unit of the value and of differences.
        higher_is_better: Whether more is better (GDP) or worse (poverty).
        basis: What the practical threshold is a share of: :data:`BUDGET_PV` (present value of the
            budget allocated, som), :data:`BUDGET_PER_PERSON_YEAR` (budget allocated per person per
            year, som) or :data:`EFFECT` (the strategies' effects versus ``none``, in ``unit``).
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool
    basis: str


OUTCOMES: Final = (
    Outcome("gdp_per_capita_end", "GDP per person, last year", "som", True, BUDGET_PER_PERSON_YEAR),
    Outcome("gdp_pv", "GDP, present value over the period", "som", True, BUDGET_PV),
    Outcome("poverty_rate_end", "Poverty rate, last year", "fraction", False, EFFECT),
    Outcome("poverty_person_years", "Person-years in poverty over the period", "person-years", False, EFFECT),
    Outcome("theil_between_end", "Theil index between oblasts, last year", "index", False, EFFECT),
)
OUTCOME_BY_NAME: Final = {o.name: o for o in OUTCOMES}
HEADLINE_OUTCOMES: Final = ("gdp_per_capita_end", "gdp_pv", "poverty_rate_end", "poverty_person_years")
"""The outcomes ``regsim compare --replications auto`` must decide for every pair of strategies."""


def headline_labels(labels: Iterable[str]) -> list[str]:
    """The labels whose pairs form the headline family: every strategy outside the hybrid sweep."""
    return [label for label in dict.fromkeys(labels) if not str(label).startswith(HYBRID_PREFIX)]


def look_confidence(confidence: float, looks: int) -> float:
    """Confidence of each interval when the data are looked at ``looks`` times (Bonferroni over looks).

    Adding replications until an interval excludes zero and stopping there ("optional stopping")
    makes a spurious verdict more likely with every look: five looks at 90% can call a null
    difference in about a quarter of cases. Spending the error ``1 - confidence`` evenly over the
    planned looks keeps the chance of a spurious verdict on a difference at most ``1 - confidence``.
    Within a look, :func:`pairwise` spends that look's error over the table with Holm's step-down,
    so the chance of any spurious verdict in any row at any look is at most ``1 - confidence``
    (a union bound over looks of the per-look family-wise error).
    """
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence {confidence} is not allowed; use a value in (0, 1), e.g. 0.9")
    return 1.0 - (1.0 - confidence) / max(1, int(looks))


def per_run_outcomes(national: pd.DataFrame, discount_rate: float = DEFAULT_DISCOUNT_RATE,
                     start_year: int | None = None) -> pd.DataFrame:
    """Headline outcomes of every run, one row per ``(label, replication)``.

    Args:
        national: A comparison's national table (``label, replication, year, metric, value``).
        discount_rate: Real discount rate per year for the present value of GDP.
        start_year: First policy year (default: the first year after the base year in the table).

    Returns:
        Columns ``label, replication`` and one per outcome in :data:`OUTCOMES`, plus the money of
        the period (som): ``budget_allocated_total``, ``budget_allocated_pv`` (discounted like GDP),
        ``budget_available_total``, ``budget_absorbed_total``, ``budget_lost_total`` and
        ``budget_unspent_total`` (available - absorbed - lost: carried over at the end plus never
        allocated); ``gdp_end`` (som, last year), ``population_end`` (persons, GDP / GDP per person)
        and ``budget_per_person_year`` (budget allocated / policy years / population in the last
        year, som per person per year). Budget columns missing from the table are NaN.
    """
    if not 0 <= discount_rate < 1:
        raise ExperimentError(f"discount rate {discount_rate} is not allowed; use a value in [0, 1)")
    years = sorted(national.year.unique())
    first = start_year if start_year is not None else (years[1] if len(years) > 1 else years[0])
    last = years[-1]
    money = ["budget_allocated_som", "budget_available_som", "budget_absorbed_som", "budget_lost_som"]
    wide = national[national.metric.isin(["gdp_som", "gdp_per_capita_som", "poverty_rate", "poor_people",
                                          "theil_between_oblasts", *money])].pivot_table(
        index=["label", "replication", "year"], columns="metric", values="value")
    wide = wide.reindex(columns=sorted(set(wide.columns) | set(money)))
    period = wide[wide.index.get_level_values("year") >= first]
    discount = (1.0 + discount_rate) ** -(period.index.get_level_values("year") - first).to_numpy(float)
    at_end = wide.xs(last, level="year")
    runs = ["label", "replication"]

    def total(column: str) -> pd.Series:
        return period[column].groupby(level=runs).sum(min_count=1)

    out = pd.DataFrame({
        "gdp_per_capita_end": at_end.gdp_per_capita_som,
        "gdp_pv": (period.gdp_som * discount).groupby(level=runs).sum(),
        "poverty_rate_end": at_end.poverty_rate,
        "poverty_person_years": period.poor_people.groupby(level=runs).sum(),
        "theil_between_end": at_end.theil_between_oblasts,
        "budget_allocated_total": total("budget_allocated_som"),
        "budget_allocated_pv": (period.budget_allocated_som * discount).groupby(level=runs).sum(min_count=1),
        "budget_available_total": total("budget_available_som"),
        "budget_absorbed_total": total("budget_absorbed_som"),
        "budget_lost_total": total("budget_lost_som"),
        "gdp_end": at_end.gdp_som,
        "population_end": at_end.gdp_som / at_end.gdp_per_capita_som,
    })
    out["budget_unspent_total"] = out.budget_available_total - out.budget_absorbed_total - out.budget_lost_total
    policy_years = max(1, sum(1 for y in years if y >= first))
    out["budget_per_person_year"] = out.budget_allocated_total / policy_years / out.population_end
    return out.reset_index()


def t_interval(diff: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    """Mean, standard deviation and Student-t interval of paired differences.

    Returns:
        ``(mean, sd, low, high)``; with one replication the interval is infinite.
    """
    diff = np.asarray(diff, dtype=float)
    n = len(diff)
    mean = float(diff.mean()) if n else np.nan
    if n < 2:
        return mean, np.nan, -np.inf, np.inf
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half


def p_values(diff: np.ndarray, threshold: float) -> tuple[float, float]:
    """P-values of a row's two hypotheses from its paired differences.

    Returns:
        ``(p_difference, p_equivalence)``: the two-sided t test of "no difference" (the interval at
        confidence ``c`` excludes zero exactly when ``p_difference < 1 - c``) and the two one-sided
        tests (TOST) of "a difference of at least ``threshold``", doubled so that it reads at the
        same two-sided level (the interval at ``c`` lies inside ``±threshold`` exactly when
        ``p_equivalence <= 1 - c``). With fewer than two replications both are 1; with no spread,
        0 or 1 by the mean.
    """
    diff = np.asarray(diff, dtype=float)
    n = len(diff)
    if n < 2:
        return 1.0, 1.0
    mean, se = float(diff.mean()), float(diff.std(ddof=1)) / np.sqrt(n)
    if not math.isfinite(mean):
        return 1.0, 1.0
    if se == 0.0:
        return (0.0 if mean != 0.0 else 1.0), (0.0 if abs(mean) <= threshold else 1.0)
    p_diff = float(2.0 * stats.t.sf(abs(mean) / se, n - 1))
    p_eq = float(min(1.0, 2.0 * stats.t.sf((threshold - abs(mean)) / se, n - 1))) if threshold > 0 else 1.0
    return p_diff, p_eq


def holm(p: Iterable[float], groups: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down adjusted p-values, with Shaffer's count where hypotheses exclude each other.

    Sort the ``m`` p-values; step ``j`` multiplies the ``j``-th smallest by ``t_j``, the largest
    number of hypotheses that can still be true once the ``j - 1`` smaller ones are rejected, and
    the adjusted p-value is the running maximum (capped at 1). Without ``groups`` every hypothesis
    can be true, ``t_j = m - j + 1``: Holm (1979). With ``groups``, at most one hypothesis per group
    can be true (a row's "no difference" and "a difference of at least the threshold"), so ``t_j``
    is the number of groups with a hypothesis at step ``j`` or later: Shaffer's (1986) method 1,
    which controls the family-wise error as Holm does and is never more conservative. Rejecting
    every hypothesis whose adjusted p-value is at most ``alpha`` keeps the chance of rejecting any
    true one at most ``alpha``, whatever the dependence between the tests.

    Returns:
        ``(adjusted, multiplier)``: per hypothesis in input order, the adjusted p-value and the
        ``t_j`` of its step (its critical value is ``alpha / t_j``).
    """
    p = np.asarray(list(p), dtype=float)
    m = len(p)
    if m == 0:
        return np.zeros(0), np.zeros(0)
    group = np.arange(m) if groups is None else np.asarray(list(groups))
    order = np.argsort(p, kind="stable")
    multiplier = np.empty(m)
    for step, k in enumerate(order):
        multiplier[k] = len(np.unique(group[order[step:]]))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(multiplier[order] * p[order]))
    return adjusted, multiplier


def verdict(a: str, b: str, low: float, high: float, threshold: float, higher_is_better: bool, n: int) -> str:
    """Plain-words verdict on ``a - b`` from its interval ``[low, high]``.

    An interval inside ``[-threshold, threshold]`` is "practically equal" even when it excludes zero:
    the difference is then real but too small to matter.
    """
    if -threshold <= low and high <= threshold:
        return EQUAL
    if low > 0 or high < 0:
        a_larger = low > 0
        return (AHEAD_A if a_larger == higher_is_better else AHEAD_B).format(a=a, b=b)
    return UNDECIDED.format(n=n)


def _reference_effects(table: pd.DataFrame, labels: Iterable[str]) -> dict[str, dict[str, float]]:
    """Mean paired effect versus ``none`` per label and outcome (``{}`` without ``none`` runs)."""
    if BASELINE not in table.index.get_level_values("label"):
        return {}
    effects: dict[str, dict[str, float]] = {BASELINE: dict.fromkeys(OUTCOME_BY_NAME, 0.0)}
    for label, mine, base in _paired_with(table, labels, BASELINE):
        effects[label] = {o: float((mine[o] - base[o]).mean()) for o in OUTCOME_BY_NAME}
    return effects


def practical_thresholds(outcomes: pd.DataFrame, share: float = DEFAULT_PRACTICAL_SHARE
                         ) -> Callable[[str, str, Outcome], float]:
    """The practical threshold of a pair on an outcome, in the outcome's unit (see the module docstring).

    Args:
        outcomes: :func:`per_run_outcomes` (every label of the comparison: the largest effect that
            the pairs with ``none`` are measured against is taken over all of them).
        share: ``--practical-threshold``, a fraction (0.1 = 10%).

    Returns:
        ``threshold(a, b, outcome)``; 0 where there is nothing to measure against (no budget, no
        ``none`` runs), so that only identical runs are then "practically equal".
    """
    table = outcomes.set_index(["label", "replication"])
    means = table.groupby(level="label").mean(numeric_only=True)
    effects = _reference_effects(table, list(dict.fromkeys(outcomes.label)))

    def money(label: str, column: str) -> float:
        value = float(means.loc[label, column]) if (label in means.index and column in means) else np.nan
        return value if math.isfinite(value) and value > 0 else np.nan

    def threshold(a: str, b: str, outcome: Outcome) -> float:
        if outcome.basis in (BUDGET_PV, BUDGET_PER_PERSON_YEAR):
            column = "budget_allocated_pv" if outcome.basis == BUDGET_PV else "budget_per_person_year"
            values = [money(x, column) for x in (a, b) if x != BASELINE]
            values = [v for v in values if math.isfinite(v)]
            return share * min(values) if values else 0.0
        if not effects:
            return 0.0
        if BASELINE in (a, b):  # none's own effect is zero: measure against the largest effect
            values = [abs(e[outcome.name]) for x, e in effects.items() if x != BASELINE]
            values = [v for v in values if math.isfinite(v)]
            return share * max(values, default=0.0)
        values = [abs(effects[x][outcome.name]) for x in (a, b) if x in effects]
        values = [v for v in values if math.isfinite(v)]
        return share * min(values) if values else 0.0

    return threshold


def pairwise(outcomes: pd.DataFrame, labels: Iterable[str] | None = None,
             confidence: float = DEFAULT_CONFIDENCE, practical_share: float = DEFAULT_PRACTICAL_SHARE,
             outcome_names: Iterable[str] | None = None, correction: str = "none") -> pd.DataFrame:
    """Paired differences for every pair of labels and every outcome.

    Args:
        outcomes: :func:`per_run_outcomes`.
        labels: Labels to compare, in order (pairs are ``(a, b)`` with ``a`` before ``b``); default all.
        confidence: Confidence level in (0, 1): of every interval without correction, of the
            family as a whole with it.
        practical_share: ``--practical-threshold``: the share of the programme's budget or of the
            strategies' effects below which a difference is practically nil (:func:`practical_thresholds`).
        outcome_names: Outcomes to compare (default: all of :data:`OUTCOMES`).
        correction: ``"holm"`` (``regsim compare``: Holm-Shaffer step-down within each family,
            :func:`holm`) or ``"none"`` (one pair looked at on its own, as ``regsim explore`` does).

    Returns:
        One row per ``(a, b, outcome)``: ``n, mean_diff, sd_diff, low, high, threshold,
        threshold_basis, confidence, verdict``, and ``family`` (``headline`` or ``other``),
        ``correction``, ``p_difference, p_equivalence`` (raw), ``p_difference_adjusted,
        p_equivalence_adjusted`` and the uncorrected ``low_unadjusted, high_unadjusted,
        verdict_unadjusted``. Differences are ``a - b`` in the outcome's unit; ``a`` is ``none``
        only as the second of a pair; ``low, high`` are at the row's ``confidence``.
    """
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence {confidence} is not allowed; use a value in (0, 1), e.g. 0.9")
    if correction not in CORRECTIONS:
        raise ExperimentError(f"correction {correction!r} is not allowed; use one of {', '.join(CORRECTIONS)}")
    if not (practical_share >= 0 and math.isfinite(practical_share)):
        raise ExperimentError(f"practical threshold {practical_share} is not allowed; use a share of 0 or more")
    order = list(labels) if labels is not None else list(dict.fromkeys(outcomes.label))
    order = [x for x in order if x != BASELINE] + ([BASELINE] if BASELINE in order else [])
    chosen = [OUTCOME_BY_NAME[name] for name in (outcome_names or OUTCOME_BY_NAME)]
    table = outcomes.set_index(["label", "replication"])
    threshold_of = practical_thresholds(outcomes, practical_share)
    headline = set(headline_labels(order))
    rows, diffs = [], []
    for a, b in itertools.combinations(order, 2):
        mine, theirs = table.xs(a, level="label"), table.xs(b, level="label")
        common = mine.index.intersection(theirs.index)
        for outcome in chosen:
            diff = (mine.loc[common, outcome.name] - theirs.loc[common, outcome.name]).dropna().to_numpy()
            mean, sd, low, high = t_interval(diff, confidence)
            threshold = threshold_of(a, b, outcome)
            p_diff, p_eq = p_values(diff, threshold)
            rows.append({"a": a, "b": b, "outcome": outcome.name, "n": len(diff), "mean_diff": mean,
                         "sd_diff": sd, "low": low, "high": high, "threshold": threshold,
                         "threshold_basis": BASES[outcome.basis].format(share=practical_share),
                         "confidence": confidence,
                         "verdict": verdict(a, b, low, high, threshold, outcome.higher_is_better, len(diff)),
                         "family": "headline" if (a in headline and b in headline
                                                  and outcome.name in HEADLINE_OUTCOMES) else "other",
                         "correction": correction, "p_difference": p_diff, "p_equivalence": p_eq,
                         "low_unadjusted": low, "high_unadjusted": high})
            diffs.append(diff)
    out = pd.DataFrame(rows)
    if not len(out):
        return out
    out["verdict_unadjusted"] = out.verdict
    out["p_difference_adjusted"], out["p_equivalence_adjusted"] = out.p_difference, out.p_equivalence
    if correction == "holm":
        for _, part in out.groupby("family", sort=False):
            _holm_family(out, part.index, diffs, 1.0 - confidence)
    return out


def _holm_family(out: pd.DataFrame, index: pd.Index, diffs: list[np.ndarray], alpha: float) -> None:
    """Holm-Shaffer verdicts, adjusted p-values and intervals at the judged level for one family, in place."""
    rows = list(index)
    p = np.concatenate([out.loc[rows, "p_difference"].to_numpy(), out.loc[rows, "p_equivalence"].to_numpy()])
    adjusted, multiplier = holm(p, groups=np.tile(np.arange(len(rows)), 2))
    m = len(rows)
    rejected = adjusted <= alpha
    rejected[:m] = adjusted[:m] < alpha  # "ahead": the interval excludes zero, strictly
    open_steps = multiplier[~rejected]
    stop = float(open_steps.max()) if len(open_steps) else 1.0  # t of the first step not rejected
    for i, row in enumerate(rows):
        outcome = OUTCOME_BY_NAME[out.at[row, "outcome"]]
        if rejected[m + i]:
            t, word = multiplier[m + i], EQUAL
        elif rejected[i]:
            t, word = multiplier[i], None
        else:
            t, word = stop, UNDECIDED.format(n=out.at[row, "n"])
        level = 1.0 - alpha / t
        mean, _, low, high = t_interval(diffs[row], level)
        if word is None:
            a_larger = mean > 0
            word = (AHEAD_A if a_larger == outcome.higher_is_better else AHEAD_B).format(a=out.at[row, "a"],
                                                                                         b=out.at[row, "b"])
        out.loc[row, ["low", "high", "confidence", "verdict", "p_difference_adjusted",
                      "p_equivalence_adjusted"]] = [low, high, level, word, adjusted[i], adjusted[m + i]]


def decided(table: pd.DataFrame) -> bool:
    """Whether every pairwise difference is decided: ahead either way or practically equal."""
    return bool(len(table)) and not table.verdict.str.startswith("cannot be told apart").any()


def _paired_with(table: pd.DataFrame, labels: Iterable[str], reference: str
                 ) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """``(label, mine, ref)`` per label other than ``reference``, both on their common replications.

    ``table`` is indexed by ``label`` and ``replication`` (and possibly more levels).
    """
    ref = table.xs(reference, level="label")
    for label in dict.fromkeys(labels):
        if label == reference:
            continue
        mine = table.xs(label, level="label")
        common = mine.index.intersection(ref.index)
        yield label, mine.loc[common], ref.loc[common]


def cost_effectiveness(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Whole-period cost-effectiveness per strategy versus ``none`` (mean over paired replications).

    Returns:
        Per label: ``poverty_person_years_avoided`` (person-years), ``budget_allocated_total`` (som),
        ``som_per_person_year_out_of_poverty`` (not defined where none are avoided),
        ``gdp_pv_gain`` (som); the money of the period, som: ``budget_available_total``,
        ``budget_absorbed_total``, ``budget_unspent_total`` (available - absorbed - lost: carried
        over at the end plus never allocated), ``budget_unallocated_total`` (never allocated by the
        strategy) and ``unspent_share`` (of the budget available);
        ``gdp_end_gain`` (som, last year) and ``gdp_end_gain_per_som_absorbed`` (som of last-year
        GDP per som absorbed over the period; not defined where nothing was absorbed).
    """
    table = outcomes.set_index(["label", "replication"])
    if BASELINE not in table.index.get_level_values("label"):
        raise ExperimentError("the comparison has no 'none' runs; include the strategy 'none'")
    rows = []
    for label, mine, base in _paired_with(table, outcomes.label, BASELINE):
        avoided = (base["poverty_person_years"] - mine["poverty_person_years"]).mean()
        spent = mine["budget_allocated_total"].mean()
        available = mine.get("budget_available_total", pd.Series(np.nan)).mean()
        absorbed = mine.get("budget_absorbed_total", pd.Series(np.nan)).mean()
        unspent = mine.get("budget_unspent_total", pd.Series(np.nan)).mean()
        unallocated = max(0.0, available - spent) if math.isfinite(available) else np.nan
        gdp_end_gain = (mine["gdp_end"] - base["gdp_end"]).mean() if "gdp_end" in mine else np.nan
        rows.append({"label": label, "poverty_person_years_avoided": avoided, "budget_allocated_total": spent,
                     "som_per_person_year_out_of_poverty": spent / avoided if avoided > 0 else np.nan,
                     "gdp_pv_gain": (mine["gdp_pv"] - base["gdp_pv"]).mean(),
                     "budget_available_total": available, "budget_absorbed_total": absorbed,
                     "budget_unspent_total": unspent, "budget_unallocated_total": unallocated,
                     "unspent_share": unspent / available if available > 0 else np.nan,
                     "gdp_end_gain": gdp_end_gain,
                     "gdp_end_gain_per_som_absorbed": gdp_end_gain / absorbed if absorbed > 0 else np.nan})
    return pd.DataFrame(rows)


def unspent_flags(whole: pd.DataFrame, share: float = UNSPENT_NOTE_SHARE) -> dict[str, tuple[float, float]]:
    """Strategies that left more than ``share`` of their budget unspent by the last year.

    Args:
        whole: :func:`cost_effectiveness` (or the whole-period table built on it).
        share: The flag's share of the budget available (default 5%).

    Returns:
        ``{label: (unspent_share, gdp_end_gain_per_som_absorbed)}`` for the flagged strategies.
    """
    if "unspent_share" not in whole:
        return {}
    flagged = whole[whole.unspent_share > share]
    return {str(r.label): (float(r.unspent_share), float(r.gdp_end_gain_per_som_absorbed))
            for r in flagged.itertuples()}


def return_flags(whole: pd.DataFrame, band: tuple[float, float] = RETURN_BAND) -> dict[str, float]:
    """Place-based strategies whose last-year GDP gain per som absorbed lies outside ``band``.

    Args:
        whole: :func:`cost_effectiveness` (or the whole-period table built on it).
        band: The range the evidence supports, som of last-year GDP per som absorbed.

    Returns:
        ``{label: gdp_end_gain_per_som_absorbed}``; the counterfactual, cash transfers (not capital) and
        strategies that absorbed nothing are never flagged.
    """
    if "gdp_end_gain_per_som_absorbed" not in whole:
        return {}
    out = {}
    for r in whole.itertuples():
        value = float(r.gdp_end_gain_per_som_absorbed)
        if r.label in (BASELINE, "cash_transfers") or not math.isfinite(value):
            continue
        if not band[0] <= value <= band[1]:
            out[str(r.label)] = value
    return out


def unspent_note(label: str, unspent_share: float, per_som: float, last_year: int) -> str:
    """The words beside a flagged strategy's verdicts: how much it left unspent and its GDP gain per som absorbed."""
    gain = f"{per_som:.3f}" if math.isfinite(per_som) else "n/a"
    return (f"{label} left {unspent_share:.0%} of its budget unspent by {last_year}; its {last_year} GDP gain per "
            f"som absorbed is {gain} som")


DISTANCE_BANDS_KM: Final = (0.0, 30.0, 60.0, 120.0)
"""Lower edges of the road-distance bands from the nearest growth centre (the centres form their own band)."""


def band_of(km_to_centre: np.ndarray, is_centre: np.ndarray) -> np.ndarray:
    """Band label per settlement: ``centres``, ``0-30 km``, ``30-60 km``, ``60-120 km``, ``over 120 km``."""
    edges = list(DISTANCE_BANDS_KM)
    names = [f"{int(lo)}-{int(hi)} km" for lo, hi in itertools.pairwise(edges)] + [f"over {int(edges[-1])} km"]
    idx = np.searchsorted(edges, np.asarray(km_to_centre, dtype=float), side="right") - 1
    labels = np.asarray(names, dtype=object)[np.clip(idx, 0, len(names) - 1)]
    return np.where(np.asarray(is_centre, dtype=bool), "centres", labels)


BAND_ORDER: Final = ("centres", "0-30 km", "30-60 km", "60-120 km", "over 120 km")


def distance_bands(settlements: pd.DataFrame, world: pd.DataFrame, year: int) -> pd.DataFrame:
    """Population, income per person, employment and poverty by distance band, per run.

    Args:
        settlements: Settlement table of a comparison (``label, replication, year, settlement_id,
            metric, value``) with ``population``, ``income_per_capita_som``, ``employment`` and
            ``poverty_rate``.
        world: World table with ``settlement_id``, ``growth_centre`` and ``km_to_centre`` (road km
            to the nearest growth centre).
        year: The year to read.

    Returns:
        One row per ``(label, replication, band)``: ``population`` (persons), ``income_per_capita_som``
        and ``poverty_rate`` (population-weighted), ``employment`` (persons) and ``employment_rate``
        (employment per resident).
    """
    if "km_to_centre" not in world:
        raise ExperimentError("world.parquet has no km_to_centre column (written by regsim 0.2 and later); "
                              "re-run the comparison")
    bands = pd.Series(band_of(world.km_to_centre.to_numpy(), world.growth_centre.to_numpy()),
                      index=world.settlement_id, name="band")
    s = settlements[(settlements.year == year) & settlements.metric.isin(
        ["population", "income_per_capita_som", "employment", "poverty_rate"])]
    wide = s.pivot_table(index=["label", "replication", "settlement_id"], columns="metric", values="value")
    wide = wide.join(bands, on="settlement_id")
    wide["income_total"] = wide.income_per_capita_som * wide.population
    wide["poor"] = wide.poverty_rate * wide.population
    grouped = wide.groupby(["label", "replication", "band"])[["population", "income_total", "poor",
                                                              "employment"]].sum()
    out = pd.DataFrame({
        "population": grouped.population,
        "income_per_capita_som": grouped.income_total / grouped.population,
        "poverty_rate": grouped.poor / grouped.population,
        "employment": grouped.employment,
        "employment_rate": grouped.employment / grouped.population,
    }).reset_index()
    out["band"] = pd.Categorical(out.band, categories=BAND_ORDER, ordered=True)
    return out.sort_values(["label", "replication", "band"]).reset_index(drop=True)


def bands_versus(bands: pd.DataFrame, confidence: float = DEFAULT_CONFIDENCE,
                 reference: str = BASELINE) -> pd.DataFrame:
    """Each label minus ``reference`` per distance band: mean paired difference and t interval.

    Returns:
        One row per ``(label, band, measure)`` with ``mean_diff, low, high, n``; income in som per
        person, poverty and employment rate as fractions, population in persons.
    """
    measures = ["population", "income_per_capita_som", "poverty_rate", "employment_rate"]
    table = bands.set_index(["label", "replication", "band"])[measures]
    if reference not in table.index.get_level_values("label"):
        raise ExperimentError(f"no {reference!r} runs to compare the distance bands with")
    rows = []
    for label, mine, ref in _paired_with(table, bands.label, reference):
        diff = mine - ref
        for band, group in diff.groupby(level="band", observed=True):
            for measure in measures:
                mean, _, low, high = t_interval(group[measure].dropna().to_numpy(), confidence)
                rows.append({"label": label, "band": band, "measure": measure, "mean_diff": mean,
                             "low": low, "high": high, "n": int(group[measure].notna().sum())})
    return pd.DataFrame(rows)


def difference_paths(national: pd.DataFrame, metric: str, reference: str = BASELINE,
                     confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Each label minus ``reference`` by year on paired replications: ``label, year, mean, low, high``."""
    rows = national[national.metric == metric].pivot_table(index=["replication", "year"], columns="label",
                                                           values="value")
    if reference not in rows:
        raise ExperimentError(f"no {reference!r} runs to take differences from")
    diff = rows.drop(columns=reference).sub(rows[reference], axis=0)
    out = []
    for label in diff.columns:
        for year, group in diff[label].groupby(level="year"):
            mean, _, low, high = t_interval(group.dropna().to_numpy(), confidence)
            out.append({"label": label, "year": int(year), "mean": mean, "low": low, "high": high})
    return pd.DataFrame(out)


def format_verdicts(table: pd.DataFrame, describe: Callable[[str], str] | None = None) -> str:
    """The pairwise verdicts as plain text lines, one per pair and outcome."""
    lines = []
    for row in table.itertuples():
        outcome = OUTCOME_BY_NAME[row.outcome]
        name = describe(row.outcome) if describe else outcome.label
        lines.append(f"{row.a} vs {row.b}, {name}: {row.verdict} "
                     f"(difference {row.mean_diff:,.4g} {outcome.unit}, {row.confidence:.0%} CI "
                     f"{row.low:,.4g} to {row.high:,.4g}, n={row.n})")
    return "\n".join(lines)
