"""The emergent return on public money and the net effect of size, measured by experiment (``regsim elasticity``).

The elasticities in ``regsim.params`` are inputs; what the economy makes of them (firms invest and
hire, wages and farm incomes respond, people move) is an outcome. Three standard experiments
measure it, each a pair of runs with the same seed (common random numbers) that differ only in a
base-year shock, with no regional budget (``policy.strategy = "none"``):

* **public capital**: every settlement's public capital raised by ``increase`` (1%) in 2017;
  the output elasticity is ``ln(GDP_shocked / GDP) / ln(K_shocked / K)`` with ``K`` the public
  capital PRESENT at the horizon (5 and 10 years): part of the shock has depreciated by then, and
  the literature relates output to the stock in place (issue 22; ``per_initial_shock`` keeps the
  old base, ``ln(1 + increase)``). Target: Bom & Ligthart 2014, 0.08 on average for all public
  capital (0.12 for core infrastructure in the long run); ``within`` is judged on the mean over
  seeds and reported with its standard error.
* **services**: the same with the public-service stock (target: ``economy.services_elasticity``).
* **grants**: business-grant money equal to ``increase`` of the firms' capital added to every
  firm's capital in 2017, as the budget does; the gross return is the mean yearly GDP gain over
  the horizon per som of grant (target: observed gross returns on private capital, 10-25% a
  year: real marginal product of capital 7-12%, Caselli & Feyrer 2007, plus depreciation 8%;
  Kyrgyz lending rates 15-20%).
* **size** (issue 22): every settlement made ``increase`` bigger in 2017: each household and each
  firm agent cloned with probability ``increase`` (a named stream), farm land and the public-capital
  and service stocks raised by the realised population share, so workers per firm, land per farmer
  and public stocks per person are as before: the places are bigger, as the cross-section of
  local labour markets compares them
  (the evidence regresses wages on density across cities and regions, whose firms and public
  capital scale with them). Raising households alone measures something else: with the same firms
  and land, 1% more workers lowered the market wage by about 0.25% (diminishing returns to labour
  in each firm and on each farm, whose income sets the reservation wage). Reported per
  unit of the population difference present at the horizon: ``size_tfp``, the elasticity of firm
  productivity (``cols.tfp``), ``size_wage``, of the market wage (both geometric means with
  base-year population weights, so composition does not move them), and ``size_output_pc``, of
  firm and farm output per person (GDP without the mine, whose output is exogenous and would
  lower GDP per person by its 10% share of GDP). Targets: wage elasticities to density 0.04-0.05 in rich countries and
  about 0.07 in developing ones, productivity ones lower (Grover, Lall & Timmis 2023; Grover &
  Maloney 2022); Combes & Gobillon 2015 review 0.02-0.10, the range judged here.
* **roads** (issue 24): every link's travel time falls by ``increase`` (1%) in 2017, so every
  effective road distance falls by 1% and the commuting matrix, market access and farm sales
  follow (``processes.roads``). The value is the elasticity of national real income to market
  access, ``ln(Y_shocked / Y) / ln(MA_shocked / MA)`` with ``Y`` GDP deflated by the consumer
  price index households pay (``metrics.consumer_price_index``: services bought within reach of
  the market-access kernel, read as a trade cost, and industrial goods) and MA the
  population-weighted mean market access of 2017; ``gdp_gain`` keeps GDP at producer prices,
  which barely moves (faster roads move service spending to the cities' sellers, and the
  productivity gain and the village sellers' loss offset: docs/validation.md). The gain to buyers
  of nearer sellers is what a real-income measure counts and producer-price GDP does not.
  Target 0.05-0.5: the upper end is Donaldson & Hornbeck 2016 (QJE 131(2); US railroads), the
  elasticity of county agricultural land values to market access, about 0.5 (1.1 in NBER WP
  19213): land, the immobile factor, capitalises the local real-income gain, so the
  real income of all residents responds less; the lower end is the output elasticity of
  transport infrastructure that meta-analyses collect (Melo, Graham & Brage-Ardao 2013, RSUE
  43(5): 563 estimates from 33 studies, higher for roads; Holmgren & Merkel 2017, Research in
  Transportation Economics: 776 estimates from -0.06 to 0.52, the precise ones near 0): a road
  stock 1% larger raises market access by less than 1%, so per unit of access the elasticity is
  at least that of the stock, a few hundredths.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from regsim.errors import RegsimError
from regsim.params import Params, replace

if TYPE_CHECKING:
    from regsim.model.firms import FirmTable
    from regsim.model.households import Households
    from regsim.model.simulation import RegionalModel

Shock = Callable[["RegionalModel"], float]
"""Changes a model's state in place before a year's step; returns the size of the change (som or persons)."""

HORIZONS = (5, 10)
MIN_INCREASE = 1e-4
"""Smallest shock (fraction) measured: 0.01 % of a stock. Far smaller shocks change no whole-number
decision of the agents (who hires, moves, invests), so GDP does not move and every elasticity reads
exactly 0 (1e-300 was reported as 0, 'within' the services target)."""
"""Years after the shock at which GDP is compared."""

TARGETS = {"public_capital": (0.05, 0.11), "services": (0.0, 0.10), "grants": (0.10, 0.25),
           "size_tfp": (0.02, 0.10), "size_wage": (0.02, 0.10), "size_output_pc": (0.02, 0.10),
           "roads": (0.05, 0.5)}
"""Ranges the emergent values should lie in (see the module docstring for the sources)."""

SIZE_STREAM = "elasticity_size"
"""Named random stream choosing the households cloned by the ``size`` experiment."""


def _shock_stock(column: str, increase: float) -> Shock:
    """Raise a settlement stock (``public_capital_som`` or ``services_som``) by ``increase`` everywhere."""
    def shock(model: RegionalModel) -> float:
        cols = model.state.cols
        stock = getattr(cols, column)
        setattr(cols, column, stock * (1 + increase))
        return float(stock.sum()) * increase
    return shock


def _shock_grants(increase: float) -> Shock:
    """Raise every living firm's capital by ``increase`` (grants in proportion to capital); returns the som."""
    def shock(model: RegionalModel) -> float:
        firms = model.state.firms
        alive = firms.alive
        grant = float(firms.capital_som[alive].sum()) * increase
        firms.capital_som[alive] *= 1 + increase  # grants go to firms in proportion to capital (budget.apply)
        return grant
    return shock


