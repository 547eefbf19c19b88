"""Productivity: market access (agglomeration), public capital, services, congestion, spread.

Firm productivity in settlement s, relative to the calibrated base year:

    tfp_s = base_tfp_s * (1 + tfp_growth_rate_per_year)^(year - 2017)     (exogenous technology)
                       * (MA_s / MA_s,2017)^agglomeration_elasticity      (Combes & Gobillon 2015)
                       * (g_s / g_s,2017)^(public_capital_elasticity * leverage_s)  (Bom & Ligthart 2014)
                       * (h_s / h_s,2017)^(services_elasticity * leverage_s)
                       * (pop_s / pop_s,2017)^(-congestion_elasticity)      (urban costs: time lost)

where ``leverage_s = (MA_s / median)^agglomeration_elasticity * (pop_s / median)^-congestion_elasticity``
(base year, population-weighted mean 1): public money pays more where it connects more economic
mass and less where more people share it (see ``initialise._leverage``). Market access is
``MA_s = sum_j pop_j exp(-road_km_sj / access_decay_km)``, public capital per
person ``g`` and service capital per person ``h``. Farms share the public-capital and service
terms; their price rises with industrial output within reach (the spread effect the Concept
counts on: raw materials processed locally), ``(IA_s / IA_s,2017)^spread_elasticity``. Living
cost rises with size, ``(pop_s / median pop)^congestion_elasticity``. Services sell locally:
their demand index is ``(income per person / base)^services_demand_elasticity``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.state import State
from regsim.params import Params

STREAM = "productivity"


@dataclass(frozen=True)
class ProductivityOutcome:
    """Per-settlement indices, shape (S,)."""

    tfp: np.ndarray
    trend: np.ndarray
    farm_tfp_factor: np.ndarray
    farm_price: np.ndarray
    living_cost: np.ndarray
    demand_index: np.ndarray


def market_access(population: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Distance-weighted population reachable from each settlement, persons, shape (S,).

    Args:
        population: Residents per settlement, persons, shape (S,).
        kernel: ``exp(-road_km / decay_km)``, shape (S, S).
    """
    return kernel @ population


def relative(now: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``now / base``, and 1 where the base is zero (an empty settlement)."""
    return np.divide(now, base, out=np.ones_like(now, dtype=float), where=base > 0)


def compute(state: State, params: Params, rng: np.random.Generator) -> ProductivityOutcome:
    """Productivity, farm price, living cost and service demand for this year."""
    econ = params.economy
    cols = state.cols
    pop = np.maximum(cols.population, 1.0)
    pop0 = np.maximum(state.base.population, 1.0)
    access = market_access(pop, state.access_kernel) / state.base.market_access
    public = relative(cols.public_capital_som / pop, state.base.public_capital_som / pop0)
    services = relative(cols.services_som / pop, state.base.services_som / pop0)
    leverage = state.base.public_capital_leverage
    # the elasticities are of OUTPUT (Bom & Ligthart 2014 measure output): firms and farms respond
    # to productivity by hiring and investing, and wages rise, so the productivity exponent is the
    # output elasticity times a ratio fitted by the experiment of regsim.studies.elasticity
    ratio = econ.productivity_per_output_elasticity
    common = (public ** (econ.public_capital_elasticity * ratio * leverage)
              * services ** (econ.services_elasticity * ratio * leverage))
    congestion = (pop / pop0) ** (-econ.congestion_elasticity)
    trend = np.full(len(pop), (1 + econ.tfp_growth_rate_per_year) ** (state.year - state.base.year))
    tfp = state.base.tfp * trend * access ** econ.agglomeration_elasticity * common * congestion
    industry_access = state.spread_kernel @ cols.industry_output_som
    farm_price = (industry_access / state.base.industry_access) ** econ.spread_elasticity
    living_cost = (pop / np.median(pop0)) ** econ.congestion_elasticity
    income = np.maximum(cols.income_pc_som, 1.0) / state.base.income_pc_som
    demand = income ** econ.services_demand_elasticity
    return ProductivityOutcome(tfp=tfp, trend=trend, farm_tfp_factor=common, farm_price=farm_price,
                               living_cost=living_cost, demand_index=demand)


def apply(state: State, outcome: ProductivityOutcome) -> None:
    """Write the indices."""
    cols = state.cols
    cols.tfp = outcome.tfp
    cols.trend = outcome.trend
    cols.farm_public_capital_factor = outcome.farm_tfp_factor
    cols.farm_price = outcome.farm_price
    cols.living_cost = outcome.living_cost
    cols.demand_index = outcome.demand_index
