"""Labour market: commuting, hiring at a wage, production, farming and unemployment.

A dual economy (Lewis 1954; Harris & Todaro 1970). Residents in the labour force look for wage
jobs in their own settlement and, with weight ``commuting_share * exp(-km / radius)``, in
settlements within ``commuting_radius_km``: the static row-stochastic matrix ``state.commute``.
In each job market j, firms hire at the market wage

    w_j = max(reservation_j, clearing wage),   clearing: demand(w) = job seekers in j,

where demand comes from each firm's first-order condition. The reservation wage is the base-year
wage scaled by local farm income (the alternative); so while labour is plentiful, employment
follows demand at the reservation wage, and wages rise only when job seekers run out. Output,
wage bill and profit are realised here. Residents not in wage jobs farm (land-constrained, with
diminishing returns: ``farm output = farm_tfp * price * land^(1 - b) * farmers^b``) where they
have access to land, or are unemployed; ``frictional_unemployment_rate`` of the labour force
always is. Rounding of people to jobs uses one uniform draw per household row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.firms import SECTOR_SERVICES
from regsim.model.state import State
from regsim.params import Params

STREAM = "labour"


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


def firm_tfp(state: State) -> np.ndarray:
    """Total factor productivity each firm row faces: local tfp x demand (services only)."""
    firms = state.firms
    cols = state.cols
    demand = np.where(firms.sector == SECTOR_SERVICES, cols.demand_index[firms.settlement], 1.0)
    return cols.tfp[firms.settlement] * demand * firms.productivity


def labour_demand_scale(state: State, params: Params) -> np.ndarray:
    """Per firm row: ``b_f`` with labour demand ``L_f(w) = b_f * w^(-1/(1-labour_elasticity))``."""
    econ = params.economy
    firms = state.firms
    a, b = econ.capital_elasticity, econ.labour_elasticity
    scale = (b * firm_tfp(state) * np.maximum(firms.capital_som, 0.0) ** a) ** (1.0 / (1.0 - b))
    return np.where(firms.alive, scale, 0.0)


def farm_income_index(state: State) -> np.ndarray:
    """Farm income per farmer in each settlement's oblast relative to 2017, shape (S,).

    The alternative to a wage job is farming somewhere in the oblast (or, for Bishkek and Osh
    city, anywhere in the country), not the plot of the few urban gardeners, whose income per
    head swings when their number does.
    """
    cols = state.cols
    oblast = state.world.oblast_index
    farmers = np.divide(cols.farm_output_som, cols.farm_income_per_worker_som,
                        out=np.zeros_like(cols.farm_output_som), where=cols.farm_income_per_worker_som > 0)
    n_o = int(oblast.max()) + 1
    now = np.bincount(oblast, weights=cols.farm_output_som, minlength=n_o)
    base = np.bincount(oblast, weights=farmers * state.base.farm_income_per_worker_som, minlength=n_o)
    national = cols.farm_output_som.sum() / max(float((farmers * state.base.farm_income_per_worker_som).sum()), 1.0)
    index = np.divide(now, base, out=np.full(n_o, national), where=base > 0)
    return index[oblast]


def reservation_wage(state: State, params: Params) -> np.ndarray:
    """Reservation wage per job market, som per worker per year, shape (S,).

    It moves toward the base-year wage scaled by farm income per farmer in the oblast (the
    alternative, Lewis 1954), closing ``wage_adjustment_rate`` of the log gap each year: wages are
    sticky, and an instant link would make employment and farming chase each other year to year.
    """
    cols = state.cols
    target = state.base.reservation_wage_som * np.maximum(farm_income_index(state), 1e-6)
    speed = params.labour.wage_adjustment_rate
    moved = cols.reservation_wage_som ** (1 - speed) * target**speed
    return np.maximum(params.labour.reservation_wage_floor_som, moved)


def job_seekers(state: State, params: Params, labour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labour force per settlement of residence and job seekers per job market, persons.

    Args:
        state: Current state.
        params: Run parameters.
        labour: Labour force per household row, persons.
    """
    hh = state.households
    labour_force = hh.per_settlement(labour, state.n_settlements)
    seekers = state.commute.T @ (labour_force * (1 - params.labour.frictional_unemployment_rate))
    return labour_force, seekers


