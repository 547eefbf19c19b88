"""Households as a struct of arrays: one numpy column per attribute, vector operations on them.

One row stands for ``scale.household_weight`` real households. Columns are preallocated with spare
rows and an ``alive`` mask; rows are never appended one by one (new households take free rows,
growing the arrays geometrically only when none are left). A per-household Python object would be
about 40x slower (model brief 3).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from regsim.model import kernels

SPARE_FACTOR = 1.1  # preallocated rows per initial household row (more rows cost time in every vector step)
GROWTH_DIVISOR = 5  # a full table grows by a fifth: amortised O(1) per row, little idle capacity
# The settlement column is numpy's native index type: ``values[hh.settlement]`` (a per-settlement
# value for every row, a dozen times a year) then runs 2.7x faster than with int32, which numpy
# first converts to intp on every indexing (measured 0.16 against 0.44 ms at 190k rows).
SETTLEMENT_INDEX = np.intp


@dataclass
class Households:
    """Columns of the household table, all of length ``capacity``.

    Attributes:
        alive: Row holds a household.
        settlement: Settlement id of residence.
        size: Members, persons (de jure: includes members abroad).
        abroad: Members working abroad, persons.
        labour: Members at home in the labour force, persons.
        employed: Members in wage jobs, persons.
        farming: Members farming, persons.
        skill: Earnings multiplier (log-normal, mean 1), fixed for the household.
        efficiency: Labour in efficiency units per member, 1 in 2017; a move multiplies it by
            ``(origin / destination expected earnings)^(1 - migration.mover_gain_share)``, so a mover
            produces only that share of the log gap between the two places (sorting, issue 22).
        u_labour: A fixed uniform draw deciding rounding of labour-force membership.
        wage_som, farm_som, transfer_som, remittance_som: Income by source this year, som (as the
            household survey records it: wages and farm income are the accounts' flows times the
            survey-to-accounts ratio, after tax).
        surplus_som: Distributed operating surplus (owners' drawings and dividends) this year, som,
            on the same survey basis.
    """

    alive: np.ndarray
    settlement: np.ndarray
    size: np.ndarray
    abroad: np.ndarray
    labour: np.ndarray
    employed: np.ndarray
    farming: np.ndarray
    skill: np.ndarray
    efficiency: np.ndarray
    u_labour: np.ndarray
    wage_som: np.ndarray
    farm_som: np.ndarray
    transfer_som: np.ndarray
    remittance_som: np.ndarray
    surplus_som: np.ndarray
    weight: int

    @classmethod
    def empty(cls, capacity: int, weight: int) -> Households:
        """An all-dead table with ``capacity`` rows."""
        return cls(
            alive=np.zeros(capacity, bool),
            settlement=np.zeros(capacity, SETTLEMENT_INDEX),
            size=np.zeros(capacity, np.int16),
            abroad=np.zeros(capacity, np.int16),
            labour=np.zeros(capacity, np.int16),
            employed=np.zeros(capacity, np.int16),
            farming=np.zeros(capacity, np.int16),
            skill=np.ones(capacity, np.float32),
            efficiency=np.ones(capacity, np.float32),
            u_labour=np.zeros(capacity, np.float32),
            wage_som=np.zeros(capacity, np.float32),
            farm_som=np.zeros(capacity, np.float32),
            transfer_som=np.zeros(capacity, np.float32),
            remittance_som=np.zeros(capacity, np.float32),
            surplus_som=np.zeros(capacity, np.float32),
            weight=weight,
        )

    @property
    def capacity(self) -> int:
        """Number of preallocated rows."""
        return len(self.alive)

    @property
    def n_alive(self) -> int:
        """Number of rows holding a household."""
        return int(self.alive.sum())

    def free_rows(self, n: int) -> np.ndarray:
        """Indices of ``n`` dead rows, growing the table if needed (amortised O(1) per row)."""
        free = np.flatnonzero(~self.alive)
        if len(free) < n:
            self._grow(max(self.capacity // GROWTH_DIVISOR, n - len(free) + 1))
            free = np.flatnonzero(~self.alive)
        return free[:n]

    def _grow(self, extra: int) -> None:
        for f in fields(self):
            column = getattr(self, f.name)
            if isinstance(column, np.ndarray):
                pad = np.zeros(extra, column.dtype)
                if f.name in ("skill", "efficiency"):
                    pad[:] = 1.0
                setattr(self, f.name, np.concatenate([column, pad]))

    def earning_skill(self) -> np.ndarray:
        """Earnings multiplier of a member in a job or on a farm: ``skill x efficiency`` (float32).

        A mover brings home the pay of the efficiency units it supplies (sorting, issue 22), so its
        wage and farm income per member are scaled by ``efficiency`` as its labour is; for everyone
        who never moved (efficiency 1) it is exactly ``skill``.
        """
        return self.skill * self.efficiency

    def present(self) -> np.ndarray:
        """Members living at home, persons per row (0 for dead rows)."""
        return self.size - self.abroad  # dead rows hold zeros

    def relocate(self, settlement: np.ndarray) -> None:
        """Replace the settlement column (households moved)."""
        self.settlement = np.asarray(settlement, dtype=SETTLEMENT_INDEX)

    def per_settlement(self, values: np.ndarray, n_settlements: int) -> np.ndarray:
        """Sum of a per-row quantity over the living rows of each settlement, in real (weighted) units.

        One compiled pass over the rows (:func:`regsim.model.kernels.settlement_sums`), in the
        column's own dtype (no float64 copy); the same additions in the same order as the sparse
        settlement x row product it replaced, so bit for bit the same sums, and nothing to rebuild
        when households move or rows are filled.
        """
        return kernels.settlement_sums(self.settlement, self.alive, float(self.weight), n_settlements,
                                       np.asarray(values))

    def clear(self, rows: np.ndarray) -> None:
        """Mark rows dead and zero their counts and incomes (the invariant ``per_settlement`` relies on)."""
        self.alive[rows] = False
        for column in (self.size, self.abroad, self.labour, self.employed, self.farming,
                       self.wage_som, self.farm_som, self.transfer_som, self.remittance_som, self.surplus_som):
            column[rows] = 0

    def income_som(self) -> np.ndarray:
        """Total household income this year, som per household row (one real household)."""
        return self.wage_som + self.farm_som + self.surplus_som + self.transfer_som + self.remittance_som

    def income_per_person(self, income: np.ndarray | None = None) -> np.ndarray:
        """Income per member at home, som per person per year (0 for dead rows).

        Args:
            income: :meth:`income_som`, if already computed.
        """
        present = np.maximum(self.present(), 1)
        return (self.income_som() if income is None else income) / present  # dead rows: 0 / 1

    def labour_force(self, first_member: float, per_other_member: float) -> np.ndarray:
        """Members at home in the labour force, rounded by the household's fixed draw.

        ``first_member + per_other_member * (present - 1)`` in expectation: larger households
        have more children, so fewer workers per member.
        """
        # floor(expected + u) in float64 where someone is at home, clipped to [0, at home]: one compiled pass
        return kernels.labour_force(self.size, self.abroad, self.u_labour, float(first_member),
                                    float(per_other_member))  # dead rows: nobody at home, 0

    def update_labour(self, first_member: float, per_other_member: float) -> None:
        """Set the labour force from the members at home (at the start of the year's labour market)."""
        self.labour = self.labour_force(first_member, per_other_member)

    def keep_consistent(self) -> None:
        """After members died, left or went abroad: they leave the labour force and give up jobs.

        The labour force grows (births, returns) only when the next labour market opens, so that
        newcomers are not counted as unemployed before they could look for work.
        """
        kernels.cap_labour(self.size, self.abroad, self.labour, self.employed, self.farming)  # in place, one pass
