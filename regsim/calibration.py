"""Calibration of uncertain parameters to the 2017 base year only (``regsim calibrate``).

Population, GRP and poverty by oblast and the stock of migrants abroad hold by construction
(``regsim.initialise``). Five base-year statistics depend on parameters the data do not pin
down: unemployment, the Gini of consumption, extreme poverty, remittances as a share of GDP and
household income per person. This module fits four household-income parameters to them by
minimising squared errors relative to each target's tolerance (Nelder-Mead in the unit box,
scipy), evaluating only the 2017 state: no year after 2017 is used, so 2018-2022 stays out of
sample. The fit is written as a scenario file (``calibrated.toml``, inheriting the scenario) so
that it can be used and reviewed; the defaults in ``regsim.params`` are the fit of this procedure
on the baseline (their ``source`` says so), and ``tests/test_validation.py`` checks that
re-running it moves none of them by more than its tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from regsim.data.loader import KyrgyzData
from regsim.params import Params, replace

FREE: Final = {
    "incomes.skill_dispersion": (0.2, 0.8),
    "labour.frictional_unemployment_rate": (0.01, 0.06),
    "incomes.remittance_share_to_household": (0.3, 0.9),
    "incomes.consumption_smoothing": (0.0, 0.8),
}
"""Parameters fitted and the ranges searched."""

INCOME_TOLERANCE_K_SOM: Final = 5.3
"""10% of the 2016 survey income per person: a one-year-old survey mean standing for 2017."""


@dataclass(frozen=True)
class BaseTarget:
    """A base-year statistic, its observed value and the tolerance that scales its error."""

    name: str
    observed: float
    tolerance: float
    read: Callable[[dict[str, float]], float]


def base_targets(data: KyrgyzData) -> list[BaseTarget]:
    """The five base-year targets the free parameters are fitted to."""
    return [
        BaseTarget("unemployment rate, %", data.macro_value("unemployment_rate_ilo", 2017), 1.5,
                   lambda m: 100 * m["unemployment_rate"]),
        BaseTarget("Gini of consumption, points", data.macro_value("gini_consumption", 2017), 5.0,
                   lambda m: 100 * m["gini_consumption"]),
        BaseTarget("extreme poverty rate, %", data.macro_value("extreme_poverty_rate", 2017), 2.0,
                   lambda m: 100 * m["extreme_poverty_rate"]),
        BaseTarget("remittances, % of GDP", data.macro_value("remittances_share_gdp", 2017), 5.0,
                   lambda m: 100 * m["remittances_som"] / m["gdp_som"]),
        # 2016 survey figure (4.2k som a month) stands for 2017: real incomes barely moved
        BaseTarget("household income per person, k som", data.macro_value("household_income_per_capita", 2016) / 1e3,
                   INCOME_TOLERANCE_K_SOM, lambda m: m["income_per_capita_som"] / 1e3),
    ]


def base_year_metrics(params: Params) -> dict[str, float]:
    """National metrics of the calibrated 2017 state for ``params`` (no simulated year)."""
    from regsim.initialise import build_state
    from regsim.metrics import METRICS
    from regsim.model import cached_world

    state = build_state(cached_world(params.scale.world_seed), params)
    state.cols.population = state.population()
    state.metric_cache = {}
    try:
        return {name: float(metric.fn(state, params)) for (scope, name), metric in METRICS.items()
                if scope == "national"}
    finally:
        state.metric_cache = None


def _with(params: Params, values: dict[str, float]) -> Params:
    for key, value in values.items():
        params = replace(params, key, float(value))
    return params


def calibrate(params: Params, data: KyrgyzData, max_evaluations: int = 80) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the free parameters; returns (parameter table, fit table)."""
    targets = base_targets(data)
    keys = list(FREE)
    lows = np.array([FREE[k][0] for k in keys])
    highs = np.array([FREE[k][1] for k in keys])
    start = np.array([getattr(getattr(params, k.split(".")[0]), k.split(".")[1]) for k in keys], dtype=float)

    def to_values(z: np.ndarray) -> dict[str, float]:
        return dict(zip(keys, lows + np.clip(z, 0.0, 1.0) * (highs - lows), strict=True))

    def loss(z: np.ndarray) -> float:
        metrics = base_year_metrics(_with(params, to_values(z)))
        return float(sum(((t.read(metrics) - t.observed) / t.tolerance) ** 2 for t in targets))

    z0 = (np.clip(start, lows, highs) - lows) / (highs - lows)
    result = minimize(loss, z0, method="Nelder-Mead",
                      options={"maxfev": max_evaluations, "xatol": 1e-3, "fatol": 1e-4})
    fitted = to_values(result.x)
    before = base_year_metrics(params)
    after = base_year_metrics(_with(params, fitted))
    parameter_table = pd.DataFrame({"parameter": keys, "start": start, "fitted": [fitted[k] for k in keys],
                                    "low": lows, "high": highs})
    fit = pd.DataFrame([{"target": t.name, "observed": t.observed, "tolerance": t.tolerance,
                         "before": t.read(before), "after": t.read(after),
                         "ok_after": abs(t.read(after) - t.observed) <= t.tolerance} for t in targets])
    return parameter_table, fit


def scenario_text(scenario: str, parameters: pd.DataFrame) -> str:
    """A scenario file applying the fitted values on top of ``scenario``."""
    lines = [f'description = "Calibrated to the 2017 base year by regsim calibrate (inherits {scenario})"',
             f'inherits = "{scenario}"']
    sections: dict[str, list[str]] = {}
    for row in parameters.itertuples():
        section, name = row.parameter.split(".")
        sections.setdefault(section, []).append(f"{name} = {row.fitted:.6g}")
    for section, items in sections.items():
        lines += ["", f"[{section}]", *items]
    return "\n".join(lines) + "\n"
