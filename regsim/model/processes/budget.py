"""Budget: the allocation meets administrative loss and each settlement's absorption capacity.

Hard constraint: allocated <= budget (checked by the model before this runs). Of what is
allocated, ``policy.admin_loss_share`` is lost; of the rest, a settlement uses at most its
absorption capacity (a share of its own output, decided by its ``Settlement`` agent) and returns
the remainder to the treasury. Identity, every year, to the som:
budget = absorbed + returned + lost + unallocated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.state import Channel, Ledger, State
from regsim.params import Params

STREAM = "budget"


@dataclass(frozen=True)
class BudgetOutcome:
    """Where this year's money went, som; arrays of shape (S, 3) or (S,)."""

    available: float
    allocated: np.ndarray
    absorbed: np.ndarray
    returned: np.ndarray
    lost: np.ndarray


def compute(state: State, params: Params, rng: np.random.Generator, allocation: np.ndarray,
            capacity_som: np.ndarray, available_som: float) -> BudgetOutcome:
    """Split the allocation into lost, absorbed and returned money.

    Args:
        state: Current state (unused: absorption capacity comes in ``capacity_som``).
        params: Run parameters.
        rng: This process's stream (draws nothing).
        allocation: Som per settlement and channel, shape (S, 3).
        capacity_som: Absorption capacity per settlement, som, shape (S,).
        available_som: This year's budget, som.
    """
    lost = allocation * params.policy.admin_loss_share
    net = allocation - lost
    net_total = net.sum(axis=1)
    absorbed_total = np.minimum(net_total, np.maximum(capacity_som, 0.0))
    fraction = np.divide(absorbed_total, net_total, out=np.zeros_like(net_total), where=net_total > 0)
    absorbed = net * fraction[:, None]
    returned = net_total - absorbed.sum(axis=1)
    return BudgetOutcome(available=available_som, allocated=allocation, absorbed=absorbed,
                         returned=returned, lost=lost.sum(axis=1))


def apply(state: State, outcome: BudgetOutcome) -> None:
    """Book the ledger and put absorbed money to work.

    Infrastructure enters the construction pipeline, services the service stock, grants the
    capital of local firms (or a credit that funds an entrant where there is no firm).
    """
    state.ledger = Ledger(available=outcome.available, allocated=outcome.allocated,
                          absorbed=outcome.absorbed, returned=outcome.returned, lost=outcome.lost)
    cols = state.cols
    cols.pipeline_som[-1] += outcome.absorbed[:, Channel.INFRASTRUCTURE]
    cols.services_som += outcome.absorbed[:, Channel.SERVICES]
    grants = outcome.absorbed[:, Channel.GRANTS]
    firms = state.firms
    alive = np.flatnonzero(firms.alive)
    capital_by_settlement = np.bincount(firms.settlement[alive], weights=firms.capital_som[alive],
                                        minlength=state.n_settlements)
    has_firms = capital_by_settlement > 0
    share = firms.capital_som[alive] / np.where(has_firms, capital_by_settlement, 1.0)[firms.settlement[alive]]
    firms.capital_som[alive] += grants[firms.settlement[alive]] * share
    cols.grant_credit_som += np.where(has_firms, 0.0, grants)
