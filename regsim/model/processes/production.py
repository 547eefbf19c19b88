"""Firms: invest toward desired capital, exit after persistent losses, enter where profits are.

Each firm (a row of ``state.firms``; the model creates and removes its ``Firm`` agent) produces
``Y = tfp_s * demand_s * productivity * K^capital_elasticity * L^labour_elasticity`` (services
sell locally, so their ``demand_s`` follows local income; industry's demand is national). Output,
hiring and profit are realised in the labour market (``labour``). Here, from last year's results:

* investment: ``K <- max((1 - d) K, K + adjust (K* - K))`` with ``K* = capital_elasticity Y /
  capital_cost_rate`` (the first-order condition; irreversible, so grants persist until worn);
* exit: after ``exit_after_loss_years`` consecutive losses, or at the end of a lifetime drawn at
  entry from ``exit_hazard_per_year`` (geometric);
* entry (issue 24): per settlement and sector, ``E = entry_rate x max(enterprises,
  entry_floor_enterprises) x clip(m^entry_profit_elasticity, 0, max_entry_multiple) / firm_weight``
  firm agents are expected, rounded with one uniform draw per cell (``floor(E + u)``, issue 22: the
  expected count is exact and the spread at most one agent), ``m`` the growth since 2017 of the expected
  profit per enterprise of the settlement and sector (``(1 - a - b)`` x last year's value added per
  enterprise, at the prices that cleared its market) over the growth of national output per
  person (the entrepreneur's outside option) (``markets.entry_multiple``). Nothing normalises the
  national number: firms enter where demand leaves profit and the number of firms is an outcome.
  Counted in enterprises, the expected entry does not depend on ``scale.firm_weight``; plus
  entrants funded by grant credit where a settlement had no firm to give grants to.
  Entrants draw a productivity and start at ``entrant_capital_share`` of the mean capital of local
  incumbents.

Why rounding and not a Poisson draw (issue 22, ``regsim convergence``): a firm agent grows to the
optimal size of its own productivity, so each entrant agent adds ``firm_weight`` enterprises' worth
of output in the long run, and Poisson noise in the number of agents (its variance is ``firm_weight``
times that of a count of enterprises) moved the headline with the weights: before markets,
concentrated - none in 2040 GDP per person was 608 [535, 681] som at the default weights and 750
[711, 789] with household and firm weights halved (10 seeds); with rounding 710 [674, 746] and 732
[674, 790] (8 seeds). What remained with markets' entry on expected profit was not entry but the one
initial population every run of a weight setting shared (now drawn per replication,
``scale.population_draw``); ``regsim convergence --replications 6`` agrees on 12 of 12 (docs/ODD.md 7.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model import markets
from regsim.model.firms import SECTOR_SERVICES, SECTORS
from regsim.model.state import State
from regsim.params import Params
from regsim.rng import geometric_quantile, lognormal_quantile

STREAM = "production"
LIFETIME_DRAWS = 16  # pre-drawn lifetimes per settlement and sector and year (common random numbers)
MAX_LIFETIME_YEARS = 1000  # numerics: a cap on drawn lifetimes far beyond any horizon


@dataclass(frozen=True)
class ProductionOutcome:
    """Firm updates: new capital and loss streaks for current rows, exits, entrants."""

    capital_som: np.ndarray
    loss_years: np.ndarray
    exits: np.ndarray
    entrant_settlement: np.ndarray
    entrant_sector: np.ndarray
    entrant_capital_som: np.ndarray
    entrant_productivity: np.ndarray
    entrant_exit_year: np.ndarray
    grant_credit_som: np.ndarray
    firm_investment_som: np.ndarray


def profit_per_enterprise(state: State, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Expected profit per enterprise and enterprises, per settlement and sector, shape (S, 2) each.

    ``(1 - a - b)`` times last year's value added per enterprise (a Cobb-Douglas firm's profit at
    its optimum); 0 where a cell has no enterprise.
    """
    econ = params.economy
    firms = state.firms
    n_s, n_sectors = state.n_settlements, len(SECTORS)
    idx = np.flatnonzero(firms.alive)
    cell = firms.settlement[idx] * n_sectors + firms.sector[idx]
    enterprises = np.bincount(cell, minlength=n_s * n_sectors) * float(params.scale.firm_weight)
    value_added = np.bincount(cell, weights=firms.output_som[idx], minlength=n_s * n_sectors)
    share = 1.0 - econ.capital_elasticity - econ.labour_elasticity
    profit = np.divide(share * value_added, enterprises, out=np.zeros(n_s * n_sectors), where=enterprises > 0)
    return profit.reshape(n_s, n_sectors), enterprises.reshape(n_s, n_sectors)


