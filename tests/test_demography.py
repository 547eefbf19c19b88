"""Vital rates that follow the data (issue 14): the data file, the rates the model applies, births."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from helpers import run_model, small_params

from regsim.data import loader
from regsim.errors import DataError, ScenarioError
from regsim.model.processes.demography import crude_rates
from regsim.params import Params, replace


def test_rates_in_the_data_file_are_sane():
    frame = loader.load_demography()
    assert frame.crude_birth_rate_per_1000.between(*loader.CRUDE_BIRTH_RATE_BOUNDS).all()
    assert frame.crude_death_rate_per_1000.between(*loader.CRUDE_DEATH_RATE_BOUNDS).all()
    assert (frame.crude_birth_rate_per_1000 > frame.crude_death_rate_per_1000).all()
    observed = frame[frame.kind == "observed"].set_index("year")
    assert set(range(2017, 2025)) <= set(observed.index)
    # the stated rates agree with the counts over the mean population (same basis) within 5%
    pre = observed[observed.population_basis == "pre_census"].index[:-1]  # 2022 uses a mid-year figure
    mean = (observed.population_jan1.loc[pre].to_numpy() + observed.population_jan1.loc[pre + 1].to_numpy()) / 2
    implied = 1000 * observed.births.loc[pre].to_numpy() / mean
    np.testing.assert_allclose(observed.crude_birth_rate_per_1000.loc[pre], implied, rtol=0.05)
    # direction from the data: births peak in 2019 and fall to 2024
    assert observed.births.idxmax() == 2019
    assert observed.births[2024] < 0.85 * observed.births[2019]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda f: f.assign(crude_birth_rate_per_1000=f.crude_birth_rate_per_1000.where(f.index != 1, 80.0)),
     "demography.csv: column 'crude_birth_rate_per_1000' must lie in .* \\(line 3\\)"),
    (lambda f: f.drop(index=3), "contiguous"),
    (lambda f: f.assign(kind=f.kind.where(f.index != 0, "guess")), "column 'kind'"),
    (lambda f: f.drop(columns="crude_death_rate_per_1000"), "demography.csv: missing column"),
])
def test_broken_demography_file_names_the_problem(monkeypatch, mutate, message):
    original = loader._read_text

    def broken(name):
        text = original(name)
        return mutate(pd.read_csv(io.StringIO(text))).to_csv(index=False) if name == "demography.csv" else text

    monkeypatch.setattr(loader, "_read_text", broken)
    with pytest.raises(DataError, match=message):
        loader.load_demography()


def test_rates_follow_calendar_year_before_the_step_and_scale():
    params = Params()
    frame = loader.load_demography().set_index("year")
    birth, death = crude_rates(params, 2020)  # the step of 2020 carries calendar 2019
    assert birth == pytest.approx(frame.crude_birth_rate_per_1000[2019] / 1000)
    assert death == pytest.approx(frame.crude_death_rate_per_1000[2019] / 1000)
    between = crude_rates(params, 2029)[0]  # calendar 2028: between the 2026 and 2030 anchors
    assert frame.crude_birth_rate_per_1000[2030] / 1000 < between < frame.crude_birth_rate_per_1000[2026] / 1000
    scaled = replace(params, "demography.birth_rate_scale", 0.9)
    assert crude_rates(scaled, 2020)[0] == pytest.approx(0.9 * birth)
    constant = replace(params, "demography.vital_rates", "constant")
    assert crude_rates(constant, 2020) == (params.demography.birth_rate_per_year,
                                            params.demography.death_rate_per_year)


def test_unknown_vital_rates_mode_is_refused():
    with pytest.raises(ScenarioError, match="demography.vital_rates: unknown value 'observed'"):
        replace(Params(), "demography.vital_rates", "observed")
    with pytest.raises(ScenarioError, match="demography.birth_rate_scale"):
        replace(Params(), "demography.birth_rate_scale", -1.0)


def test_births_fall_from_2019_to_2024_as_observed():
    result = run_model(small_params(time__end_year=2025), seed=0)
    births = result.national[result.national.metric == "births"].set_index("year").value
    # the step of Y records calendar Y-1: calendar 2019 is read at 2020, calendar 2024 at 2025
    assert births[2025] < 0.88 * births[2020]
    observed = loader.load_demography().set_index("year").births
    assert births[2020] == pytest.approx(observed[2019], rel=0.1)  # levels at full detail: regsim validate
    constant = run_model(small_params(time__end_year=2025, demography__vital_rates="constant"), seed=0)
    births_constant = constant.national[constant.national.metric == "births"].set_index("year").value
    assert births_constant[2025] > births_constant[2020]  # fixed rates: births grow with the population
