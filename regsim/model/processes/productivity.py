"""Productivity: market access (agglomeration), public capital, services, spread; living cost.

Firm productivity in settlement s, relative to the calibrated base year:

    tfp_s = base_tfp_s * (1 + tfp_growth_rate_per_year)^(year - 2017)     (exogenous technology)
                       * (MA_s / MA_s,2017)^agglomeration_elasticity      (Combes & Gobillon 2015)
                       * (g_s / g_s,2017)^public_capital_elasticity       (Bom & Ligthart 2014)
                       * (h_s / h_s,2017)^services_elasticity

(the two public exponents times ``productivity_per_output_elasticity``, see ``compute``). Market
access is ``MA_s = sum_j pop_j exp(-road_km_sj / access_decay_km)``, public capital per person
``g`` and service capital per person ``h``; the exponents are the same in every place (issue 22
removed a place-specific "leverage" of public money that no source supported). Size effects are
counted once, as the evidence measures them (issue 22): agglomeration raises productivity through
market access, so when every place grows by 1% productivity rises by ``agglomeration_elasticity``
(the density elasticity of wages is 0.04-0.05 in rich countries and about 0.07 in developing ones:
Grover, Lall & Timmis 2023); the cost of size is an URBAN cost paid by residents, living cost
``(pop_s / median pop_2017)^congestion_elasticity`` (housing and commuting: Combes, Duranton &
Gobillon 2019 measure an elasticity of urban costs to population of 0.04-0.05), which enters
migration (real earnings) and the poverty deflator, not firm productivity. Until issue 22
congestion also lowered productivity by ``(pop_s / pop_s,2017)^-congestion_elasticity``: the same
penalty twice, which made the net elasticity of productivity to size negative (-0.02 to -0.05).
``regsim elasticity`` measures the net elasticities (experiment ``size``).

Farms share the public-capital and service terms. The spread effect the Concept counts on (raw
materials processed locally) is paid for: firms buy farm products, ``farm_input_share_industry`` /
``_services`` of last year's output, from farms within reach (weights ``exp(-km / spread_decay_km)
x farm output``); a farm's sales to them pay the full market price, its other sales lose
``farm_marketing_margin`` to transport and traders, so its price index is ``(1 - m (1 - local
share)) / (1 - m (1 - local share_2017))``. What firms sell, and at what price, is decided in the labour market against
where people spend (``regsim.model.markets``, issue 24): services sell to buyers within reach,
industry at a national price.
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
    farm_local_sales_som: np.ndarray


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
    """Productivity, farm price and living cost for this year."""
    econ = params.economy
    cols = state.cols
    pop = np.maximum(cols.population, 1.0)
    pop0 = np.maximum(state.base.population, 1.0)
    access = market_access(pop, state.access_kernel) / state.base.market_access
    public = relative(cols.public_capital_som / pop, state.base.public_capital_som / pop0)
    services = relative(cols.services_som / pop, state.base.services_som / pop0)
    # the elasticities are of OUTPUT (Bom & Ligthart 2014 measure output): firms and farms respond
    # to productivity by hiring and investing, and wages rise, so the productivity exponent is the
    # output elasticity times a ratio fitted by the experiment of regsim.studies.elasticity
    ratio = econ.productivity_per_output_elasticity
    common = (public ** (econ.public_capital_elasticity * ratio)
              * services ** (econ.services_elasticity * ratio))
    trend = np.full(len(pop), (1 + econ.tfp_growth_rate_per_year) ** (state.year - state.base.year))
    tfp = state.base.tfp * trend * access ** econ.agglomeration_elasticity * common
    local_sales = local_farm_sales(cols.firm_output_som, cols.industry_output_som, cols.farm_output_som / np.maximum(
        cols.farm_price, 1e-12), state.spread_kernel, params)
    farm_price = farm_price_index(local_sales, cols.farm_output_som / np.maximum(cols.farm_price, 1e-12),
                                  state.base.farm_local_share, params)
    living_cost = living_cost_index(pop, pop0, econ.congestion_elasticity)
    return ProductivityOutcome(tfp=tfp, trend=trend, farm_tfp_factor=common, farm_price=farm_price,
                               living_cost=living_cost, farm_local_sales_som=local_sales)


def living_cost_index(population: np.ndarray, base_population: np.ndarray, elasticity: float) -> np.ndarray:
    """Living cost (housing and commuting) relative to a place of median 2017 size, ratio, shape (S,).

    ``(population / median base population)^economy.congestion_elasticity``: the one place where
    the cost of size enters (urban costs rise with population at 0.04-0.05: Combes, Duranton &
    Gobillon 2019).
    """
    return (np.maximum(population, 1.0) / np.median(np.maximum(base_population, 1.0))) ** elasticity


MIN_FARM_REACH_SOM = 1.0  # numerics: buyers with less than 1 som of farm output within reach buy none (no overflow)


def local_farm_sales(firm_output: np.ndarray, industry_output: np.ndarray, farm_quantity: np.ndarray,
                     kernel: np.ndarray, params: Params) -> np.ndarray:
    """Farm products bought by firms within reach, per farm settlement, som at base prices, shape (S,).

    Buyers in j spend ``farm_input_share_industry x industry_j + farm_input_share_services x
    services_j`` on farm products, split over farms i by ``kernel_ij x farm_quantity_i``; a farm
    sells at most its output (what it cannot supply, buyers get from elsewhere).

    Args:
        firm_output: Firm output per settlement, som, shape (S,).
        industry_output: Industrial part of it, som, shape (S,).
        farm_quantity: Farm output at base prices, som, shape (S,).
        kernel: ``exp(-road_km / spread_decay_km)``, shape (S, S), symmetric.
        params: Run parameters.
    """
    econ = params.economy
    demand = (econ.farm_input_share_industry * industry_output
              + econ.farm_input_share_services * np.maximum(firm_output - industry_output, 0.0))
    reach = kernel.T @ farm_quantity
    per_unit = np.divide(demand, reach, out=np.zeros_like(demand), where=reach >= MIN_FARM_REACH_SOM)
    return np.minimum(farm_quantity * (kernel @ per_unit), farm_quantity)


def local_share(sales: np.ndarray, farm_quantity: np.ndarray) -> np.ndarray:
    """Share of farm output sold to buyers within reach, fraction, shape (S,)."""
    return np.divide(sales, farm_quantity, out=np.zeros_like(sales), where=farm_quantity > 0)


def farm_price_index(sales: np.ndarray, farm_quantity: np.ndarray, base_share: np.ndarray,
                     params: Params) -> np.ndarray:
    """Farm-gate price relative to the base year, ratio, shape (S,).

    Local sales pay the full price; other sales lose ``farm_marketing_margin``.
    """
    m = params.economy.farm_marketing_margin
    return (1 - m * (1 - local_share(sales, farm_quantity))) / (1 - m * (1 - base_share))


def apply(state: State, outcome: ProductivityOutcome) -> None:
    """Write the indices."""
    cols = state.cols
    cols.tfp = outcome.tfp
    cols.trend = outcome.trend
    cols.farm_public_capital_factor = outcome.farm_tfp_factor
    cols.farm_price = outcome.farm_price
    cols.living_cost = outcome.living_cost
    cols.farm_local_sales_som = outcome.farm_local_sales_som