def _clone(table: Households | FirmTable, draw: np.ndarray, increase: float) -> np.ndarray:
    """Copy the alive rows whose ``draw`` is below ``increase`` into free rows; the new rows."""
    alive = np.flatnonzero(table.alive)
    source = alive[draw[:len(alive)] < increase]
    rows = table.free_rows(len(source))
    for f in dataclasses.fields(table):
        column = getattr(table, f.name)
        if isinstance(column, np.ndarray):
            column[rows] = column[source]
    return rows


def _shock_size(increase: float) -> Shock:
    """Clone each household and each firm with probability ``increase``; public stocks by the realised share."""
    def shock(model: RegionalModel) -> float:
        from regsim.model.processes.production import FirmTurnover
        from regsim.rng import stream

        state = model.state
        hh = state.households
        before = state.population()
        draws = stream(model.run_seed, SIZE_STREAM, state.year)
        _clone(hh, draws.random(hh.capacity), increase)
        entered = _clone(state.firms, draws.random(state.firms.capacity), increase)
        model.update_firm_agents(FirmTurnover(exited=np.zeros(0, int), entered=entered))
        after = state.population()
        ratio = np.divide(after, before, out=np.ones_like(after), where=before > 0)
        state.cols.population = after
        state.cols.public_capital_som = state.cols.public_capital_som * ratio
        state.cols.services_som = state.cols.services_som * ratio
        state.base = dataclasses.replace(state.base, land=state.base.land * ratio)
        return float(after.sum() - before.sum())
    return shock


def _shock_roads(increase: float) -> Shock:
    """Every link's travel time down by ``increase``; returns the log change of mean market access."""
    def shock(model: RegionalModel) -> float:
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
          "size": _shock_size, "roads": _shock_roads}


def _paths(params: Params, seed: int, shock: Shock | None) -> tuple[dict[str, np.ndarray], float]:
    """Yearly national series of one run (GDP, stocks, population, productivity, wage) and the shock's size."""
    from regsim.model.metrics import consumer_price_index
    from regsim.model.simulation import RegionalModel

    model = RegionalModel(params, seed=seed)
    try:
        size = shock(model) if shock is not None else 0.0
        weights = model.state.base.population
        rows: dict[str, list[float]] = {k: [] for k in ("gdp", "public", "services", "population", "tfp", "wage",
                                                         "output", "real")}
        while model.state.year < params.time.end_year:
            model.step()
            cols = model.state.cols
            rows["gdp"].append(float(cols.output_som.sum()))
            rows["real"].append(float(cols.output_som.sum()) / consumer_price_index(model.state))
            rows["public"].append(float(cols.public_capital_som.sum()))
            rows["services"].append(float(cols.services_som.sum()))
            rows["population"].append(float(cols.population.sum()))
            rows["output"].append(float(cols.firm_output_som.sum() + cols.farm_output_som.sum()))
            rows["tfp"].append(float(np.exp(np.average(np.log(np.maximum(cols.tfp, 1e-12)), weights=weights))))
            rows["wage"].append(float(np.exp(np.average(np.log(np.maximum(cols.market_wage_som, 1.0)),
                                                        weights=weights))))
        return {k: np.array(v) for k, v in rows.items()}, size
    finally:
        model.release()


