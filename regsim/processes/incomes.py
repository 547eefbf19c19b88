"""Household incomes: wages + farm income + transfers + remittances, and poverty.

Earnings (wages and farm income) are multiplied by the household's skill and by the oblast's
``earnings_scale``, calibrated at initialisation so that each oblast's 2017 poverty rate is
reproduced (survey incomes differ from national-accounts earnings; the scale maps one onto the
other). Transfers per person grow at ``transfer_growth_rate_per_year``. Members abroad send
``remittance_som_per_migrant`` (growing at ``remittance_growth_rate_per_year``), of which
``remittance_share_to_household`` reaches the household's budget. Poverty is income per member
at home below the 2017 national line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.params import Params
from regsim.state import State

STREAM = "incomes"


@dataclass(frozen=True)
class IncomeOutcome:
    """Income by source per household row, som per year; mean income per person per settlement."""

    wage_som: np.ndarray
    farm_som: np.ndarray
    transfer_som: np.ndarray
    remittance_som: np.ndarray
    income_pc_som: np.ndarray


def earnings(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Wage and farm income per household row before the calibrated scale, som."""
    hh, cols = state.households, state.cols
    home = hh.settlement
    wage = hh.employed * cols.resident_wage_som.astype(np.float32)[home] * hh.skill
    farm = hh.farming * cols.farm_income_per_worker_som.astype(np.float32)[home] * hh.skill
    return wage, farm


def scaled_earnings(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Wage and farm income per household row with the oblast's calibrated scale, som (float32)."""
    hh, cols = state.households, state.cols
    home = hh.settlement
    skill = hh.skill * cols.earnings_scale.astype(np.float32)[home]
    wage = hh.employed * (cols.resident_wage_som.astype(np.float32)[home] * skill)
    farm = hh.farming * (cols.farm_income_per_worker_som.astype(np.float32)[home] * skill)
    return wage, farm


def remittance_per_migrant(state: State, params: Params) -> float:
    """What one member abroad sends home this year, som (real growth from 2017)."""
    mig = params.migration
    years = state.year - state.base_year
    return mig.remittance_som_per_migrant * (1 + mig.remittance_growth_rate_per_year) ** years


def compute(state: State, params: Params, rng: np.random.Generator) -> IncomeOutcome:
    """Incomes of every household and mean income per person per settlement."""
    hh = state.households
    inc = params.incomes
    wage, farm = scaled_earnings(state)
    # dead rows have no workers, members or migrants, so every source is 0 there: no mask needed
    present = hh.present()
    years = state.year - state.base_year
    transfer_pp = inc.transfer_som_per_person * (1 + inc.transfer_growth_rate_per_year) ** years
    transfer = present * np.float32(transfer_pp)
    remittance = hh.abroad * np.float32(remittance_per_migrant(state, params) * inc.remittance_share_to_household)
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
