"""Public capital: time to build, depreciation, and ordinary maintenance; service stock wear.

``G(t+1) = (1 - depreciation) G(t) + depreciation * G_2017 + completed(t)``: the ordinary budget
(outside the regional programme) maintains the base-year stock, so the counterfactual ``none``
keeps public capital steady and every extra som of regional money adds to it, then wears off.
Infrastructure money absorbed in year t is usable after ``economy.time_to_build_years``.
The public-service stock wears off the same way at ``economy.services_depreciation_rate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.state import State
from regsim.params import Params

STREAM = "investment"


@dataclass(frozen=True)
class InvestmentOutcome:
    """New stocks, som, shape (S,), and the pipeline after this year's completions."""

    public_capital_som: np.ndarray
    services_som: np.ndarray
    pipeline_som: np.ndarray


def compute(state: State, params: Params, rng: np.random.Generator) -> InvestmentOutcome:
    """Complete the oldest pipeline slot, depreciate and maintain the stocks."""
    econ = params.economy
    cols = state.cols
    completed = cols.pipeline_som[0]
    depreciation = econ.public_capital_depreciation_rate
    capital = (1 - depreciation) * cols.public_capital_som + depreciation * state.base.public_capital_som
    wear = econ.services_depreciation_rate
    services = (1 - wear) * cols.services_som + wear * state.base.services_som
    pipeline = np.roll(cols.pipeline_som, -1, axis=0)
    pipeline[-1] = 0.0
    return InvestmentOutcome(capital + completed, services, pipeline)


def apply(state: State, outcome: InvestmentOutcome) -> None:
    """Write the new stocks."""
    state.cols.public_capital_som = outcome.public_capital_som
    state.cols.services_som = outcome.services_som
    state.cols.pipeline_som = outcome.pipeline_som
