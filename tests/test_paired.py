"""Paired comparisons: intervals, verdicts, whole-period outcomes and distance bands on known tables."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from regsim.errors import ExperimentError
from regsim.reporting import paired


def national_table(effects: dict[str, float], reps: int = 10, noise: float = 1.0, seed: int = 0,
                   years=(2017, 2018, 2019, 2020)) -> pd.DataFrame:
    """A national table where label L has GDP per person = common seed noise + effects[L] (som)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 1000, size=reps)  # seed-to-seed spread, shared by every label (CRN)
    rows = []
    for label, effect in effects.items():
        own = rng.normal(0, noise, size=reps)
        for r in range(reps):
            for y in years:
                gdp_pc = 80_000 + common[r] + (effect + own[r]) * (y > years[0])
                values = {"gdp_per_capita_som": gdp_pc, "gdp_som": gdp_pc * 7e6, "poverty_rate": 0.2,
                          "poor_people": 1.4e6, "theil_between_oblasts": 0.05,
                          "budget_allocated_som": 0.0 if label == "none" else 1e9}
                rows += [{"label": label, "replication": r, "year": y, "metric": m, "value": v}
                         for m, v in values.items()]
    return pd.DataFrame(rows)


def test_t_interval_matches_scipy():
    diff = np.array([1.0, 2.5, -0.5, 3.0, 1.5])
    mean, sd, low, high = paired.t_interval(diff, 0.9)
    ref = stats.t.interval(0.9, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert mean == pytest.approx(diff.mean()) and sd == pytest.approx(diff.std(ddof=1))
    assert (low, high) == pytest.approx(ref)


def test_a_clear_difference_names_the_leader_despite_large_seed_spread():
    out = paired.per_run_outcomes(national_table({"none": 0, "a": 200, "b": 0}))
    table = paired.pairwise(out, outcome_names=["gdp_per_capita_end"])
    verdicts = dict(zip(zip(table.a, table.b, strict=True), table.verdict, strict=True))
    assert verdicts[("a", "b")] == "a ahead"
    assert verdicts[("a", "none")] == "a ahead"


def test_lower_is_better_outcomes_flip_the_leader():
    assert paired.verdict("a", "b", 0.01, 0.02, 0.0, higher_is_better=False, n=10) == "b ahead"
    assert paired.verdict("a", "b", -0.02, -0.01, 0.0, higher_is_better=False, n=10) == "a ahead"


def test_a_null_difference_cannot_be_told_apart_and_a_tiny_one_is_practically_equal():
    noisy = paired.per_run_outcomes(national_table({"none": 0, "a": 0, "b": 0}, reps=4, noise=200.0, seed=3))
    table = paired.pairwise(noisy, outcome_names=["gdp_per_capita_end"])
    assert table.set_index(["a", "b"]).loc[("a", "b"), "verdict"] == "cannot be told apart with 4 replications"
    quiet = paired.per_run_outcomes(national_table({"none": 0, "a": 0, "b": 0}, reps=10, noise=0.5, seed=3))
    table = paired.pairwise(quiet, outcome_names=["gdp_per_capita_end"])
    assert (table.verdict == "practically equal").all()  # threshold 0.1% of 80,000 som = 80 som
    assert paired.decided(table)


def test_present_value_discounts_from_the_first_policy_year():
    nat = national_table({"none": 0}, reps=1, noise=0.0)
    out0 = paired.per_run_outcomes(nat, discount_rate=0.0)
    gdp = nat[(nat.metric == "gdp_som") & (nat.year >= 2018)].value
    assert out0.gdp_pv.iloc[0] == pytest.approx(gdp.sum())
    out5 = paired.per_run_outcomes(nat, discount_rate=0.05)
    assert out5.gdp_pv.iloc[0] == pytest.approx(sum(v / 1.05**i for i, v in enumerate(gdp)))
    with pytest.raises(ExperimentError, match="discount rate"):
        paired.per_run_outcomes(nat, discount_rate=1.5)


def test_cost_per_person_year_out_of_poverty():
    nat = national_table({"none": 0, "a": 0}, reps=2, noise=0.0)
    nat.loc[(nat.label == "a") & (nat.metric == "poor_people") & (nat.year > 2017), "value"] -= 1000.0
    cost = paired.cost_effectiveness(paired.per_run_outcomes(nat)).set_index("label")
    assert cost.loc["a", "poverty_person_years_avoided"] == pytest.approx(3000.0)
    assert cost.loc["a", "som_per_person_year_out_of_poverty"] == pytest.approx(3e9 / 3000.0)


@settings(max_examples=50, deadline=None)
@given(km=st.lists(st.floats(0, 1000), min_size=1, max_size=20))
def test_every_settlement_gets_exactly_one_band(km):
    bands = paired.band_of(np.array(km), np.zeros(len(km), dtype=bool))
    assert set(bands) <= set(paired.BAND_ORDER[1:])
    for d, b in zip(km, bands, strict=True):
        lo = {"0-30 km": 0, "30-60 km": 30, "60-120 km": 60, "over 120 km": 120}[b]
        assert d >= lo
    assert set(paired.band_of(np.array(km), np.ones(len(km), dtype=bool))) == {"centres"}


def test_distance_bands_weight_by_population():
    world = pd.DataFrame({"settlement_id": [0, 1, 2], "growth_centre": [True, False, False],
                          "km_to_centre": [0.0, 10.0, 20.0]})
    rows = []
    for sid, pop, inc in ((0, 100, 5.0), (1, 100, 1.0), (2, 300, 3.0)):
        for metric, value in (("population", pop), ("income_per_capita_som", inc), ("employment", pop / 2),
                              ("poverty_rate", 0.1 * sid)):
            rows.append({"label": "none", "replication": 0, "year": 2040, "settlement_id": sid,
                         "metric": metric, "value": value})
    bands = paired.distance_bands(pd.DataFrame(rows), world, 2040).set_index("band")
    assert bands.loc["centres", "income_per_capita_som"] == 5.0
    assert bands.loc["0-30 km", "population"] == 400
    assert bands.loc["0-30 km", "income_per_capita_som"] == pytest.approx((100 * 1 + 300 * 3) / 400)
    assert bands.loc["0-30 km", "employment_rate"] == pytest.approx(0.5)


# --- the family-wise correction (Holm; Shaffer's count where a row's two hypotheses exclude each other) ---

P_VALUES = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=30)


