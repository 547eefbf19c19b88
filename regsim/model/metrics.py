"""Metrics: one registry (name, unit, scope, description, function) and the Recorder.

A metric's function is pure: ``fn(state, params) -> value`` with a float for scope ``national``,
shape (9,) for ``oblast`` (in ``OBLAST_ORDER``) and shape (S,) for ``settlement``. The
:class:`Recorder` writes every metric of every recorded year into preallocated arrays and turns
them into tidy long tables at the end. Rates are fractions 0-1; money is som at 2017 prices.

Inequality: Gini of consumption per person (persons at home as weights; see
``regsim.model.processes.incomes``); the Theil index
(GE(1)) of income per person across settlements, decomposed into between- and within-oblast
parts (Shorrocks 1980); sigma convergence is the population-weighted s.d. of log GDP per person
across the 9 oblast units.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from regsim.data.loader import OBLAST_ORDER
from regsim.model import kernels
from regsim.model.processes.incomes import price_deflator, remittance_per_migrant
from regsim.model.state import State
from regsim.params import Params

Value = float | np.ndarray


@dataclass(frozen=True)
class Metric:
    """A named quantity recorded every year."""

    name: str
    unit: str
    scope: str  # national | oblast | settlement
    description: str
    fn: Callable[[State, Params], Value]


# --- building blocks --------------------------------------------------------------------------

def _n_oblasts() -> int:
    return len(OBLAST_ORDER)


def _by_oblast(state: State, per_settlement: np.ndarray) -> np.ndarray:
    oblast = state.world.oblast_index
    return np.bincount(oblast, weights=per_settlement, minlength=_n_oblasts())


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


def _memo(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Reuse a building block's value while the Recorder evaluates one year (state unchanged)."""

    @functools.wraps(fn)
    def wrapper(state: State, *args: Any) -> Any:
        cache = state.metric_cache
        if cache is None:
            return fn(state, *args)
        key = (fn.__name__, *args)
        if key not in cache:
            cache[key] = fn(state, *args)
        return cache[key]

    return wrapper


@_memo
def _household_sums(state: State) -> np.ndarray:
    """Residents, members at home, income, members abroad, labour force and working per settlement, (6, S).

    One compiled pass over the household table (``kernels.household_sums``) instead of a pass per
    quantity; each row is the same sum as ``Households.per_settlement`` of that quantity.
    """
    hh = state.households
    return kernels.household_sums(hh.settlement, hh.alive, float(hh.weight), state.n_settlements, hh.size,
                                  hh.abroad, hh.labour, hh.employed, hh.farming, hh.wage_som, hh.farm_som,
                                  hh.surplus_som, hh.transfer_som, hh.remittance_som)


@_memo
def population(state: State) -> np.ndarray:
    """Residents (de jure) per settlement, persons (``state.population()``)."""
    return _household_sums(state)[0]


@_memo
def present(state: State) -> np.ndarray:
    """Persons at home per settlement."""
    return _household_sums(state)[1]


@_memo
def income_total(state: State) -> np.ndarray:
    """Household income per settlement, som (all sources)."""
    return _household_sums(state)[2]


@_memo
def abroad(state: State) -> np.ndarray:
    """Household members abroad per settlement (by home), persons."""
    return _household_sums(state)[3]


