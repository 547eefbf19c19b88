"""Demography: births, deaths, household formation, permanent emigration and immigration.

Births and deaths per household are its members times the crude rates, rounded with one uniform
draw per row (so the expected count is exact). The crude rates follow the data
(``demography.vital_rates = "observed_then_projected"``): the NSC rates of each calendar year in
``regsim/data/demography.csv`` to 2025, then a projection (:func:`crude_rates`); ``"constant"``
keeps ``birth_rate_per_year`` and ``death_rate_per_year``. The population recorded for year Y is
compared with the NSC figure of 1 January Y (the 2017 base state is 1 January 2017), so the step
of year Y carries the population from 1 January Y-1 to 1 January Y and applies the rates of
calendar year Y-1. Deaths fall on members at home. Household
formation holds headship rates at their 2017 level (the method of UN Manual VII household
projections): in each settlement, as many households split as keep the mean household size at
its 2017 value; every household with at least ``household_formation_min_present`` members at home
is equally likely to split, and one that grows past ``max_household_size`` always does. Half of
the members at home form the new household in the same settlement (no change in people; members
abroad stay with the original household). A household emigrates permanently (leaves the
country with all its members) with ``emigration_rate_per_year``; ``immigration_per_year``
people arrive as new households of ``immigrant_household_size`` in settlements drawn in
proportion to population. Every flow is recorded per settlement so that
``population(t+1) = population(t) + births - deaths - emigrated + immigrated + moved_in - moved_out``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.data.loader import vital_rates
from regsim.model import kernels
from regsim.model.state import State
from regsim.params import Params
from regsim.rng import variables

STREAM = "demography"


@dataclass(frozen=True)
class DemographyOutcome:
    """New household sizes, rows that emigrate, new immigrant households and flows."""

    size: np.ndarray
    emigrating: np.ndarray
    splitting: np.ndarray
    immigrant_settlement: np.ndarray
    immigrant_skill: np.ndarray
    immigrant_u_labour: np.ndarray
    immigrant_household_size: int
    births: np.ndarray
    deaths: np.ndarray
    emigrated: np.ndarray
    immigrated: np.ndarray


def compute(state: State, params: Params, rng: np.random.Generator) -> DemographyOutcome:
    """Natural increase, emigration and immigration."""
    mig = params.migration
    hh = state.households
    n_s = state.n_settlements
    u_birth, u_death, u_emigrate, u_split = variables(rng, ("u_birth", "u_death", "u_emigrate", "u_split"),
                                                      hh.capacity, np.float32)
    alive = hh.alive
    # dead rows have size 0, so floor(0 + u) = 0 births and deaths there
    birth_rate, death_rate = crude_rates(params, state.year)
    dem = params.demography
    # births and deaths (floor(size x rate + u); deaths fall on members at home, and a household with
    # members abroad keeps one at home), emigration, and the flows and household counts per
    # settlement, in one compiled pass
    new_size, emigrating, sums = kernels.vital_events(
        hh.settlement, alive, float(hh.weight), n_s, hh.size, hh.abroad, float(np.float32(birth_rate)),
        float(np.float32(death_rate)), np.float32(mig.emigration_rate_per_year),
        dem.household_formation_min_present, u_birth, u_death, u_emigrate)
    births_s, deaths_s, emigrated_s, residents, households, candidates = sums
    splitting = household_formation(state, params, new_size, emigrating, u_split, residents, households, candidates)

    w = float(hh.weight)
    expected = mig.immigration_per_year / (w * mig.immigrant_household_size)
    n_new = int(np.floor(expected + rng.random()))
    pop = np.maximum(state.cols.population, 0.0)
    destination = rng.choice(n_s, size=n_new, p=pop / pop.sum()).astype(np.int32)
    sigma = params.incomes.skill_dispersion
    skill = rng.lognormal(-0.5 * sigma**2, sigma, n_new).astype(np.float32)
    u_labour = rng.random(n_new).astype(np.float32)
    immigrated_s = np.bincount(destination, minlength=n_s) * w * mig.immigrant_household_size
    return DemographyOutcome(size=new_size, emigrating=emigrating, splitting=splitting,
                             immigrant_settlement=destination,
                             immigrant_skill=skill, immigrant_u_labour=u_labour,
                             immigrant_household_size=mig.immigrant_household_size, births=births_s,
                             deaths=deaths_s, emigrated=emigrated_s, immigrated=immigrated_s)


def crude_rates(params: Params, year: int) -> tuple[float, float]:
    """Crude birth and death rates applied in the step of ``year``, per person per year.

    Args:
        params: Run parameters (``demography.vital_rates``, ``demography.birth_rate_scale``).
        year: The step's year Y; it carries the population from 1 January Y-1 to 1 January Y, so
            the data mode uses calendar year Y-1 (linear between projection years).

    Returns:
        (births per person, deaths per person) for this step.
    """
    dem = params.demography
    if dem.vital_rates == "constant":
        birth, death = dem.birth_rate_per_year, dem.death_rate_per_year
    else:
        birth, death = vital_rates().at(year - 1)
    return birth * dem.birth_rate_scale, death


def apply(state: State, outcome: DemographyOutcome) -> None:
    """Write sizes, remove emptied and emigrated households, split large ones, add immigrants."""
    hh = state.households
    n_old = len(outcome.size)
    hh.size[:n_old] = outcome.size
    gone = outcome.emigrating | (hh.alive[:n_old] & (outcome.size <= 0))
    hh.clear(np.flatnonzero(gone))

    split = np.flatnonzero(outcome.splitting & hh.alive[:n_old])
    if len(split):
        rows = hh.free_rows(len(split))
        home = hh.size[split] - hh.abroad[split]
        moving = home // 2  # half of the members at home
        hh.alive[rows] = True
        hh.settlement[rows] = hh.settlement[split]
        hh.size[rows] = moving
        hh.abroad[rows] = 0
        hh.skill[rows] = hh.skill[split]
        hh.efficiency[rows] = hh.efficiency[split]
        hh.u_labour[rows] = hh.u_labour[split]
        hh.size[split] -= moving
        # the leavers take their share of the workers and of this year's earnings and transfers
        # (remittances stay with the members abroad's household) until the next labour market
        share = (moving / np.maximum(home, 1)).astype(np.float32)
        for column in (hh.labour, hh.employed, hh.farming):
            taken = (column[split] * moving // np.maximum(home, 1)).astype(np.int16)
            column[rows] = taken
            column[split] -= taken
        for column in (hh.wage_som, hh.farm_som, hh.surplus_som, hh.transfer_som):
            taken = column[split] * share
            column[rows] = taken
            column[split] -= taken

    n_new = len(outcome.immigrant_settlement)
    if n_new:
        rows = hh.free_rows(n_new)
        hh.alive[rows] = True
        hh.settlement[rows] = outcome.immigrant_settlement
        hh.size[rows] = outcome.immigrant_household_size
        hh.abroad[rows] = 0
        hh.skill[rows] = outcome.immigrant_skill
        hh.efficiency[rows] = 1.0
        hh.u_labour[rows] = outcome.immigrant_u_labour
    assert state.flows is not None
    state.flows.add(births=outcome.births, deaths=outcome.deaths, emigrated=outcome.emigrated,
                    immigrated=outcome.immigrated)


def household_formation(state: State, params: Params, size: np.ndarray, emigrating: np.ndarray,
                        u_split: np.ndarray, residents: np.ndarray, households: np.ndarray,
                        candidates: np.ndarray) -> np.ndarray:
    """Rows that split this year, keeping each settlement's mean household size at its 2017 value.

    Args:
        state: Current state (before this year's demography is applied).
        params: Run parameters.
        size: Members per row after births and deaths, persons.
        emigrating: Rows leaving the country this year.
        u_split: One uniform draw per row.
        residents: Members of the households that stay, per settlement, persons (weighted).
        households: Households that stay, per settlement (weighted).
        candidates: Households that stay with at least ``household_formation_min_present``
            members at home, per settlement (weighted; all three from ``kernels.vital_events``).
    """
    dem = params.demography
    hh = state.households
    n_s = state.n_settlements
    deficit = np.maximum(residents / state.base.household_size - households, 0.0)  # households
    chance = np.divide(deficit, candidates, out=np.zeros(n_s), where=candidates > 0)
    chance = np.minimum(chance, 1.0).astype(np.float32)
    return kernels.splitting_rows(hh.alive, hh.settlement, size, hh.abroad, emigrating, chance,
                                  dem.household_formation_min_present, dem.max_household_size, u_split)
