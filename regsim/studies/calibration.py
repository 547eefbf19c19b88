"""Calibration of uncertain parameters to the 2017 base year only (``regsim calibrate``).

Population, GRP and poverty by oblast, the stock of migrants abroad and (since issue 14)
unemployment in every oblast and city hold by construction (``regsim.model.initialise``: the
access of the rationed to land or own-account work is solved per oblast). Four base-year
statistics depend on parameters the data do not pin down: the Gini of consumption, extreme
poverty, remittances as a share of GDP and household income per person. This module fits three
household parameters to them by minimising squared errors relative to each target's tolerance
(bounded least squares, ``scipy.optimize.least_squares``), evaluating only the 2017 state: no
year after 2017 is used, so 2018-2022 stays out of sample. The three unemployment targets
(national, the two cities, the seven oblasts) stay in the fit table as checks. Until issue 14
the fit had six parameters: ``labour.frictional_unemployment_rate`` and the urban and village
farm access shares were fitted to those unemployment targets, and the frictional rate landed at
1.3%, which set the long-run floor of unemployment near zero; it is now a stated assumption and
the access shares are solved per oblast. The fit is written as a scenario file
(``calibrated.toml``, inheriting the scenario and keeping ``--set`` values) so that it can be
used and reviewed; the defaults in ``regsim.params`` are the fit of this procedure on the
baseline (their ``source`` says so), and ``tests/test_validation.py`` checks that with the
defaults every base-year target lies within its tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from regsim import files
from regsim.data.loader import KyrgyzData
from regsim.errors import RegsimError
from regsim.params import Params, plausible_ranges, replace

FREE: Final = (
    "incomes.skill_dispersion",
    "incomes.remittance_share_to_household",
    "incomes.consumption_smoothing",
)
"""Parameters fitted; each is searched over its plausible range declared in ``regsim.params``."""


INCOME_TOLERANCE_K_SOM: Final = 5.3
"""10% of the 2016 survey income per person: a one-year-old survey mean standing for 2017."""

SUBNATIONAL_UNEMPLOYMENT_TOLERANCE: Final = 2.0
"""Points: oblast figures of the labour force survey rest on a fraction of its national sample
(the national rate has 1.5); they move by 2-4 points from year to year (oblasts.csv, 2017 vs 2022)."""

DIFF_STEP: Final = 0.02
"""Finite-difference step of the fit, as a fraction of each parameter's searched range."""

CITIES: Final = ("Bishkek", "Osh city")
"""The two cities of republican significance; the other seven units are the oblasts."""


@dataclass(frozen=True)
class BaseTarget:
    """A base-year statistic, its observed value and the tolerance that scales its error."""

    name: str
    observed: float
    tolerance: float
    read: Callable[[dict[str, float]], float]


def _unit_mean(data: KyrgyzData, units: list[str]) -> tuple[float, Callable[[dict[str, float]], float]]:
    """Observed 2017 unemployment of ``units`` and a reader of the model's, both weighted by 2017 population."""
    table = data.oblasts.set_index("unit").loc[units]
    weights = table.pop_2017_jan1 / table.pop_2017_jan1.sum()
    observed = float((table.unemployment_2017_pct * weights).sum())
    return observed, lambda m: 100 * sum(w * m[f"unemployment_rate/{u}"] for u, w in weights.items())