def compute(state: State, params: Params, rng: np.random.Generator) -> LabourOutcome:
    """Hire, produce, pay; assign household members to jobs, farms or unemployment."""
    econ, lab = params.economy, params.labour
    firms, hh, cols = state.firms, state.households, state.cols
    n_s = state.n_settlements
    u_job, u_farm = rng.random((2, hh.capacity), dtype=np.float32)  # float32: half the cost of float64

    b = econ.labour_elasticity
    scale = labour_demand_scale(state, params)
    demand_scale = np.bincount(firms.settlement, weights=scale, minlength=n_s)
    dem = params.demography
    labour = hh.labour_force(dem.labour_force_first_member, dem.labour_force_per_other_member)
    _, seekers = job_seekers(state, params, labour)
    safe_seekers = np.maximum(seekers, 1e-9)
    clearing = np.where(demand_scale > 0, (demand_scale / safe_seekers) ** (1 - b), 0.0)
    reservation = reservation_wage(state, params)
    wage = np.maximum(clearing, reservation)
    demand = demand_scale * wage ** (-1.0 / (1.0 - b))
    jobs = np.minimum(demand, seekers)
    fill = np.divide(jobs, demand, out=np.zeros(n_s), where=demand > 0)
    employees = scale * wage[firms.settlement] ** (-1.0 / (1.0 - b)) * fill[firms.settlement]
    output = np.where(firms.alive, firm_tfp(state) * np.maximum(firms.capital_som, 0.0)
                      ** econ.capital_elasticity * employees ** b, 0.0)
    profit = np.where(firms.alive, output - wage[firms.settlement] * employees
                      - econ.capital_cost_rate * firms.capital_som, 0.0)

    rate = np.divide(jobs, seekers, out=np.zeros(n_s), where=seekers > 0)
    reach = state.commute @ rate
    resident_rate = (1 - lab.frictional_unemployment_rate) * reach
    resident_wage = np.divide(state.commute @ (rate * wage), reach, out=np.zeros(n_s), where=reach > 0)

    home = hh.settlement
    # dead rows have no labour force, so floor(0 + u) = 0: no mask needed
    employed = np.minimum(labour, np.floor(labour * resident_rate.astype(np.float32)[home] + u_job).astype(np.int16))
    non_employed = labour - employed
    farming = np.floor(non_employed * state.base.farm_access.astype(np.float32)[home] + u_farm).astype(np.int16)
    farming = np.minimum(farming, non_employed)

    farmers = hh.per_settlement(farming, n_s)
    fb = econ.farm_labour_elasticity
    farm_output = (state.base.farm_tfp * cols.trend * cols.farm_public_capital_factor * cols.farm_price
                   * state.base.land ** (1 - fb) * farmers ** fb)
    farm_income = np.divide(farm_output, farmers, out=cols.farm_income_per_worker_som.copy(),
                            where=farmers > 0)
    firm_output = np.bincount(firms.settlement, weights=output, minlength=n_s)
    industry = np.bincount(firms.settlement, weights=np.where(firms.sector == SECTOR_SERVICES, 0.0, output),
                           minlength=n_s)
    return LabourOutcome(labour=labour, employees=employees, output_som=output, profit_som=profit,
                         employed=employed, farming=farming, market_wage_som=wage,
                         reservation_wage_som=reservation,
                         resident_wage_som=resident_wage, employment_rate=resident_rate,
                         farm_output_som=farm_output, farm_income_per_worker_som=farm_income,
                         firm_output_som=firm_output, industry_output_som=industry)


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
    cols.output_som = outcome.firm_output_som + outcome.farm_output_som + state.base.mining_output_som
