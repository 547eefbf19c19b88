"""Migration: moves between settlements (logit), labour migration abroad, and return.

Backwash (Myrdal 1957) is measured, not assumed. Each year a household considers moving with
probability ``move_propensity_per_year``; a household that considers chooses among all
settlements (its own included, at no cost) by a multinomial logit with utility

    V_ij = income_weight * ln(expected earnings_j / living cost_j)       (Harris & Todaro 1970)
         + services_weight * ln(service capital per person_j, relative to 2017)
         + network_weight * ln(1 + earlier in-migrants_j / residents_j)
         + size_weight * ln(residents_j)                     (McFadden 1978: aggregated alternatives)
         - distance_elasticity * ln(1 + road_km_ij) - moving_cost * [i != j]

where expected earnings are the wage times the employment rate plus farm income times the
chance of farming, on the accounts basis: the survey-to-accounts ratio does not enter (under
``incomes.survey_ratio_scope = "oblast"`` it is fitted per oblast and would make the fitted map
drive migration; one national ratio cancels in the logit). Labour migration abroad: a household
with two or more members in the labour force sends one abroad with probability
``abroad_base_rate_s * (income_s / income_s,2017)^(-abroad_income_elasticity)`` (the base rate is
set per oblast so that each oblast's 2017 stock is steady); each member
abroad returns with ``return_rate_per_year``. One uniform draw per household row and decision
(returning, leaving, considering a move), and one destination draw per household that considers
moving: who considers does not depend on policy, so strategies keep common random numbers.

Sorting (issue 22): a household that moves gains, in the labour it supplies, only
``mover_gain_share`` of the log gap in expected earnings between origin and destination: its
``efficiency`` is multiplied by ``(E_origin / E_destination)^(1 - mover_gain_share)`` (the
cross-sectional gap between places is mostly sorting of people: with individual fixed effects the
rural-urban gap falls by about 80%, Hicks, Kleemans, Li & Miguel 2021). The choice itself is
unchanged: with the mover's own earnings ``e E_j^g E_o^(1-g)`` the utility differences between
destinations are ``g`` times those in the places' earnings, so the fitted ``income_weight`` on the
places' earnings stands for ``income_weight / g`` on the mover's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model import kernels, shocks
from regsim.model.processes import labour
from regsim.model.processes.productivity import relative
from regsim.model.state import State
from regsim.params import Params
from regsim.rng import variables

STREAM = "migration"


@dataclass(frozen=True)
class MigrationOutcome:
    """Per household row: new settlement, members leaving and returning; flows per settlement."""

    settlement: np.ndarray
    abroad: np.ndarray
    moved_in: np.ndarray
    moved_out: np.ndarray
    left_abroad: np.ndarray
    returned_home: np.ndarray
    efficiency: np.ndarray


def expected_earnings(state: State, params: Params) -> np.ndarray:
    """Expected earnings per efficiency unit of a labour-force member, per settlement, som per year, shape (S,).

    What a member of efficiency 1 expects; one of efficiency e (``households.efficiency``) expects e
    times this. The wage (``cols.resident_wage_som``, som per efficiency unit) with the chance of a
    wage job, plus farm income (``cols.farm_income_per_worker_som``, som per efficiency unit of farm
    labour) with the chance of farming: the rationed share ``1 - r`` with access
    (``labour.farm_share``; the frictional unemployed do not farm). Both chances are per person,
    whatever the efficiency.
    """
    cols = state.cols
    reach = labour.reach_from_employment(cols.employment_rate, params.labour.frictional_unemployment_rate)
    farm_chance = labour.farm_share(reach, state.base.farm_access)
    return cols.employment_rate * cols.resident_wage_som + farm_chance * cols.farm_income_per_worker_som


def move_kernel(road_km: np.ndarray, params: Params) -> np.ndarray:
    """The fixed part of the logit weights, ``exp(-distance_elasticity ln(1 + km) - moving_cost [i != j])``, (S, S).

    Computed once per run: only the destinations' attraction changes from year to year.
    """
    mig = params.migration
    kernel = (1.0 + road_km) ** (-mig.distance_elasticity) * np.exp(-mig.moving_cost)
    np.fill_diagonal(kernel, 1.0)  # staying costs nothing (road_km is 0 on the diagonal)
    return kernel


def attraction(state: State, params: Params) -> np.ndarray:
    """The destination part of the utility, ``V_j`` without the origin terms, shape (S,)."""
    mig = params.migration
    cols = state.cols
    pop = np.maximum(cols.population, 1.0)
    # real earnings from the mechanisms (wages, employment, farm income, the price level), not from the
    # survey-to-accounts ratio: one national ratio would cancel in the logit, one per oblast is fitted
    real = np.maximum(expected_earnings(state, params), 1.0) / cols.living_cost
    services = relative(cols.services_som / pop, state.base.services_som / np.maximum(state.base.population, 1.0))
    services = np.maximum(services, 1e-9)
    network = np.log1p(cols.in_migrant_stock / pop)
    return (mig.income_weight * np.log(real) + mig.services_weight * np.log(services)
            + mig.network_weight * network + mig.size_weight * np.log(pop))


def destination_probabilities(state: State, params: Params) -> np.ndarray:
    """Logit choice probabilities from each origin (rows) to each destination, shape (S, S)."""
    weights = destination_weights(state, params)
    return weights / weights.sum(axis=1, keepdims=True)


def destination_weights(state: State, params: Params) -> np.ndarray:
    """Unnormalised logit weights ``exp(V_ij - max_j V)``, (S, S): the kernel times the attraction."""
    attract = attraction(state, params)
    return state.move_kernel * np.exp(attract - attract.max())[None, :]


def leave_and_return(abroad: np.ndarray, labour: np.ndarray, p_leave: np.ndarray | np.float32,
                     return_rate: float, u_return: np.ndarray, u_leave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Members returning and leaving per household row this year, persons (int16 each).

    Each member abroad returns with ``return_rate`` (rounded with the row's draw ``u_return``); a
    household with two or more in the labour force sends one member abroad when ``u_leave <
    p_leave``. Also run before 2017 by the initialisation's spin-up.
    """
    returning = np.minimum(np.floor(abroad * np.float32(return_rate) + u_return).astype(np.int16), abroad)
    leaving = ((labour >= 2) & (u_leave < p_leave)).astype(np.int16)
    return returning, leaving