def base_targets(data: KyrgyzData) -> list[BaseTarget]:
    """The seven base-year targets: three of unemployment (held by construction) and four the fit moves."""
    units = list(data.oblasts.unit)
    cities_observed, cities_read = _unit_mean(data, [u for u in units if u in CITIES])
    oblasts_observed, oblasts_read = _unit_mean(data, [u for u in units if u not in CITIES])
    return [
        BaseTarget("unemployment rate, %", data.macro_value("unemployment_rate_ilo", 2017), 1.5,
                   lambda m: 100 * m["unemployment_rate"]),
        BaseTarget("unemployment in Bishkek and Osh city, %", cities_observed, SUBNATIONAL_UNEMPLOYMENT_TOLERANCE,
                   cities_read),
        BaseTarget("unemployment in the seven oblasts, %", oblasts_observed, SUBNATIONAL_UNEMPLOYMENT_TOLERANCE,
                   oblasts_read),
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
    """Metrics of the calibrated 2017 state for ``params`` (no simulated year).

    National metrics by name, and unemployment per oblast unit as ``unemployment_rate/Bishkek``, ....
    """
    from regsim.data.loader import OBLAST_ORDER
    from regsim.model.initialise import build_state
    from regsim.model.metrics import METRICS
    from regsim.model.simulation import cached_world

    state = build_state(cached_world(params.scale.world_seed, params.world), params)
    state.cols.population = state.population()
    state.metric_cache = {}
    try:
        values = {name: float(metric.fn(state, params)) for (scope, name), metric in METRICS.items()
                  if scope == "national"}
        by_oblast = METRICS[("oblast", "unemployment_rate")].fn(state, params)
        values.update({f"unemployment_rate/{unit}": float(v) for unit, v in zip(OBLAST_ORDER, by_oblast, strict=True)})
        return values
    finally:
        state.metric_cache = None


def _with(params: Params, values: dict[str, float]) -> Params:
    for key, value in values.items():
        params = replace(params, key, float(value))
    return params


def calibrate(params: Params, data: KyrgyzData, max_evaluations: int = 150) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the free parameters; returns (parameter table, fit table)."""
    targets = base_targets(data)
    ranges = plausible_ranges(FREE)
    keys = list(FREE)
    lows = np.array([ranges[k][0] for k in keys])
    highs = np.array([ranges[k][1] for k in keys])
    start = np.array([getattr(getattr(params, k.split(".")[0]), k.split(".")[1]) for k in keys], dtype=float)

    def to_values(z: np.ndarray) -> dict[str, float]:
        return dict(zip(keys, lows + np.clip(z, 0.0, 1.0) * (highs - lows), strict=True))

    def residuals(z: np.ndarray) -> np.ndarray:
        metrics = base_year_metrics(_with(params, to_values(z)))
        return np.array([(t.read(metrics) - t.observed) / t.tolerance for t in targets])

    z0 = (np.clip(start, lows, highs) - lows) / (highs - lows)
    # bounded trust-region least squares; a finite-difference step of 2% of each range steps over
    # the rounding of household rows (integer members) that makes the targets piecewise constant
    result = least_squares(residuals, z0, bounds=(0.0, 1.0), diff_step=DIFF_STEP, max_nfev=max_evaluations,
                           x_scale=1.0, method="trf")
    fitted = to_values(result.x)
    before = base_year_metrics(params)
    after = base_year_metrics(_with(params, fitted))
    parameter_table = pd.DataFrame({"parameter": keys, "start": start, "fitted": [fitted[k] for k in keys],
                                    "low": lows, "high": highs})
    fit = pd.DataFrame([{"target": t.name, "observed": t.observed, "tolerance": t.tolerance,
                         "before": t.read(before), "after": t.read(after),
                         "ok_after": abs(t.read(after) - t.observed) <= t.tolerance} for t in targets])
    return parameter_table, fit


FILES: Final = frozenset({"calibration.csv", "fit.csv", "calibrated.toml"})
"""What ``regsim calibrate`` writes into its output folder."""


def run(scenario: str, overrides: list[str], max_evaluations: int, out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit a scenario and write ``calibration.csv``, ``fit.csv`` and ``calibrated.toml`` into ``out``.

    ``calibrated.toml`` inherits ``scenario`` (by name if it is a named scenario, so the file works
    on any machine; a file by its full path), then keeps the ``overrides``, then sets the fit.

    Args:
        scenario: A scenario name or TOML path.
        overrides: ``section.name=value`` texts (``--set``).
        max_evaluations: Model builds at most, 5 or more.
        out: The output folder: new, empty or holding only ``FILES``; checked before any fit.

    Returns:
        (parameter table, fit table) of :func:`calibrate`.
    """
    from regsim import scenario as scenario_mod
    from regsim.data import loader

    if max_evaluations < 5:
        raise RegsimError(f"--max-evaluations: {max_evaluations} is too few; use 5 or more")
    scen = scenario_mod.load(scenario, overrides)
    files.check_command_folder(out, FILES, "regsim calibrate")
    parameters, fit = calibrate(scen.params, loader.load_kyrgyz_data(), max_evaluations)
    parent = scenario if scenario_mod.available().get(scenario) is not None else str(Path(scenario).resolve())
    fixed = {key: toml_value(value) for key, value in (scenario_mod.parse_override(text) for text in overrides)}
    toml_text = scenario_text(parent, parameters, fixed)
    files.write_command_files(out, FILES, {
        "calibration.csv": lambda p: parameters.to_csv(p, index=False),
        "fit.csv": lambda p: fit.to_csv(p, index=False),
        "calibrated.toml": lambda p: p.write_text(toml_text, encoding="utf-8")})
    return parameters, fit


def scenario_text(scenario: str, parameters: pd.DataFrame, overrides: dict[str, str] | None = None) -> str:
    """A scenario file: ``scenario``, then ``overrides``, then the fitted values.

    ``scenario`` is a scenario name or a file path, written as given; ``overrides`` maps
    ``section.name`` to a TOML value.
    """
    description = f"Calibrated to the 2017 base year by regsim calibrate (inherits {scenario})"
    lines = [f"description = {_toml_string(description)}", f"inherits = {_toml_string(scenario)}"]
    sections: dict[str, dict[str, str]] = {}
    for key, value in (overrides or {}).items():
        section, name = key.split(".")
        sections.setdefault(section, {})[name] = value
    for row in parameters.itertuples():
        section, name = row.parameter.split(".")
        sections.setdefault(section, {})[name] = f"{row.fitted:.6g}"
    for section, items in sections.items():
        lines += ["", f"[{section}]", *(f"{name} = {value}" for name, value in items.items())]
    return "\n".join(lines) + "\n"


def toml_value(value: object) -> str:
    """A Python scalar (as read from ``--set``) written as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _toml_string(str(value))


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
