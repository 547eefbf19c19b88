"""The emergent return on public money, measured by experiment (``regsim elasticity``).

The elasticities in ``regsim.params`` are inputs; what the economy makes of them (firms invest and
hire, wages and farm incomes respond, people move) is an outcome. Three standard experiments
measure it, each a pair of runs with the same seed (common random numbers) that differ only in a
base-year shock, with no regional budget (``policy.strategy = "none"``):

* **public capital**: every settlement's public capital raised by ``increase`` (1%) in 2017;
  the output elasticity is ``ln(GDP_shocked / GDP) / ln(1 + increase)`` after 5 and 10 years, and
  also per the public capital difference left by then (it depreciates). Target: Bom & Ligthart
  2014, about 0.08 on average (0.12 for core infrastructure in the long run); regsim's public
  capital is all public capital, so the average 0.08 is the target.
* **services**: the same with the public-service stock (target: ``economy.services_elasticity``).
* **grants**: business-grant money equal to ``increase`` of the firms' capital added to every
  firm's capital in 2017, as the budget does; the gross return is the mean yearly GDP gain over
  the horizon per som of grant (target: observed gross returns on private capital, 10-25% a
  year: real marginal product of capital 7-12%, Caselli & Feyrer 2007, plus depreciation 8%;
  Kyrgyz lending rates 15-20%).
* **roads** (issue 24): every link's travel time falls by ``increase`` (1%) in 2017, so every
  effective road distance falls by 1% and the commuting matrix, market access and farm sales
  follow (``processes.roads``); the value is the output elasticity to market access,
  ``ln(GDP_shocked / GDP) / ln(MA_shocked / MA)`` with MA the population-weighted mean market
  access of 2017. Compared with Donaldson & Hornbeck 2016 (US railroads: the elasticity of
  agricultural land value to market access is about 0.5); output responds less than land rents,
  which capitalise the whole gain, so 0.5 is the upper end of the target and 0.05 its lower end.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from regsim.params import Params, replace

HORIZONS = (5, 10)
"""Years after the shock at which GDP is compared."""

TARGETS = {"public_capital": (0.05, 0.12), "services": (0.0, 0.10), "grants": (0.10, 0.25), "roads": (0.05, 0.5)}
"""Ranges the emergent values should lie in (see the module docstring for the sources)."""


def _shock_stock(column: str, increase: float) -> Callable:
    """Raise a settlement stock (``public_capital_som`` or ``services_som``) by ``increase`` everywhere."""
    def shock(model) -> float:
        cols = model.state.cols
        stock = getattr(cols, column)
        setattr(cols, column, stock * (1 + increase))
        return float(stock.sum()) * increase
    return shock


def _shock_grants(increase: float) -> Callable:
    def shock(model) -> float:
        firms = model.state.firms
        alive = firms.alive
        grant = float(firms.capital_som[alive].sum()) * increase
        firms.capital_som[alive] *= 1 + increase  # grants go to firms in proportion to capital (budget.apply)
        return grant
    return shock


def _shock_roads(increase: float) -> Callable:
    """Every link's travel time down by ``increase``; returns the log change of mean market access."""
    def shock(model) -> float:
        from regsim.model.processes import roads

        state = model.state
        pop = np.asarray(state.base.population, dtype=float)
        before = np.average(state.access_kernel @ pop, weights=pop)
        kernels = roads.travel_kernels(state.world.road_km * (1 - increase), model.params, pop)
        state.commute, state.access_kernel, state.spread_kernel = kernels
        return float(np.log(np.average(state.access_kernel @ pop, weights=pop) / before))
    return shock


SHOCKS = {"public_capital": functools.partial(_shock_stock, "public_capital_som"),
          "services": functools.partial(_shock_stock, "services_som"), "grants": _shock_grants,
          "roads": _shock_roads}


def _gdp_path(params: Params, seed: int, shock: Callable | None) -> tuple[np.ndarray, np.ndarray, float]:
    """GDP and the shocked stock per simulated year, and the size of the shock (som)."""
    from regsim.model.simulation import RegionalModel

    model = RegionalModel(params, seed=seed)
    try:
        size = shock(model) if shock is not None else 0.0
        gdp, stock = [], []
        while model.state.year < params.time.end_year:
            model.step()
            gdp.append(float(model.state.cols.output_som.sum()))
            stock.append((float(model.state.cols.public_capital_som.sum()), float(model.state.cols.services_som.sum())))
        return np.array(gdp), np.array(stock), size
    finally:
        model.release()


def measure(params: Params, seeds: Sequence[int], increase: float = 0.01,
            horizons: Sequence[int] = HORIZONS, experiments: Sequence[str] = tuple(SHOCKS)) -> pd.DataFrame:
    """Run the experiments; one row per experiment, seed and horizon.

    Args:
        params: Parameters (the strategy is set to ``none``; ``time.end_year`` to the longest horizon).
        seeds: Run seeds; each is used for the pair of runs.
        increase: Size of the shock, fraction (0.01 = 1%).
        horizons: Years after 2017 at which GDP is compared.
        experiments: Names from ``SHOCKS``.

    Returns:
        Columns ``experiment, seed, horizon, year, gdp_gain, value, per_stock_left``: ``value`` is the
        output elasticity (public capital, services) or the mean yearly gross return per som of grant.
    """
    params = replace(params, "policy.strategy", "none")
    params = replace(params, "time.end_year", params.time.start_year - 1 + max(horizons))
    rows = []
    for seed in seeds:
        gdp0, stock0, _ = _gdp_path(params, seed, None)
        for name in experiments:
            gdp1, stock1, size = _gdp_path(params, seed, SHOCKS[name](increase))
            for h in horizons:
                gain = gdp1[h - 1] / gdp0[h - 1] - 1
                if name == "grants":
                    value = float(np.mean(gdp1[:h] - gdp0[:h]) / size)
                    left = float("nan")
                elif name == "roads":  # size: log change of mean market access
                    value = float(np.log1p(gain) / size)
                    left = float("nan")
                else:
                    column = 0 if name == "public_capital" else 1
                    value = float(np.log1p(gain) / np.log1p(increase))
                    left = float(np.log1p(gain) / np.log(stock1[h - 1, column] / stock0[h - 1, column]))
                rows.append({"experiment": name, "seed": seed, "horizon": h,
                             "year": params.time.start_year - 1 + h, "gdp_gain": float(gain), "value": value,
                             "per_stock_left": left})
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds per experiment and horizon, with the target range."""
    grouped = table.groupby(["experiment", "horizon"])
    out = grouped.value.agg(["mean", "sem", "count"]).reset_index()
    out["per_stock_left"] = grouped.per_stock_left.mean().to_numpy()
    out["target_low"] = out.experiment.map(lambda e: TARGETS[e][0])
    out["target_high"] = out.experiment.map(lambda e: TARGETS[e][1])
    out["within"] = (out["mean"] >= out.target_low) & (out["mean"] <= out.target_high)
    return out
