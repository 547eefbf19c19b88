"""Budget: the allocation meets administrative loss and each settlement's absorption capacity.

Hard constraint: allocated <= budget (checked by the model before this runs). Of what is
allocated, ``policy.admin_loss_share`` is lost (administrative leakage: the only money that
disappears). The rest, plus what each settlement carried over from last year, is used up to the
settlement's absorption capacity: at most ``policy.execution_rate`` of the capital money on offer
(a lag: observed capital budgets spend about 71% of what is on offer in a year and roll the rest
over) and at most a share of its own output (a ceiling, decided by its ``Settlement`` agent).
Neither limit applies to current spending: cash transfers (paid by the Social Fund) and running
costs (the wages of local public staff, ``Channel.CURRENT``) are paid in full in their year, since
the execution and absorption evidence is for capital budgets. What a settlement cannot absorb is,
by ``policy.unabsorbed``:

* ``"carry_over"``: kept for the same settlement and channel and offered again next year;
* ``"reallocate"``: offered this year to the settlements the strategy funds that still have
  spare capacity (below their output ceiling), in proportion to the strategy's own allocation
  (its rule), in up to ``policy.reallocation_rounds`` rounds; what is left after that is carried
  over.

Identity, every year, to the som: budget + carried in = absorbed + carried over + lost +
unallocated (the ledger's ``returned`` is the money carried over to next year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regsim.model.state import Channel, Ledger, State
from regsim.params import Params

STREAM = "budget"

CURRENT_CHANNELS = [Channel.TRANSFERS, Channel.CURRENT]
"""Current spending, paid in full in its year (no execution lag, no absorption ceiling)."""


@dataclass(frozen=True)
class BudgetOutcome:
    """Where this year's money went, som; arrays of shape (S, 6) (channels) or (S,)."""

    available: float
    allocated: np.ndarray
    absorbed: np.ndarray
    carried_in: np.ndarray
    carried_over: np.ndarray
    lost: np.ndarray


def compute(state: State, params: Params, rng: np.random.Generator, allocation: np.ndarray,
            capacity_som: np.ndarray, available_som: float) -> BudgetOutcome:
    """Split the allocation into lost, absorbed and carried-over money.

    Args:
        state: Current state (``cols.carry_over_som``: money carried in from last year).
        params: Run parameters.
        rng: This process's stream (draws nothing).
        allocation: Som per settlement and channel, shape (S, 6).
        capacity_som: Absorption ceiling per settlement (absorption share x output), som, shape (S,).
        available_som: This year's budget, som.
    """
    lost = allocation * params.policy.admin_loss_share
    carried_in = state.cols.carry_over_som.copy()
    offered = allocation - lost + carried_in  # (S, 6)
    capacity = np.maximum(capacity_som, 0.0)
    # current spending is paid in its year, with no capacity limit and no execution lag: cash transfers
    # (paid by the Social Fund) and running costs (wages of local public staff); the 71% execution
    # rate and the output ceilings are evidence on capital budgets only
    cash = np.zeros_like(offered)
    cash[:, CURRENT_CHANNELS] = offered[:, CURRENT_CHANNELS]
    offered = offered - cash
    # what a settlement can spend of its capital money this year: its ceiling, and the execution rate
    limit = np.minimum(capacity, params.policy.execution_rate * offered.sum(axis=1))
    absorbed = _absorb(offered, limit)
    left = offered - absorbed
    if params.policy.unabsorbed == "reallocate":
        weights = allocation.sum(axis=1)  # the strategy's own rule this year
        pool = left.sum(axis=0)  # unabsorbed money per channel
        for _ in range(params.policy.reallocation_rounds):
            # room under the same limit (current spending uses none of it): the execution lag binds here
            # too, so a settlement held back by it does not receive its own unspent money back
            spare = limit - absorbed.sum(axis=1)
            receivers = np.where(spare > 1e-9, weights, 0.0)
            if pool.sum() <= 1e-6 or receivers.sum() <= 0:
                break
            taken = _absorb(receivers[:, None] / receivers.sum() * pool[None, :], spare)
            absorbed = absorbed + taken
            pool = np.maximum(pool - taken.sum(axis=0), 0.0)
        # what no recipient could use is carried over where it came from, in proportion
        origin = left.sum(axis=0)
        left = left * np.divide(pool, origin, out=np.zeros_like(pool), where=origin > 0)[None, :]
    absorbed = absorbed + cash
    return BudgetOutcome(available=available_som, allocated=allocation, absorbed=absorbed, carried_in=carried_in,
                         carried_over=left, lost=lost.sum(axis=1))


def _absorb(offered: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """What each settlement uses of what it is offered, channels in proportion, som, shape (S, 6)."""
    total = offered.sum(axis=1)
    used = np.minimum(total, capacity)
    fraction = np.divide(used, total, out=np.zeros_like(total), where=total > 0)
    return offered * fraction[:, None]


def apply(state: State, outcome: BudgetOutcome) -> None:
    """Book the ledger and put absorbed money to work.

    Infrastructure enters the construction pipeline, services the service stock, grants the
    capital of local firms (or a credit that funds an entrant where there is no firm); transfers
    and running costs are paid to households by ``incomes`` (from the ledger); money not absorbed
    waits for next year.
    """
    before = state.ledger
    state.ledger = Ledger(available=outcome.available, allocated=outcome.allocated,
                          absorbed=outcome.absorbed, returned=outcome.carried_over.sum(axis=1), lost=outcome.lost,
                          carried_in=outcome.carried_in.sum(axis=1),
                          available_to_date=before.available_to_date + outcome.available,
                          absorbed_to_date=before.absorbed_to_date + float(outcome.absorbed.sum()),
                          lost_to_date=before.lost_to_date + float(outcome.lost.sum()))
    cols = state.cols
    cols.carry_over_som = outcome.carried_over
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
