"""Household incomes: wages + farm income + transfers + remittances, and poverty.

Earnings (wages and farm income) are multiplied by the household's skill and by the oblast's
``earnings_scale``, calibrated at initialisation so that each oblast's 2017 poverty rate is
reproduced (survey incomes differ from national-accounts earnings; the scale maps one onto the
other). Transfers per person grow at ``transfer_growth_rate_per_year``. Members abroad send
``remittance_som_per_migrant`` (growing at ``remittance_growth_rate_per_year``), of which
``remittance_share_to_household`` reaches the household's budget.

Poverty, as in the Kyrgyz household survey, is measured on consumption: consumption per person
at home is ``(1 - s)`` times the household's own income per person plus ``s`` times its
settlement's mean income per person, ``s = consumption_smoothing`` (partial risk sharing,
Townsend 1994). The mix keeps each settlement's mean; it narrows the bottom tail, which income
alone overstates against consumption (extreme poverty 0.8% in 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model import shocks
from regsim.model.state import State
from regsim.params import Params

STREAM = "incomes"


@dataclass(frozen=True)
class IncomeOutcome:
    """Income by source per household row, som per year; mean income per person per settlement."""

    wage_som: np.ndarray
    farm_som: np.ndarray
    transfer_som: np.ndarray
    remittance_som: np.ndarray
    income_pc_som: np.ndarray


def earnings(state: State, scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Wage and farm income per household row, som (float32).

    Args:
        state: Current state.
        scaled: Multiply by the oblast's calibrated ``earnings_scale`` (ratio); False while the
            scale itself is being calibrated at initialisation.
    """
    hh, cols = state.households, state.cols
    home = hh.settlement
    wage_rate = cols.resident_wage_som.astype(np.float32)[home]
    farm_rate = cols.farm_income_per_worker_som.astype(np.float32)[home]
    if not scaled:  # float32 products in this order, as the scales were calibrated (results bit for bit)
        return hh.employed * wage_rate * hh.skill, hh.farming * farm_rate * hh.skill
    skill = hh.skill * state.base.earnings_scale.astype(np.float32)[home]
    return hh.employed * (wage_rate * skill), hh.farming * (farm_rate * skill)


def remittance_per_migrant(state: State, params: Params) -> float:
    """What one member abroad sends home this year, som (real growth from 2017)."""
    mig = params.migration
    years = state.year - state.base.year
    trend = mig.remittance_som_per_migrant * (1 + mig.remittance_growth_rate_per_year) ** years
    return trend * shocks.national_factor(params, "remittances_per_migrant", state.year)


def consumption_per_person(state: State, smoothing: float, income_pp: np.ndarray | None = None,
                           present: np.ndarray | None = None, mean: np.ndarray | None = None) -> np.ndarray:
    """Consumption per member at home, som per person per year, per household row (0 for dead rows).

    Args:
        state: Current state.
        smoothing: ``incomes.consumption_smoothing``, fraction.
        income_pp: Income per person per row, if already computed.
        present: Members at home per row, if already computed.
        mean: Mean income per person at home per settlement, som, if already computed.
    """
    hh = state.households
    n_s = state.n_settlements
    income_pp = hh.income_per_person() if income_pp is None else income_pp
    present = hh.present() if present is None else present
    if mean is None:
        people = hh.per_settlement(present, n_s)
        mean = np.divide(hh.per_settlement(income_pp * present, n_s), people, out=np.zeros(n_s), where=people > 0)
    s = smoothing
    consumption = np.float32(1 - s) * income_pp + (np.float32(s) * mean.astype(np.float32))[hh.settlement]
    return np.where(present > 0, consumption, np.float32(0))


def deflate_by_price_shock(state: State, params: Params, *sources: np.ndarray) -> tuple[np.ndarray, ...]:
    """Income sources per household row in real terms under a ``prices`` shock (docs/ODD.md 7.12), som.

    A price level ``1 + size`` above its trend in a year divides every real income source there.
    """
    level = shocks.regional_factor(params, "prices", state.year, state.world.oblast_index,
                                   state.world.oblasts.oblast.tolist())
    if np.all(level == 1.0):
        return sources
    deflator = (1.0 / level).astype(np.float32)[state.households.settlement]
    return tuple(source * deflator for source in sources)


def compute(state: State, params: Params, rng: np.random.Generator) -> IncomeOutcome:
    """Incomes of every household and mean income per person per settlement."""
    hh = state.households
    inc = params.incomes
    wage, farm = earnings(state)
    # dead rows have no workers, members or migrants, so every source is 0 there: no mask needed
    present = hh.present()
    years = state.year - state.base.year
    transfer_pp = inc.transfer_som_per_person * (1 + inc.transfer_growth_rate_per_year) ** years
    transfer = present * np.float32(transfer_pp)
    remittance = hh.abroad * np.float32(remittance_per_migrant(state, params) * inc.remittance_share_to_household)
    wage, farm, transfer, remittance = deflate_by_price_shock(state, params, wage, farm, transfer, remittance)
    total = wage.astype(np.float64) + farm + transfer + remittance
    n_s = state.n_settlements
    people = hh.per_settlement(present, n_s)
    income = hh.per_settlement(total, n_s)
    income_pc = np.divide(income, people, out=np.zeros(n_s), where=people > 0)
    return IncomeOutcome(wage, farm, transfer, remittance, income_pc)


def apply(state: State, outcome: IncomeOutcome) -> None:
    """Write incomes."""
    hh = state.households
    hh.wage_som = outcome.wage_som
    hh.farm_som = outcome.farm_som
    hh.transfer_som = outcome.transfer_som
    hh.remittance_som = outcome.remittance_som
    state.cols.income_pc_som = outcome.income_pc_som
