"""National accounts, the government's budget, and household incomes and poverty.

Accounts (issue 13: money that adds up). GDP by production (value added of firms, farms and the
mine) equals GDP by income every year:

* compensation of employees: the firms' wage bill, ``market wage x employees`` in each job market,
  earned by residents where they live (commuters bring it home: ``LF_i x employment rate_i x
  resident wage_i`` sums to the wage bill exactly);
* mixed income: farm output (farms and own-account work), earned by the settlement's farmers;
* operating surplus: firm output minus the wage bill, and the mine's output (its workforce is
  not modelled). Each som goes to a named use: **retained** for the firms' own investment (their
  gross investment this year, at most the local surplus), **abroad** to foreign owners of the mine
  (``government.mining_surplus_abroad_share``: Kumtor's owner was foreign until 2021), and the
  rest **distributed** to households of the firms' oblast in proportion to ``skill x labour
  force`` (owners of small and medium enterprises live and work where their firms are, and
  ownership rises with skill; Kyrgyz enterprises are mostly owner-managed).

GDP is at basic prices: value added, without taxes on products. The government levies a
consumption tax on what households spend (VAT and sales tax: the effective rate
``base.consumption_tax_rate``, solved so that it raises ``government.consumption_tax_share`` of the
2017 taxes, then held constant) and one flat rate on every primary income, so taxes are
``tax_rate x GDP + tax_consumption_som``. The rate on primary incomes (:func:`split_taxes`)
balances the budget: together they pay, every year, for transfers, ordinary public investment and services
(``government.public_investment_share_gdp``, ``services_spending_share_gdp`` of last year's GDP),
upkeep of the whole public capital stock (``upkeep_rate_per_year``), other spending (the 2017
residual share of ``tax_revenue_share_gdp``) and, if ``budget_financing = "taxes"``, the
regional money spent this year (absorbed plus lost; money carried over is raised when it is
spent). So a strategy that builds more pays more upkeep, and under ``none`` households keep the
regional budget.

Household income as the survey records it: each household's share of its settlement's
compensation (by ``employed x skill x efficiency``), mixed income (by ``farming x skill x
efficiency``) and of its oblast's distributed surplus, after tax, times a survey-to-accounts ratio
(``base.survey_ratio``: household surveys capture a fraction of accounts income, Deaton 2005), solved at initialisation
by default for each oblast's 2017 poverty rate (``incomes.survey_ratio_scope = "oblast"``: a
measurement bridge that keeps the noisy 2017 poverty map; internal migration compares
accounts-based earnings, and service demand and departures abroad use income relative to 2017,
where a constant ratio mostly cancels) or, with ``"country"``, ONE ratio for the national rate), plus
transfers per person (growing
at ``transfer_growth_rate_per_year``) and the share ``remittance_share_to_household`` of what
members abroad send (times the ratio too if ``remittances_in_survey_ratio``). Under ``"country"``
regional income differences therefore come from productivity, prices, employment, ownership and
remittances (members abroad placed by oblast with ``migration.abroad_oblast_share``), not from
fitted regional scales; docs/validation.md measures how far each closes the gap to the 2017 map.

Poverty, as in the Kyrgyz household survey, is measured on consumption: consumption per person
at home is ``(1 - s)`` times the household's own income per person plus ``s`` times its
settlement's mean income per person, ``s = consumption_smoothing`` (partial risk sharing,
Townsend 1994). The mix keeps each settlement's mean; it narrows the bottom tail, which income
alone overstates against consumption (extreme poverty 0.8% in 2017). Consumption is then divided
by the settlement's price level (``price_level``: living cost relative to its 2017 national
mean) to the power ``incomes.poverty_price_deflation``, as the KIHS deflates its consumption
aggregate by regional price indices, and by the residents' consumer price index
(``cols.consumer_price``: the firms' services within reach at buyers' prices and industrial goods,
relative to 2017; ``labour.consumer_prices``), as the poverty line is indexed to consumer prices:
poverty and the Gini are in national 2017 prices.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from regsim.model import kernels, shocks
from regsim.model.households import Households
from regsim.model.processes.productivity import living_cost_index
from regsim.model.state import Accounts, BaseYear, Channel, State
from regsim.params import Params

STREAM = "incomes"


@dataclass(frozen=True)
class IncomeOutcome:
    """Income by source per household row, som per year; mean income per person per settlement; the accounts."""

    wage_som: np.ndarray
    farm_som: np.ndarray
    surplus_som: np.ndarray
    transfer_som: np.ndarray
    remittance_som: np.ndarray
    income_pc_som: np.ndarray
    accounts: Accounts


@dataclass(frozen=True)
class PrimaryIncome:
    """Accounts-basis primary income per household row before tax, som per real household.

    ``profit_tax_som`` is the row's share of the tax its oblast's firms paid on their retained
    surplus, taken out of what they distribute to their owners (so it is split like ``surplus_som``).
    """

    wage_som: np.ndarray
    farm_som: np.ndarray
    surplus_som: np.ndarray
    profit_tax_som: np.ndarray

    def after_tax(self, tax_rate: float) -> np.ndarray:
        """Primary income after every tax its household pays, som per real household (float64)."""
        gross = self.wage_som.astype(np.float64) + self.farm_som + self.surplus_som
        return gross * (1.0 - tax_rate) - self.profit_tax_som


@dataclass(frozen=True)
class RowSums:
    """Per-settlement sums of the household table that incomes splits money by, real units, shape (S,) each.

    ``wage_key``, ``farm_key``: ``employed`` and ``farming`` times ``skill x efficiency`` (a mover is paid
    for the efficiency units it supplies); ``workers``: ``labour`` times skill;
    ``labour``: labour force; ``present``: members at home; ``abroad``: members abroad. Summed in
    one compiled pass (``kernels.income_keys``) at the start of the year's incomes.
    """

    wage_key: np.ndarray
    farm_key: np.ndarray
    workers: np.ndarray
    labour: np.ndarray
    present: np.ndarray
    abroad: np.ndarray

    @classmethod
    def of(cls, state: State) -> RowSums:
        """The sums for the household table as it is now."""
        hh = state.households
        sums = kernels.income_keys(hh.settlement, hh.alive, float(hh.weight), state.n_settlements, hh.employed,
                                   hh.farming, hh.labour, hh.size, hh.abroad, hh.skill, hh.earning_skill())
        return cls(*sums)


def _shares(hh: Households, pool: np.ndarray, key: np.ndarray, key_sum: np.ndarray,
            fallback: Callable[[], np.ndarray], group_of: np.ndarray, n_groups: int) -> np.ndarray:
    """Split ``pool`` (som per group) over household rows in proportion to ``key``, som per real household.

    ``key_sum`` is ``key`` summed per settlement (``hh.per_settlement(key)``). Where no row of a
    group has a positive key, ``fallback()`` splits it instead (so no som is lost to rounding of
    people to jobs; computed only then). ``group_of`` maps each settlement to its group (itself, or
    its oblast), shape (S,).
    """
    n_s = len(group_of)
    total = np.bincount(group_of, weights=key_sum, minlength=n_groups)
    orphan = (total <= 0) & (pool != 0)
    if not orphan.any():  # the usual case: every group with money has a row with a positive key
        per_unit = np.divide(pool, total, out=np.zeros(n_groups), where=total > 0)
        return key * per_unit[group_of][hh.settlement]  # dead rows hold a zero key; one gather per row
    group = group_of[hh.settlement]
    other = fallback()
    spare = np.bincount(group_of, weights=hh.per_settlement(other, n_s), minlength=n_groups)
    use_key = total > 0
    denominator = np.where(use_key, total, spare)
    per_unit = np.divide(pool, denominator, out=np.zeros(n_groups), where=denominator > 0)
    return np.where(use_key[group], key, other) * per_unit[group] * hh.alive


def _split_by_skill(hh: Households, pool: np.ndarray, count: np.ndarray, key_sum: np.ndarray,
                    fallback: Callable[[], np.ndarray], group_of: np.ndarray, n_groups: int,
                    skill: np.ndarray | None = None) -> np.ndarray:
    """``_shares(hh, pool, count * skill, ...)`` as float32, in one compiled pass where no group is orphaned.

    ``skill``: the multiplier per row (``hh.skill`` when None; ``hh.earning_skill()`` for pay).
    """
    skill = hh.skill if skill is None else skill
    total = np.bincount(group_of, weights=key_sum, minlength=n_groups)
    if ((total <= 0) & (pool != 0)).any():  # rare: money where no row has a key (the fallback splits it)
        return _shares(hh, pool, count * skill, key_sum, fallback, group_of, n_groups).astype(np.float32)
    per_unit = np.divide(pool, total, out=np.zeros(n_groups), where=total > 0)
    return kernels.split_by_skill(hh.settlement, count, skill, per_unit[group_of])


def primary_income(state: State, params: Params, sums: RowSums | None = None) -> tuple[Accounts, PrimaryIncome]:
    """The national accounts and each household's primary income (before tax, accounts basis).

    Args:
        state: State after this year's labour market.
        params: Run parameters.
        sums: ``RowSums.of(state)`` if the caller has it (summed here otherwise).

    Returns:
        The accounts of the year (taxes and government included) and primary income per row.
    """
    gov = params.government
    hh, cols, firms = state.households, state.cols, state.firms
    n_s = state.n_settlements
    alive = firms.alive
    wage_bill = np.bincount(firms.settlement[alive], weights=cols.market_wage_som[firms.settlement[alive]]
                            * firms.employees[alive], minlength=n_s)
    sums = RowSums.of(state) if sums is None else sums
    # in efficiency units, as the labour market counts job seekers (movers: sorting), so that the wages
    # residents bring home add up to the firms' wage bill
    labour_force = hh.per_settlement(hh.labour * hh.efficiency, n_s)
    compensation_home = labour_force * cols.employment_rate * cols.resident_wage_som
    firm_surplus = cols.firm_output_som - wage_bill
    retained = np.clip(cols.firm_investment_som, 0.0, np.maximum(firm_surplus, 0.0))
    mining = np.asarray(state.base.mining_output_som, dtype=float)
    abroad = mining * gov.mining_surplus_abroad_share
    distributed = firm_surplus - retained + mining - abroad
    gdp = float(cols.output_som.sum())

    oblast = state.world.oblast_index
    n_o = len(state.world.oblasts)
    itself = np.arange(n_s)

    def workers() -> np.ndarray:  # the fallback key where no one is employed or farms: labour force x skill
        return hh.labour * hh.skill

    earning = hh.earning_skill()  # movers are paid for the efficiency units they supply (sorting)
    wage = _split_by_skill(hh, compensation_home, hh.employed, sums.wage_key, workers, itself, n_s, earning)
    farm = _split_by_skill(hh, cols.farm_output_som, hh.farming, sums.farm_key, workers, itself, n_s, earning)
    pool = np.bincount(oblast, weights=distributed, minlength=n_o)
    surplus = _split_by_skill(hh, pool, hh.labour, sums.workers, lambda: hh.size.astype(np.float32),
                              np.asarray(oblast), n_o)

    present = float(sums.present.sum())
    transfers = present * transfer_per_person(state, params)
    investment, services = state.ordinary_spending_som
    road_spending = state.roads.spent_som if state.roads is not None else 0.0  # upgraded roads need upkeep too
    upkeep = gov.upkeep_rate_per_year * (float(cols.public_capital_som.sum()) + road_spending)
    ledger = state.ledger
    regional = 0.0
    if gov.budget_financing == "taxes" and ledger.allocated.size:
        regional = float(ledger.absorbed.sum() + ledger.lost.sum())
    other = state.base.other_spending_share * gdp
    taxes = transfers + investment + services + upkeep + regional + other
    # the consumption tax falls on all that households spend: after-tax primary income, transfers (the
    # regional cash and running-cost pay included) and the remittances that reach them
    household_primary = float(compensation_home.sum() + cols.farm_output_som.sum() + pool.sum())
    remittances = float(sums.abroad.sum()) * remittance_per_migrant(state, params) \
        * params.incomes.remittance_share_to_household
    regional_transfers = float(ledger.absorbed[:, Channel.TRANSFERS].sum())
    regional_current = float(ledger.absorbed[:, Channel.CURRENT].sum())
    receipts = household_primary + transfers + regional_transfers + regional_current + remittances
    tax_rate, consumption_tax = split_taxes(taxes, gdp, state.base.consumption_tax_rate, receipts,
                                            household_primary + float(retained.sum()))
    # firms pay the tax on their retained surplus out of what they distribute to their owners
    retained_tax = np.bincount(oblast, weights=tax_rate * retained, minlength=n_o)
    profit_tax = _split_by_skill(hh, retained_tax, hh.labour, sums.workers, lambda: hh.size.astype(np.float32),
                                 np.asarray(oblast), n_o)
    accounts = Accounts(
        gdp_production_som=gdp, compensation_som=float(wage_bill.sum()),
        mixed_income_som=float(cols.farm_output_som.sum()),
        operating_surplus_som=float(firm_surplus.sum() + mining.sum()),
        surplus_distributed_som=float(distributed.sum()), surplus_retained_som=float(retained.sum()),
        surplus_abroad_som=float(abroad.sum()), tax_rate=tax_rate, taxes_som=taxes,
        household_primary_income_som=household_primary,
        transfers_som=transfers, public_investment_som=investment, services_spending_som=services,
        upkeep_som=upkeep, regional_tax_financed_som=regional, other_spending_som=other,
        compensation_by_residence_som=compensation_home, operating_surplus_by_location_som=firm_surplus + mining,
        tax_labour_som=tax_rate * float(wage_bill.sum()), tax_mixed_som=tax_rate * float(cols.farm_output_som.sum()),
        tax_profits_distributed_som=tax_rate * float((firm_surplus - retained).sum()),
        tax_retained_som=tax_rate * float(retained.sum()), tax_mining_som=tax_rate * float((mining - abroad).sum()),
        tax_abroad_som=tax_rate * float(abroad.sum()), tax_consumption_som=consumption_tax,
        remittances_received_som=remittances, regional_transfers_som=regional_transfers,
        regional_current_som=regional_current,
    )
    primary = PrimaryIncome(wage, farm, surplus, profit_tax)
    return expenditure(state, params, accounts, primary, retained, sums.abroad, sums.present), primary


def split_taxes(taxes: float, gdp: float, consumption_tax_rate: float, receipts: float,
                borne: float) -> tuple[float, float]:
    """The rate on primary incomes and the consumption tax that together raise ``taxes``: (fraction, som).

    Households spend all they receive, ``receipts - t x borne`` at market prices (``receipts``: their
    primary income before tax, transfers and remittances, som; ``borne``: the primary income whose
    tax they bear, their own and the retained surplus's, som), and ``theta = r / (1 + r)`` of it is the
    consumption tax at the tax-exclusive rate ``r``. So ``t x gdp + theta (receipts - t borne) = taxes``:
    ``t = (taxes - theta receipts) / (gdp - theta borne)``. With ``r = 0`` all taxes fall on primary
    incomes, ``t = taxes / gdp``.
    """
    theta = consumption_tax_rate / (1.0 + consumption_tax_rate)
    denominator = gdp - theta * borne
    rate = (taxes - theta * receipts) / denominator if denominator > 0 else 0.0
    return rate, theta * (receipts - rate * borne)


def consumption_tax_rate(accounts: Accounts, share: float) -> float:
    """The tax-exclusive consumption tax rate that raises ``share`` of the year's taxes, fraction (base year).

    Inverts :func:`split_taxes` on accounts computed without a consumption tax: the rate on primary
    incomes is then ``(1 - share) x taxes / GDP``, households spend ``receipts - t x borne``, and the
    consumption tax is ``share x taxes`` of that.
    """
    taxes, gdp = accounts.taxes_som, accounts.gdp_production_som
    if share <= 0 or taxes <= 0 or gdp <= 0:
        return 0.0
    receipts = (accounts.household_primary_income_som + accounts.transfers_som + accounts.regional_transfers_som
                + accounts.regional_current_som + accounts.remittances_received_som)
    borne = accounts.household_primary_income_som + accounts.surplus_retained_som
    spending = receipts - (1.0 - share) * taxes / gdp * borne
    theta = share * taxes / spending
    return theta / (1.0 - theta)


def expenditure(state: State, params: Params, accounts: Accounts, primary: PrimaryIncome,
                retained: np.ndarray, abroad: np.ndarray, present: np.ndarray) -> Accounts:
    """GDP by expenditure: where every som of income is spent, som (the accounts with C, I, G, NX).

    * consumption, at basic prices: households spend what they receive on the accounts basis
      (after-tax primary income summed over the household rows, transfers including the regional
      cash transfers, the regional money for running costs (local staff's wages: the model has no
      government production), and the remittances that reach them; they do not save), less the
      consumption tax in what they pay (``tax_consumption_som``);
    * investment: the firms' gross investment out of their own funds (``firm_investment_som``;
      beyond the retained surplus it is financed from abroad), ordinary public investment, and
      the regional money absorbed in infrastructure, business grants and roads;
    * government consumption: ordinary services, upkeep, other spending, the regional money
      absorbed in services, and the money lost to administration (it pays someone);
    * net exports: from the external account, not as a residual: the mine's surplus paid abroad
      after tax, less the remittances received, less investment financed from abroad, less the
      regional money financed from abroad (``budget_financing = "external"``).

    ``abroad``, ``present``: members abroad and at home per settlement (``RowSums``). Consumption is
    also kept by residence (``consumption_by_residence_som``: where households spend, what the
    markets plan on, ``labour.expected_demand``).

    So ``C + I + G + NX = GDP`` holds only if every income was paid out to someone and the
    government's budget balances; ``tests/test_accounts.py`` checks it every year.
    """
    hh = state.households
    ledger = state.ledger
    tax_rate = accounts.tax_rate
    per_migrant = remittance_per_migrant(state, params) * params.incomes.remittance_share_to_household
    remittances = float(abroad.sum()) * per_migrant
    # primary.after_tax(tax_rate) summed per settlement, in one compiled pass without temporaries
    after_tax_by_residence = kernels.after_tax_sums(hh.settlement, hh.alive, float(hh.weight), state.n_settlements,
                                                    primary.wage_som, primary.farm_som, primary.surplus_som,
                                                    primary.profit_tax_som, 1.0 - tax_rate)
    after_tax = float(after_tax_by_residence.sum())
    spent = (after_tax + accounts.transfers_som + accounts.regional_transfers_som
             + accounts.regional_current_som + remittances)  # at market prices
    consumption = spent - accounts.tax_consumption_som
    by_residence = after_tax_by_residence + present * transfer_per_person(state, params) + abroad * per_migrant
    if ledger.absorbed.size:  # the regional cash transfers and running costs are paid where they are absorbed
        by_residence = by_residence + ledger.absorbed[:, Channel.TRANSFERS] + ledger.absorbed[:, Channel.CURRENT]
    by_residence = by_residence / (1.0 + state.base.consumption_tax_rate)  # at basic prices, as consumption
    firm_investment = float(state.cols.firm_investment_som.sum())
    absorbed = ledger.absorbed.sum(axis=0)  # before the first budget year: shape (0, channels), sums 0
    lost = float(ledger.lost.sum())
    investment = (firm_investment + accounts.public_investment_som
                  + float(absorbed[Channel.INFRASTRUCTURE] + absorbed[Channel.GRANTS] + absorbed[Channel.ROADS]))
    government = (accounts.services_spending_som + accounts.upkeep_som + accounts.other_spending_som
                  + float(absorbed[Channel.SERVICES]) + lost)
    external = float(absorbed.sum()) + lost if params.government.budget_financing == "external" else 0.0
    financed_abroad = firm_investment - float(retained.sum())
    net_exports = (1.0 - tax_rate) * accounts.surplus_abroad_som - remittances - financed_abroad - external
    return dataclasses.replace(accounts, remittances_received_som=remittances, consumption_som=consumption,
                               consumption_by_residence_som=by_residence,
                               investment_som=investment, government_som=government, net_exports_som=net_exports)


def cash_benefit(state: State, params: Params, rng: np.random.Generator) -> np.ndarray | None:
    """The regional cash transfers paid to each household row this year, som per real household (None: none paid).

    The ``cash_transfers`` benchmark (issue 24): the transfers channel's money absorbed in each
    settlement (``ledger.absorbed``) is paid, as the monthly benefit for low-income families is,
    to households that pass a means test on last year's consumption per person: a share
    ``policy.transfer_coverage`` of the poor households is reached (a fresh uniform draw per row
    and year: exclusion error and churn), and ``policy.transfer_leakage_share`` of the money goes
    to covered households that were not poor (inclusion error). Within each group the money is
    split per member at home; where a settlement has no covered household of a group, its money
    goes to every member at home there, so every som absorbed is paid (the accounts close).
    Draws nothing when no transfer is paid.
    """
    hh = state.households
    ledger = state.ledger
    if not (ledger.absorbed[:, Channel.TRANSFERS] > 0).any():
        return None
    pol, inc = params.policy, params.incomes
    money = ledger.absorbed[:, Channel.TRANSFERS]
    present = hh.present().astype(np.float32)
    consumption = consumption_per_person(state, inc.consumption_smoothing, price=poverty_deflator(state, params))
    poor = consumption < inc.poverty_line_som
    covered = rng.random(len(hh.alive)) < pol.transfer_coverage
    n_s = state.n_settlements
    itself = np.arange(n_s)
    paid = np.zeros(len(hh.alive))
    for group, share in ((poor, 1.0 - pol.transfer_leakage_share), (~poor, pol.transfer_leakage_share)):
        key = present * (covered & group)
        paid += _shares(hh, money * share, key, hh.per_settlement(key, n_s), lambda: present, itself, n_s)
    return paid.astype(np.float32)


def running_cost_pay(state: State, sums: RowSums | None = None) -> np.ndarray | None:
    """Regional money for local running costs, paid as local public staff's wages, som per real household.

    The current channel's money absorbed in each settlement (``policy.current_share`` of a
    place-based allocation) pays the wages of local public staff: it is income of the settlement's
    households, split by ``employed x skill x efficiency`` as compensation is (by members at home where
    no one is employed), so every som absorbed is paid. The model has no government production, so this
    builds nothing and raises no output directly. None when no such money was absorbed. ``sums``:
    ``RowSums.of(state)`` if the caller has it.
    """
    hh = state.households
    ledger = state.ledger
    if not (ledger.absorbed[:, Channel.CURRENT] > 0).any():
        return None
    n_s = state.n_settlements
    key = hh.employed * hh.earning_skill()
    key_sum = hh.per_settlement(key, n_s) if sums is None else sums.wage_key
    paid = _shares(hh, ledger.absorbed[:, Channel.CURRENT], key, key_sum,
                   lambda: hh.present().astype(np.float32), np.arange(n_s), n_s)
    return paid.astype(np.float32)


def transfer_per_person(state: State, params: Params) -> float:
    """Transfers (pensions, benefits) per person at home this year, som (real growth from 2017)."""
    inc = params.incomes
    return inc.transfer_som_per_person * (1 + inc.transfer_growth_rate_per_year) ** (state.year - state.base.year)


def remittance_per_migrant(state: State, params: Params) -> float:
    """What one member abroad sends home this year, som (real growth from 2017)."""
    mig = params.migration
    years = state.year - state.base.year
    trend = mig.remittance_som_per_migrant * (1 + mig.remittance_growth_rate_per_year) ** years
    return trend * shocks.national_factor(params, "remittances_per_migrant", state.year)


def price_level(state: State, congestion_elasticity: float) -> np.ndarray:
    """Each settlement's price level relative to the 2017 population-weighted national mean, ratio, shape (S,).

    The living-cost index ``cols.living_cost`` (``(population / median 2017 population)^congestion``)
    divided by its 2017 mean, so that the national poverty line stays in 2017 national prices.
    """
    return state.cols.living_cost / _base_price_level(state.base, congestion_elasticity)


_BASE_PRICE_LEVELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _base_price_level(base: BaseYear, congestion_elasticity: float) -> float:
    """The 2017 population-weighted mean living-cost index, computed once per run (the base year is frozen)."""
    levels = _BASE_PRICE_LEVELS.setdefault(base, {})
    if congestion_elasticity not in levels:
        pop0 = np.maximum(np.asarray(base.population, dtype=float), 1.0)
        levels[congestion_elasticity] = np.average(living_cost_index(pop0, pop0, congestion_elasticity), weights=pop0)
    return levels[congestion_elasticity]


def consumption_per_person(state: State, smoothing: float, income_pp: np.ndarray | None = None,
                           present: np.ndarray | None = None, mean: np.ndarray | None = None,
                           price: np.ndarray | None = None) -> np.ndarray:
    """Consumption per member at home, som per person per year, per household row (0 for dead rows).

    Args:
        state: Current state.
        smoothing: ``incomes.consumption_smoothing``, fraction.
        income_pp: Income per person per row, if already computed.
        present: Members at home per row, if already computed.
        mean: Mean income per person at home per settlement, som, if already computed.
        price: Price level per settlement (``price_level ** incomes.poverty_price_deflation``) that
            deflates consumption to national prices, as the KIHS does; ``None``: no deflation.
    """
    hh = state.households
    n_s = state.n_settlements
    income_pp = hh.income_per_person() if income_pp is None else income_pp
    present = hh.present() if present is None else present
    if mean is None:
        people = hh.per_settlement(present, n_s)
        mean = np.divide(hh.per_settlement(income_pp * present, n_s), people, out=np.zeros(n_s), where=people > 0)
    s = smoothing
    consumption = np.float32(1 - s) * income_pp
    consumption += (np.float32(s) * mean.astype(np.float32))[hh.settlement]  # in place: no temporary per row
    if price is not None:
        consumption /= price.astype(np.float32)[hh.settlement]
    return np.where(present > 0, consumption, np.float32(0))


def poverty_deflator(state: State, params: Params) -> np.ndarray | None:
    """The price level that deflates consumption in the poverty measure, or ``None`` (no deflation), (S,)."""
    return price_deflator(state, params.incomes.poverty_price_deflation, params.economy.congestion_elasticity)


def price_deflator(state: State, deflation: float, congestion_elasticity: float) -> np.ndarray | None:
    """``price_level ** deflation x consumer_price``, or ``None`` when both are 1, shape (S,).

    ``cols.consumer_price`` (what buyers pay for the firms' services within reach and for
    industrial goods, relative to 2017; ``labour.consumer_prices``) always deflates: the poverty
    line is in 2017 prices and is indexed to consumer prices, as the NSC indexes it to the CPI.
    ``deflation`` scales only the living-cost differences between places. Scalar arguments:
    memoisable.
    """
    consumer = state.cols.consumer_price
    moved = bool((consumer != 1.0).any())
    if deflation == 0:
        return consumer.copy() if moved else None
    level = price_level(state, congestion_elasticity) ** deflation
    return level * consumer if moved else level


def price_shock_deflator(state: State, params: Params) -> np.ndarray | None:
    """Per settlement, what a ``prices`` shock (docs/ODD.md 7.12) multiplies real incomes by, float32 (S,).

    A price level ``1 + size`` above its trend in a year divides every real income source there;
    None in a year without such a shock.
    """
    level = shocks.regional_factor(params, "prices", state.year, state.world.oblast_index,
                                   state.world.oblasts.oblast.tolist())
    if np.all(level == 1.0):
        return None
    return (1.0 / level).astype(np.float32)


def compute(state: State, params: Params, rng: np.random.Generator) -> IncomeOutcome:
    """The accounts, and incomes of every household and mean income per person per settlement."""
    hh = state.households
    inc = params.incomes
    sums = RowSums.of(state)
    accounts, primary = primary_income(state, params, sums)
    paid = [p for p in (cash_benefit(state, params, rng), running_cost_pay(state, sums)) if p is not None]
    paid += [np.zeros(0, np.float32)] * (2 - len(paid))  # regional money paid this year (empty: none)
    deflator = price_shock_deflator(state, params)
    # every source per row in float32 and income per settlement, in one compiled pass; dead rows have
    # no workers, members or migrants, so every source is 0 there
    wage, farm, surplus, transfer, remittance, income = kernels.survey_incomes(
        hh.settlement, hh.alive, float(hh.weight), state.n_settlements, hh.size, hh.abroad,
        state.base.survey_ratio.astype(np.float32), np.float32(1.0 - accounts.tax_rate),
        np.float32(transfer_per_person(state, params)),
        np.float32(remittance_per_migrant(state, params) * inc.remittance_share_to_household),
        # the survey misses remittances as it misses primary income (if remittances_in_survey_ratio)
        bool(inc.remittances_in_survey_ratio), primary.wage_som, primary.farm_som, primary.surplus_som,
        primary.profit_tax_som, paid[0], paid[1], np.zeros(0, np.float32) if deflator is None else deflator)
    n_s = state.n_settlements
    people = sums.present
    income_pc = np.divide(income, people, out=np.zeros(n_s), where=people > 0)
    return IncomeOutcome(wage, farm, surplus, transfer, remittance, income_pc, accounts)


def apply(state: State, outcome: IncomeOutcome) -> None:
    """Write incomes and the accounts."""
    hh = state.households
    hh.wage_som = outcome.wage_som
    hh.farm_som = outcome.farm_som
    hh.surplus_som = outcome.surplus_som
    hh.transfer_som = outcome.transfer_som
    hh.remittance_som = outcome.remittance_som
    state.cols.income_pc_som = outcome.income_pc_som
    state.cols.consumption_som = outcome.accounts.consumption_by_residence_som
    state.accounts = outcome.accounts
