"""regsim validate: at least 15 targets, stated tolerances, the calibrated base year holds."""

import pandas as pd
import pytest

from regsim.cli import main


def test_validate_writes_targets_and_the_base_year_holds(tmp_path, capsys):
    out = tmp_path / "val"
    assert main(["validate", "--replications", "2", "--set", "scale.household_weight=100", "--out", str(out)]) == 0
    table = pd.read_csv(out / "validation.csv")
    assert list(table.columns) == ["target", "year", "observed", "simulated_median", "p10", "p90", "tolerance",
                                   "ok", "kind", "quality", "source", "scenario"]
    assert len(table) >= 15 and table.source.notna().all() and (table.tolerance >= 0).all()
    assert set(table.kind) == {"calibrated", "out_of_sample", "pattern"}
    assert (table.ok == ((table.simulated_median - table.observed).abs() <= table.tolerance + 1e-9)).all()
    oblast_poverty_2017 = table[table.target.str.startswith("poverty rate ") & (table.year == 2017)]
    assert len(oblast_poverty_2017) == 9 and oblast_poverty_2017.ok.all()  # calibrated by construction
    assert "targets met" in capsys.readouterr().out
    covid = table[table.scenario == "covid-2020"]  # 2020-2024 read off the same runs with the COVID shocks
    assert len(covid) == 10 and set(covid.year) <= set(range(2020, 2025))
    growth_before = table[table.target.str.startswith("real GDP growth, %")]  # before COVID, unshocked runs
    assert list(growth_before.year) == [2018, 2019] and growth_before.scenario.isna().all()
    growth = covid[covid.target.str.startswith("GDP growth")].simulated_median.iloc[0]
    assert growth < 0  # the output shocks bite; 2019-2020 poverty rises
    assert covid[covid.target.str.startswith("rise of poverty")].simulated_median.iloc[0] > 0


def test_validate_without_shocks_leaves_the_covid_targets_out(tmp_path):
    out = tmp_path / "val"
    assert main(["validate", "--replications", "1", "--shocks", "none", "--set", "scale.household_weight=200",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out / "validation.csv")
    assert table.scenario.isna().all() and not table.target.str.contains("COVID").any()


@pytest.mark.slow
def test_sensitivity_morris_on_the_strategy_difference(tmp_path, capsys):
    out = tmp_path / "sens"
    args = ["sensitivity", "--trajectories", "2", "--executor", "serial", "--quiet", "--out", str(out),
            "--set", "time.end_year=2019", "--set", "scale.household_weight=400"]
    assert main(args) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert {"outcome", "parameter", "mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert table.parameter.nunique() >= 8 and set(table.outcome) == {"gdp_per_capita_som", "poverty_rate",
                                                                     "theil_between_oblasts"}
    assert (table.mu_star >= 0).all() and table.mu_star.max() > 0
    assert (out / "sensitivity.png").stat().st_size > 1000
    assert "top five for GDP per person" in capsys.readouterr().out


@pytest.mark.slow
def test_robustness_table(tmp_path, capsys):
    out = tmp_path / "rob"
    args = ["robustness", "--n", "3", "--strategies", "concentrated,equalisation_uniform", "--executor", "serial",
            "--quiet", "--out", str(out), "--set", "time.end_year=2019", "--set", "scale.household_weight=400"]
    assert main(args) == 0
    table = pd.read_csv(out / "robustness.csv")
    assert set(table.strategy) == {"concentrated", "equalisation_uniform"}
    assert abs(table.share_best_gdp.sum() - 1) < 1e-9 and (table.max_regret_gdp_pc_som >= 0).all()
    assert abs(table.share_best_poverty.sum() - 1) < 1e-9 and table.share_satisficing.between(0, 1).all()
    assert (table.max_regret_gdp_pc_som >= table.mean_regret_gdp_pc_som).all()
    assert table.max_regret_gdp_pc_som.min() == 0 or table.share_best_gdp.max() < 1
    assert (out / "robustness.png").stat().st_size > 1000


@pytest.mark.slow
def test_calibrate_writes_a_usable_scenario(tmp_path, capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "--max-evaluations", "6", "--set", "scale.household_weight=200", "--out", str(out)]) == 0
    parameters = pd.read_csv(out / "calibration.csv")
    assert ((parameters.fitted >= parameters.low) & (parameters.fitted <= parameters.high)).all()
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit.target) == ["unemployment rate, %", "unemployment in Bishkek and Osh city, %",
                                "unemployment in the seven oblasts, %", "Gini of consumption, points",
                                "extreme poverty rate, %", "remittances, % of GDP",
                                "household income per person, k som"]
    # the fitted scenario loads like any other: a named parent by name, the --set values kept
    from regsim import scenario

    text = (out / "calibrated.toml").read_text()
    assert 'inherits = "baseline"' in text and "household_weight = 200" in text
    params = scenario.load(str(out / "calibrated.toml")).params
    assert params.scale.household_weight == 200
    assert params.incomes.skill_dispersion == pytest.approx(
        parameters.set_index("parameter").fitted["incomes.skill_dispersion"], rel=1e-5)


def test_defaults_are_the_calibration_fit():
    """The baseline defaults are the fit of ``regsim calibrate``: every base-year target within tolerance."""
    from regsim.data import loader
    from regsim.params import Params
    from regsim.studies.calibration import base_targets, base_year_metrics

    metrics = base_year_metrics(Params())
    for target in base_targets(loader.load_kyrgyz_data()):
        assert abs(target.read(metrics) - target.observed) <= target.tolerance, target.name