@_memo
def _poverty(state: State, smoothing: float, deflation: float, congestion: float, line_som: float,
             extreme_line_som: float) -> tuple[np.ndarray, np.ndarray]:
    """Consumption per person per row (national prices) and the poor per settlement.

    Consumption as ``incomes.consumption_per_person`` computes it (float32, 0 where nobody is at
    home), deflated by ``incomes.price_deflator`` (the residents' consumer price index
    ``cols.consumer_price`` always, times the urban living cost when ``deflation > 0``); the persons at home
    below ``line_som`` and below ``extreme_line_som``, shape (2, S). One compiled pass
    (``kernels.consumption_poverty``). Dead rows and rows with every member abroad have
    consumption 0 but nobody at home, so they add nothing.
    """
    hh = state.households
    mean = _ratio(income_total(state), present(state))  # every living household has a member at home
    shared = np.float32(smoothing) * mean.astype(np.float32)
    price = price_deflator(state, deflation, congestion)
    price32 = np.zeros(0, np.float32) if price is None else price.astype(np.float32)
    # the lines in float32, as numpy compares a float32 array with a Python float
    consumption, poor = kernels.consumption_poverty(
        hh.settlement, hh.alive, float(hh.weight), state.n_settlements, hh.size, hh.abroad, hh.wage_som,
        hh.farm_som, hh.surplus_som, hh.transfer_som, hh.remittance_som, np.float32(1 - smoothing), shared,
        price32, np.float32(line_som), np.float32(extreme_line_som))
    return consumption, poor


def _poverty_of(state: State, params: Params) -> tuple[np.ndarray, np.ndarray]:
    inc = params.incomes
    return _poverty(state, inc.consumption_smoothing, inc.poverty_price_deflation,
                    params.economy.congestion_elasticity, inc.poverty_line_som, inc.extreme_poverty_line_som)


def _gini_consumption(state: State, params: Params) -> float:
    """``weighted_gini`` of consumption per person, members at home as weights, in one compiled pass."""
    hh = state.households
    return _gini_of_buckets(*kernels.gini_buckets_at_home(_consumption(state, params), hh.size, hh.abroad,
                                                         GINI_BUCKET_SHIFT))


def _consumption(state: State, params: Params) -> np.ndarray:
    """Consumption per person per row as the survey measures it (in national prices)."""
    return _poverty_of(state, params)[0]


def _poor(state: State, params: Params, extreme: bool = False) -> np.ndarray:
    """Persons at home below the (extreme) poverty line per settlement."""
    return _poverty_of(state, params)[1][1 if extreme else 0]