def _holm_reference(p: list[float]) -> np.ndarray:
    """Bonferroni-Holm by its textbook rule: the j-th smallest p times (m - j + 1), running maximum, capped at 1."""
    order = np.argsort(p, kind="stable")
    m = len(p)
    scaled = np.minimum(1.0, np.maximum.accumulate([(m - j) * p[k] for j, k in enumerate(order)]))
    out = np.empty(m)
    out[order] = scaled
    return out


def test_holm_on_known_examples():
    # Holm (1979)-style worked example: sorted 0.005 x 4, 0.01 x 3, 0.03 x 2, 0.04 x 1, running maximum
    adjusted, multiplier = paired.holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert multiplier.tolist() == [3, 1, 2, 4]
    assert paired.holm([0.5, 0.9])[0] == pytest.approx([1.0, 1.0])
    assert paired.holm([0.2])[0] == pytest.approx([0.2])  # one test: nothing to correct
    assert len(paired.holm([])[0]) == 0


@settings(max_examples=200, deadline=None)
@given(p=P_VALUES)
def test_holm_is_monotone_never_less_conservative_than_unadjusted_and_never_beyond_bonferroni(p):
    adjusted, _ = paired.holm(p)
    raw = np.asarray(p)
    assert (adjusted >= raw - 1e-15).all() and (adjusted <= 1.0).all()
    assert (adjusted <= np.minimum(1.0, len(p) * raw) + 1e-12).all()
    for i in range(len(p)):
        for j in range(len(p)):
            if raw[i] <= raw[j]:
                assert adjusted[i] <= adjusted[j] + 1e-15  # a smaller p is never adjusted above a larger one
    assert adjusted == pytest.approx(_holm_reference(p))


