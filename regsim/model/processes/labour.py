"""Labour market: commuting, hiring at a wage, production, farming and unemployment.

A dual economy (Lewis 1954; Harris & Todaro 1970). Residents in the labour force look for wage
jobs in their own settlement and, with weight ``commuting_share * exp(-km / radius)``, in
settlements within ``commuting_radius_km``: the static row-stochastic matrix ``state.commute``.
In each job market j, firms hire at the market wage

    w_j = max(reservation_j, clearing wage),   clearing: demand(w) = job seekers in j,

where demand comes from each firm's first-order condition. The reservation wage is the base-year
wage scaled by local farm income (the alternative); so while labour is plentiful, employment
follows demand at the reservation wage, and wages rise only when job seekers run out. Output,
wage bill and profit are realised here.

Who is unemployed (issue 14): a resident reaches a wage job slot with probability ``r``
(``reach``, the share of the settlement's job seekers the markets it commutes to can hire).
Of those, ``frictional_unemployment_rate`` (phi) are between jobs at any time (search
unemployment, the steady state of separations and job finding) and are unemployed: they look
for wage work, not for land. Those the wage markets do not reach (``1 - r``, rationed) farm
(land-constrained, with diminishing returns: ``farm output = farm_tfp * price * land^(1 - b) *
farmers^b``) where they have access (``base.farm_access``, solved per oblast at initialisation
for its 2017 unemployment rate), or are unemployed. So the unemployment rate is

    u = phi * r + (1 - r) * (1 - farm_access),

structural unemployment that falls as wage jobs absorb the rationed, toward the frictional floor
phi as r approaches 1. Rounding of people to jobs uses one uniform draw per household row.

Sales are bounded by demand (issue 24, ``regsim.model.markets``): a service firm's output is
valued at its settlement's service price, an industrial firm's at the national industrial price.
Before hiring, the prices are solved so that what firms sell at them equals what buyers spend:
services against the expected service spending within reach (the 2017 share of domestic
absorption, last year's absorption grown at its mean growth since 2017, spent where households
consume; split over places by distance, enterprises and price), industry against a demand with
price elasticity ``economy.industry_price_elasticity`` whose level grows with domestic absorption
and export markets. ``MARKET_ROUNDS`` rounds alternate hiring (wages)
and prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model import kernels, markets, shocks
from regsim.model.firms import SECTOR_SERVICES
from regsim.model.state import MarketRecord, State
from regsim.params import Params
from regsim.rng import variables

STREAM = "labour"
MARKET_ROUNDS = 3  # numerics: rounds of hiring and price clearing per year (sales within 0.1% of demand)


@dataclass(frozen=True)
class LabourOutcome:
    """Jobs and output: per firm row, per household row and per settlement."""

    labour: np.ndarray
    employees: np.ndarray
    output_som: np.ndarray
    profit_som: np.ndarray
    employed: np.ndarray
    farming: np.ndarray
    market_wage_som: np.ndarray
    reservation_wage_som: np.ndarray
    resident_wage_som: np.ndarray
    employment_rate: np.ndarray
    farm_output_som: np.ndarray
    farm_income_per_worker_som: np.ndarray
    firm_output_som: np.ndarray
    industry_output_som: np.ndarray
    mining_output_som: np.ndarray
    services_price: np.ndarray
    industry_price: np.ndarray
    consumer_price: np.ndarray
    market: MarketRecord


def output_shock(state: State, params: Params, sector: str) -> np.ndarray:
    """Per settlement, the factor ``output`` shocks put on one sector's output this year, ratio, shape (S,)."""
    return shocks.regional_factor(params, "output", state.year, state.world.oblast_index,
                                  state.world.oblasts.oblast.tolist(), sector)


@dataclass(frozen=True)
class FirmYear:
    """What the labour market reads of the firm table that does not change within a year, per firm row.

    Computed once per :func:`compute` (the clearing rounds call :func:`firm_tfp` and hire several
    times a year; capital, productivity, local tfp and the year's shocks stay the same meanwhile).
    Every value is the one the expressions it replaces computed, so results are bit for bit those
    of recomputing them.
    """

    is_services: np.ndarray  # bool: a service firm (priced locally), else industrial (national price)
    local_tfp: np.ndarray  # cols.tfp of the firm's settlement
    capital_power: np.ndarray  # max(capital_som, 0) ** capital_elasticity
    shock_power: np.ndarray | None  # output shock factor ** (1 - labour_elasticity); None: no shock this year