GINI_BUCKET_SHIFT = 11  # float32 bits dropped per bucket: buckets 2**-12 wide relative to their value


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` with non-negative ``weights`` (0-1).

    ``G = sum_ij w_i w_j |v_i - v_j| / (2 W sum_i w_i v_i)``, computed without sorting: values (as
    float32, whose bit patterns order like the numbers when non-negative) fall in buckets that keep
    the top 12 mantissa bits, so every value in a bucket lies within a factor 1 + 2**-12 of the
    others. Pairs in different buckets are counted exactly from per-bucket sums of weight and of
    weight x value (one compiled pass, ``kernels.gini_buckets``, O(n)); pairs inside a bucket
    are counted as ties, which understates G by at most ``2**-12 * max_b W_b / W`` (below 0.00025,
    and about 1e-9 for household data). Zero values have a bucket of their own.
    """
    v32 = np.maximum(values, 0).astype(np.float32, copy=False)  # consumption is float32 already: no copy
    v32 += np.float32(0)  # -0.0 + 0.0 = +0.0: the sign bit would order -0.0 above every value
    if len(v32) == 0:
        return 0.0
    # per-bucket sums of w and w x v in one compiled pass (the sums np.bincount gave, in row order)
    return _gini_of_buckets(*kernels.gini_buckets(v32, np.asarray(weights, dtype=np.float64), GINI_BUCKET_SHIFT))


def _gini_of_buckets(w_b: np.ndarray, vw_b: np.ndarray, vw: np.ndarray) -> float:
    """The Gini from per-bucket sums of weight and weight x value and the weight x value of each row."""
    total_vw = float(vw.sum())  # numpy's pairwise sum, as before
    if total_vw <= 0:
        return 0.0
    cw = np.cumsum(w_b)
    spread = 2 * cw - w_b - cw[-1]  # C_{b-1} + C_b - W
    # an elementwise product and numpy's pairwise sum, not np.dot: OpenBLAS splits a long dot
    # product over its threads, so the last bit would depend on the thread count (serial vs workers)
    return float((vw_b * spread).sum() / (cw[-1] * total_vw))


def theil(income: np.ndarray, people: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[float, float, float]:
    """Theil T index of income per person across units and its between/within-group parts.

    Args:
        income: Total income per unit, som, shape (S,).
        people: Persons per unit, shape (S,).
        group: Group index of each unit, shape (S,).
        n_groups: Number of groups.

    Returns:
        ``(total, between, within)``, with total = between + within.
    """
    keep = (people > 0) & (income > 0)
    y, n, g = income[keep], people[keep], group[keep]
    mu = y.sum() / n.sum()
    share = y / y.sum()
    total = float(np.sum(share * np.log((y / n) / mu)))
    y_g = np.bincount(g, weights=y, minlength=n_groups)
    n_g = np.bincount(g, weights=n, minlength=n_groups)
    ok = (y_g > 0) & (n_g > 0)
    s_g = y_g[ok] / y.sum()
    between = float(np.sum(s_g * np.log((y_g[ok] / n_g[ok]) / mu)))
    return total, between, total - between


@_memo
def _theil_parts(state: State) -> tuple[float, float, float]:
    oblast = state.world.oblast_index
    return theil(income_total(state), present(state), oblast, _n_oblasts())


@_memo
def _unemployed(state: State) -> tuple[np.ndarray, np.ndarray]:
    sums = _household_sums(state)
    labour_force, working = sums[4], sums[5]
    return labour_force - working, labour_force


def _kind_share(state: State, kinds: tuple[str, ...]) -> float:
    pop = population(state)
    mask = np.isin(state.world.kind, kinds)
    return float(pop[mask].sum() / pop.sum())


def _gdp_per_capita_oblast(state: State) -> np.ndarray:
    return _ratio(_by_oblast(state, state.cols.output_som), _by_oblast(state, population(state)))


def _sigma_convergence(state: State) -> float:
    gdp_pc = _gdp_per_capita_oblast(state)
    pop = _by_oblast(state, population(state))
    ok = gdp_pc > 0
    logs = np.log(gdp_pc[ok])
    mean = np.average(logs, weights=pop[ok])
    return float(np.sqrt(np.average((logs - mean) ** 2, weights=pop[ok])))


@_memo
def _ledger_by_settlement(state: State, what: str) -> np.ndarray:
    ledger = state.ledger
    n_s = state.n_settlements
    if what == "allocated":
        arr = ledger.allocated.sum(axis=1) if ledger.allocated.size else np.zeros(n_s)
    elif what == "absorbed":
        arr = ledger.absorbed.sum(axis=1) if ledger.absorbed.size else np.zeros(n_s)
    elif what == "returned":
        arr = ledger.returned if ledger.returned.size else np.zeros(n_s)
    else:
        arr = ledger.lost if ledger.lost.size else np.zeros(n_s)
    return np.asarray(arr, dtype=float)


def _flows(state: State, name: str) -> np.ndarray:
    flows = state.flows
    return np.zeros(state.n_settlements) if flows is None else getattr(flows, name)


def _account(state: State, params: Params, name: str) -> float:
    return float(getattr(state.accounts, name))


# --- the registry -----------------------------------------------------------------------------

def _services_price_dispersion(state: State) -> float:
    """Sales-weighted standard deviation of log service prices across settlements, log points."""
    cols = state.cols
    sales = np.maximum(cols.firm_output_som - cols.industry_output_som, 0.0)
    if sales.sum() <= 0:
        return 0.0
    logs = np.log(np.maximum(cols.services_price, 1e-300))
    mean = np.average(logs, weights=sales)
    return float(np.sqrt(np.average((logs - mean) ** 2, weights=sales)))


def consumer_price_index(state: State) -> float:
    """Consumption-weighted mean of the residents' consumer price index (``cols.consumer_price``), ratio."""
    weights = state.accounts.consumption_by_residence_som
    if len(weights) != state.n_settlements or weights.sum() <= 0:
        weights = state.cols.population
    return float(np.average(state.cols.consumer_price, weights=weights))


def _market_demand_gap(state: State) -> float:
    """Domestic spending at which the goods market cleared over this year's absorption (C + I + G), less 1.

    ``lambda x planned absorption / (C + I + G) - 1``: how far the spending that clears firm output
    at price level 1 lies from what the accounts record being spent (0 in 2017).
    """
    accounts = state.accounts
    absorption = accounts.consumption_som + accounts.investment_som + accounts.government_som
    if absorption <= 0:
        return 0.0
    return float(state.market.clearing_level * state.market.planned_absorption_som / absorption - 1.0)


def _goods_imports(state: State) -> float:
    """Imports the accounts imply, som: exports (industrial sales abroad and the mine's output) less net exports.

    Farm products are sold at home. Equivalently ``C + I + G`` less domestic spending on firm output
    (firm output less its exports) and on farm output: a residual that must not be negative.
    """
    mining = float(np.sum(state.cols.output_som - state.cols.firm_output_som - state.cols.farm_output_som))
    return float(state.market.goods_exports_som + mining - state.accounts.net_exports_som)


def _m(name: str, unit: str, scope: str, description: str, fn: Callable[[State, Params], Value]) -> Metric:
    return Metric(name, unit, scope, description, fn)


_DECLARED: Final[tuple[Metric, ...]] = (
    # national
    _m("population", "persons", "national", "Resident (de jure) population, incl. members abroad",
       lambda s, p: float(population(s).sum())),
    _m("gdp_som", "som", "national", "GDP: firms + farms + mining, som at 2017 prices",
       lambda s, p: float(s.cols.output_som.sum())),
    _m("gdp_per_capita_som", "som/person", "national", "GDP per resident",
       lambda s, p: float(s.cols.output_som.sum() / population(s).sum())),
    _m("income_per_capita_som", "som/person", "national", "Household income per person at home",
       lambda s, p: float(income_total(s).sum() / present(s).sum())),
    _m("poverty_rate", "fraction", "national", "Share of people consuming below the 2017 national poverty line",
       lambda s, p: float(_poor(s, p).sum() / present(s).sum())),
    _m("extreme_poverty_rate", "fraction", "national", "Share of people consuming below the 2017 extreme poverty line",
       lambda s, p: float(_poor(s, p, extreme=True).sum() / present(s).sum())),
    _m("poor_people", "persons", "national", "People below the poverty line",
       lambda s, p: float(_poor(s, p).sum())),
    _m("gini_consumption", "index 0-1", "national", "Gini of consumption per person (persons weighted)",
       lambda s, p: _gini_consumption(s, p)),
    _m("theil_income", "index", "national", "Theil T of income per person across settlements",
       lambda s, p: _theil_parts(s)[0]),
    _m("theil_between_oblasts", "index", "national", "Between-oblast part of the Theil index",
       lambda s, p: _theil_parts(s)[1]),
    _m("theil_within_oblasts", "index", "national", "Within-oblast part of the Theil index",
       lambda s, p: _theil_parts(s)[2]),
    _m("sigma_convergence", "log points", "national", "Population-weighted s.d. of log GDP per person across oblasts",
       lambda s, p: _sigma_convergence(s)),
    _m("unemployment_rate", "fraction", "national", "Unemployed share of the labour force at home",
       lambda s, p: float(_unemployed(s)[0].sum() / _unemployed(s)[1].sum())),
    _m("migrants_abroad", "persons", "national", "Household members working abroad",
       lambda s, p: float(abroad(s).sum())),
    _m("remittances_som", "som", "national", "Remittances sent home by members abroad",
       lambda s, p: float(abroad(s).sum() * remittance_per_migrant(s, p))),
    _m("internal_migrants", "persons", "national", "People who moved between settlements this year",
       lambda s, p: float(_flows(s, "moved_out").sum())),
    _m("births", "persons", "national",
       "Live births in this step (the step of year Y: calendar year Y-1, see docs/ODD.md 7.8)",
       lambda s, p: float(_flows(s, "births").sum())),
    _m("deaths", "persons", "national",
       "Deaths in this step (the step of year Y: calendar year Y-1, see docs/ODD.md 7.8)",
       lambda s, p: float(_flows(s, "deaths").sum())),
    _m("share_pop_bishkek", "fraction", "national", "Bishkek's share of the population",
       lambda s, p: _kind_share(s, ("capital",))),
    _m("share_pop_centres", "fraction", "national", "Share of the population in the 20 growth centres",
       lambda s, p: _kind_share(s, ("capital", "growth_centre"))),
    _m("share_pop_towns", "fraction", "national", "Share in the residual town nodes",
       lambda s, p: _kind_share(s, ("town",))),
    _m("share_pop_villages", "fraction", "national", "Share in village clusters",
       lambda s, p: _kind_share(s, ("village",))),
    _m("n_firms", "enterprises", "national", "Enterprises (firm agents x firm_weight)",
       lambda s, p: float(s.firms.alive.sum() * p.scale.firm_weight)),
    _m("industry_price_index", "ratio", "national",
       "Price of industrial goods relative to 2017 at which their sales equal domestic and export demand",
       lambda s, p: float(s.cols.industry_price[0])),
    _m("services_price_dispersion", "log points", "national",
       "Sales-weighted s.d. of log service prices across settlements (0 in 2017): how unevenly demand meets supply",
       lambda s, p: _services_price_dispersion(s)),
    _m("consumer_price_index", "ratio", "national",
       "Consumer prices relative to 2017 (consumption-weighted): services within reach at buyers' prices "
       "(price, varieties, distance) and industrial goods",
       lambda s, p: consumer_price_index(s)),
    _m("real_income_som", "som", "national",
       "GDP deflated by the consumer price index: what the year's output buys at the prices households pay",
       lambda s, p: float(s.cols.output_som.sum()) / consumer_price_index(s)),
    _m("market_clearing_level", "ratio", "national",
       "Factor on planned domestic spending that clears firm output at price level 1 (lambda)",
       lambda s, p: float(s.market.clearing_level)),
    _m("market_demand_gap", "fraction", "national",
       "Domestic spending that cleared the goods market over this year's C + I + G, less 1",
       lambda s, p: _market_demand_gap(s)),
    _m("goods_exports_som", "som", "national", "Industrial sales abroad at the clearing price (the goods market)",
       lambda s, p: float(s.market.goods_exports_som)),
    _m("goods_imports_som", "som", "national",
       "Imports implied by the goods market and the accounts: industrial exports + the mine's output (exported) "
       "- net exports",
       lambda s, p: _goods_imports(s)),
    _m("public_capital_som", "som", "national", "Public capital stock",
       lambda s, p: float(s.cols.public_capital_som.sum())),
    _m("budget_available_som", "som", "national", "Regional development budget this year",
       lambda s, p: float(s.ledger.available)),
    _m("budget_allocated_som", "som", "national", "Allocated by the strategy",
       lambda s, p: float(_ledger_by_settlement(s, "allocated").sum())),
    _m("budget_absorbed_som", "som", "national", "Absorbed: put to use by settlements",
       lambda s, p: float(_ledger_by_settlement(s, "absorbed").sum())),
    _m("budget_carried_in_som", "som", "national", "Carried in: last year's unabsorbed money offered again",
       lambda s, p: float(s.ledger.carried_in.sum())),
    _m("budget_returned_som", "som", "national", "Carried over: beyond absorption capacity, kept for next year",
       lambda s, p: float(_ledger_by_settlement(s, "returned").sum())),
    _m("budget_lost_som", "som", "national", "Lost to administration and leakage",
       lambda s, p: float(_ledger_by_settlement(s, "lost").sum())),
    _m("budget_unallocated_som", "som", "national", "Budget the strategy did not allocate",
       lambda s, p: float(s.ledger.unallocated)),
    _m("budget_available_to_date_som", "som", "national", "Regional budget made available since the start, cumulative",
       lambda s, p: float(s.ledger.available_to_date)),
    _m("budget_absorbed_to_date_som", "som", "national", "Regional money absorbed since the start, cumulative",
       lambda s, p: float(s.ledger.absorbed_to_date)),
    _m("budget_unspent_som", "som", "national",
       "Budget made available so far and neither absorbed nor lost (carried over or unallocated) at year end",
       lambda s, p: float(s.ledger.unspent_to_date)),
    _m("budget_unspent_share", "fraction", "national",
       "budget_unspent_som / budget_available_to_date_som (0 without a budget)",
       lambda s, p: s.ledger.unspent_to_date / s.ledger.available_to_date if s.ledger.available_to_date > 0 else 0.0),
    # national accounts and the government (issue 13; incomes.primary_income)
    *(_m(name, "som", "national", description, functools.partial(_account, name=name)) for name, description in (
        ("gdp_production_som", "GDP by production at basic prices: value added of firms, farms and the mine"),
        ("compensation_som", "Compensation of employees: the firms' wage bill"),
        ("mixed_income_som", "Mixed income: farm output (farms and own-account work)"),
        ("operating_surplus_som", "Operating surplus of firms and the mine (value added less wages)"),
        ("surplus_distributed_som", "Operating surplus distributed to households (owners) at home"),
        ("surplus_retained_som", "Operating surplus retained for the firms' own investment"),
        ("surplus_abroad_som", "Operating surplus paid to foreign owners (the mine)"),
        ("taxes_som", "Taxes: a flat rate on every primary income plus the consumption tax"),
        ("household_primary_income_som", "Households' primary income in the accounts, before tax"),
        ("transfers_som", "Government transfers to households (pensions, benefits)"),
        ("public_investment_som", "Ordinary public investment (started this year)"),
        ("services_spending_som", "Ordinary additions to the public-service stock"),
        ("upkeep_som", "Upkeep of the public capital stock"),
        ("regional_tax_financed_som", "Regional budget paid out of taxes this year (budget_financing = taxes)"),
        ("other_spending_som", "Other government spending (public administration; a constant share of GDP)"),
        # each tax's base and payer (issue 24); they sum to taxes_som
        ("tax_labour_som", "Tax on compensation of employees, paid by the employees' households"),
        ("tax_mixed_som", "Tax on mixed income (farms and own-account work), paid by the farming households"),
        ("tax_profits_distributed_som", "Tax on the firms' distributed surplus, paid by the owner households"),
        ("tax_retained_som", "Tax on the firms' retained surplus, paid by the firms out of what they distribute"),
        ("tax_mining_som", "Tax on the mine's surplus paid to domestic owners, paid by those households"),
        ("tax_abroad_som", "Tax on the mine's surplus paid abroad, paid by the foreign owners"),
        ("tax_consumption_som", "Consumption tax (VAT and sales tax) on what households spend, paid by the households"),
        ("remittances_received_som", "Remittances that reach households at home (accounts basis)"),
        ("regional_transfers_som", "Regional budget paid as cash to households (cash_transfers)"),
        ("regional_current_som", "Regional budget paying local running costs (local staff's wages; current_share)"),
        # GDP by expenditure (incomes.expenditure); consumption + investment + government + net exports = GDP
        ("consumption_som", "Household consumption at basic prices: after-tax primary income, transfers (regional "
                            "cash and running-cost pay included) and remittances received, less the consumption tax"),
        ("investment_som", "Gross investment: firms' own, ordinary public, regional infrastructure, grants and roads"),
        ("government_som", "Government consumption: services, upkeep, other spending, regional services and losses"),
        ("net_exports_som", "Net exports from the external account: surplus paid abroad after tax less "
                            "remittances, foreign-financed investment and external regional money"),
    )),
    _m("tax_rate", "fraction", "national",
       "Tax rate on every primary income: with the consumption tax it pays for this year's spending",
       lambda s, p: float(s.accounts.tax_rate)),
    _m("survey_to_accounts_ratio", "ratio", "national",
       "Household survey income per som of after-tax primary income in the accounts (base year; "
       "population-weighted mean if per oblast)",
       lambda s, p: float(np.average(s.base.survey_ratio, weights=np.maximum(s.base.population, 1e-9)))),
    _m("services_capital_som", "som", "national", "Public-service capital stock",
       lambda s, p: float(s.cols.services_som.sum())),
    _m("farm_local_sales_som", "som", "national",
       "Farm products bought by firms within reach (intermediate demand; the paid spread effect), base prices",
       lambda s, p: float(s.cols.farm_local_sales_som.sum())),
    # oblast
    _m("population", "persons", "oblast", "Residents", lambda s, p: _by_oblast(s, population(s))),
    _m("gdp_som", "som", "oblast", "Gross regional product", lambda s, p: _by_oblast(s, s.cols.output_som)),
    _m("gdp_per_capita_som", "som/person", "oblast", "GRP per resident", lambda s, p: _gdp_per_capita_oblast(s)),
    _m("income_per_capita_som", "som/person", "oblast", "Household income per person at home",
       lambda s, p: _ratio(_by_oblast(s, income_total(s)), _by_oblast(s, present(s)))),
    _m("poverty_rate", "fraction", "oblast", "Share below the poverty line",
       lambda s, p: _ratio(_by_oblast(s, _poor(s, p)), _by_oblast(s, present(s)))),
    _m("unemployment_rate", "fraction", "oblast", "Unemployed share of the labour force",
       lambda s, p: _ratio(_by_oblast(s, _unemployed(s)[0]), _by_oblast(s, _unemployed(s)[1]))),
    _m("net_internal_migration", "persons", "oblast", "In-movers minus out-movers this year",
       lambda s, p: _by_oblast(s, _flows(s, "moved_in") - _flows(s, "moved_out"))),
    _m("budget_allocated_som", "som", "oblast", "Allocated",
       lambda s, p: _by_oblast(s, _ledger_by_settlement(s, "allocated"))),
    _m("budget_absorbed_som", "som", "oblast", "Absorbed",
       lambda s, p: _by_oblast(s, _ledger_by_settlement(s, "absorbed"))),
    _m("budget_returned_som", "som", "oblast", "Carried over to next year",
       lambda s, p: _by_oblast(s, _ledger_by_settlement(s, "returned"))),
    _m("budget_lost_som", "som", "oblast", "Lost",
       lambda s, p: _by_oblast(s, _ledger_by_settlement(s, "lost"))),
    # settlement
    _m("population", "persons", "settlement", "Residents", lambda s, p: population(s)),
    _m("output_som", "som", "settlement", "Output (firms, farms, mining)", lambda s, p: s.cols.output_som.copy()),
    _m("employment", "persons", "settlement", "Residents in wage jobs or farming",
       lambda s, p: _unemployed(s)[1] - _unemployed(s)[0]),
    _m("income_per_capita_som", "som/person", "settlement", "Household income per person at home",
       lambda s, p: _ratio(income_total(s), present(s))),
    _m("poverty_rate", "fraction", "settlement", "Share below the poverty line",
       lambda s, p: _ratio(_poor(s, p), present(s))),
    _m("enterprises", "enterprises", "settlement", "Enterprises located here (firm agents x firm_weight)",
       lambda s, p: np.bincount(s.firms.settlement[s.firms.alive], minlength=s.n_settlements)
       * float(p.scale.firm_weight)),
    _m("public_capital_som", "som", "settlement", "Public capital stock",
       lambda s, p: s.cols.public_capital_som.copy()),
    _m("budget_absorbed_som", "som", "settlement", "Regional money absorbed",
       lambda s, p: _ledger_by_settlement(s, "absorbed")),
)

METRICS: Final[dict[tuple[str, str], Metric]] = {(m.scope, m.name): m for m in _DECLARED}
"""Every metric, keyed by (scope, name): the same name can exist per scope."""


class Recorder:
    """Preallocated arrays for every metric and year; tidy tables at the end."""

    def __init__(self, years: list[int], n_settlements: int) -> None:
        self.years = years
        self.national = [m for m in _DECLARED if m.scope == "national"]
        self.oblast = [m for m in _DECLARED if m.scope == "oblast"]
        self.settlement = [m for m in _DECLARED if m.scope == "settlement"]
        n_y = len(years)
        self._nat = np.full((n_y, len(self.national)), np.nan)
        self._obl = np.full((n_y, len(self.oblast), _n_oblasts()), np.nan)
        self._set = np.full((n_y, len(self.settlement), n_settlements), np.nan)
        self._row = {year: i for i, year in enumerate(years)}

    def record(self, state: State, params: Params) -> np.ndarray:
        """Evaluate every metric for ``state.year`` (building blocks computed once).

        Args:
            state: The state at the end of the year.
            params: Run parameters.

        Returns:
            Residents per settlement, persons (``state.population()``, from the same pass over the
            household table as the other sums).
        """
        i = self._row[state.year]
        state.metric_cache = {}
        try:
            population_now = population(state)
            for j, m in enumerate(self.national):
                self._nat[i, j] = m.fn(state, params)
            for j, m in enumerate(self.oblast):
                self._obl[i, j] = m.fn(state, params)
            for j, m in enumerate(self.settlement):
                self._set[i, j] = m.fn(state, params)
        finally:
            state.metric_cache = None
        return population_now

    def national_value(self, year: int, name: str) -> float:
        """A national metric as recorded for ``year``."""
        j = next(k for k, m in enumerate(self.national) if m.name == name)
        return float(self._nat[self._row[year], j])

    def settlement_value(self, year: int, name: str) -> np.ndarray:
        """A settlement metric as recorded for ``year``, shape (S,) (a copy)."""
        j = next(k for k, m in enumerate(self.settlement) if m.name == name)
        return self._set[self._row[year], j].copy()

    def national_table(self) -> pd.DataFrame:
        """Long table ``year, metric, value``."""
        n_y, n_m = self._nat.shape
        return pd.DataFrame({
            "year": np.repeat(self.years, n_m).astype(np.int32),
            "metric": np.tile([m.name for m in self.national], n_y),
            "value": self._nat.ravel(),
        })

    def oblast_table(self) -> pd.DataFrame:
        """Long table ``year, oblast, metric, value``."""
        n_y, n_m, n_o = self._obl.shape
        return pd.DataFrame({
            "year": np.repeat(self.years, n_m * n_o).astype(np.int32),
            "oblast": np.tile(np.array(OBLAST_ORDER), n_y * n_m),
            "metric": np.tile(np.repeat([m.name for m in self.oblast], n_o), n_y),
            "value": self._obl.ravel(),
        })

    def settlement_table(self) -> pd.DataFrame:
        """Long table ``year, settlement_id, metric, value``."""
        n_y, n_m, n_s = self._set.shape
        return pd.DataFrame({
            "year": np.repeat(self.years, n_m * n_s).astype(np.int32),
            "settlement_id": np.tile(np.arange(n_s, dtype=np.int32), n_y * n_m),
            "metric": np.tile(np.repeat([m.name for m in self.settlement], n_s), n_y),
            "value": self._set.ravel(),
        })