def compute(state: State, params: Params, rng: np.random.Generator) -> MigrationOutcome:
    """Decide returns, departures abroad and internal moves."""
    mig = params.migration
    hh, cols = state.households, state.cols
    n_s = state.n_settlements
    u_return, u_abroad, u_consider = variables(rng, ("u_return", "u_abroad", "u_consider"), hh.capacity, np.float32)
    alive = hh.alive

    # dead rows hold zeros (no members abroad, no labour force): no mask needed
    income_index = np.maximum(cols.income_pc_som, 1.0) / state.base.income_pc_som
    # a migrants_abroad shock (docs/ODD.md 7.12) adds returns and scales departures this year
    return_rate, departures = shocks.abroad_rates(params, state.year, mig.return_rate_per_year)
    p_abroad = departures * state.base.abroad_base_rate * income_index ** (-mig.abroad_income_elasticity)
    p_abroad = np.minimum(p_abroad, 1.0)  # a probability; a large elasticity would overflow float32
    # leave_and_return and the per-settlement sums of both flows in one compiled pass
    abroad, left, back = kernels.abroad_flows(hh.settlement, alive, float(hh.weight), n_s, hh.abroad, hh.labour,
                                              p_abroad.astype(np.float32), np.float32(return_rate), u_return,
                                              u_abroad)

    settlement = hh.settlement.copy()
    movers = np.flatnonzero(alive & (u_consider < mig.move_propensity_per_year))
    # who considers moving depends on the draw alone, not on policy, so drawing destinations for
    # those households only keeps common random numbers
    u_destination = rng.random(len(movers))
    if len(movers):
        # one search over all origins: row o's cumulative probabilities shifted by o are increasing
        # across rows, so origin + u falls in row o at the chosen destination
        # (the weights, their cumulative sums, the division and the shift in one compiled pass)
        attract = attraction(state, params)
        flat = kernels.shifted_cdf(state.move_kernel, np.exp(attract - attract.max()))
        origin = hh.settlement[movers]
        position = np.searchsorted(flat, origin + np.minimum(u_destination, 1 - 1e-12))
        destination = np.clip(position - origin * n_s, 0, n_s - 1)
        settlement[movers] = destination
    moved = movers[settlement[movers] != hh.settlement[movers]]  # only those who considered can move
    efficiency = hh.efficiency
    if len(moved) and mig.mover_gain_share < 1.0:
        # sorting: a mover's labour gains only mover_gain_share of the log gap in expected earnings
        earnings = np.maximum(expected_earnings(state, params), 1.0)
        efficiency = efficiency.copy()
        efficiency[moved] *= ((earnings[hh.settlement[moved]] / earnings[settlement[moved]])
                              ** (1.0 - mig.mover_gain_share)).astype(np.float32)
    size = hh.size[moved].astype(np.float64) * hh.weight
    moved_out = np.bincount(hh.settlement[moved], weights=size, minlength=n_s)
    moved_in = np.bincount(settlement[moved], weights=size, minlength=n_s)
    return MigrationOutcome(settlement=settlement, abroad=abroad, moved_in=moved_in,
                            moved_out=moved_out, left_abroad=left, returned_home=back, efficiency=efficiency)


def apply(state: State, outcome: MigrationOutcome) -> None:
    """Move households, update members abroad, record flows and the migrant network."""
    hh = state.households
    hh.relocate(outcome.settlement)
    hh.abroad = outcome.abroad
    hh.efficiency = outcome.efficiency
    assert state.flows is not None
    state.flows.add(moved_in=outcome.moved_in, moved_out=outcome.moved_out, left_abroad=outcome.left_abroad,
                    returned_home=outcome.returned_home)
    state.cols.in_migrant_stock += outcome.moved_in
