"""Directions of effects on paired seeds (common random numbers).

The regional budget is about 0.5% of GDP, so strategy differences at the default budget are small
next to run-to-run noise; the agglomeration and congestion tests use a large budget and no
absorption limit so that the mechanism, not the noise, decides.
"""

import numpy as np
import pytest
from helpers import run_model, small_params

SEEDS = (1, 2, 3)


def gdp_pc(result, year):
    return result.value("gdp_per_capita_som", year)


@pytest.mark.slow
def test_more_budget_does_not_lower_gdp_under_defaults():
    # externally financed (donors, loans): more money is more resources. Tax-financed money is a
    # transfer from households (issue 13), whose lower spending on services can outweigh a small
    # budget's return for years: measured, 2.6 bn som a year lowered 2030 GDP by 0.016% on seed 1
    for seed in SEEDS:
        values = [run_model(small_params(policy__budget_som_per_year=b, time__end_year=2030,
                                         government__budget_financing="external"), seed=seed)
                  .value("gdp_som", 2030) for b in (0.0, 2.6e9, 10e9)]
        assert values[0] <= values[1] <= values[2], (seed, values)


def _gap(eps: float, theta: float, seed: int) -> float:
    """GDP per person, concentrated minus uniform equalisation, in 2030."""
    common = dict(economy__agglomeration_elasticity=eps, economy__congestion_elasticity=theta,
                  policy__budget_som_per_year=20e9, policy__absorption_share_city=1.0,
                  policy__absorption_share_town=1.0, policy__absorption_share_village=1.0,
                  scale__household_weight=50, time__end_year=2030)
    conc = run_model(small_params(policy__strategy="concentrated", **common), seed=seed)
    equal = run_model(small_params(policy__strategy="equalisation_uniform", **common), seed=seed)
    return gdp_pc(conc, 2030) - gdp_pc(equal, 2030)


@pytest.mark.slow
def test_stronger_agglomeration_favours_concentration():
    # congestion at its default (0.05): only the agglomeration belief changes. By 2030 at 1:50 the
    # effect (about +300 som per person) is of the size of one seed's noise, so the test holds the
    # mean over eight paired seeds (measured: 6 of 8 positive, mean 3 standard errors above zero)
    effects = [_gap(0.10, 0.05, seed) - _gap(0.0, 0.05, seed) for seed in range(1, 9)]
    assert np.mean(effects) > 0, effects


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_stronger_congestion_favours_equalisation(seed):
    # agglomeration at its default (0.04): only the congestion belief changes
    assert _gap(0.04, 0.0, seed) > _gap(0.04, 0.15, seed)


def _gap_scenario(scenario: str, seed: int) -> float:
    """GDP per person in 2035, concentrated minus uniform equalisation, default budget, 1:10 scale."""
    from regsim import scenario as scenario_mod

    base = scenario_mod.load(scenario, ["time.end_year=2035"]).params
    from helpers import with_strategy

    conc = run_model(with_strategy(base, "concentrated"), seed=seed)
    equal = run_model(with_strategy(base, "equalisation_uniform"), seed=seed)
    return gdp_pc(conc, 2035) - gdp_pc(equal, 2035)


@pytest.mark.slow
def test_not_rigged_each_strategy_wins_under_documented_beliefs():
    # scenarios/*.toml, parameters inside their plausible ranges, the default budget of 2.6 bn som;
    # the mean over ten paired seeds (as the issue's regimes), because at 0.5% of GDP single runs differ
    # by a few hundred som and each replication draws its own population: measured at main ee8862c,
    # concentration-favoured +36 som (se 22, 7 of 10 seeds), equalisation-favoured -70 (se 18, 9 of 10)
    from concurrent.futures import ProcessPoolExecutor

    seeds = range(1, 11)
    names = ("concentration-favoured", "equalisation-favoured")
    tasks = [(name, seed) for name in names for seed in seeds]
    with ProcessPoolExecutor(max_workers=2) as pool:
        gaps = np.array(list(pool.map(_gap_scenario, *zip(*tasks, strict=True)))).reshape(2, len(seeds))
    assert gaps[0].mean() > 0, f"concentration-favoured: concentration behind, {gaps[0].round()}"
    assert gaps[1].mean() < 0, f"equalisation-favoured: equalisation behind, {gaps[1].round()}"


def _last_year_gaps(args: tuple[str, int]) -> tuple[float, float]:
    """GDP per person in 2040 and person-years in poverty 2018-2040, concentrated minus uniform, one seed."""
    from helpers import with_strategy

    from regsim import scenario as scenario_mod

    name, seed = args
    base = scenario_mod.load(name).params
    conc = run_model(with_strategy(base, "concentrated"), seed=seed)
    equal = run_model(with_strategy(base, "equalisation_uniform"), seed=seed)
    years = range(2018, 2041)
    return (gdp_pc(conc, 2040) - gdp_pc(equal, 2040),
            sum(conc.value("poor_people", y) - equal.value("poor_people", y) for y in years))


@pytest.mark.slow
def test_issue_regimes_agglomeration_and_congestion_decide_the_gdp_ranking():
    """One plausible belief set each way (1:10 scale, to 2040, default budget, ten paired seeds).

    Strong agglomeration (0.10, no congestion): concentration ahead on last-year GDP per person;
    ``equalisation-favoured`` (no agglomeration, urban costs 0.15, public-capital elasticity 0.20,
    distance elasticity of migration 1.5): equalisation ahead. Since issue 22 congestion is an urban
    cost of residents only (living cost), so strong congestion ALONE no longer makes equalisation
    win (measured: concentration +177 som, 10 of 10 seeds; docs/validation.md "Regimes"). The mean
    over ten paired seeds, because single runs differ by a few hundred som at a budget of 0.5% of
    GDP. Poverty ranks differently: over 2018-2040 uniform equalisation leaves fewer person-years in
    poverty than concentration under BOTH beliefs (the tax-financed budget is paid by every household
    before the growth it buys reaches the poor).
    """
    from concurrent.futures import ProcessPoolExecutor

    seeds = range(1, 11)
    tasks = [(name, seed) for name in ("strong-agglomeration", "equalisation-favoured") for seed in seeds]
    with ProcessPoolExecutor(max_workers=2) as pool:
        gaps = np.array(list(pool.map(_last_year_gaps, tasks))).reshape(2, len(seeds), 2)
    gdp_gap, poverty_gap = gaps[..., 0].mean(axis=1), gaps[..., 1].mean(axis=1)
    assert gdp_gap[0] > 0, f"strong agglomeration: concentration behind by {-gdp_gap[0]:.0f} som per person"
    assert gdp_gap[1] < 0, f"equalisation-favoured: concentration ahead by {gdp_gap[1]:.0f} som per person"
    assert (poverty_gap > 0).all(), f"person-years in poverty, concentrated minus uniform: {poverty_gap}"