def firm_year(state: State, params: Params) -> FirmYear:
    """The year's :class:`FirmYear` of ``state.firms``."""
    econ = params.economy
    firms = state.firms
    is_services = firms.sector == SECTOR_SERVICES
    services_shock, industry_shock = output_shock(state, params, "services"), output_shock(state, params, "industry")
    shock_power = None  # no output shock this year: the factor is 1 (x * 1.0 is x exactly; no power per firm row)
    if not ((services_shock == 1.0).all() and (industry_shock == 1.0).all()):
        shock = np.where(is_services, services_shock[firms.settlement], industry_shock[firms.settlement])
        shock_power = shock ** (1 - econ.labour_elasticity)
    return FirmYear(is_services=is_services, local_tfp=state.cols.tfp[firms.settlement],
                    capital_power=np.maximum(firms.capital_som, 0.0) ** econ.capital_elasticity,
                    shock_power=shock_power)


def firm_tfp(state: State, params: Params, services_price: np.ndarray | None = None,
             industry_price: np.ndarray | None = None, year: FirmYear | None = None) -> np.ndarray:
    """Revenue productivity of each firm row: local tfp x its sector's price x productivity x shock.

    The price is the settlement's service price for service firms, the national industrial price
    for industrial ones (``cols`` unless given, shape (S,)). An ``output`` shock of factor f
    (docs/ODD.md 7.12) multiplies productivity by ``f^(1 - b)``: at an unchanged wage the firm's
    output, and its labour demand, are then f times what they would be. ``year``: this year's
    :func:`firm_year` (computed here if not given).
    """
    firms = state.firms
    cols = state.cols
    year = firm_year(state, params) if year is None else year
    services = cols.services_price if services_price is None else services_price
    industry = cols.industry_price if industry_price is None else industry_price
    price = np.where(year.is_services, services[firms.settlement], industry[firms.settlement])
    tfp = year.local_tfp * price * firms.productivity
    if year.shock_power is None:
        return tfp
    return tfp * year.shock_power


def labour_demand_scale(state: State, params: Params, services_price: np.ndarray | None = None,
                        industry_price: np.ndarray | None = None, year: FirmYear | None = None,
                        tfp: np.ndarray | None = None) -> np.ndarray:
    """Per firm row: ``b_f`` with labour demand ``L_f(w) = b_f * w^(-1/(1-labour_elasticity))``.

    ``tfp``: :func:`firm_tfp` at these prices if already computed (it is not recomputed).
    """
    econ = params.economy
    firms = state.firms
    b = econ.labour_elasticity
    year = firm_year(state, params) if year is None else year
    tfp = firm_tfp(state, params, services_price, industry_price, year) if tfp is None else tfp
    scale = (b * tfp * year.capital_power) ** (1.0 / (1.0 - b))
    return np.where(firms.alive, scale, 0.0)


def expected_demand(state: State, params: Params) -> tuple[np.ndarray, float, float]:
    """Expected spending this year, som: on services by residence (S,), domestic industry, industry exports.

    Domestic spending is 2017's shares of domestic absorption (household consumption, investment
    and government, ``C + I + G``) applied to last year's absorption grown at its mean growth
    since 2017 (``markets.expected_growth``; in the first year
    ``economy.expected_demand_growth_first_year``); service spending is placed where households
    consume (last year's consumption by residence). Exports are ``economy.industry_export_share``
    of 2017 industrial sales grown at ``economy.export_market_growth_per_year``. The level of
    domestic spending is rescaled in clearing (``markets.clear_with_numeraire``): what matters is
    where people spend, and domestic against export demand.
    """
    econ = params.economy
    base, cols, accounts = state.base, state.cols, state.accounts
    absorption = accounts.consumption_som + accounts.investment_som + accounts.government_som
    growth = markets.expected_growth(absorption, base.absorption_som, state.year - 1 - base.year,
                                     econ.expected_demand_growth_first_year)
    consumption = cols.consumption_som
    total = float(consumption.sum())
    where = np.divide(consumption, total, out=np.zeros_like(consumption), where=total > 0)
    services = base.services_spending_share * absorption * growth * where
    share = econ.industry_export_share
    domestic = base.industry_sales_som * (1.0 - share) * absorption * growth / max(base.absorption_som, 1.0)
    exports = base.industry_sales_som * share * (1.0 + econ.export_market_growth_per_year) ** (state.year - base.year)
    return services, domestic, exports


