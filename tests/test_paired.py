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
