"""Demography: births, deaths, household splits, permanent emigration and immigration.

Births and deaths per household are its members times the crude rates, rounded with one uniform
draw per row (so the expected count is exact). Deaths fall on members at home. A household that
grows past ``max_household_size`` splits in two in the same settlement (no change in people). A
household emigrates permanently (leaves the country with all its members) with
``emigration_rate_per_year``; ``immigration_per_year`` people arrive as new households in
settlements drawn in proportion to population. Every flow is recorded per settlement so that
``population(t+1) = population(t) + births - deaths - emigrated + immigrated + moved_in - moved_out``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.params import Params
from regsim.state import State

STREAM = "demography"
IMMIGRANT_HOUSEHOLD_SIZE = 3  # persons per arriving household (assumption)


@dataclass(frozen=True)
class DemographyOutcome:
    """New household sizes, rows that emigrate, new immigrant households and flows."""

    size: np.ndarray
    emigrating: np.ndarray
    immigrant_settlement: np.ndarray
    immigrant_skill: np.ndarray
    immigrant_u_labour: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    emigrated: np.ndarray
    immigrated: np.ndarray


def compute(state: State, params: Params, rng: np.random.Generator) -> DemographyOutcome:
    """Natural increase, emigration and immigration."""
    dem, mig = params.demography, params.migration
    hh = state.households
    n_s = state.n_settlements
    u_birth, u_death, u_emigrate = rng.random((3, hh.capacity), dtype=np.float32)  # float32: half the cost
    alive = hh.alive
    size = hh.size.astype(np.int32)
    # dead rows have size 0, so floor(0 + u) = 0 births and deaths there: no mask needed
    births = np.floor(size * np.float32(dem.birth_rate_per_year) + u_birth).astype(np.int32)
    deaths = np.floor(size * np.float32(dem.death_rate_per_year) + u_death).astype(np.int32)
    # deaths fall on members at home; a household with members abroad keeps one at home
    deaths = np.minimum(deaths, size - hh.abroad - (hh.abroad > 0))
    new_size = (size + births - deaths).astype(np.int16)
    emigrating = alive & (u_emigrate < mig.emigration_rate_per_year) & (new_size > 0)

    w = float(hh.weight)
    births_s = hh.per_settlement(births, n_s)
    deaths_s = hh.per_settlement(deaths, n_s)
    emigrated_s = hh.per_settlement(np.where(emigrating, new_size, 0), n_s)

    expected = mig.immigration_per_year / (w * IMMIGRANT_HOUSEHOLD_SIZE)
    n_new = int(np.floor(expected + rng.random()))
    pop = np.maximum(state.cols.population, 0.0)
    destination = rng.choice(n_s, size=n_new, p=pop / pop.sum()).astype(np.int32)
    sigma = params.incomes.skill_dispersion
    skill = rng.lognormal(-0.5 * sigma**2, sigma, n_new).astype(np.float32)
    u_labour = rng.random(n_new).astype(np.float32)
    immigrated_s = np.bincount(destination, minlength=n_s) * w * IMMIGRANT_HOUSEHOLD_SIZE
    return DemographyOutcome(size=new_size, emigrating=emigrating, immigrant_settlement=destination,
                             immigrant_skill=skill, immigrant_u_labour=u_labour, births=births_s,
                             deaths=deaths_s, emigrated=emigrated_s, immigrated=immigrated_s)


def apply(state: State, outcome: DemographyOutcome) -> None:
    """Write sizes, remove emptied and emigrated households, split large ones, add immigrants."""
    hh = state.households
    n_old = len(outcome.size)
    hh.size[:n_old] = outcome.size
    gone = outcome.emigrating | (hh.alive[:n_old] & (outcome.size <= 0))
    hh.clear(np.flatnonzero(gone))

    max_size = state_max_size(state)
    big = np.flatnonzero(hh.alive & (hh.size > max_size))
    if len(big):
        rows = hh.free_rows(len(big))
        half = hh.size[big] // 2
        hh.alive[rows] = True
        hh.settlement[rows] = hh.settlement[big]
        hh.size[rows] = half
        hh.abroad[rows] = 0
        hh.skill[rows] = hh.skill[big]
        hh.u_labour[rows] = hh.u_labour[big]
        hh.size[big] -= half
        hh.abroad[big] = np.minimum(hh.abroad[big], hh.size[big] - 1)
        # members abroad stay with the original household; at least one member stays home there

    n_new = len(outcome.immigrant_settlement)
    if n_new:
        rows = hh.free_rows(n_new)
        hh.alive[rows] = True
        hh.settlement[rows] = outcome.immigrant_settlement
        hh.size[rows] = IMMIGRANT_HOUSEHOLD_SIZE
        hh.abroad[rows] = 0
        hh.skill[rows] = outcome.immigrant_skill
        hh.u_labour[rows] = outcome.immigrant_u_labour
    flows = state.flows
    assert flows is not None
    flows.births += outcome.births
    flows.deaths += outcome.deaths
    flows.emigrated += outcome.emigrated
    flows.immigrated += outcome.immigrated


def state_max_size(state: State) -> int:
    """Split threshold, persons (kept on the state so ``apply`` needs no parameters)."""
    return int(state.max_household_size)
