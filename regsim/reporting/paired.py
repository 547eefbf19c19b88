"""Paired comparisons of strategies: which one is ahead on what, with an interval, or that they tie.

Replication k of every strategy uses the same seed (common random numbers), so the difference
A - B is taken replication by replication and its noise is far smaller than either level's. For
every pair of strategies and every headline outcome this module gives the mean paired difference,
a Student-t confidence interval over replications (90% by default) and a verdict in plain words:

- ``"practically equal"``: the interval lies inside the practical threshold (for example 0.1% of
  GDP), so any true difference is too small to matter;
- ``"A ahead"`` / ``"B ahead"``: otherwise, when the interval excludes zero;
- ``"cannot be told apart with N replications"``: neither.

The t interval assumes the paired differences are roughly normal; with 10 or more replications it
is robust to moderate skew. Outcomes are read in the last year and over the whole period (present
value of GDP, person-years in poverty), so a strategy that pays early and one that pays late are
told apart. Pure functions on result tables; never imports the model.
"""

from __future__ import annotations

import itertools
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
DEFAULT_PRACTICAL_SHARE: Final = 0.001  # differences below 0.1% of the `none` level are practically nil

AHEAD_A: Final = "{a} ahead"
AHEAD_B: Final = "{b} ahead"
EQUAL: Final = "practically equal"
UNDECIDED: Final = "cannot be told apart with {n} replications"


