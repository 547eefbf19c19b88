"""Firms: a column table for vector updates, and Mesa agents as identities over its rows.

A :class:`Firm` is a ``mesa.Agent`` standing for ``scale.firm_weight`` real enterprises of one
sector in one settlement. It enters and exits as an agent (registered with the model, removed on
exit); its numbers (capital, productivity draw, employees, output, profit) live in a
:class:`FirmTable` row so that thousands of firms produce, hire and invest in a few numpy
operations per year.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np

SECTOR_INDUSTRY, SECTOR_SERVICES = 0, 1
SECTORS = ("industry", "services")
"""Firm sectors: the values of ``FirmTable.sector`` index ``SECTORS`` (not the budget channels)."""


@dataclass
class FirmTable:
    """Columns of all firms, preallocated, with an ``alive`` mask.

    Attributes:
        alive: Row holds a firm.
        settlement: Settlement id.
        sector: 0 industry (incl. agro-processing), 1 services.
        capital_som: Capital stock, som (all ``firm_weight`` enterprises together).
        productivity: Firm-specific productivity draw (log-normal, mean 1).
        employees: Workers, persons.
        output_som: Value added last year, som.
        profit_som: Profit last year, som.
        loss_years: Consecutive years with a loss.
        age: Years since entry.
        exit_year: Year the firm closes for reasons outside the model (drawn at entry from the
            exit hazard, so closures do not depend on row order: common random numbers).
    """

    alive: np.ndarray
    settlement: np.ndarray
    sector: np.ndarray
    capital_som: np.ndarray
    productivity: np.ndarray
    employees: np.ndarray
    output_som: np.ndarray
    profit_som: np.ndarray
    loss_years: np.ndarray
    age: np.ndarray
    exit_year: np.ndarray

    @classmethod
    def empty(cls, capacity: int) -> FirmTable:
        """An all-dead table."""
        return cls(
            alive=np.zeros(capacity, bool),
            settlement=np.zeros(capacity, np.intp),  # native index: fast gathers
            sector=np.zeros(capacity, np.int8),
            capital_som=np.zeros(capacity),
            productivity=np.ones(capacity),
            employees=np.zeros(capacity),
            output_som=np.zeros(capacity),
            profit_som=np.zeros(capacity),
            loss_years=np.zeros(capacity, np.int16),
            age=np.zeros(capacity, np.int16),
            exit_year=np.zeros(capacity, np.int32),
        )

    @property
    def capacity(self) -> int:
        """Preallocated rows."""
        return len(self.alive)

    def free_rows(self, n: int) -> np.ndarray:
        """Indices of ``n`` dead rows, growing the table if needed."""
        free = np.flatnonzero(~self.alive)
        if len(free) < n:
            extra = max(self.capacity // 2, n - len(free) + 1)
            for f in fields(self):
                column = getattr(self, f.name)
                pad = np.ones(extra, column.dtype) if f.name == "productivity" else np.zeros(extra, column.dtype)
                setattr(self, f.name, np.concatenate([column, pad]))
            free = np.flatnonzero(~self.alive)
        return free[:n]


class Firm(mesa.Agent):
    """The identity of ``firm_weight`` enterprises: a Mesa agent over one ``FirmTable`` row.

    It carries no numbers and no decision rule of its own: firms decide (invest, exit, enter, hire)
    in vectorised processes over the table. The model creates the agent when a firm enters and
    removes it when the firm exits (``RegionalModel.update_firm_agents``), so ``model.agents``
    lists the firms alive; read a firm's numbers as ``model.state.firms.<column>[agent.row]``.
    """

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row