def measure(params: Params, seeds: Sequence[int], increase: float = 0.01,
            horizons: Sequence[int] = HORIZONS, experiments: Sequence[str] = tuple(SHOCKS)) -> pd.DataFrame:
    """Run the experiments; one row per experiment (``size`` gives two), seed and horizon.

    Args:
        params: Parameters (the strategy is set to ``none``; ``time.end_year`` to the longest horizon).
        seeds: Run seeds; each is used for the pair of runs (common random numbers).
        increase: Size of the shock, fraction (0.01 = 1%).
        horizons: Years after 2017 at which the runs are compared.
        experiments: Names from ``SHOCKS``.

    Returns:
        Columns ``experiment, seed, horizon, year, gdp_gain, value, per_initial_shock``: ``value`` is
        the output elasticity per unit of the stock present at the horizon (public capital,
        services), the elasticity per unit of the population present (``size_tfp``,
        ``size_wage``) or the mean yearly gross return per som of grant; ``per_initial_shock``
        divides by ``ln(1 + increase)`` instead (NaN for grants).
    """
    if unknown := sorted(set(experiments) - set(SHOCKS)):
        raise ValueError(f"experiments: {unknown[0]!r} is not one of {sorted(SHOCKS)}")
    if not MIN_INCREASE <= increase <= 1:
        raise RegsimError(f"increase: {increase} is not allowed; use a fraction in [{MIN_INCREASE:g}, 1]")
    params = replace(params, "policy.strategy", "none")
    params = replace(params, "time.end_year", params.time.start_year - 1 + max(horizons))
    rows = []
    for seed in seeds:
        base, _ = _paths(params, seed, None)
        for name in experiments:
            shocked, size = _paths(params, seed, SHOCKS[name](increase))
            for h in horizons:
                i = h - 1
                gain = shocked["gdp"][i] / base["gdp"][i] - 1
                row = {"seed": seed, "horizon": h, "year": params.time.start_year - 1 + h, "gdp_gain": float(gain)}
                if name == "grants":
                    value = float(np.mean(shocked["gdp"][:h] - base["gdp"][:h]) / size)
                    rows.append(row | {"experiment": name, "value": value, "per_initial_shock": float("nan")})
                elif name == "size":
                    d_pop = np.log(shocked["population"][i] / base["population"][i])
                    for what in ("tfp", "wage", "output_pc"):
                        d = (np.log(shocked["output"][i] / base["output"][i]) - d_pop if what == "output_pc"
                             else np.log(shocked[what][i] / base[what][i]))
                        rows.append(row | {"experiment": f"size_{what}", "value": float(d / d_pop),
                                           "per_initial_shock": float(d / np.log1p(increase))})
                elif name == "roads":  # size: log change of mean market access; real income at consumer prices
                    d_real = np.log(shocked["real"][i] / base["real"][i])
                    rows.append(row | {"experiment": name, "value": float(d_real / size),
                                       "per_initial_shock": float("nan")})
                else:
                    column = "public" if name == "public_capital" else "services"
                    d = np.log1p(gain)
                    rows.append(row | {"experiment": name,
                                       "value": float(d / np.log(shocked[column][i] / base[column][i])),
                                       "per_initial_shock": float(d / np.log1p(increase))})
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds per experiment and horizon, the target range and the verdict.

    ``within``: the mean lies in the target range; ``within_interval``: the 90% interval (mean
    +- 1.645 standard errors) overlaps it, so a mean just outside may be noise (with one seed the
    standard error is NaN and this is ``within``).
    """
    grouped = table.groupby(["experiment", "horizon"], sort=False)
    out = grouped.value.agg(["mean", "sem", "count"]).reset_index()
    out["per_initial_shock"] = grouped.per_initial_shock.mean().to_numpy()
    out["target_low"] = out.experiment.map(lambda e: TARGETS[e][0])
    out["target_high"] = out.experiment.map(lambda e: TARGETS[e][1])
    out["within"] = (out["mean"] >= out.target_low) & (out["mean"] <= out.target_high)
    half = 1.645 * out["sem"].fillna(0.0)
    out["within_interval"] = (out["mean"] + half >= out.target_low) & (out["mean"] - half <= out.target_high)
    return out