@dataclass(frozen=True)
class Outcome:
    """A headline outcome read from one run's national table.

    Attributes:
        name: Column name in the outcome tables.
        label: What a reader sees.
        unit: Unit of the value and of differences.
        higher_is_better: Whether more is better (GDP) or worse (poverty).
        practical: Threshold below which a difference is practically nil: a share of the ``none``
            level (``relative``) or an absolute amount in ``unit``.
        relative: Whether ``practical`` is a share of the ``none`` level.
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool
    practical: float
    relative: bool = True


OUTCOMES: Final = (
    Outcome("gdp_per_capita_end", "GDP per person, last year", "som", True, DEFAULT_PRACTICAL_SHARE),
    Outcome("gdp_pv", "GDP, present value over the period", "som", True, DEFAULT_PRACTICAL_SHARE),
    Outcome("poverty_rate_end", "Poverty rate, last year", "fraction", False, 0.001, relative=False),
    Outcome("poverty_person_years", "Person-years in poverty over the period", "person-years", False,
            DEFAULT_PRACTICAL_SHARE),
    Outcome("theil_between_end", "Theil index between oblasts, last year", "index", False, 0.0005,
            relative=False),
)
OUTCOME_BY_NAME: Final = {o.name: o for o in OUTCOMES}
HEADLINE_OUTCOMES: Final = ("gdp_per_capita_end", "gdp_pv", "poverty_rate_end", "poverty_person_years")
"""The outcomes ``regsim compare --replications auto`` must decide for every pair of strategies."""


def look_confidence(confidence: float, looks: int) -> float:
    """Confidence of each interval when the data are looked at ``looks`` times (Bonferroni over looks).

    Adding replications until an interval excludes zero and stopping there ("optional stopping")
    makes a spurious verdict more likely with every look: five looks at 90% can call a null
    difference in about a quarter of cases. Spending the error ``1 - confidence`` evenly over the
    planned looks keeps the chance of a spurious verdict on a difference at most ``1 - confidence``.
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
        Columns ``label, replication`` and one per outcome in :data:`OUTCOMES`, plus
        ``budget_allocated_total`` (som over the period), the cost base of the whole-period outcomes.
    """
    if not 0 <= discount_rate < 1:
        raise ExperimentError(f"discount rate {discount_rate} is not allowed; use a value in [0, 1)")
    years = sorted(national.year.unique())
    first = start_year if start_year is not None else (years[1] if len(years) > 1 else years[0])
    last = years[-1]
    wide = national[national.metric.isin(["gdp_som", "gdp_per_capita_som", "poverty_rate", "poor_people",
                                          "theil_between_oblasts", "budget_allocated_som"])].pivot_table(
        index=["label", "replication", "year"], columns="metric", values="value")
    period = wide[wide.index.get_level_values("year") >= first]
    discount = (1.0 + discount_rate) ** -(period.index.get_level_values("year") - first).to_numpy(float)
    at_end = wide.xs(last, level="year")
    out = pd.DataFrame({
        "gdp_per_capita_end": at_end.gdp_per_capita_som,
        "gdp_pv": (period.gdp_som * discount).groupby(level=["label", "replication"]).sum(),
        "poverty_rate_end": at_end.poverty_rate,
        "poverty_person_years": period.poor_people.groupby(level=["label", "replication"]).sum(),
        "theil_between_end": at_end.theil_between_oblasts,
        "budget_allocated_total": period.budget_allocated_som.groupby(level=["label", "replication"]).sum(),
    })
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


def pairwise(outcomes: pd.DataFrame, labels: Iterable[str] | None = None,
             confidence: float = DEFAULT_CONFIDENCE, practical_scale: float = 1.0,
             outcome_names: Iterable[str] | None = None) -> pd.DataFrame:
    """Paired differences for every pair of labels and every outcome.

    Args:
        outcomes: :func:`per_run_outcomes`.
        labels: Labels to compare, in order (pairs are ``(a, b)`` with ``a`` before ``b``); default all.
        confidence: Confidence level of the interval, in (0, 1).
        practical_scale: Multiplies every outcome's practical threshold (``--practical-threshold``).
        outcome_names: Outcomes to compare (default: all of :data:`OUTCOMES`).

    Returns:
        One row per ``(a, b, outcome)``: ``n, mean_diff, sd_diff, low, high, threshold, verdict``.
        Differences are ``a - b`` in the outcome's unit; ``a`` is ``none`` only as the second of a pair.
    """
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence {confidence} is not allowed; use a value in (0, 1), e.g. 0.9")
    order = list(labels) if labels is not None else list(dict.fromkeys(outcomes.label))
    order = [x for x in order if x != BASELINE] + ([BASELINE] if BASELINE in order else [])
    chosen = [OUTCOME_BY_NAME[name] for name in (outcome_names or OUTCOME_BY_NAME)]
    table = outcomes.set_index(["label", "replication"])
    base = table.xs(BASELINE, level="label") if BASELINE in order else None
    rows = []
    for a, b in itertools.combinations(order, 2):
        mine, theirs = table.xs(a, level="label"), table.xs(b, level="label")
        common = mine.index.intersection(theirs.index)
        for outcome in chosen:
            diff = (mine.loc[common, outcome.name] - theirs.loc[common, outcome.name]).dropna().to_numpy()
            mean, sd, low, high = t_interval(diff, confidence)
            reference = base[outcome.name].mean() if (outcome.relative and base is not None) else 1.0
            threshold = outcome.practical * practical_scale * (abs(reference) if outcome.relative else 1.0)
            rows.append({"a": a, "b": b, "outcome": outcome.name, "n": len(diff), "mean_diff": mean,
                         "sd_diff": sd, "low": low, "high": high, "threshold": threshold,
                         "confidence": confidence,
                         "verdict": verdict(a, b, low, high, threshold, outcome.higher_is_better, len(diff))})
    return pd.DataFrame(rows)


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
        ``som_per_person_year_out_of_poverty`` (not defined where none are avoided) and
        ``gdp_pv_gain`` (som).
    """
    table = outcomes.set_index(["label", "replication"])
    if BASELINE not in table.index.get_level_values("label"):
        raise ExperimentError("the comparison has no 'none' runs; include the strategy 'none'")
    rows = []
    for label, mine, base in _paired_with(table, outcomes.label, BASELINE):
        avoided = (base["poverty_person_years"] - mine["poverty_person_years"]).mean()
        spent = mine["budget_allocated_total"].mean()
        rows.append({"label": label, "poverty_person_years_avoided": avoided, "budget_allocated_total": spent,
                     "som_per_person_year_out_of_poverty": spent / avoided if avoided > 0 else np.nan,
                     "gdp_pv_gain": (mine["gdp_pv"] - base["gdp_pv"]).mean()})
    return pd.DataFrame(rows)


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
