"""The 2017 base year: households, firms and the calibration that anchors every mechanism.

Initialisation (ODD element 5) builds, from the world and one population seed (the run seed when
``scale.population_draw`` is ``"per_run"``, the default: the same for every strategy of a
replication, a new draw for each replication; ``scale.world_seed`` when it is ``"world"``), in the
order of :func:`build_state`:

1. households per settlement summing to its 2017 population (one row per ``household_weight``
   households; sizes 1 + Poisson, members abroad spread so the national stock matches 2017), then
   the spin-up of the leave-and-return rule that spreads members abroad as the rule does;
2. the commuting, market-access and spread kernels;
3. output targets: each oblast's GRP (2017 GRP per person x population) split into mining
   (exogenous, ``economy.mining_rayon``), farming (``agriculture_gdp_share`` of GDP, by farmers)
   and firms (the rest, by base-year jobs, ``urban_output_premium`` in centres and towns);
4. firm agents sized to the firm output, capital on its balanced-growth path below the desired
   level, productivity per settlement solved so that the firms produce that output with the
   base-year jobs, and wages equal to the marginal product;
5. the base year (``BaseYear``) and the settlement columns assembled into a ``State``;
6. calibration: the 2017 labour market, the government's other spending (the residual of 2017
   taxes), ONE national survey-to-accounts ratio such that the 2017 national poverty rate is
   reproduced (regional differences come from the mechanisms), incomes, and the base rate of
   labour migration that keeps the 2017 stock abroad steady;
7. the markets' anchors (issue 24): the share of consumption spent on services, each place's
   attraction of service spending that reproduces its 2017 service sales at price 1, industrial
   sales, and the expected profit per enterprise that entry compares with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from regsim.errors import DataError, ScenarioError
from regsim.model import markets
from regsim.model.firms import SECTOR_INDUSTRY, SECTOR_SERVICES, FirmTable
from regsim.model.households import SPARE_FACTOR, Households
from regsim.model.processes import incomes, labour, migration, production, productivity, roads
from regsim.model.processes import investment as investment_process
from regsim.model.state import CHANNELS, BaseYear, Flows, MarketRecord, SettlementColumns, State
from regsim.model.world import World
from regsim.params import Params
from regsim.rng import stream, variables

BISECTION_STEPS = 40  # halvings of the log range 1e-3..1e3: precision 1e-11 in log scale
ACCESS_LOG_ODDS_BOUND = 30.0  # numerics: access searched over log odds -30..30 (shares 1e-13 to 1 - 1e-13)

URBAN_KINDS = ("capital", "growth_centre", "town")


def _households(world: World, params: Params, rng: np.random.Generator) -> Households:
    """Household rows per settlement summing to its 2017 population, with sizes, skills and members abroad.

    Sets every household column: one row per ``household_weight`` households, sizes 1 + Poisson
    (urban or rural mean), skills log-normal, the labour-force draw, and the members abroad spread
    evenly so that the national stock matches ``initial_migrants_abroad``; then the labour force.
    """
    dem = params.demography
    weight = params.scale.household_weight
    sizes_all, settlement_all = [], []
    for sid, row in world.settlements.iterrows():
        persons = round(row.population_2017 / weight)
        mean = dem.household_size_urban if row.kind in URBAN_KINDS else dem.household_size_rural
        n_draw = int(persons / mean * 1.3) + 10
        sizes = np.minimum(1 + rng.poisson(mean - 1, n_draw), dem.max_household_size)
        cum = np.cumsum(sizes)
        while cum[-1] < persons:  # a low max_household_size caps sizes below the mean: draw more
            more = np.minimum(1 + rng.poisson(mean - 1, n_draw), dem.max_household_size)
            sizes = np.concatenate([sizes, more])
            cum = np.cumsum(sizes)
        k = int(np.searchsorted(cum, persons))
        sizes = sizes[: k + 1].copy()
        sizes[-1] -= int(cum[k] - persons)
        sizes = sizes[sizes > 0]
        sizes_all.append(sizes)
        settlement_all.append(np.full(len(sizes), sid))
    sizes = np.concatenate(sizes_all)
    n = len(sizes)
    hh = Households.empty(int(n * SPARE_FACTOR) + 16, weight)
    hh.alive[:n] = True
    hh.size[:n] = sizes
    hh.settlement[:n] = np.concatenate(settlement_all)
    sigma = params.incomes.skill_dispersion
    hh.skill[:n] = rng.lognormal(-0.5 * sigma**2, sigma, n)
    hh.u_labour[:n] = rng.random(n)
    eligible = np.minimum(np.maximum(sizes - 1, 0), dem.migrants_per_household_cap)
    oblast = np.asarray(world.oblast_index)[hh.settlement[:n]]
    slots = np.bincount(oblast, weights=eligible, minlength=len(world.oblasts))
    share = np.divide(_abroad_targets(world, params, hh), slots, out=np.zeros(len(slots)), where=slots > 0)
    hh.abroad[:n] = np.minimum(np.floor(eligible * share[oblast] + rng.random(n)), eligible)
    hh.update_labour(dem.labour_force_first_member, dem.labour_force_per_other_member)
    return hh


def _abroad_targets(world: World, params: Params, hh: Households) -> np.ndarray:
    """The 2017 members abroad per oblast, in household rows' units (persons / household_weight), shape (O,).

    ``migration.abroad_oblast_share`` of the national stock is placed in proportion to each
    oblast's households times its share of households with a migrant (``oblasts.csv``
    ``households_with_migrant_pct``: the south sends most labour migrants), the rest in proportion
    to the members who could be abroad (household size - 1, at most
    ``demography.migrants_per_household_cap``).
    """
    mig = params.migration
    n_o = len(world.oblasts)
    alive = hh.alive
    oblast = np.asarray(world.oblast_index)[hh.settlement[alive]]
    eligible = np.minimum(np.maximum(hh.size[alive].astype(np.int64) - 1, 0),
                          params.demography.migrants_per_household_cap)
    slots = np.bincount(oblast, weights=eligible, minlength=n_o)
    with_migrant = np.bincount(oblast, minlength=n_o) * world.oblasts.households_with_migrant_pct.to_numpy(float)
    c = mig.abroad_oblast_share
    even = slots / max(slots.sum(), 1e-12)
    surveyed = with_migrant / with_migrant.sum() if with_migrant.sum() > 0 else even
    return mig.initial_migrants_abroad / hh.weight * ((1 - c) * even + c * surveyed)


def _abroad_rate(world: World, hh: Households, abroad: np.ndarray, return_rate: float) -> np.ndarray:
    """The yearly departure probability per oblast that holds ``abroad`` (rows' members per oblast) steady, (O,).

    Departures from households with two or more in the labour force equal returns
    (``return_rate x abroad``); at most 1.
    """
    n_o = len(world.oblasts)
    oblast = np.asarray(world.oblast_index)[hh.settlement]
    eligible = np.bincount(oblast, weights=(hh.labour >= 2) & hh.alive, minlength=n_o)
    rate = np.divide(return_rate * abroad, eligible, out=np.zeros(n_o), where=eligible > 0)
    return np.minimum(rate, 1.0)


def _spin_up_abroad(world: World, hh: Households, params: Params, rng: np.random.Generator) -> None:
    """Run the yearly leave-and-return rule (``migration.leave_and_return``) before 2017.

    The members abroad start spread evenly over households; the rule (one member leaves a household
    with two or more in the labour force, each member abroad returns with ``return_rate_per_year``)
    concentrates them in fewer households. Running it for ``abroad_spin_up_years`` at the rate that
    holds the national stock at ``initial_migrants_abroad`` gives the 2017 state the rule's own
    spread, so that the run does not start with a drift in who receives remittances. The rate is
    set per oblast so that each oblast's stock (:func:`_abroad_targets`) is held.
    """
    mig, dem = params.migration, params.demography
    target = _abroad_targets(world, params, hh)  # rows' members abroad per oblast
    oblast = np.asarray(world.oblast_index)[hh.settlement]
    for year in range(mig.abroad_spin_up_years):  # one stream per variable and spin-up year
        u_return, u_leave = variables(rng, (f"spin_up_{year}.u_return", f"spin_up_{year}.u_leave"), hh.capacity,
                                       np.float32)
        rate = _abroad_rate(world, hh, target, mig.return_rate_per_year).astype(np.float32)
        returning, leaving = migration.leave_and_return(hh.abroad, hh.labour, rate[oblast], mig.return_rate_per_year,
                                                        u_return, u_leave)
        hh.abroad = (hh.abroad - returning + leaving).astype(np.int16)
        hh.update_labour(dem.labour_force_first_member, dem.labour_force_per_other_member)


def build_state(world: World, params: Params, population_seed: int | None = None) -> State:
    """The calibrated 2017 state (deterministic given world, parameters and the population seed).

    ``population_seed`` seeds the initial households, the firms and the base-year labour market
    (default ``scale.world_seed``; ``RegionalModel`` passes the run seed when
    ``scale.population_draw`` is ``"per_run"``, so each replication draws its own population).

    Initialisation as its own schedule, each step a function below:

    1. households, then the spin-up of members abroad (the 2017 labour market depends on who is
       abroad, so the spin-up runs before it);
    2. the network: commuting, market-access and spread kernels from the 2017 population;
    3. base-year jobs and farmers expected from the wage-job shares, and the output targets;
    4. firms sized to the firm output, with the tfp that produces it;
    5. the base year and the settlement columns assembled into a ``State``;
    6. calibration on the state: the 2017 labour market, farm anchors, the government's other
       spending, the survey-to-accounts ratio, incomes and the base rate of labour migration.

    Raises:
        DataError: if mining and farming leave an oblast less than 10% of its GRP for firms.
        ScenarioError: if ``economy.mining_rayon`` names no settlement's rayon.
    """
    seed = params.scale.world_seed if population_seed is None else int(population_seed)
    household_rng = stream(seed, "households", 0)
    hh = _households(world, params, household_rng)
    _spin_up_abroad(world, hh, params, household_rng)
    population = hh.per_settlement(hh.size, world.n)
    kernels = roads.travel_kernels(world.road_km, params, population)  # 2017 road km
    targets = _output_targets(world, params, hh, population, kernels[0])
    firms, firm_tfp, wage = _firms(params, targets, stream(seed, "firms", 0))
    state = _assemble(world, params, hh, firms, kernels, targets, firm_tfp, wage)
    _ordinary_spending_path(state, params)
    _calibrate(state, params, targets, seed)
    _market_anchors(state, params)
    return state


@dataclass(frozen=True)
class _Targets:
    """Base-year quantities per settlement that initialisation aims at, shape (S,).

    Attributes:
        jobs: Wage jobs per job market, persons.
        farm_access: Share of the non-employed with land or an own-account alternative, fraction.
        farmers: Farmers expected from the wage-job shares, persons.
        mining_som: Exogenous mining output, som per year.
        farm_som: Farm output, som per year.
        firm_som: Firm output, som per year.
    """

    jobs: np.ndarray
    farm_access: np.ndarray
    farmers: np.ndarray
    mining_som: np.ndarray
    farm_som: np.ndarray
    firm_som: np.ndarray


def _output_targets(world: World, params: Params, hh: Households, pop0: np.ndarray,
                    commute: np.ndarray) -> _Targets:
    """Expected jobs and farmers, and each oblast's GRP split into mining, farming and firms.

    Jobs are the wage-job share of the job seekers of each market; the rest of the labour force
    farms where it has access. Each oblast's GRP (2017 GRP per person x population) is split into
    mining (``economy.mining_output_som`` in ``economy.mining_rayon``, by population), farming
    (``agriculture_gdp_share`` of GDP, by farmers) and firms (the rest, by jobs, with
    ``urban_output_premium`` in centres and towns). Jobs are capped where the firm output could not
    pay the wage floor.
    """
    econ, lab = params.economy, params.labour
    s = world.settlements
    n_s = world.n
    urban = s.kind.isin(URBAN_KINDS).to_numpy()
    labour_force = hh.per_settlement(hh.labour, n_s)
    seekers = commute.T @ (labour_force * (1 - lab.frictional_unemployment_rate))
    wage_share = np.where(urban, lab.wage_job_share_urban, lab.wage_job_share_village)
    jobs = wage_share * seekers
    reach = commute @ wage_share
    farm_access = _farm_access(world, params, reach, labour_force)
    farmers = labour_force * labour.farm_share(reach, farm_access)

    oblasts = world.oblasts
    grp = (oblasts.grp_per_capita_2017_som * oblasts.pop_2017_jan1).to_numpy(float)
    oblast_of = s.oblast_index.to_numpy()
    mining = np.zeros(n_s)
    mine = (s.rayon == econ.mining_rayon).to_numpy()
    if econ.mining_output_som > 0 and not mine.any():
        raise ScenarioError(f"economy.mining_rayon: no settlement in rayon {econ.mining_rayon!r}; allowed: "
                            + ", ".join(sorted(set(s.rayon[s.rayon != ""]))))
    if mine.any():
        mining[mine] = econ.mining_output_som * pop0[mine] / pop0[mine].sum()
    farm_target = econ.agriculture_gdp_share * grp.sum() * farmers / farmers.sum()
    firm_weighting = jobs * np.where(urban, econ.urban_output_premium, 1.0)
    firm_target = np.zeros(n_s)
    for o in range(len(oblasts)):
        in_o = oblast_of == o
        rest = grp[o] - mining[in_o].sum() - farm_target[in_o].sum()
        if rest <= 0.1 * grp[o]:
            raise DataError(
                f"economy.agriculture_gdp_share = {econ.agriculture_gdp_share:g} and economy.mining_output_som "
                f"= {econ.mining_output_som:g} leave {oblasts.oblast[o]} less than 10% of its 2017 GRP "
                f"({grp[o] / 1e9:.1f} bn som, oblasts.csv) for firms; lower one of them")
        firm_target[in_o] = rest * firm_weighting[in_o] / firm_weighting[in_o].sum()
    jobs = np.minimum(jobs, econ.labour_elasticity * firm_target / lab.reservation_wage_floor_som)
    return _Targets(jobs=jobs, farm_access=farm_access, farmers=farmers, mining_som=mining,
                    farm_som=farm_target, firm_som=firm_target)


def _farm_access(world: World, params: Params, reach: np.ndarray, labour_force: np.ndarray) -> np.ndarray:
    """Share of the rationed with land or own-account work per settlement, solved for 2017 unemployment.

    In each oblast (and city) the log odds of access are ``delta_o`` in villages and ``delta_o +
    ln(labour.urban_farm_access_odds_ratio)`` in centres and towns; ``delta_o`` is found by bisection
    so that the expected unemployment rate (``labour.unemployment_share`` weighted by the labour
    force) equals the oblast's observed 2017 rate (``oblasts.csv`` ``unemployment_2017_pct``, NSC).
    The rate falls monotonically in ``delta_o``; where the observed rate lies outside what access
    can give (below the frictional unemployment of those reached, or above it plus every rationed
    resident), the nearest bound is kept and validation shows the miss.

    Args:
        world: The world (settlement kinds and oblasts, oblast rates).
        params: Run parameters.
        reach: Share of residents' job seekers the wage markets hire in 2017, ``r``, fraction, shape (S,).
        labour_force: Labour force per settlement, persons, shape (S,).

    Returns:
        Access per settlement, fraction, shape (S,).
    """
    lab = params.labour
    urban = world.settlements.kind.isin(URBAN_KINDS).to_numpy()
    shift = np.where(urban, np.log(lab.urban_farm_access_odds_ratio), 0.0)
    oblast = np.asarray(world.oblast_index)
    n_o = len(world.oblasts)
    observed = world.oblasts.unemployment_2017_pct.to_numpy(float) / 100.0
    weight = np.bincount(oblast, weights=labour_force, minlength=n_o)
    lo, hi = np.full(n_o, -ACCESS_LOG_ODDS_BOUND), np.full(n_o, ACCESS_LOG_ODDS_BOUND)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        access = 1.0 / (1.0 + np.exp(-(mid[oblast] + shift)))
        rate = np.bincount(oblast, weights=labour_force * labour.unemployment_share(
            reach, access, lab.frictional_unemployment_rate), minlength=n_o) / np.maximum(weight, 1e-9)
        too_high = rate > observed  # too many unemployed: more access
        lo, hi = np.where(too_high, mid, lo), np.where(too_high, hi, mid)
    return 1.0 / (1.0 + np.exp(-(0.5 * (lo + hi))[oblast] - shift))


def _firms(params: Params, targets: _Targets, rng: np.random.Generator) -> tuple[FirmTable, np.ndarray, np.ndarray]:
    """Firm agents sized to the firm output, capital on its growth path, tfp solved for the target.

    Sets every firm column (sector, productivity draw, lifetime, capital, employees, output,
    profit) and returns the table, the settlement tfp that makes the firms produce exactly the
    target with the base-year jobs, and the wage (the marginal product of labour), each shape (S,).
    """
    econ = params.economy
    firm_target, jobs = targets.firm_som, targets.jobs
    n_s = len(firm_target)
    per_agent = econ.mean_firm_output_som * params.scale.firm_weight
    n_agents = np.where(firm_target > 0, np.maximum(1, np.round(firm_target / per_agent)), 0).astype(int)
    total = int(n_agents.sum())
    firms = FirmTable.empty(int(total * 1.5) + 16)
    firms.alive[:total] = True
    firms.settlement[:total] = np.repeat(np.arange(n_s), n_agents)
    firms.sector[:total] = np.where(rng.random(total) < econ.industry_output_share, SECTOR_INDUSTRY, SECTOR_SERVICES)
    sigma = econ.firm_productivity_dispersion
    firms.productivity[:total] = rng.lognormal(-0.5 * sigma**2, sigma, total)
    hazard = max(econ.exit_hazard_per_year, 1e-12)
    lifetime = np.minimum(rng.geometric(hazard, total), production.MAX_LIFETIME_YEARS)
    firms.exit_year[:total] = params.time.start_year - 1 + lifetime
    a, b, c = econ.capital_elasticity, econ.labour_elasticity, econ.capital_cost_rate
    where = firms.settlement[:total]
    phi = firms.productivity[:total]
    # at the joint optimum of capital and labour a firm's output is proportional to
    # productivity^(1/(1-a-b)); share each settlement's firm output accordingly (exact calibration)
    size = phi ** (1.0 / (1.0 - a - b))
    output = firm_target[where] * size / np.bincount(where, weights=size, minlength=n_s)[where]
    # on a balanced-growth path, partial adjustment keeps capital a constant factor below its
    # desired level a Y / c; starting at the desired level would make capital (and growth) stall
    # until that lag has built up
    on_path = 1.0 / (1.0 + econ.capital_growth_on_path_per_year / max(econ.capital_adjustment_rate, 1e-9))
    capital = a * output / c * on_path
    employees = jobs[where] * output / firm_target[where]
    raw = phi * capital**a * employees**b
    tfp = firm_target / np.maximum(np.bincount(where, weights=raw, minlength=n_s), 1e-300)
    output = tfp[where] * raw
    firms.capital_som[:total] = capital
    firms.employees[:total] = employees
    firms.output_som[:total] = output
    wage = b * firm_target / np.maximum(jobs, 1e-9)
    firms.profit_som[:total] = output - wage[where] * employees - c * capital
    return firms, tfp, wage


def _assemble(world: World, params: Params, hh: Households, firms: FirmTable,
              kernels: tuple[np.ndarray, np.ndarray, np.ndarray], targets: _Targets, tfp: np.ndarray,
              wage: np.ndarray) -> State:
    """The state before calibration: the base year (provisional farm anchors) and the settlement columns.

    Public capital and service stocks are ``public_capital_to_output`` and ``services_to_output``
    times the output targets; market access comes from the 2017 population, the farms'
    local sales share from the 2017 firm and farm output; profitability, income, the
    survey-to-accounts ratio and the migration base rate are placeholders until :func:`_calibrate`.
    """
    econ = params.economy
    n_s = world.n
    commute, access_kernel, spread_kernel = kernels
    pop0 = hh.per_settlement(hh.size, n_s)
    alive = firms.alive
    industry = np.bincount(firms.settlement[alive], weights=np.where(firms.sector[alive] == SECTOR_INDUSTRY,
                                                                      firms.output_som[alive], 0.0), minlength=n_s)
    output_total = targets.firm_som + targets.farm_som + targets.mining_som
    local_sales = productivity.local_farm_sales(targets.firm_som, industry, targets.farm_som, spread_kernel, params)
    zeros = np.zeros(n_s)
    farm_income = np.divide(targets.farm_som, targets.farmers, out=zeros.copy(), where=targets.farmers > 0)
    base = BaseYear(
        year=params.time.start_year - 1, population=pop0, market_access=access_kernel @ pop0,
        public_capital_som=econ.public_capital_to_output * output_total,
        services_som=econ.services_to_output * output_total,
        tfp=tfp, farm_local_share=productivity.local_share(local_sales, targets.farm_som),
        income_pc_som=np.ones(n_s), reservation_wage_som=wage,
        farm_income_per_worker_som=farm_income, farm_tfp=farm_income, land=targets.farmers,
        farm_access=targets.farm_access, mining_output_som=targets.mining_som, survey_ratio=np.ones(n_s),
        household_size=_mean_household_size(hh, n_s), abroad_base_rate=zeros.copy(),
    )
    cols = SettlementColumns(
        population=pop0.copy(),
        public_capital_som=econ.public_capital_to_output * output_total,
        services_som=econ.services_to_output * output_total,
        pipeline_som=np.zeros((econ.time_to_build_years + 1, n_s)), grant_credit_som=zeros.copy(),
        tfp=tfp.copy(), trend=np.ones(n_s), farm_public_capital_factor=np.ones(n_s), farm_price=np.ones(n_s),
        farm_local_sales_som=local_sales,
        living_cost=productivity.living_cost_index(pop0, pop0, econ.congestion_elasticity),
        services_price=np.ones(n_s), industry_price=np.ones(n_s), consumer_price=np.ones(n_s),
        consumption_som=zeros.copy(),
        market_wage_som=wage, reservation_wage_som=wage.copy(),
        resident_wage_som=zeros.copy(), employment_rate=zeros.copy(), firm_output_som=targets.firm_som.copy(),
        industry_output_som=industry, farm_output_som=targets.farm_som.copy(),
        farm_income_per_worker_som=farm_income, output_som=output_total, income_pc_som=zeros.copy(),
        in_migrant_stock=zeros.copy(),
        # on the balanced-growth path firms invest (growth + depreciation) x capital of their own
        firm_investment_som=np.bincount(firms.settlement[alive], weights=firms.capital_som[alive], minlength=n_s)
        * (econ.capital_growth_on_path_per_year + econ.firm_capital_depreciation_rate),
        carry_over_som=np.zeros((n_s, len(CHANNELS))),
    )
    state = State(world=world, households=hh, firms=firms, base=base, cols=cols, commute=commute,
                  access_kernel=access_kernel, spread_kernel=spread_kernel,
                  move_kernel=migration.move_kernel(world.road_km, params),
                  year=params.time.start_year - 1)
    state.flows = Flows.zeros(n_s)
    return state


def _calibrate(state: State, params: Params, targets: _Targets, seed: int) -> None:
    """Run the 2017 labour market and incomes once and fix the base year on their outcome.

    Runs the labour market (stream ``labour`` of the population seed ``seed``), anchors land, farm
    productivity and farm income on the farmers it assigns, sets the government's other spending and
    the consumption tax's effective rate (``government.consumption_tax_share`` of 2017 taxes), solves the
    national survey-to-accounts ratio for the 2017 poverty rate, computes incomes
    (``base.income_pc_som``) and the base rate of labour migration that keeps the 2017 stock abroad
    steady (``base.abroad_base_rate``).
    """
    hh, cols = state.households, state.cols
    n_s = state.n_settlements
    # access solved again on the reach the 2017 labour market realises (jobs capped at the wage
    # floor); who has a wage job does not depend on access, so the market then runs with it
    first = labour.compute(state, params, stream(seed, "labour", 0))
    reach = labour.reach_from_employment(first.employment_rate, params.labour.frictional_unemployment_rate)
    labour_force = hh.per_settlement(hh.labour, n_s)
    state.base = replace(state.base, farm_access=_farm_access(state.world, params, reach, labour_force))
    base_rng = stream(seed, "labour", 0)
    labour.apply(state, labour.compute(state, params, base_rng))
    # anchor farming on the farmers the labour market actually assigns in 2017
    farmers = hh.per_settlement(hh.farming, n_s)
    has_farmers = farmers > 0
    farm_tfp = np.divide(targets.farm_som, farmers, out=np.zeros(n_s), where=has_farmers)
    state.base = replace(state.base, land=farmers, farm_tfp=farm_tfp, farm_income_per_worker_som=farm_tfp)
    cols.farm_income_per_worker_som = farm_tfp.copy()
    cols.farm_output_som = np.where(has_farmers, targets.farm_som, 0.0)
    cols.output_som = cols.firm_output_som + cols.farm_output_som + targets.mining_som
    state.base = replace(state.base, other_spending_share=_other_spending_share(state, params))
    # the consumption tax's effective rate, for its share of the 2017 taxes (accounts without it)
    accounts, _ = incomes.primary_income(state, params)
    state.base = replace(state.base, consumption_tax_rate=incomes.consumption_tax_rate(
        accounts, params.government.consumption_tax_share))
    state.base = replace(state.base, survey_ratio=_survey_ratio(state, params))
    income = incomes.compute(state, params, base_rng)
    incomes.apply(state, income)
    oblast = np.asarray(state.world.oblast_index)
    abroad = np.bincount(oblast[hh.settlement], weights=hh.abroad * hh.alive, minlength=len(state.world.oblasts))
    rate = _abroad_rate(state.world, hh, abroad, params.migration.return_rate_per_year)
    state.base = replace(state.base, income_pc_som=np.maximum(income.income_pc_som, 1.0),
                         abroad_base_rate=rate[oblast])


def _market_anchors(state: State, params: Params) -> None:
    """Fix the markets' base year on the calibrated 2017 outcome (``regsim.model.markets``).

    Services: the share of 2017 domestic absorption (``C + I + G``) spent on the firms' services
    (their output over absorption), and the attraction per service enterprise of each place that
    makes that spending, placed where households consume and split over the market-access kernel,
    buy each place's 2017 service output at price 1.
    Industry: its 2017 sales. Entry: 2017 expected profit per enterprise per settlement and sector,
    and GDP per resident (the outside option's anchor).
    """
    firms, cols = state.firms, state.cols
    n_s = state.n_settlements
    alive = firms.alive
    is_services = alive & (firms.sector == SECTOR_SERVICES)
    services = np.bincount(firms.settlement[is_services], weights=firms.output_som[is_services], minlength=n_s)
    enterprises = np.bincount(firms.settlement[is_services], minlength=n_s) * float(params.scale.firm_weight)
    accounts = state.accounts
    absorption = accounts.consumption_som + accounts.investment_som + accounts.government_som
    consumption = float(cols.consumption_som.sum())
    share = float(services.sum()) / absorption if absorption > 0 else 0.0
    spending = share * absorption * cols.consumption_som / max(consumption, 1.0)
    attraction = markets.fit_attraction(services, enterprises, state.access_kernel, spending)
    profit, _ = production.profit_per_enterprise(state, params)
    industry_sales = float(firms.output_som[alive & ~is_services].sum())
    state.base = replace(state.base, services_attraction=attraction, profit_per_enterprise=profit,
                         absorption_som=absorption, services_spending_share=share,
                         services_reach=markets.buyers_reach(attraction * enterprises, state.access_kernel),
                         industry_sales_som=industry_sales,
                         output_per_person=float(cols.output_som.sum()) / max(float(cols.population.sum()), 1.0))
    state.market = MarketRecord(clearing_level=1.0, planned_absorption_som=absorption,
                                goods_exports_som=industry_sales * params.economy.industry_export_share)


def _mean_household_size(hh: Households, n_s: int) -> np.ndarray:
    """Members per household in each settlement, persons (de jure), shape (S,)."""
    households = hh.per_settlement(hh.alive, n_s)
    return np.divide(hh.per_settlement(hh.size, n_s), households, out=np.ones(n_s), where=households > 0)


def _ordinary_spending_path(state: State, params: Params) -> None:
    """Fill the construction pipeline with the ordinary public investment of the years before 2018.

    Money started in the last ``time_to_build_years`` years is still being built, so the first
    simulated years complete ordinary investment as every later year does (no dip at the start).
    """
    investment, services = investment_process.ordinary_spending(state.cols.output_som, params)
    state.cols.pipeline_som[:-1] = investment
    state.ordinary_spending_som = (float(investment.sum()), float(services.sum()))


def _other_spending_share(state: State, params: Params) -> float:
    """Government spending other than transfers, ordinary investment and services and upkeep, share of GDP.

    The 2017 residual: taxes (``government.tax_revenue_share_gdp`` of GDP) less what the model
    spends explicitly; it then stays a constant share of GDP.

    Raises:
        ScenarioError: if the explicit spending alone exceeds the 2017 taxes.
    """
    gov = params.government
    cols = state.cols
    gdp = float(cols.output_som.sum())
    accounts, _ = incomes.primary_income(state, params)
    explicit = (accounts.transfers_som + accounts.public_investment_som + accounts.services_spending_som
                + accounts.upkeep_som)
    share = gov.tax_revenue_share_gdp - explicit / gdp
    if share < 0:
        raise ScenarioError(
            f"government.tax_revenue_share_gdp: {gov.tax_revenue_share_gdp:g} does not cover the 2017 transfers, "
            f"ordinary investment and services and upkeep ({explicit / gdp:.3f} of GDP); allowed: at least that")
    return share


def _survey_ratio(state: State, params: Params) -> np.ndarray:
    """The survey-to-accounts ratio per settlement that reproduces 2017 poverty (bisection), ratio, shape (S,).

    ``incomes.survey_ratio_scope = "country"``: ONE ratio for the national rate (the
    population-weighted mean of the 2017 oblast rates, 25.6%, NSC); ``"oblast"``: one per oblast for
    its rate. Poverty is measured on consumption (``incomes.consumption_per_person``), which is
    linear in the ratio: ``c = ratio * a + b`` per row, with ``a`` the household's after-tax primary
    income and ``b`` transfers and remittances, each mixed with the settlement means (remittances
    move into ``a`` with ``incomes.remittances_in_survey_ratio``), compared with the poverty line
    in local prices (``incomes.poverty_deflator``). So each rate falls monotonically in its ratio.
    """
    hh = state.households
    n_s = state.n_settlements
    accounts, primary = incomes.primary_income(state, params)
    earn = primary.after_tax(accounts.tax_rate)
    present = hh.present().astype(np.float64)
    remittances = (hh.abroad * params.migration.remittance_som_per_migrant
                   * params.incomes.remittance_share_to_household)
    if params.incomes.remittances_in_survey_ratio:  # scaled by the ratio like primary income
        earn = earn + remittances
        remittances = np.zeros_like(earn)
    other = present * params.incomes.transfer_som_per_person + remittances
    smoothing = params.incomes.consumption_smoothing
    people = np.maximum(hh.per_settlement(present, n_s), 1e-9)
    safe = np.maximum(present, 1.0)
    home = hh.settlement
    a = (1 - smoothing) * earn / safe + smoothing * (hh.per_settlement(earn, n_s) / people)[home]
    b = (1 - smoothing) * other / safe + smoothing * (hh.per_settlement(other, n_s) / people)[home]
    oblasts = state.world.oblasts
    rates = oblasts.poverty_rate_2017_pct.to_numpy(float) / 100.0
    if params.incomes.survey_ratio_scope == "country":
        group = np.zeros(n_s, dtype=int)
        targets = [float(np.average(rates, weights=oblasts.pop_2017_jan1.to_numpy(float)))]
    else:
        group = np.asarray(state.world.oblast_index)
        targets = list(rates)
    price = incomes.poverty_deflator(state, params)
    line = params.incomes.poverty_line_som * (np.ones(n_s) if price is None else price)[home]
    ratio = np.ones(len(targets))
    for g, target in enumerate(targets):
        rows = hh.alive & (group[home] == g) & (present > 0)
        ao, bo, p, lo_line = a[rows], b[rows], present[rows], line[rows]
        lo, hi = 1e-3, 1e3
        for _ in range(BISECTION_STEPS):
            mid = np.sqrt(lo * hi)
            rate = p[mid * ao + bo < lo_line].sum() / p.sum()
            lo, hi = (mid, hi) if rate > target else (lo, mid)
        ratio[g] = np.sqrt(lo * hi)
    return ratio[group]