def entry_multiple(state: State, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Entry relative to its base rate and enterprises, per settlement and sector, flattened (S * 2,) each.

    ``markets.entry_multiple`` of last year's expected profit per enterprise against 2017, over the
    growth of national output per person; a cell with no enterprise now enters at the base rate
    (on ``economy.entry_floor_enterprises``).
    """
    econ = params.economy
    cols = state.cols
    profit, enterprises = profit_per_enterprise(state, params)
    people = float(cols.population.sum())
    outside = (float(cols.output_som.sum()) / people) / state.base.output_per_person if people > 0 else 1.0
    multiple = markets.entry_multiple(profit, state.base.profit_per_enterprise, outside,
                                      econ.entry_profit_elasticity, econ.max_entry_multiple)
    multiple = np.where(enterprises > 0, multiple, 1.0)
    return multiple.ravel(), enterprises.ravel()


def typical_capital(state: State) -> np.ndarray:
    """Mean capital of the firms in each settlement (the national median where there is none), som.

    Entrants scale to local incumbents: with decreasing returns (capital + labour elasticity
    near 0.85) a firm's optimal size rises with productivity to the power 1/(1 - 0.85), so a
    formula-sized entrant would be arbitrarily large or small; incumbents carry the local scale.
    """
    firms = state.firms
    idx = np.flatnonzero(firms.alive)
    n_s = state.n_settlements
    count = np.bincount(firms.settlement[idx], minlength=n_s)
    total = np.bincount(firms.settlement[idx], weights=firms.capital_som[idx], minlength=n_s)
    median = float(np.median(firms.capital_som[idx])) if len(idx) else 0.0
    return np.divide(total, count, out=np.full(n_s, median), where=count > 0)


def compute(state: State, params: Params, rng: np.random.Generator) -> ProductionOutcome:
    """Investment, exit and entry decisions from last year's outcomes."""
    econ = params.economy
    firms = state.firms
    n_s = state.n_settlements
    alive = firms.alive

    desired = econ.capital_elasticity * firms.output_som / econ.capital_cost_rate
    worn = (1 - econ.firm_capital_depreciation_rate) * firms.capital_som
    capital = np.where(alive, np.maximum(worn, firms.capital_som
                                         + econ.capital_adjustment_rate * (desired - firms.capital_som)), 0.0)
    loss_years = np.where(alive & (firms.profit_som < 0), firms.loss_years + 1, 0).astype(np.int16)
    exits = np.flatnonzero(alive & ((loss_years >= econ.exit_after_loss_years)
                                    | (firms.exit_year <= state.year)))

    n_sectors = len(SECTORS)
    multiple, enterprises = entry_multiple(state, params)
    # the expected entrant agents (expected entrant enterprises / firm_weight) rounded with one
    # uniform per cell: entry rises monotonically with the expected rate for the same draw, so
    # strategies keep common random numbers
    n_cells = n_s * n_sectors
    u_entry, u_productivity = rng.random((2, n_cells))
    u_lifetime = rng.random((n_cells, LIFETIME_DRAWS))
    expected = markets.expected_entrants(enterprises, multiple, econ.entry_rate_per_year, econ.entry_floor_enterprises)
    entrants = np.floor(expected / params.scale.firm_weight + u_entry).astype(np.int64)
    cells = np.repeat(np.arange(n_cells), entrants)
    rank = np.arange(len(cells)) - np.repeat(np.cumsum(entrants) - entrants, entrants)
    entrant_capital = econ.entrant_capital_share * typical_capital(state)[cells // n_sectors]
    # gross investment out of the firms' own funds (the accounts' retained surplus): capital built
    # beyond the worn stock, and profit-driven entrants' capital; grant money is the government's
    own_funds = np.bincount(firms.settlement, weights=np.where(alive, capital - worn, 0.0), minlength=n_s)
    own_funds += np.bincount(cells // n_sectors, weights=entrant_capital, minlength=n_s)

    unit_cost = econ.grant_entry_som * params.scale.firm_weight
    funded = np.floor(state.cols.grant_credit_som / unit_cost).astype(int)
    credit = state.cols.grant_credit_som - funded * unit_cost
    grant_cells = np.repeat(np.arange(n_s), funded) * n_sectors + SECTOR_SERVICES  # business plans
    cells = np.concatenate([cells, grant_cells])
    entrant_capital = np.concatenate([entrant_capital, np.full(len(grant_cells), unit_cost)])
    rank = np.concatenate([rank, np.zeros(len(grant_cells), int)])
    sigma = econ.firm_productivity_dispersion
    cell_productivity = lognormal_quantile(u_productivity, sigma, np.exp(-0.5 * sigma**2))
    productivity = cell_productivity[cells]
    lifetime = geometric_quantile(u_lifetime[cells, rank % LIFETIME_DRAWS], max(econ.exit_hazard_per_year, 1e-12))
    exit_year = state.year + np.minimum(lifetime, MAX_LIFETIME_YEARS).astype(np.int64)
    return ProductionOutcome(capital_som=capital, loss_years=loss_years, exits=exits,
                             entrant_settlement=(cells // n_sectors).astype(np.int32),
                             entrant_sector=(cells % n_sectors).astype(np.int8),
                             entrant_capital_som=entrant_capital, entrant_productivity=productivity,
                             entrant_exit_year=exit_year,
                             grant_credit_som=credit, firm_investment_som=own_funds)


@dataclass(frozen=True)
class FirmTurnover:
    """Rows whose firm exited and rows a new firm entered this year (a reused row is in both).

    ``apply`` returns it so that the model keeps its Mesa ``Firm`` agents in step with the table.
    """

    exited: np.ndarray
    entered: np.ndarray


def apply(state: State, outcome: ProductionOutcome) -> FirmTurnover:
    """Update capital, free the rows of exiting firms, fill free rows with entrants."""
    firms = state.firms
    n_old = len(outcome.capital_som)
    firms.capital_som[:n_old] = outcome.capital_som
    firms.loss_years[:n_old] = outcome.loss_years
    firms.age[:n_old] += firms.alive[:n_old]
    firms.alive[outcome.exits] = False
    rows = firms.free_rows(len(outcome.entrant_settlement))
    firms.alive[rows] = True
    firms.settlement[rows] = outcome.entrant_settlement
    firms.sector[rows] = outcome.entrant_sector
    firms.capital_som[rows] = outcome.entrant_capital_som
    firms.productivity[rows] = outcome.entrant_productivity
    firms.employees[rows] = 0.0
    firms.output_som[rows] = 0.0
    firms.profit_som[rows] = 0.0
    firms.loss_years[rows] = 0
    firms.age[rows] = 0
    firms.exit_year[rows] = outcome.entrant_exit_year
    state.cols.grant_credit_som = outcome.grant_credit_som
    state.cols.firm_investment_som = outcome.firm_investment_som
    return FirmTurnover(exited=outcome.exits, entered=rows)