@settings(max_examples=200, deadline=None)
@given(p=P_VALUES.filter(lambda x: len(x) % 2 == 0))
def test_shaffers_count_lies_between_unadjusted_and_holm(p):
    """Pairing hypotheses that cannot both be true never adjusts more than Holm, nor less than nothing."""
    groups = np.tile(np.arange(len(p) // 2), 2)
    shaffer, multiplier = paired.holm(p, groups)
    assert (shaffer >= np.asarray(p) - 1e-15).all()
    assert (shaffer <= paired.holm(p)[0] + 1e-12).all()
    assert multiplier.max() <= len(p) // 2
    assert paired.holm(p, np.arange(len(p)))[0] == pytest.approx(paired.holm(p)[0])  # singletons: Holm


def test_holm_keeps_the_family_wise_error_at_alpha_on_dependent_pairwise_tests():
    """45 pairwise t tests among 10 strategies with no effect (dependent: they share strategies), 500 tables."""
    rng = np.random.default_rng(5)
    spurious_raw = spurious_holm = 0
    for _ in range(500):
        own = rng.normal(0.0, 1.0, size=(10, 6))
        p = [paired.p_values(own[a] - own[b], 0.0)[0] for a in range(10) for b in range(a + 1, 10)]
        spurious_raw += (np.asarray(p) < 0.1).any()
        spurious_holm += (paired.holm(p)[0] < 0.1).any()
    assert spurious_holm / 500 <= 0.1 + 0.03 and spurious_raw / 500 > 0.5


def test_p_values_agree_with_the_interval_rules():
    diff = np.array([3.0, 5.0, 4.0, 6.0, 2.0])
    p_diff, p_eq = paired.p_values(diff, threshold=10.0)
    for confidence in (0.8, 0.9, 0.99):
        _, _, low, high = paired.t_interval(diff, confidence)
        assert (low > 0) == (p_diff < 1 - confidence)
        assert (low >= -10.0 and high <= 10.0) == (p_eq <= 1 - confidence)
    assert paired.p_values(np.array([1.0]), 5.0) == (1.0, 1.0)  # one replication tells nothing
    assert paired.p_values(np.zeros(4), 0.0) == (1.0, 0.0)  # identical runs are practically equal


def _pairwise_frame(seed: int = 0, reps: int = 10) -> pd.DataFrame:
    effects = {"none": 0, "a": 400, "b": 380, "c": 100, "d": 0}
    return paired.per_run_outcomes(national_table(effects, reps=reps, noise=60.0, seed=seed))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_corrected_verdicts_read_off_their_intervals_and_claim_no_more_than_uncorrected(seed):
    table = paired.pairwise(_pairwise_frame(seed), outcome_names=["gdp_per_capita_end"], correction="holm")
    m = len(table)
    for row in table.itertuples():
        assert 0.9 <= row.confidence <= 1 - 0.1 / m + 1e-12
        inside = -row.threshold <= row.low and row.high <= row.threshold
        if row.verdict == paired.EQUAL:
            assert inside and row.verdict_unadjusted == paired.EQUAL
        elif row.verdict.endswith("ahead"):
            assert (row.low > 0 or row.high < 0) and row.verdict_unadjusted.endswith("ahead")
            assert row.verdict == row.verdict_unadjusted
        else:
            assert row.low <= 0 <= row.high and not inside
        assert row.low <= row.low_unadjusted and row.high >= row.high_unadjusted  # never narrower
        assert row.p_difference_adjusted >= row.p_difference
    assert (table.verdict.str.endswith("ahead")).sum() <= (table.verdict_unadjusted.str.endswith("ahead")).sum()
    assert set(table.correction) == {"holm"}


def test_the_headline_family_leaves_out_the_hybrid_sweep_and_theil():
    nat = national_table({"none": 0, "a": 300, "hybrid 0.50": 250}, reps=6, noise=50.0)
    table = paired.pairwise(paired.per_run_outcomes(nat), correction="holm")
    head = table[table.family == "headline"]
    assert set(head.outcome) == set(paired.HEADLINE_OUTCOMES) and set(head.a) | set(head.b) == {"a", "none"}
    assert (table[table.a.str.startswith("hybrid") | table.b.str.startswith("hybrid")].family == "other").all()
    assert (table[table.outcome == "theil_between_end"].family == "other").all()
    alone = paired.pairwise(paired.per_run_outcomes(nat[nat.label != "hybrid 0.50"]),
                            outcome_names=paired.HEADLINE_OUTCOMES, correction="holm")
    # the headline verdicts do not depend on which other rows the table holds
    merged = head.merge(alone, on=["a", "b", "outcome"], suffixes=("", "_alone"))
    assert len(merged) == len(alone) and (merged.verdict == merged.verdict_alone).all()


# --- practical thresholds relative to the programme ---

def _money_table(budget: dict[str, float], reps: int = 4) -> pd.DataFrame:
    """national_table with a given budget allocated per policy year per label (som) and poverty effects."""
    nat = national_table(dict.fromkeys(budget, 0.0), reps=reps, noise=1.0)
    for label, som in budget.items():
        rows = (nat.label == label) & (nat.metric == "budget_allocated_som") & (nat.year > 2017)
        nat.loc[rows, "value"] = som
    return nat


def test_gdp_thresholds_are_a_share_of_the_programmes_budget():
    nat = _money_table({"none": 0.0, "a": 2e9, "b": 3e9})
    out = paired.per_run_outcomes(nat, discount_rate=0.05)
    table = paired.pairwise(out, practical_share=0.1).set_index(["a", "b", "outcome"]).threshold
    pv_a = sum(2e9 / 1.05**i for i in range(3))  # 2018-2020, discounted to 2018
    assert table[("a", "b", "gdp_pv")] == pytest.approx(0.1 * pv_a)  # the smaller budget of the pair
    assert table[("a", "none", "gdp_pv")] == pytest.approx(0.1 * pv_a)
    assert table[("b", "none", "gdp_pv")] <= 0.1 * 3 * 3e9  # at most 10% of the budget allocated over the period
    population = 80_000 * 7e6 / 80_000  # GDP / GDP per person in the last year
    assert table[("a", "b", "gdp_per_capita_end")] == pytest.approx(0.1 * 2e9 / population, rel=0.02)
    half = paired.pairwise(out, practical_share=0.05).set_index(["a", "b", "outcome"]).threshold
    assert half[("a", "b", "gdp_pv")] == pytest.approx(table[("a", "b", "gdp_pv")] / 2)


def test_poverty_thresholds_are_a_share_of_the_smaller_effect_versus_none():
    nat = _money_table({"none": 0.0, "a": 1e9, "b": 1e9})
    for label, fewer in (("a", 10_000.0), ("b", 4_000.0)):
        rows = (nat.label == label) & (nat.metric == "poor_people") & (nat.year > 2017)
        nat.loc[rows, "value"] -= fewer
    table = paired.pairwise(paired.per_run_outcomes(nat), practical_share=0.1).set_index(["a", "b", "outcome"])
    assert table.threshold[("a", "b", "poverty_person_years")] == pytest.approx(0.1 * 3 * 4_000)
    assert table.threshold[("b", "none", "poverty_person_years")] == pytest.approx(0.1 * 3 * 10_000)  # largest
    assert table.threshold[("a", "b", "poverty_rate_end")] == 0.0  # no strategy moved the rate: nothing to measure
    assert "smaller effect" in table.threshold_basis[("a", "b", "poverty_person_years")]


def test_without_a_budget_only_identical_runs_are_practically_equal():
    same = paired.per_run_outcomes(_money_table({"none": 0.0, "a": 0.0}))
    same = same.assign(**{c: same[c].where(same.label == "none").groupby(same.replication).transform("first")
                          for c in paired.OUTCOME_BY_NAME})
    table = paired.pairwise(same, correction="holm")
    assert (table.threshold == 0).all() and (table.verdict == paired.EQUAL).all()


# --- money left unspent ---

def test_unspent_money_and_gdp_gain_per_som_absorbed():
    nat = national_table({"none": 0, "a": 100.0, "b": 100.0}, reps=3, noise=0.0)
    extra = []
    for label, absorbed in (("a", 0.98e9), ("b", 0.8e9)):
        for r in range(3):
            for y in (2018, 2019, 2020):
                extra += [{"label": label, "replication": r, "year": y, "metric": m, "value": v}
                          for m, v in (("budget_available_som", 1e9), ("budget_absorbed_som", absorbed),
                                       ("budget_lost_som", 0.01e9))]
    out = paired.per_run_outcomes(pd.concat([nat, pd.DataFrame(extra)], ignore_index=True))
    whole = paired.cost_effectiveness(out).set_index("label")
    assert whole.loc["a", "unspent_share"] == pytest.approx(0.01)
    assert whole.loc["b", "unspent_share"] == pytest.approx(0.19)
    assert whole.loc["b", "gdp_end_gain_per_som_absorbed"] == pytest.approx(100.0 * 7e6 / (3 * 0.8e9))
    flags = paired.unspent_flags(whole.reset_index())
    assert list(flags) == ["b"] and flags["b"][0] == pytest.approx(0.19)
    note = paired.unspent_note("b", *flags["b"], 2040)
    assert note.startswith("b left 19% of its budget unspent by 2040") and "per som absorbed is 0.292" in note


def test_return_flags_name_place_based_strategies_outside_the_evidence_band():
    # issue 24 keeps the last-year GDP gain per som absorbed within 0.02-0.25; a strategy outside is named
    whole = pd.DataFrame({"label": ["none", "a", "b", "c", "cash_transfers", "d"],
                          "gdp_end_gain_per_som_absorbed": [np.nan, 0.10, 0.005, 0.30, 0.001, np.nan]})
    flags = paired.return_flags(whole)
    assert flags == {"b": pytest.approx(0.005), "c": pytest.approx(0.30)}
    assert paired.return_flags(whole.drop(columns="gdp_end_gain_per_som_absorbed")) == {}
