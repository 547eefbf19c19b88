"""State: everything the processes read and write during a run.

``State`` holds the world (fixed), the household and firm tables, the settlement columns, the
year and this year's budget ledger and population flows. Processes receive it read-only in
``compute`` and write it only in ``apply``.

Per-settlement numbers come in two parts:

* :class:`BaseYear` (``state.base``): the calibrated 2017 base year and the other values fixed
  once initialisation ends; frozen, with read-only arrays. Every elasticity is anchored on it, so
  the model reproduces the base year before any policy acts.
* :class:`SettlementColumns` (``state.cols``): the values the yearly processes change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from regsim.model.firms import FirmTable
from regsim.model.households import Households
from regsim.model.world import World


class Channel(IntEnum):
    """Budget channels: the columns of an allocation array (not the firm sectors of ``firms``)."""

    INFRASTRUCTURE = 0
    GRANTS = 1
    SERVICES = 2
    TRANSFERS = 3  # cash to households (the cash_transfers benchmark); not limited by absorption capacity
    CURRENT = 4  # local running costs (policy.current_share): pays local public staff, builds nothing
    ROADS = 5  # upgrades road links (policy.roads_share; processes.roads)


CHANNELS = tuple(channel.name.lower() for channel in Channel)
"""Names of the budget channels, in column order."""


@dataclass(frozen=True, eq=False)
class BaseYear:
    """The calibrated base year (2017) and the per-settlement values fixed after initialisation.

    Arrays have shape (S,) (``profit_per_enterprise``: (S, 2)) and are read-only (copied on
    creation, ``writeable = False``); money in
    som at 2017 prices. Initialisation builds it in steps (``dataclasses.replace``); after that no
    process changes it.

    Attributes:
        year: Calendar year of the base year (``time.start_year - 1``).
        population: Residents (de jure, incl. members abroad), persons.
        market_access: Distance-weighted population within reach, ``access_kernel @ population``,
            persons.
        public_capital_som: Public capital stock, som; the ordinary budget maintains it.
        services_som: Public-service capital stock, som; the ordinary budget maintains it.
        tfp: Firm total factor productivity solved so that the firms produce the 2017 output,
            ratio (som of output per unit of ``K^a L^b``).
        farm_local_share: Share of farm output sold to buyers within reach (intermediate demand of
            firms), fraction; the farm price index is 1 at this share.
        income_pc_som: Mean income per person at home (at least 1), som per person per year.
        reservation_wage_som: Reservation (and market) wage, som per worker per year.
        farm_income_per_worker_som: 2017 farm output per farmer, som per farmer per year (every member
            supplies one efficiency unit in 2017, so this is also som per efficiency unit).
        farm_tfp: Farm productivity: output per farmer at base-year land and prices, som per
            farmer per year.
        land: Farm land in units of the base-year farmers (``farm output ~ land^(1-b) farmers^b``),
            farmers.
        farm_access: Share of non-employed residents with land or an own-account alternative,
            fraction, solved per oblast for its 2017 unemployment (``initialise._farm_access``).
        mining_output_som: Exogenous mining output (Kumtor, Jeti-Oguz rayon), constant, som per
            year.
        survey_ratio: Survey-to-accounts ratio per settlement: household survey income per som of
            the households' disposable primary income in the accounts (surveys miss much income:
            Deaton 2005), ratio. One national value solved for the 2017 national poverty rate
            (``incomes.survey_ratio_scope = "country"``), or one per oblast for its poverty rate.
        other_spending_share: Government spending other than transfers, ordinary investment,
            services and upkeep, as a share of GDP (public administration; the 2017 residual of
            ``government.tax_revenue_share_gdp``), fraction.
        consumption_tax_rate: Effective rate of the consumption tax (VAT and sales tax) on household
            consumption at basic prices, fraction (tax-exclusive: households pay ``1 + rate`` per som of
            goods), solved so that it raises ``government.consumption_tax_share`` of the 2017 taxes.
        household_size: Mean members per household (de jure), persons; household formation keeps
            it.
        services_attraction: Pull of one service enterprise on buyers' spending in each place,
            fitted so that 2017 sales at price 1 are the 2017 service output
            (``markets.fit_attraction``), ratio.
        profit_per_enterprise: Expected profit per enterprise in 2017 by settlement and firm
            sector, ``(1 - a - b) x value added per enterprise``, som, shape (S, 2); entry's anchor.
        services_reach: Pull of the 2017 service sellers within reach of buyers in each place at
            2017 prices, ``markets.buyers_reach`` (the base of the buyers' price index), ratio.
        absorption_som: Domestic absorption in 2017 (household consumption + investment +
            government spending), som.
        services_spending_share: Share of domestic absorption spent on the firms' services in
            2017 (service output / absorption), fraction.
        industry_sales_som: Sales (value added) of industrial firms in 2017, som.
        output_per_person: GDP per resident in 2017, som per person.
        abroad_base_rate: Probability a household with two or more in the labour force sends a
            member abroad at base-year income, per year, per settlement (one value per oblast: keeps
            each oblast's 2017 stock abroad steady), shape (S,).
    """

    year: int
    population: np.ndarray
    market_access: np.ndarray
    public_capital_som: np.ndarray
    services_som: np.ndarray
    tfp: np.ndarray
    farm_local_share: np.ndarray
    income_pc_som: np.ndarray
    reservation_wage_som: np.ndarray
    farm_income_per_worker_som: np.ndarray
    farm_tfp: np.ndarray
    land: np.ndarray
    farm_access: np.ndarray
    mining_output_som: np.ndarray
    household_size: np.ndarray
    abroad_base_rate: np.ndarray
    survey_ratio: np.ndarray = field(default_factory=lambda: np.ones(0))
    other_spending_share: float = 0.0
    consumption_tax_rate: float = 0.0
    services_attraction: np.ndarray = field(default_factory=lambda: np.ones(0))
    profit_per_enterprise: np.ndarray = field(default_factory=lambda: np.ones((0, 2)))
    services_reach: np.ndarray = field(default_factory=lambda: np.ones(0))
    absorption_som: float = 0.0
    services_spending_share: float = 0.0
    industry_sales_som: float = 0.0
    output_per_person: float = 0.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                frozen = value.copy()  # never shared with a mutable column
                frozen.flags.writeable = False
                object.__setattr__(self, f.name, frozen)


@dataclass
class SettlementColumns:
    """Per-settlement values the yearly processes change; arrays of shape (S,) unless stated.

    Money in som at 2017 prices. The process that writes each is named in brackets.

    Attributes:
        population: Residents (de jure), persons; refreshed from the household table at the end
            of each year (``RegionalModel.finish_year``).
        public_capital_som: Public capital stock, som (investment).
        services_som: Public-service capital stock, som (budget, investment).
        pipeline_som: Infrastructure money under construction, som, shape (time_to_build + 1, S);
            row 0 completes next (budget, investment).
        grant_credit_som: Grant money absorbed where no firm could receive it, waiting to fund an
            entrant, som (budget, production).
        tfp: Firm total factor productivity this year, ratio (productivity).
        trend: Exogenous technology, ``(1 + tfp_growth_rate_per_year)^(year - base year)``, the
            same everywhere, ratio (productivity).
        farm_public_capital_factor: The public-capital and service terms of productivity that farms
            share with firms, ratio (productivity).
        farm_price: Farm-gate price index: sales to buyers within reach pay the full price, others
            lose ``economy.farm_marketing_margin``; 1 at the base-year local share, ratio (productivity).
        farm_local_sales_som: Farm products bought by firms within reach (intermediate demand),
            som at base prices (productivity).
        living_cost: Living-cost index, ``(population / median base population)^congestion``,
            ratio (productivity).
        services_price: Price of the services sold here relative to 2017, the price at which
            service firms' sales equal what buyers within reach spend here, ratio (labour;
            ``markets.clear_with_numeraire``).
        industry_price: The national price of industrial goods relative to 2017 (the same in every
            settlement), ratio (labour; ``markets.clear_with_numeraire``).
        consumer_price: Consumer price index of the residents relative to 2017: the buyers' services
            price index (``markets.buyers_price_index``: prices, varieties and distance of the
            sellers within reach) to the power of the services share of spending, times the
            industrial price to the power of its domestic share, ratio (labour). Deflates
            consumption in the poverty measure and GDP in ``real_income_som``.
        consumption_som: Household consumption of the residents at basic prices (accounts basis:
            after-tax primary income, transfers and remittances received, less the consumption tax),
            som per year (incomes).
        market_wage_som: Wage firms pay in this job market, som per efficiency unit of labour per year
            (a native member supplies one unit; labour).
        reservation_wage_som: Reservation wage in this job market, som per efficiency unit per year (labour).
        resident_wage_som: Mean wage residents earn (own and commuting markets), som per efficiency
            unit per year (labour).
        employment_rate: Share of the resident labour force in wage jobs, fraction (labour).
        firm_output_som: Value added of the firms here, som per year (labour).
        industry_output_som: Value added of the industrial firms here, som per year (labour).
        farm_output_som: Farm output, som per year (labour).
        farm_income_per_worker_som: Farm output per efficiency unit of farm labour, som per year (labour;
            a farmer of efficiency e earns e times this, like the wage).
        output_som: Derived: firm + farm + mining output, som per year (labour).
        income_pc_som: Mean income per person at home, som per person per year (incomes).
        in_migrant_stock: Residents who moved in since 2017 (the migrant network), persons
            (migration).
        carry_over_som: Regional money absorbed nowhere yet, kept for each settlement and channel,
            som, shape (S, 6) (budget).
        firm_investment_som: Firms' gross investment this year out of their own funds (capital
            built beyond the worn stock, and entrants' capital, excluding grant money), som
            (production).
    """

    population: np.ndarray
    public_capital_som: np.ndarray
    services_som: np.ndarray
    pipeline_som: np.ndarray
    grant_credit_som: np.ndarray
    tfp: np.ndarray
    trend: np.ndarray
    farm_public_capital_factor: np.ndarray
    farm_price: np.ndarray
    farm_local_sales_som: np.ndarray
    living_cost: np.ndarray
    services_price: np.ndarray
    industry_price: np.ndarray
    consumer_price: np.ndarray
    consumption_som: np.ndarray
    market_wage_som: np.ndarray
    reservation_wage_som: np.ndarray
    resident_wage_som: np.ndarray
    employment_rate: np.ndarray
    firm_output_som: np.ndarray
    industry_output_som: np.ndarray
    farm_output_som: np.ndarray
    farm_income_per_worker_som: np.ndarray
    output_som: np.ndarray
    income_pc_som: np.ndarray
    in_migrant_stock: np.ndarray
    firm_investment_som: np.ndarray
    carry_over_som: np.ndarray


@dataclass
class Accounts:
    """This year's national accounts and government budget, som (written by ``incomes``).

    GDP by production (value added of firms, farms and the mine) equals GDP by income:
    compensation of employees + mixed income (farms and own-account work) + operating surplus
    (firms and mining); the operating surplus goes to named uses: distributed to households,
    retained for the firms' own investment, or paid to foreign owners. GDP is at basic prices (value
    added, no taxes on products). Taxes are a consumption tax (``tax_consumption_som``: the base
    year's effective rate on household consumption) plus a flat rate ``tax_rate`` on every primary
    income, so they equal ``tax_rate x GDP + tax_consumption_som``; they pay for transfers, ordinary
    public investment and services, upkeep, other spending and (if tax-financed) the regional
    budget. Each tax has a base and a payer (``tax_<base>_som``, summing to ``taxes_som``), and GDP
    by expenditure (``consumption_som`` at basic prices, i.e. what households spend less the
    consumption tax, ``+ investment_som + government_som + net_exports_som``) equals GDP by
    production (``incomes.expenditure``). Per-settlement arrays have shape (S,).
    """

    gdp_production_som: float = 0.0
    compensation_som: float = 0.0
    mixed_income_som: float = 0.0
    operating_surplus_som: float = 0.0
    surplus_distributed_som: float = 0.0
    surplus_retained_som: float = 0.0
    surplus_abroad_som: float = 0.0
    tax_rate: float = 0.0
    taxes_som: float = 0.0
    household_primary_income_som: float = 0.0
    transfers_som: float = 0.0
    public_investment_som: float = 0.0
    services_spending_som: float = 0.0
    upkeep_som: float = 0.0
    regional_tax_financed_som: float = 0.0
    other_spending_som: float = 0.0
    tax_labour_som: float = 0.0
    tax_mixed_som: float = 0.0
    tax_profits_distributed_som: float = 0.0
    tax_retained_som: float = 0.0
    tax_mining_som: float = 0.0
    tax_abroad_som: float = 0.0
    tax_consumption_som: float = 0.0
    remittances_received_som: float = 0.0
    consumption_som: float = 0.0
    investment_som: float = 0.0
    government_som: float = 0.0
    net_exports_som: float = 0.0
    regional_transfers_som: float = 0.0
    regional_current_som: float = 0.0
    compensation_by_residence_som: np.ndarray = field(default_factory=lambda: np.zeros(0))
    operating_surplus_by_location_som: np.ndarray = field(default_factory=lambda: np.zeros(0))
    consumption_by_residence_som: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class MarketRecord:
    """What this year's goods market cleared at, national (written by ``labour``).

    Attributes:
        clearing_level: The factor ``lambda`` on planned domestic spending that makes the price
            level of firm output 1 (``markets.clear_with_numeraire``), ratio.
        planned_absorption_som: Domestic absorption (C + I + G) firms planned on: last year's grown
            at its mean growth since 2017 (``labour.expected_demand``), som.
        goods_exports_som: Industrial sales abroad at the clearing price, ``exports x p^(1 - epsilon)``, som.
    """

    clearing_level: float = 1.0
    planned_absorption_som: float = 0.0
    goods_exports_som: float = 0.0


@dataclass
class Ledger:
    """This year's budget accounting, som.

    Identity: budget + carried_in = absorbed + returned + lost + unallocated, where ``returned`` is
    the money not absorbed and carried over to next year and ``carried_in`` what last year's
    carried over brought (shape (S,)). ``*_to_date`` sum the budget made available, absorbed and
    lost over the years of the run so far.
    """

    available: float = 0.0
    allocated: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CHANNELS))))
    absorbed: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CHANNELS))))
    returned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    carried_in: np.ndarray = field(default_factory=lambda: np.zeros(0))
    available_to_date: float = 0.0
    absorbed_to_date: float = 0.0
    lost_to_date: float = 0.0

    @property
    def unspent_to_date(self) -> float:
        """Programme money made available so far and neither absorbed nor lost, som.

        Carried over or never allocated (issue 22: verdicts flag strategies that cannot spend).
        """
        return self.available_to_date - self.absorbed_to_date - self.lost_to_date

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
        return cls(*(np.zeros(n) for _ in dataclasses.fields(cls)))

    def add(self, **persons: np.ndarray) -> None:
        """Add this year's flows by name, e.g. ``flows.add(births=..., deaths=...)``, persons, shape (S,)."""
        for name, value in persons.items():
            total = getattr(self, name)
            total += value


@dataclass
class State:
    """The full state of one run: the fixed base year and world, and what the processes change."""

    world: World
    households: Households
    firms: FirmTable
    base: BaseYear
    cols: SettlementColumns
    commute: np.ndarray  # (S, S) row-stochastic: where residents of i look for jobs
    access_kernel: np.ndarray  # (S, S) exp(-road_km / access_decay_km)
    spread_kernel: np.ndarray  # (S, S) exp(-road_km / spread_decay_km)
    move_kernel: np.ndarray  # (S, S) fixed part of the migration logit weights (processes.migration)
    year: int
    ledger: Ledger = field(default_factory=Ledger)
    accounts: Accounts = field(default_factory=Accounts)
    ordinary_spending_som: tuple[float, float] = (0.0, 0.0)  # this year's ordinary public investment, services
    flows: Flows | None = None
    market: MarketRecord = field(default_factory=MarketRecord)  # this year's goods market (labour)
    roads: object | None = None  # processes.roads.RoadNetwork once road money is spent (layers: no import)
    metric_cache: dict | None = None  # building blocks of metrics, valid during one Recorder.record

    @property
    def n_settlements(self) -> int:
        """Number of settlements S."""
        return self.world.n

    def population(self) -> np.ndarray:
        """Residents (de jure) per settlement from the household table, persons, shape (S,)."""
        hh = self.households
        return hh.per_settlement(hh.size, self.n_settlements)
