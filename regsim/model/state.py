"""State: everything the processes read and write during a run.

``State`` holds the world (fixed), the household and firm tables, the settlement columns, the
year and this year's budget ledger and population flows. Processes receive it read-only in
``compute`` and write it only in ``apply``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from regsim.model.firms import FirmTable
from regsim.model.households import Households
from regsim.model.world import World

CHANNELS = ("infrastructure", "grants", "services")
"""Budget channels: the columns of an allocation array."""


@dataclass
class SettlementColumns:
    """Per-settlement state, each an array of shape (S,) unless stated. Money in som, 2017 prices.

    Base-year values (suffix ``_2017``) are fixed at initialisation and anchor every elasticity,
    so the model reproduces the calibrated base year before any policy acts.
    """

    population: np.ndarray
    population_2017: np.ndarray
    market_access_2017: np.ndarray
    public_capital_som: np.ndarray
    public_capital_2017_som: np.ndarray
    services_som: np.ndarray
    services_2017_som: np.ndarray
    public_capital_leverage: np.ndarray
    base_tfp: np.ndarray
    tfp: np.ndarray
    trend: np.ndarray  # exogenous technology, (1 + tfp_growth_rate)^(year - 2017), same everywhere
    farm_tfp: np.ndarray
    farm_price: np.ndarray
    land: np.ndarray
    living_cost: np.ndarray
    labour_efficiency: np.ndarray
    demand_index: np.ndarray
    industry_access_2017: np.ndarray
    profitability_2017: np.ndarray
    income_pc_2017: np.ndarray
    mining_output_som: np.ndarray
    output_som: np.ndarray
    firm_output_som: np.ndarray
    industry_output_som: np.ndarray
    farm_output_som: np.ndarray
    market_wage_som: np.ndarray
    reservation_wage_2017_som: np.ndarray
    reservation_wage_som: np.ndarray
    resident_wage_som: np.ndarray
    employment_rate: np.ndarray
    earnings_scale: np.ndarray
    farm_income_per_worker_2017_som: np.ndarray
    farm_income_per_worker_som: np.ndarray
    income_pc_som: np.ndarray
    farm_access: np.ndarray
    in_migrant_stock: np.ndarray
    household_size_2017: np.ndarray  # mean members per household (de jure), kept by household formation
    grant_credit_som: np.ndarray
    pipeline_som: np.ndarray  # shape (time_to_build + 1, S): infrastructure under construction


@dataclass
class Ledger:
    """This year's budget accounting, som. Identity: budget = absorbed + returned + lost + unallocated."""

    available: float = 0.0
    allocated: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CHANNELS))))
    absorbed: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CHANNELS))))
    returned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lost: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def unallocated(self) -> float:
        """Budget not allocated to any settlement, som."""
        return self.available - float(self.allocated.sum())


@dataclass
class Flows:
    """This year's population flows per settlement, persons (real, weighted)."""

    births: np.ndarray
    deaths: np.ndarray
    emigrated: np.ndarray
    immigrated: np.ndarray
    moved_in: np.ndarray
    moved_out: np.ndarray
    left_abroad: np.ndarray
    returned_home: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> Flows:
        """All flows zero for ``n`` settlements."""
        return cls(*(np.zeros(n) for _ in range(8)))


@dataclass
class State:
    """The full mutable state of one run."""

    world: World
    households: Households
    firms: FirmTable
    cols: SettlementColumns
    commute: np.ndarray  # (S, S) row-stochastic: where residents of i look for jobs
    access_kernel: np.ndarray  # (S, S) exp(-road_km / access_decay_km)
    spread_kernel: np.ndarray  # (S, S) exp(-road_km / spread_decay_km)
    move_kernel: np.ndarray  # (S, S) fixed part of the migration logit weights (processes.migration)
    year: int
    base_year: int = 2017
    abroad_base_rate: float = 0.0
    spawn_firm: Callable[[int], None] | None = None
    exit_firm: Callable[[int], None] | None = None
    ledger: Ledger = field(default_factory=Ledger)
    flows: Flows | None = None
    metric_cache: dict | None = None  # building blocks of metrics, valid during one Recorder.record

    @property
    def n_settlements(self) -> int:
        """Number of settlements S."""
        return self.world.n

    def population(self) -> np.ndarray:
        """Residents (de jure) per settlement from the household table, persons, shape (S,)."""
        hh = self.households
        return hh.per_settlement(hh.size, self.n_settlements)
