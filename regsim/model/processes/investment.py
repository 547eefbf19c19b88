"""Public capital: ordinary investment that follows GDP, time to build, depreciation; services.

``G(t+1) = (1 - depreciation) G(t) + completed(t)``, where ``completed`` is the money that
entered the construction pipeline ``economy.time_to_build_years`` ago: the regional budget's
absorbed infrastructure money (``budget``) and the government's ordinary public investment,
``government.public_investment_share_gdp`` of last year's GDP, spread over settlements by last
year's output. So the counterfactual ``none`` keeps public capital growing with the economy, and
regional money adds to that baseline. The public-service stock wears off at
``economy.services_depreciation_rate`` and receives ``government.services_spending_share_gdp`` of
last year's GDP the same way (regional service money is added when absorbed). What is built
costs upkeep (``government.upkeep_rate_per_year`` of the stock), paid out of taxes
(``incomes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.state import State
from regsim.params import Params

STREAM = "investment"


@dataclass(frozen=True)
class InvestmentOutcome:
    """New stocks, som, shape (S,), the pipeline after this year's completions, ordinary spending."""

    public_capital_som: np.ndarray
    services_som: np.ndarray
    pipeline_som: np.ndarray
    ordinary_investment_som: float
    ordinary_services_som: float


def ordinary_spending(output_som: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary public investment and service spending per settlement, som, shape (S,) each.

    Args:
        output_som: Last year's output per settlement, som, shape (S,).
        params: Run parameters (``government.*_share_gdp``).
    """
    gov = params.government
    output = np.maximum(np.asarray(output_som, dtype=float), 0.0)
    return gov.public_investment_share_gdp * output, gov.services_spending_share_gdp * output


def compute(state: State, params: Params, rng: np.random.Generator) -> InvestmentOutcome:
    """Start this year's ordinary investment, complete the oldest pipeline slot, depreciate."""
    econ = params.economy
    cols = state.cols
    investment, services_spending = ordinary_spending(cols.output_som, params)
    pipeline = cols.pipeline_som.copy()
    pipeline[-1] += investment
    completed = pipeline[0]
    capital = (1 - econ.public_capital_depreciation_rate) * cols.public_capital_som + completed
    services = (1 - econ.services_depreciation_rate) * cols.services_som + services_spending
    pipeline = np.roll(pipeline, -1, axis=0)
    pipeline[-1] = 0.0
    return InvestmentOutcome(capital, services, pipeline, float(investment.sum()), float(services_spending.sum()))


def apply(state: State, outcome: InvestmentOutcome) -> None:
    """Write the new stocks and this year's ordinary spending (the government pays it: ``incomes``)."""
    state.cols.public_capital_som = outcome.public_capital_som
    state.cols.services_som = outcome.services_som
    state.cols.pipeline_som = outcome.pipeline_som
    state.ordinary_spending_som = (outcome.ordinary_investment_som, outcome.ordinary_services_som)