def firm_hiring(state: State, params: Params, scale: np.ndarray, reservation: np.ndarray,
                seekers: np.ndarray, services_price: np.ndarray, industry_price: np.ndarray,
                year: FirmYear | None = None,
                tfp: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hiring at given prices: ``(employees, output_som, wage, rate)`` per firm row / job market.

    Output is value added at the given prices, som; wage the market wage per job market, som per
    worker per year; rate the share of job seekers hired per job market. ``year`` and ``tfp``:
    this year's :func:`firm_year` and :func:`firm_tfp` at these prices, if already computed.
    """
    econ = params.economy
    firms = state.firms
    n_s = state.n_settlements
    b = econ.labour_elasticity
    year = firm_year(state, params) if year is None else year
    tfp = firm_tfp(state, params, services_price, industry_price, year) if tfp is None else tfp
    demand_scale = np.bincount(firms.settlement, weights=scale, minlength=n_s)
    rate, wage, demand, jobs = employment_rate(reservation, demand_scale, seekers, b)
    fill = np.divide(jobs, demand, out=np.zeros(n_s), where=demand > 0)
    employees = scale * wage[firms.settlement] ** (-1.0 / (1.0 - b)) * fill[firms.settlement]
    output = np.where(firms.alive, tfp * year.capital_power * employees ** b, 0.0)
    return employees, output, wage, rate


def market_prices(state: State, params: Params, reservation: np.ndarray,
                  seekers: np.ndarray, year: FirmYear | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Service price per settlement and the national industrial price that clear this year's markets, (S,) each.

    Also the clearing level ``lambda`` on planned domestic spending (1 in the base year).

    ``MARKET_ROUNDS`` rounds: hire at the current prices (wages follow), then solve the relative
    prices at which supply (moving as ``price^(1/(1-b))`` at those wages) equals expected demand
    (:func:`expected_demand`, services over the market-access kernel) with the price level of firm
    output as numeraire (``markets.clear_with_numeraire``). In the base year the prices are 1.
    """
    cols, base = state.cols, state.base
    if state.year <= base.year or base.services_spending_share <= 0:
        return cols.services_price.copy(), cols.industry_price.copy(), 1.0
    econ = params.economy
    firms = state.firms
    n_s = state.n_settlements
    year = firm_year(state, params) if year is None else year
    elasticity = 1.0 / (1.0 - econ.labour_elasticity)
    spending, domestic, exports = expected_demand(state, params)
    is_services = firms.alive & year.is_services
    is_industry = firms.alive & ~is_services
    enterprises = np.bincount(firms.settlement[is_services], minlength=n_s) * float(params.scale.firm_weight)
    services_price, industry_price = cols.services_price.copy(), cols.industry_price.copy()
    level = None  # the spending level lambda: each round starts from the previous round's
    for _ in range(MARKET_ROUNDS):
        tfp = firm_tfp(state, params, services_price, industry_price, year)
        scale = labour_demand_scale(state, params, year=year, tfp=tfp)
        _, output, _, _ = firm_hiring(state, params, scale, reservation, seekers, services_price, industry_price,
                                      year, tfp)
        supply = np.bincount(firms.settlement, weights=np.where(is_services, output, 0.0), minlength=n_s)
        industry_supply = float(output[is_industry].sum())
        services_price, price, level = markets.clear_with_numeraire(
            supply, services_price, industry_supply, float(industry_price[0]), elasticity, base.services_attraction,
            enterprises, state.access_kernel, spending, domestic, exports, econ.services_substitution_elasticity,
            econ.industry_price_elasticity, level)
        industry_price = np.full(n_s, price)
    return services_price, industry_price, level


def consumer_prices(state: State, params: Params, services_price: np.ndarray,
                    industry_price: np.ndarray) -> np.ndarray:
    """Consumer price index of the residents of each settlement relative to 2017, ratio, shape (S,).

    Buyers pay the CES price index of the services within reach (``markets.buyers_price_index``
    over the market-access kernel, read as a trade cost: nearer, cheaper and more numerous sellers
    lower it) on the share of spending that goes to the firms' services
    (``base.services_spending_share``), and the national industrial price on industry's domestic
    share; the rest (farm products, imports, the mine) at 2017 prices (Cobb-Douglas weights of
    2017). 1 in the base year.
    """
    base = state.base
    n_s = state.n_settlements
    if state.year <= base.year or base.services_spending_share <= 0 or base.absorption_som <= 0:
        return np.ones(n_s)
    econ = params.economy
    firms = state.firms
    is_services = firms.alive & (firms.sector == SECTOR_SERVICES)
    enterprises = np.bincount(firms.settlement[is_services], minlength=n_s) * float(params.scale.firm_weight)
    weights = markets.spending_weights(base.services_attraction, enterprises, services_price,
                                       econ.services_substitution_elasticity)
    index = markets.buyers_price_index(markets.buyers_reach(weights, state.access_kernel), base.services_reach,
                                       econ.services_substitution_elasticity)
    industry_share = base.industry_sales_som * (1.0 - econ.industry_export_share) / base.absorption_som
    return index ** base.services_spending_share * industry_price ** industry_share


EXPECTATION_BISECTION_STEPS = 40  # numerics: halvings of the log bracket of the expected farm income


def farm_productivity(state: State, params: Params) -> np.ndarray:
    """Farm output per ``land^(1-f) farmers^f``: base farm tfp x trend x public capital x price x shock, shape (S,)."""
    cols = state.cols
    return (state.base.farm_tfp * cols.trend * cols.farm_public_capital_factor * cols.farm_price
            * output_shock(state, params, "farming"))


def oblast_farm_income_index(state: State, farm_output: np.ndarray, farmers: np.ndarray) -> np.ndarray:
    """Farm income per efficiency unit in each oblast relative to 2017, ratio, shape (O,).

    Args:
        state: Current state (``base.farm_income_per_worker_som``: 2017 farm income per efficiency
            unit, som per year; in 2017 every member supplies one unit, so it is also per farmer).
        farm_output: Farm output per settlement, som per year, shape (S,).
        farmers: Farm labour per settlement in efficiency units (members x efficiency), shape (S,).

    Bishkek and Osh city, which had no farmers in 2017, take the national index (their residents'
    alternative is farming anywhere in the country).
    """
    oblast = state.world.oblast_index
    n_o = len(state.world.oblasts)
    at_base_income = farmers * state.base.farm_income_per_worker_som
    now = np.bincount(oblast, weights=farm_output, minlength=n_o)
    base = np.bincount(oblast, weights=at_base_income, minlength=n_o)
    national = farm_output.sum() / max(float(at_base_income.sum()), 1.0)
    return np.divide(now, base, out=np.full(n_o, national), where=base > 0)


def farm_income_index(state: State) -> np.ndarray:
    """Last year's farm income per efficiency unit in each settlement's oblast relative to 2017, shape (S,).

    The alternative to a wage job is farming somewhere in the oblast (or, for Bishkek and Osh
    city, anywhere in the country), not the plot of the few urban gardeners, whose income per
    head swings when their number does.
    """
    cols = state.cols
    # farm labour in efficiency units: output / income per efficiency unit
    farmers = np.divide(cols.farm_output_som, cols.farm_income_per_worker_som,
                        out=np.zeros_like(cols.farm_output_som), where=cols.farm_income_per_worker_som > 0)
    return oblast_farm_income_index(state, cols.farm_output_som, farmers)[state.world.oblast_index]


def sticky_reservation_wage(state: State, params: Params, index: np.ndarray) -> np.ndarray:
    """Reservation wage per job market given the expected farm income index of its oblast, som, shape (S,).

    Partial adjustment (sticky wages): the wage closes ``wage_adjustment_rate`` of the log gap
    between last year's reservation wage and the base-year wage scaled by the expected index.
    """
    target = state.base.reservation_wage_som * np.maximum(index, 1e-6)
    speed = params.labour.wage_adjustment_rate
    moved = state.cols.reservation_wage_som ** (1 - speed) * target**speed
    return np.maximum(params.labour.reservation_wage_floor_som, moved)


def expected_farmers(state: State, params: Params, reservation: np.ndarray, demand_scale: np.ndarray,
                     labour_force: np.ndarray, seekers: np.ndarray) -> np.ndarray:
    """Farm labour per settlement the labour market leaves at a reservation wage, efficiency units, shape (S,).

    Expected values: the labour force (efficiency units, :func:`job_seekers`) times the share that
    farms (:func:`farm_share`), the same units as the farm labour that produces in :func:`compute`.
    """
    b = params.economy.labour_elasticity
    rate = employment_rate(reservation, demand_scale, seekers, b)[0]
    return labour_force * farm_share(state.commute @ rate, state.base.farm_access)


def expected_farm_income_index(state: State, params: Params, demand_scale: np.ndarray,
                               labour_force: np.ndarray, seekers: np.ndarray) -> np.ndarray:
    """This year's farm income index per oblast that wage setters expect, consistent with the wage they set.

    The fixed point ``I = F(I)``: at index ``I`` the reservation wage is
    :func:`sticky_reservation_wage`, firms hire at it, the rest of the labour force farms where it
    has access, and ``F(I)`` is the farm income per farmer relative to 2017 that results. ``F``
    falls as ``I`` rises (a higher wage, fewer jobs, more farmers, less land each), so the fixed
    point is unique; it is found by bisection in logs, all oblasts at once (the coupling between
    oblasts through commuting is weak). Expecting this year's farm income instead of reacting to
    last year's removes the wage-farm cobweb (Muth 1961 rational expectations; Nerlove 1958 on
    the cobweb under naive expectations), which made national growth alternate between years.

    Returns:
        The expected index, ratio, shape (O,) over oblasts.
    """
    fb = params.economy.farm_labour_elasticity
    farm_scale = farm_productivity(state, params) * state.base.land ** (1 - fb)  # the same every guess
    oblast = state.world.oblast_index
    lo = np.full(len(state.world.oblasts), np.log(1e-3))
    hi = np.full(len(state.world.oblasts), np.log(1e3))
    for _ in range(EXPECTATION_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        reservation = sticky_reservation_wage(state, params, np.exp(mid)[oblast])
        farmers = expected_farmers(state, params, reservation, demand_scale, labour_force, seekers)
        output = farm_scale * farmers**fb
        implied = np.log(np.maximum(oblast_farm_income_index(state, output, farmers), 1e-300))
        above = implied > mid  # the index farming would pay exceeds the guess: the fixed point is higher
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.exp(0.5 * (lo + hi))


def reservation_wage(state: State, params: Params, demand_scale: np.ndarray, labour_force: np.ndarray,
                     seekers: np.ndarray) -> np.ndarray:
    """Reservation wage per job market, som per worker per year, shape (S,).

    It moves toward the base-year wage scaled by the farm income per farmer expected in the
    oblast this year (the alternative, Lewis 1954), closing ``wage_adjustment_rate`` of the log gap
    each year (sticky wages). The expectation is consistent with the wage it leads to
    (:func:`expected_farm_income_index`); in the base year it is the 2017 farm income, index 1.
    """
    if state.year <= state.base.year:
        return sticky_reservation_wage(state, params, farm_income_index(state))
    index = expected_farm_income_index(state, params, demand_scale, labour_force, seekers)
    return sticky_reservation_wage(state, params, index[state.world.oblast_index])


def reach_from_employment(employment_rate: np.ndarray, frictional: float) -> np.ndarray:
    """Share of residents' job seekers the wage markets reach, ``r``, from the employment rate ``(1 - phi) r``."""
    return employment_rate / max(1.0 - frictional, 1e-9)


def farm_share(reach: np.ndarray, farm_access: np.ndarray) -> np.ndarray:
    """Share of the labour force that farms: the rationed (not reached by wage jobs) with access, fraction.

    Args:
        reach: Share of residents' job seekers the wage markets can hire, ``r``, fraction, shape (S,).
        farm_access: Share of the rationed with land or an own-account alternative, fraction, shape (S,).
    """
    return np.maximum(1.0 - reach, 0.0) * farm_access  # reach can exceed 1 by rounding error


def unemployment_share(reach: np.ndarray, farm_access: np.ndarray, frictional: float) -> np.ndarray:
    """Expected unemployment rate ``phi * r + (1 - r) * (1 - farm_access)``, fraction, shape of ``reach``.

    The frictional unemployed (``phi`` of those the wage markets reach) plus the rationed without
    access to land or own-account work. At ``r = 1`` it is ``phi``: the floor of unemployment.
    """
    return frictional * reach + (1.0 - reach) * (1.0 - farm_access)


def farm_probability(reach: np.ndarray, farm_access: np.ndarray, frictional: float) -> np.ndarray:
    """Probability that a labour-force member NOT in a wage job farms, fraction, shape (S,).

    Members not employed are the frictional unemployed (``phi r``) and the rationed (``1 - r``);
    only the rationed farm, with probability ``farm_access``.
    """
    not_employed = 1.0 - (1.0 - frictional) * reach
    return np.divide(farm_share(reach, farm_access), not_employed, out=np.zeros(len(reach)),
                     where=not_employed > 0)


def employment_rate(reservation: np.ndarray, demand_scale: np.ndarray, seekers: np.ndarray,
                    labour_elasticity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Market wage, labour demand, jobs and the share of job seekers hired per job market, shape (S,) each.

    Returns:
        ``(rate, wage, demand, jobs)``: the share hired, the wage (som per worker per year), and
        labour demand and jobs (persons).
    """
    b = labour_elasticity
    safe_seekers = np.maximum(seekers, 1e-9)
    clearing = np.where(demand_scale > 0, (demand_scale / safe_seekers) ** (1 - b), 0.0)
    wage = np.maximum(clearing, reservation)
    demand = demand_scale * wage ** (-1.0 / (1.0 - b))
    jobs = np.minimum(demand, seekers)
    rate = np.divide(jobs, seekers, out=np.zeros(len(seekers)), where=seekers > 0)
    return rate, wage, demand, jobs


def job_seekers(state: State, params: Params, labour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labour force per settlement of residence and job seekers per job market, in efficiency units.

    One member counts ``households.efficiency`` (1 in 2017, below 1 for those who moved up the
    earnings ladder, above 1 for those who moved down): firms hire and farms work in these units.

    Args:
        state: Current state.
        params: Run parameters.
        labour: Labour force per household row, persons.
    """
    hh = state.households
    # in efficiency units: a mover supplies only the share of the destination's premium it gains (sorting)
    labour_force = hh.per_settlement(labour * hh.efficiency, state.n_settlements)
    seekers = state.commute.T @ (labour_force * (1 - params.labour.frictional_unemployment_rate))
    return labour_force, seekers


def compute(state: State, params: Params, rng: np.random.Generator) -> LabourOutcome:
    """Hire, produce, pay; assign household members to jobs, farms or unemployment."""
    econ, lab = params.economy, params.labour
    firms, hh, cols = state.firms, state.households, state.cols
    n_s = state.n_settlements
    # one stream per variable, so rows keep their draws when the table grows; float32: half the cost of float64
    u_job, u_farm = variables(rng, ("u_job", "u_farm"), hh.capacity, np.float32)

    year = firm_year(state, params)  # capital, local tfp and shocks stay the same while markets clear
    scale = labour_demand_scale(state, params, year=year)
    demand_scale = np.bincount(firms.settlement, weights=scale, minlength=n_s)
    dem = params.demography
    labour = hh.labour_force(dem.labour_force_first_member, dem.labour_force_per_other_member)
    labour_force, seekers = job_seekers(state, params, labour)
    reservation = reservation_wage(state, params, demand_scale, labour_force, seekers)
    services_price, industry_price, level = market_prices(state, params, reservation, seekers, year)
    tfp = firm_tfp(state, params, services_price, industry_price, year)
    scale = labour_demand_scale(state, params, year=year, tfp=tfp)
    employees, output, wage, rate = firm_hiring(state, params, scale, reservation, seekers, services_price,
                                                industry_price, year, tfp)
    profit = np.where(firms.alive, output - wage[firms.settlement] * employees
                      - econ.capital_cost_rate * firms.capital_som, 0.0)

    reach = state.commute @ rate
    resident_rate = (1 - lab.frictional_unemployment_rate) * reach
    resident_wage = np.divide(state.commute @ (rate * wage), reach, out=np.zeros(n_s), where=reach > 0)

    # dead rows have no labour force, so floor(0 + u) = 0: no mask needed. Wage jobs, then farming for
    # the rest, and farmers per settlement in one compiled pass (float32 arithmetic, as numpy's was)
    to_farm = farm_probability(reach, state.base.farm_access, lab.frictional_unemployment_rate)
    employed, farming, farmers = kernels.assign_work(hh.settlement, hh.alive, float(hh.weight), n_s, labour,
                                                     resident_rate.astype(np.float32), to_farm.astype(np.float32),
                                                     u_job, u_farm)
    fb = econ.farm_labour_elasticity
    farm_labour = hh.per_settlement(farming * hh.efficiency, n_s)  # efficiency units (sorting)
    farm_output = farm_productivity(state, params) * state.base.land ** (1 - fb) * farm_labour ** fb
    # per efficiency unit, like the wage: a farmer of efficiency e earns e times this
    farm_income = np.divide(farm_output, farm_labour, out=cols.farm_income_per_worker_som.copy(),
                            where=farmers > 0)  # farmers: persons; efficiency is positive
    firm_output = np.bincount(firms.settlement, weights=output, minlength=n_s)
    industry = np.bincount(firms.settlement, weights=np.where(firms.sector == SECTOR_SERVICES, 0.0, output),
                           minlength=n_s)
    return LabourOutcome(labour=labour, employees=employees, output_som=output, profit_som=profit,
                         employed=employed, farming=farming, market_wage_som=wage,
                         reservation_wage_som=reservation,
                         resident_wage_som=resident_wage, employment_rate=resident_rate,
                         farm_output_som=farm_output, farm_income_per_worker_som=farm_income,
                         firm_output_som=firm_output, industry_output_som=industry,
                         mining_output_som=state.base.mining_output_som * output_shock(state, params, "mining"),
                         services_price=services_price, industry_price=industry_price,
                         consumer_price=consumer_prices(state, params, services_price, industry_price),
                         market=market_record(state, params, level, float(industry_price[0])))


def market_record(state: State, params: Params, level: float, industry_price: float) -> MarketRecord:
    """This year's clearing level, the domestic absorption firms planned on and goods exports (national)."""
    econ = params.economy
    base, accounts = state.base, state.accounts
    if state.year <= base.year:
        return state.market
    absorption = accounts.consumption_som + accounts.investment_som + accounts.government_som
    growth = markets.expected_growth(absorption, base.absorption_som, state.year - 1 - base.year,
                                     econ.expected_demand_growth_first_year)
    exports = base.industry_sales_som * econ.industry_export_share * (
        1.0 + econ.export_market_growth_per_year) ** (state.year - base.year)
    return MarketRecord(clearing_level=level, planned_absorption_som=absorption * growth,
                        goods_exports_som=exports * industry_price ** (1.0 - econ.industry_price_elasticity))


def apply(state: State, outcome: LabourOutcome) -> None:
    """Write jobs, output and wages."""
    firms, hh, cols = state.firms, state.households, state.cols
    firms.employees = outcome.employees
    firms.output_som = outcome.output_som
    firms.profit_som = outcome.profit_som
    hh.labour = outcome.labour
    hh.employed = outcome.employed
    hh.farming = outcome.farming
    cols.market_wage_som = outcome.market_wage_som
    cols.reservation_wage_som = outcome.reservation_wage_som
    cols.resident_wage_som = outcome.resident_wage_som
    cols.employment_rate = outcome.employment_rate
    cols.farm_output_som = outcome.farm_output_som
    cols.farm_income_per_worker_som = outcome.farm_income_per_worker_som
    cols.firm_output_som = outcome.firm_output_som
    cols.industry_output_som = outcome.industry_output_som
    cols.services_price = outcome.services_price
    cols.industry_price = outcome.industry_price
    cols.consumer_price = outcome.consumer_price
    state.market = outcome.market
    cols.output_som = outcome.firm_output_som + outcome.farm_output_som + outcome.mining_output_som
