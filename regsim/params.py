"""Every model parameter: default, unit, allowed range, plausible range and source, in one place.

Parameters are frozen dataclasses grouped by mechanism. Each field is declared with :func:`param`,
which records its unit, the hard range a value must lie in (checked on creation, violations raise
:class:`~regsim.errors.ScenarioError` naming the key), the plausible range from the literature
(documented, used by sensitivity analysis) and the source of the default. No default lives
anywhere else: agents, processes, the CLI and plots read these objects.

Money is in som at 2017 prices; ``*_rate``/``*_share`` are fractions in [0, 1]; ``year`` is a
calendar year.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from regsim.errors import ScenarioError

STRATEGIES: Final = (
    "none",
    "equalisation_uniform",
    "equalisation_needs",
    "concentrated",
    "concentrated_hinterland",
    "concept_two_stage",
    "hybrid",
    "cash_transfers",
    "custom",
)
"""Names of the budget-allocation strategies (see ``regsim.model.policy``)."""

VITAL_RATES: Final = ("observed_then_projected", "constant")
"""Modes of ``demography.vital_rates`` (see ``regsim.model.processes.demography``)."""

DEFAULT_SEED: Final = 2017
"""The default seed of the synthetic world (``scale.world_seed``) and the base seed of experiments and
replications when none is given (``regsim compare``, ``validate``, ``robustness``, ``sensitivity``)."""

RUN_SEED: Final = 0
"""The seed of a single run when none is given (``regsim run``, ``RegionalModel``)."""

MAX_RETURNS_TO_SCALE: Final = 0.95
"""Largest allowed capital_elasticity + labour_elasticity of firms (1 would be constant returns)."""


def param(
    default: Any,
    unit: str,
    bounds: tuple[float | None, float | None] = (None, None),
    plausible: tuple[float, float] | None = None,
    source: str = "",
    doc: str = "",
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare a parameter field with its metadata.

    Args:
        default: Default value.
        unit: Unit of the value (``"som"``, ``"km"``, ``"1/year"``, ``"fraction"``, ...).
        bounds: Hard lower and upper bound (inclusive); ``None`` for unbounded.
        plausible: Range supported by evidence, used for sensitivity analysis.
        source: Where the default comes from.
        doc: One-line meaning.
        choices: Allowed values of a string parameter.

    Returns:
        A ``dataclasses.field`` carrying the metadata.
    """
    meta = {
        "unit": unit,
        "bounds": bounds,
        "plausible": plausible,
        "source": source,
        "doc": doc,
        "choices": choices,
    }
    return field(default=default, metadata=meta)


class _Validated:
    """Mixin: check every field against its declared type, bounds and choices on creation.

    Values are normalised to the declared type: a whole-number float such as ``2022.0`` (from TOML,
    ``--set`` or a design table) becomes the int ``2022`` for an ``int`` field, and an int becomes a
    float for a ``float`` field, so equal values give equal parameters (and equal hashes).
    Booleans, text, NaN and infinities are refused where a number is expected.
    """

    SECTION: str = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            key = f"{self.SECTION}.{f.name}"
            kind = str(f.type)
            optional = kind.endswith(" | None")
            kind = kind.removesuffix(" | None")
            if optional and value is None:
                continue
            meta = f.metadata
            if meta.get("choices") is not None:
                if not isinstance(value, str) or value not in meta["choices"]:
                    allowed = ", ".join(meta["choices"])
                    raise ScenarioError(f"{key}: unknown value {value!r}; allowed: {allowed}")
            elif kind == "str":
                if not isinstance(value, str):
                    raise ScenarioError(f"{key}: expected text, got {value!r}")
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise ScenarioError(f"{key}: expected true or false, got {value!r}")
            else:
                number = _check_number(key, value, f, integer=kind == "int")
                if number is not value:
                    object.__setattr__(self, f.name, number)


def _allowed(f: dataclasses.Field, integer: bool) -> str:
    """The allowed range of a numeric field as text, e.g. ``a whole number in [2018, 2100] year``."""
    lo, hi = f.metadata["bounds"]
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    kind = "a whole number" if integer else "a number"
    return f"{kind} in [{lo_s}, {hi_s}] {f.metadata['unit']}"


def _check_number(key: str, value: Any, f: dataclasses.Field, integer: bool) -> int | float:
    """Check a numeric field; return it as int (``integer``) or float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{key}: expected {_allowed(f, integer)}, got {value!r}")
    if isinstance(value, int) and abs(value) > 2**63:  # beyond every bound; float() would overflow
        raise ScenarioError(f"{key}: a {len(str(abs(value)))}-digit number is outside the allowed range; "
                            f"expected {_allowed(f, integer)}")
    if not math.isfinite(value):
        raise ScenarioError(f"{key}: expected {_allowed(f, integer)}, got {value!r}")
    if integer and not float(value).is_integer():
        raise ScenarioError(f"{key}: expected {_allowed(f, integer)}, got {value!r}")
    number: int | float = int(value) if integer else float(value)
    if type(number) is type(value) and number == value:
        number = value  # already the declared type: keep the object
    lo, hi = f.metadata["bounds"]
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        unit = f.metadata["unit"]
        raise ScenarioError(f"{key}: {value!r} is outside the allowed range [{lo_s}, {hi_s}] {unit}")
    return number


@dataclass(frozen=True)
class TimeParams(_Validated):
    """The simulated period. The world is the 2017 base year; steps are calendar years."""

    SECTION = "time"
    start_year: int = param(2018, "year", (2018, 2018), source="Concept period 2018-2022 (S_TCA_2017)",
                            doc="First simulated year; the state before it is the 2017 base year")
    end_year: int = param(2040, "year", (2018, 2100), source="issue 3: runs to 2040",
                          doc="Last simulated year (inclusive)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.end_year < self.start_year:
            raise ScenarioError(
                f"time.end_year: {self.end_year} is before time.start_year {self.start_year}; "
                f"allowed: {self.start_year} or later"
            )


@dataclass(frozen=True)
class ScaleParams(_Validated):
    """How many real units one model row stands for, and the seed of the synthetic world."""

    SECTION = "scale"
    household_weight: int = param(10, "households per row", (1, 10_000),
                                  source="model brief 2: 1 is the full 1:1 country",
                                  doc="Real households one household row stands for")
    firm_weight: int = param(10, "enterprises per agent", (1, 10_000),
                             source="numerics (issue 22): at 50 the lumpiness of firm agents decided the sign of "
                                    "strategy differences (seed spread of concentrated - none 220 som at 50, 52 at 10); "
                                    "regsim convergence checks that halving it (and household_weight) leaves the "
                                    "headline paired differences within their intervals (12 of 12 at 10 vs 5, "
                                    "6 seeds, 2040, 2026-12-08)",
                             doc="Real enterprises one Firm agent stands for")
    world_seed: int = param(DEFAULT_SEED, "seed", (0, 2**32 - 1), source="fixed convention",
                            doc="Seed of the synthetic village sizes (and of the initial households and firms "
                                "when population_draw is 'world')")
    population_draw: str = param(
        "per_run", "name", choices=("per_run", "world"),
        source="numerics (issue 22, regsim convergence): with one population for all replications the present "
               "value of concentrated - none moved by -1.2 to +1.3 bn som between draws of it at the same weights "
               "(world_seed 2017, 11, 12; 6 seeds each), so each weight setting was one draw and the intervals "
               "did not cover it",
        doc="'per_run': the initial households and firms are drawn from the run seed (each replication its own "
            "synthetic population, the same for every strategy of the replication); 'world': from world_seed "
            "(one population for every run, as before issue 22)")


@dataclass(frozen=True)
class DemographyParams(_Validated):
    """Natural increase and household structure."""

    SECTION = "demography"
    birth_rate_per_year: float = param(0.0265, "births per person per year", (0.0, 0.1), (0.02, 0.03),
                                       source="NSC crude birth rate 2017 about 26.5 per 1000 (estimate)")
    death_rate_per_year: float = param(0.0057, "deaths per person per year", (0.0, 0.1), (0.004, 0.007),
                                       source="NSC crude death rate 2017 about 5.7 per 1000 (estimate)")
    household_size_urban: float = param(3.7, "persons", (1.0, 10.0), (3.3, 4.2),
                                        source="2009 census urban households (estimate)")
    household_size_rural: float = param(4.6, "persons", (1.0, 10.0), (4.2, 5.2),
                                        source="2009 census rural households (estimate)")
    max_household_size: int = param(12, "persons", (4, 30), source="assumption: larger households split",
                                    doc="A household growing past this splits into two")
    household_formation_min_present: int = param(
        4, "persons", (2, 30), (3, 6),
        source="assumption; constant headship rates as in UN Manual VII household projections",
        doc="New households (marriages, grown children) split from households with at least this many "
            "members at home, as many as keep each settlement's mean household size at its 2017 value")
    labour_force_first_member: float = param(0.8, "persons", (0.0, 1.0), (0.7, 0.9),
                                             source="set with labour_force_per_other_member to 2.57 M in the labour force / 1.45 M households (NSC 2017, estimate)",
                                             doc="Expected labour-force members among a household's first member at home")
    labour_force_per_other_member: float = param(0.30, "persons per person", (0.0, 1.0), (0.25, 0.35),
                                                 source="as above; larger households have more children (estimate)",
                                                 doc="Expected labour-force members per further member at home")
    migrants_per_household_cap: int = param(2, "persons", (1, 10), source="assumption: few households send more than two",
                                            doc="Initial members abroad per household are spread over at most this many members")

    # --- vital rates that follow the data (issue 14); birth/death_rate_per_year above serve "constant"
    vital_rates: str = param("observed_then_projected", "name", choices=VITAL_RATES,
                             source="regsim/data/demography.csv: NSC 2017-2025, then the US Census IDB path",
                             doc="'observed_then_projected': crude rates of demography.csv by calendar year; "
                                 "'constant': birth_rate_per_year and death_rate_per_year every year")
    birth_rate_scale: float = param(1.0, "multiplier", (0.0, 3.0), (0.85, 1.15),
                                    source="sensitivity knob; births 2017-2025 ranged 138k-174k (demography.csv)",
                                    doc="Multiplies the crude birth rate of either vital_rates mode")


@dataclass(frozen=True)
class EconomyParams(_Validated):
    """Production, public capital, agglomeration, congestion and spread. Money in som, 2017 prices."""

    SECTION = "economy"
    tfp_growth_rate_per_year: float = param(0.02, "1/year", (-0.05, 0.1), (0.0, 0.03),
                                            source="estimate: with firms' capital deepening (capital_elasticity 0.3) 2% "
                                                   "gives GDP per person about 3%/year (2%/(1 - 0.3); measured 3.2% "
                                                   "in 2018-2040 under 'none'); real GDP per person grew 2-3%/year in "
                                                   "2010-2019 and IMF/World Bank medium-term projections are about 3%",
                                            doc="Exogenous technical progress, the same in every settlement and farm")
    agglomeration_elasticity: float = param(0.04, "elasticity", (0.0, 0.3), (0.0, 0.10),
                                            source="Rosenthal & Strange 2004; Combes & Gobillon 2015: 0.02-0.08",
                                            doc="Elasticity of firm productivity to market access")
    congestion_elasticity: float = param(0.05, "elasticity", (0.0, 0.3), (0.0, 0.15),
                                         source="Combes, Duranton & Gobillon 2019: elasticity of urban costs to population about 0.04-0.05 (range 0-0.15 of beliefs)",
                                         doc="Elasticity of living cost (housing, commuting) to population: the one place the cost of size enters")
    access_decay_km: float = param(60.0, "km", (1.0, 1000.0), (30.0, 120.0),
                                   source="assumption, docs/ODD.md section 7",
                                   doc="Road distance at which a neighbour's weight in market access falls to 1/e")
    public_capital_elasticity: float = param(0.08, "elasticity", (0.0, 0.5), (0.05, 0.20),
                                             source="Bom & Ligthart 2014 meta-analysis mean about 0.08",
                                             doc="Output elasticity of public capital per person")
    productivity_per_output_elasticity: float = param(
        0.65, "ratio", (0.0, 5.0), (0.45, 0.9),
        source="fitted with regsim elasticity (6 paired seeds, 1% shock, issue 22): the output elasticity per "
               "unit of public capital PRESENT at the horizon, target 0.08 (public_capital_elasticity, Bom & "
               "Ligthart 2014; judged within 0.05-0.11), was 0.118 (5 years) and 0.18 (10 years) at ratio 1.0 and "
               "0.055 and 0.065 at 0.55 (standard errors 0.004-0.025), so 0.65 (docs/validation.md); it was 1.0 "
               "while the elasticity was divided by the initial shock, part of which has depreciated; plausible "
               "range: the ratios that keep the emergent value within 0.05-0.11",
        doc="Exponent of public and service capital in firm and farm productivity per unit of the target OUTPUT "
            "elasticity: firms then hire and invest, so output responds more (or, with wages rising, less) "
            "than productivity")
    public_capital_depreciation_rate: float = param(0.04, "1/year", (0.0, 0.5), (0.02, 0.06),
                                                    source="IMF Investment and Capital Stock Dataset convention")
    public_capital_to_output: float = param(1.0, "years of output", (0.1, 5.0), (0.6, 1.5),
                                            source="IMF ICSD: general government capital about 1x GDP in lower-middle income countries (estimate)",
                                            doc="Initial public capital stock per som of annual settlement output")
    time_to_build_years: int = param(1, "years", (0, 5), (1, 2), source="model brief 4.2: 1-2 years",
                                     doc="Lag between absorbed infrastructure money and usable capital")
    services_elasticity: float = param(0.05, "elasticity", (0.0, 0.5), (0.0, 0.10),
                                       source="assumption (returns to schooling/health capital), docs/ODD.md",
                                       doc="Elasticity of labour productivity to public-service capital per person")
    services_depreciation_rate: float = param(0.15, "1/year", (0.0, 1.0), (0.10, 0.25),
                                              source="assumption: service spending wears off within 5-10 years")
    services_to_output: float = param(0.15, "years of output", (0.01, 2.0), (0.10, 0.25),
                                      source="assumption: health and education spending about 15% of GDP over 3 years")
    capital_elasticity: float = param(0.30, "elasticity", (0.05, 0.6), (0.25, 0.40),
                                      source="standard Cobb-Douglas capital share")
    labour_elasticity: float = param(0.55, "elasticity", (0.1, 0.9), (0.45, 0.65),
                                     source="labour and mixed income share (SDG 10.4.1 26.8% + mixed income, estimate)",
                                     doc="Output elasticity of labour in firms; capital + labour < 1 (span of control)")
    farm_labour_elasticity: float = param(0.5, "elasticity", (0.05, 0.95), (0.3, 0.6),
                                          source="land-constrained farming, diminishing returns (estimate)")
    # upper bound: above about 0.27 farming takes more than 90% of Osh oblast's 2017 GRP and leaves
    # firms nothing to calibrate on (initialise.build_state); 0.25 works with mining at its upper bound
    agriculture_gdp_share: float = param(0.125, "fraction of GDP", (0.0, 0.25),
                                         source="national_macro.csv gdp_share_agriculture 2017 (estimate)")
    # upper bound: all mining is in Issyk-Kul (Jeti-Oguz); above about 62 bn som it takes more than
    # 90% of Issyk-Kul's 2017 GRP after farming (initialise.build_state); 55 bn works at any farm share
    mining_output_som: float = param(53.0e9, "som/year", (0.0, 5.5e10),
                                     source="Kumtor about 10% of GDP (S_24KG_KUMTOR); exogenous stream in Issyk-Kul",
                                     doc="Exogenous mining output, Jeti-Oguz rayon (Kumtor)")
    farm_input_share_industry: float = param(
        0.15, "fraction of industrial output", (0.0, 1.0), (0.08, 0.25),
        source="estimate: food and beverages are about a third of non-gold manufacturing (NSC) and buy farm "
               "inputs worth 0.4-0.5 of their output (typical input-output coefficients, OECD ICIO); no Kyrgyz "
               "input-output table in the shared data",
        doc="Farm products industrial firms buy per som of output, from farms within reach (intermediate demand)")
    farm_input_share_services: float = param(
        0.03, "fraction of services output", (0.0, 1.0), (0.01, 0.06),
        source="estimate: restaurants, hotels and trade buy food; typical input-output coefficients (OECD ICIO)",
        doc="Farm products service firms buy per som of output, from farms within reach")
    farm_marketing_margin: float = param(
        0.3, "fraction of the market price", (0.0, 0.9), (0.15, 0.45),
        source="estimate: farmers receive about 50-70% of the market price of produce sold through traders in "
               "Central Asia (FAO value-chain studies)",
        doc="Share of the market price a farm loses to transport and traders when it sells to distant markets; "
            "a sale to a buyer within reach pays the full price (the spread effect, paid by buyers)")
    spread_decay_km: float = param(50.0, "km", (1.0, 1000.0), (25.0, 100.0), source="assumption",
                                   doc="Road distance at which a buyer's purchases from a farm fall to 1/e")
    services_substitution_elasticity: float = param(
        4.0, "elasticity", (1.1, 50.0), (3.0, 8.0),
        source="assumption within the trade elasticities of the literature: Head & Mayer 2014 (median structural "
               "gravity estimate about 5), Broda & Weinstein 2006 (median elasticity between varieties about 3-4)",
        doc="Elasticity of substitution between the services of different places: buyers split their service "
            "spending over places within reach (distance decay economy.access_decay_km) in proportion to "
            "enterprises x price^(1 - this) (regsim.model.markets)")
    expected_demand_growth_first_year: float = param(
        0.043, "1/year", (-0.5, 0.5), (0.03, 0.055),
        source="national_macro.csv: real GDP growth 2017 4.3% (NSC, preliminary; revised up to about 4.7%)",
        doc="Growth of domestic spending firms expect in the first simulated year; later years expect its "
            "mean growth since the base year (regsim.model.markets.expected_growth)")
    industry_price_elasticity: float = param(
        4.0, "elasticity", (1.1, 50.0), (2.0, 8.0),
        source="Simonovska & Waugh 2014: trade elasticity about 4; Head & Mayer 2014: median about 5",
        doc="Price elasticity of the demand for Kyrgyz industrial goods (exports against world prices, domestic "
            "sales against imports): sales value moves as price^(1 - this)")
    industry_export_share: float = param(
        0.35, "fraction of industrial sales", (0.0, 1.0), (0.2, 0.5),
        source="estimate: 2017 exports of goods about 1.8 bn USD, of which gold about 0.7 bn (NSC, estimate): "
               "non-gold exports about 75 bn som, roughly a third of non-mining industrial and construction "
               "output; no Kyrgyz input-output table in the shared data",
        doc="Share of industrial firms' 2017 sales that went abroad; that part of demand grows with export "
            "markets, the rest with domestic absorption (household consumption, investment, government)")
    export_market_growth_per_year: float = param(
        0.035, "1/year", (-0.2, 0.3), (0.02, 0.05),
        source="estimate: real GDP growth of the main trading partners (Russia, Kazakhstan, China), weighted by "
               "exports, about 3-4% a year in IMF World Economic Outlook projections",
        doc="Real growth of the export markets of industrial goods at constant prices")
    industry_output_share: float = param(0.30, "fraction of firm output", (0.0, 1.0),
                                         source="national_macro.csv: non-mining industry + construction / firm output (estimate)")
    mean_firm_output_som: float = param(2.5e6, "som/year per enterprise", (1e4, 1e10),
                                        source="assumption: about 160k enterprises and entrepreneurs for 400 bn som")
    firm_productivity_dispersion: float = param(0.2, "log s.d.", (0.0, 1.0), (0.1, 0.3),
                                                source="assumption: gives firm output a log s.d. of 0.2/(1-0.85) = 1.3 (Syverson 2011)",
                                                doc="Log s.d. of firm productivity draws")
    firm_capital_depreciation_rate: float = param(0.08, "1/year", (0.0, 0.5), source="standard")
    capital_adjustment_rate: float = param(0.3, "1/year", (0.0, 1.0), (0.1, 0.5), source="assumption",
                                           doc="Share of the gap to desired capital closed each year (investment is irreversible)")
    capital_growth_on_path_per_year: float = param(
        0.055, "1/year", (0.0, 0.5), (0.03, 0.08),
        source="balanced-growth initialisation: firm capital grows 5.5%/year in 2025-2040 at the "
               "defaults (measured, regsim 2026-12-01; 6.0-6.2% before service demand followed local "
               "income relative to other places); starting at desired capital instead made "
               "capital and GDP per person stall in 2018-2020 (growth 0.5% in 2018) while it caught up",
        doc="Growth of firms' desired capital on the path the base year is placed on: capital starts "
            "at desired / (1 + this / capital_adjustment_rate), the lag partial adjustment keeps")
    # lower bound > 0: desired capital is capital_elasticity x output / capital_cost_rate
    capital_cost_rate: float = param(0.15, "1/year", (0.01, 1.0), (0.10, 0.20),
                                     source="NBKR lending rates about 15-20% in som (estimate)",
                                     doc="Interest and depreciation a firm pays on its capital")
    exit_after_loss_years: int = param(3, "years", (1, 20), source="assumption",
                                       doc="A firm exits after this many consecutive loss-making years")
    exit_hazard_per_year: float = param(0.04, "1/year", (0.0, 1.0), (0.02, 0.08),
                                        source="enterprise exit rates in transition economies (estimate)")
    entry_rate_per_year: float = param(0.04, "entrant enterprises per incumbent enterprise per year", (0.0, 1.0),
                                       (0.02, 0.10),
                                       source="equal to the exit hazard, so entrants replace the firms whose "
                                              "lifetimes end while profits keep pace with the outside option; exits "
                                              "after losses come on top (strategy none, 2018-2040, 1:100, seeds 1-3: "
                                              "0.2-0.35% of firms a year, none in 2018-2020, 1.9% in the worst year), "
                                              "so firm numbers are not steady by construction (docs/ODD.md 7.4)",
                                       doc="Entry rate when expected profit per enterprise has grown as the "
                                           "outside option has (national output per person)")
    entry_profit_elasticity: float = param(
        1.0, "elasticity", (0.0, 10.0), (0.5, 2.0), source="assumption (free entry: entry rises with expected profit)",
        doc="Elasticity of entry to the growth of expected profit per enterprise relative to the outside option")
    entry_floor_enterprises: float = param(
        1.0, "enterprises", (0.0, 1000.0), (0.5, 5.0), source="assumption",
        doc="Potential entrants a settlement and sector with no enterprise still draws, as if it had this many "
            "(counted in enterprises: the same at any scale.firm_weight)")
    urban_output_premium: float = param(2.0, "ratio", (1.0, 10.0), (1.5, 3.0),
                                        source="assumption: non-farm output per person in towns vs villages",
                                        doc="Base-year firm output per person in centres and towns relative to villages")
    grant_entry_som: float = param(1.5e6, "som per entrant", (1e3, 1e10), (0.5e6, 5e6),
                                   source="incentive grants averaged about 2.4 M som per project, 2019 (S_24KG_GRANTS2019)",
                                   doc="Business-grant money that sets up one extra real enterprise")
    # --- entry and the mine (were constants in processes/production.py and model/initialise.py) ---
    entrant_capital_share: float = param(0.5, "fraction of incumbents' mean capital", (0.01, 2.0), (0.3, 0.8),
                                         source="Cabral & Mata 2003: entrants start smaller than incumbents "
                                                "(assumption)",
                                         doc="Capital of a profit-driven entrant relative to the mean capital of the "
                                             "firms in its settlement")
    max_entry_multiple: float = param(3.0, "ratio", (1.0, 100.0), (2.0, 5.0), source="assumption",
                                      doc="Entry in a settlement and sector is at most this multiple of its base rate, "
                                          "however much its expected profit grew")
    mining_rayon: str = param("Jeti-Oguz", "rayon", source="Kumtor gold mine (S_24KG_KUMTOR)",
                              doc="Rayon whose villages hold the exogenous mining output (mining_output_som)")

    def __post_init__(self) -> None:
        super().__post_init__()
        # firms' profit at the optimum grows as productivity^(1/(1 - a - b)): returns to scale must
        # be decreasing (span of control), and near 1 the exponent overflows
        total = self.capital_elasticity + self.labour_elasticity
        if total > MAX_RETURNS_TO_SCALE + 1e-12:
            raise ScenarioError(
                f"economy.capital_elasticity + economy.labour_elasticity must be at most "
                f"{MAX_RETURNS_TO_SCALE:g} (decreasing returns), got {total:g}"
            )


@dataclass(frozen=True)
class LabourParams(_Validated):
    """Labour market: commuting, reservation income, frictions, access to own-account work."""

    SECTION = "labour"
    commuting_radius_km: float = param(40.0, "km", (0.0, 500.0), (0.0, 80.0),
                                       source="assumption; Dawid, Harting & Neugart 2014: integration decides rankings",
                                       doc="Road distance within which residents look for jobs in another settlement")
    commuting_share: float = param(0.3, "fraction", (0.0, 1.0), (0.0, 0.5), source="assumption",
                                   doc="Weight of a neighbouring job market (at zero km) relative to one's own")
    frictional_unemployment_rate: float = param(
        0.03, "fraction of those reaching wage jobs", (0.0, 0.5), (0.02, 0.05),
        source="assumption, not fitted (issue 14): the lowest ILO rates of tight neighbouring labour markets, "
               "Russia 3.2% in 2023 (Rosstat, all-time low) and Kazakhstan 4.6% in 2024 (BNS, record low); "
               "at most Osh city's 3.5% in 2017 and 2.6% in 2022 (NSC), where most job seekers have wage jobs",
        doc="Share of the residents the wage markets reach who are between jobs at any time (search "
            "unemployment, the steady state s/(s+f) of separations and job finding); they do not farm. The "
            "floor of unemployment where wage jobs are not rationed")
    # lower bound > 0: Bishkek and Osh city are wholly urban; with no wage jobs there the oblast's
    # firm output would have no settlement to go to (initialise.build_state)
    wage_job_share_urban: float = param(0.88, "fraction of job seekers", (0.01, 1.0), (0.8, 0.95),
                                        source="assumption, with farm shares giving ILO unemployment near 6.9%",
                                        doc="Base-year share of job seekers in wage jobs in centres and towns")
    wage_job_share_village: float = param(0.40, "fraction of job seekers", (0.0, 1.0), (0.3, 0.6),
                                          source="agriculture about 27% of employment, mostly rural (estimate)",
                                          doc="Base-year share of job seekers in wage jobs in villages")
    urban_farm_access_odds_ratio: float = param(
        0.214, "odds ratio", (1e-3, 1e3), (0.1, 0.5),
        source="the odds of the shares regsim calibrate fitted before issue 14 to 2017 unemployment in the two "
               "cities and the seven oblasts (0.618 in towns, 0.883 in villages); the level is solved per oblast "
               "at initialisation for its 2017 unemployment (NSC, oblasts.csv)",
        doc="Odds that a rationed town or city resident has an own-account alternative (a plot or informal "
            "work) relative to a village resident of the same oblast")
    wage_adjustment_rate: float = param(
        0.15, "1/year", (0.01, 1.0), (0.1, 0.5),
        source="assumption (sticky wages; partial adjustment of wages, e.g. Blanchard & Katz 1999); since "
               "issue 14 the target is this year's expected farm income, so no value makes wages cycle",
        doc="Share of the log gap to the reservation wage implied by the farm income expected this year "
            "(consistent with the wage set) closed each year")
    # lower bound > 0: a settlement without firms pays the floor and labour demand is
    # wage^(-1/(1 - labour_elasticity)); 1 som/year is in effect no floor
    reservation_wage_floor_som: float = param(62_000.0, "som/year per worker", (1.0, 1e7),
                                              source="subsistence minimum 5,185 som/month (S_24KG_BUDGET2018)",
                                              doc="No wage job pays less than this")


@dataclass(frozen=True)
class MigrationParams(_Validated):
    """Internal moves (logit over settlements), labour migration abroad, remittances, return."""

    SECTION = "migration"
    move_propensity_per_year: float = param(
        0.02, "1/year", (0.0, 1.0), (0.015, 0.03),
        source="fitted with income_weight (issue 22) to about 35k registered internal moves a year (S_DEMOSCOPE: "
               "30-40k in 1999-2009; national_macro.csv internal_migration_moves_per_year), Naryn's 2018 net loss of "
               "9 per 1000 (S_KNEWS_MIGR) and Bishkek's 64.4% of the gains: 29-33k movers a year in 2018-2022, "
               "Naryn -1.7k, Bishkek 64-67% (2 seeds, 1:10); at 0.03 with income_weight 2 only 10.5-15k moved",
        doc="Probability a household considers a move in a year (most who consider stay: the logit's stay option)")
    income_weight: float = param(
        5.0, "utility per log som", (0.0, 20.0), (4.0, 6.0),
        source="fitted with move_propensity_per_year (issue 22; see there): at 4 (propensity 0.03) 27-31k moves and "
               "Naryn -1.1k, at 6 (0.02) 40-49k and -2.8k; plausible range: the weights that keep both targets; "
               "was 2.0, an assumption (Harris & Todaro 1970 expected income)",
        doc="Weight of ln(real expected earnings) of a destination in the choice of where to live")
    mover_gain_share: float = param(
        0.2, "fraction of the log gap", (0.0, 1.0), (0.2, 0.5),
        source="sorting (issue 22, returns): with individual fixed effects the rural-urban productivity gap falls "
               "by about 80% (Hicks, Kleemans, Li & Miguel 2021, JEEA 19: 1522-1555, Kenya and Indonesia), so a "
               "mover gains about 0.2 of the log gap between places; about half of spatial wage disparities is "
               "sorting in France (Combes, Duranton & Gobillon 2008, JUE 63: 723-742), the upper end 0.5; "
               "Lagakos 2020 (JEP 34(3)) reviews both",
        doc="Share of the log gap in expected earnings between origin and destination that a moving household's "
            "labour gains in output (its efficiency is multiplied by (origin / destination)^(1 - share)); the "
            "choice of where to move is unchanged (income_weight on the places' earnings is fitted to the "
            "observed flows); 1: a mover produces as the destination's residents (regsim before this change)")
    distance_elasticity: float = param(1.0, "utility per log km", (0.0, 5.0), (0.5, 1.5),
                                       source="gravity distance elasticity about -1")
    moving_cost: float = param(3.0, "utility", (0.0, 20.0), (2.0, 5.0), source="assumption",
                               doc="Utility cost of leaving home (a fixed cost of moving)")
    services_weight: float = param(0.5, "utility per log index", (0.0, 10.0), (0.0, 1.0),
                                   source="assumption")
    size_weight: float = param(0.5, "utility per log person", (0.0, 5.0), (0.5, 1.0),
                               source="fitted to Bishkek's 64.4% share of internal migration gains in 2018 "
                                      "(S_KNEWS_MIGR; 88% at 1.0): McFadden 1978 aggregation of dwellings into a "
                                      "settlement gives ln(size) a coefficient equal to the nesting parameter, 1 "
                                      "for independent dwellings and below 1 when they are close substitutes "
                                      "(Ben-Akiva & Lerman 1985, ch. 9)",
                               doc="Weight of ln(residents) of a destination in the choice of where to live")
    network_weight: float = param(0.5, "utility per log(1+share)", (0.0, 10.0), (0.0, 1.0),
                                  source="assumption (migrant networks)")
    abroad_income_elasticity: float = param(1.0, "elasticity", (0.0, 10.0), (0.5, 2.0), source="assumption",
                                            doc="How strongly home income deters labour migration")
    return_rate_per_year: float = param(0.15, "1/year", (0.0, 1.0), (0.10, 0.25),
                                        source="assumption: stays abroad average 6-7 years")
    initial_migrants_abroad: float = param(800_000.0, "persons", (0.0, 5e6),
                                           source="State Migration Service 2018 (S_TREND_REMIT)")
    abroad_spin_up_years: int = param(
        40, "years", (0, 500),
        source="initialisation: with returns at 0.15/year, 40 years leave exp(-6) of the starting spread; "
               "without a spin-up the spread drifts during the run (remittances concentrate, poverty rises)",
        doc="Years the leave-and-return rule runs before 2017 so that members abroad are spread over "
            "households as the rule itself spreads them (the stock held at initial_migrants_abroad)")
    abroad_oblast_share: float = param(
        0.0, "fraction", (0.0, 1.0), (0.0, 1.0),
        source="data: oblasts.csv households_with_migrant_pct (S_RURAL21_MIGR): 25-34% of households in Batken, "
               "Jalal-Abad and Osh oblast have a migrant, 1.5-4% in the north. Default 0: at 1 the 800k migrants' "
               "remittances leave 7-8% poor in Batken and Jalal-Abad (observed 41%, 33%) and 64-72% in Issyk-Kul, "
               "Naryn, Talas (21-29%) under one national ratio (docs/validation.md)",
        doc="Share of the 2017 stock abroad placed by oblast in proportion to households x the share of "
            "households with a migrant (oblasts.csv); the rest is spread evenly over eligible members. The "
            "spin-up and the yearly departure rate hold each oblast's stock (0: one national spread)")
    remittance_som_per_migrant: float = param(206_600.0, "som/year", (0.0, 1e7),
                                              source="2.4 bn USD x 68.87 som/USD / 800k migrants (national_macro.csv)")
    remittance_growth_rate_per_year: float = param(0.02, "1/year", (-0.1, 0.2), (0.0, 0.04),
                                                   source="real wage growth in Russia about 2-3%/year 2017-2019 (estimate)",
                                                   doc="Real growth of the remittance a migrant sends")
    emigration_rate_per_year: float = param(0.0006, "1/year", (0.0, 0.1),
                                            source="registered permanent emigration 5,899 in 2017 (S_STAT_MIGR) / households")
    immigration_per_year: float = param(2_000.0, "persons/year", (0.0, 1e6),
                                        source="registered permanent immigration 1,974 in 2017 (S_STAT_MIGR)")
    # --- was a constant in processes/demography.py ---
    immigrant_household_size: int = param(3, "persons", (1, 20), (2, 5), source="assumption",
                                          doc="Members of a household arriving from abroad")


@dataclass(frozen=True)
class IncomeParams(_Validated):
    """Household income sources and poverty lines."""

    SECTION = "incomes"
    poverty_line_som: float = param(32_093.0, "som/person/year", (0.0, 1e7),
                                    source="NSC 2017 poverty line (S_KNEWS_POV2017)")
    extreme_poverty_line_som: float = param(17_471.0, "som/person/year", (0.0, 1e7),
                                            source="NSC 2017 extreme poverty line (S_KNEWS_POV2017)")
    # upper bound: transfers beyond about 35,000 som a person (0.42 of 2017 GDP) cannot be paid even at the
    # largest allowed tax share (government.tax_revenue_share_gdp <= 0.6) next to the other ordinary spending
    transfer_som_per_person: float = param(6_000.0, "som/person/year", (0.0, 3.5e4),
                                           source="pensions and benefits about 37 bn som / 6.1 M (estimate)")
    skill_dispersion: float = param(0.4225, "log s.d.", (0.0, 3.0), (0.3, 0.6),
                                    source="fitted by regsim calibrate to the 2017 Gini of consumption 27.3, "
                                           "extreme poverty 0.8% and income 53.2k som per person (re-run 2026-12-07 "
                                           "at scale.firm_weight 10, issue 22; 0.457 at 50)")
    transfer_growth_rate_per_year: float = param(0.02, "1/year", (-0.1, 0.2), (0.0, 0.04),
                                                 source="pensions indexed to wages (estimate)",
                                                 doc="Real growth of transfers per person")
    remittance_share_to_household: float = param(0.6093, "fraction", (0.0, 1.0), (0.4, 0.9),
                                                 source="fitted by regsim calibrate to 2017 remittances/GDP, "
                                                        "income per person and extreme poverty (re-run 2026-12-07 at "
                                                        "scale.firm_weight 10, issue 22; 0.579 at 50, 0.754 before "
                                                        "issue 14); the rest is saved or spent abroad")
    survey_ratio_scope: str = param(
        "oblast", "name", choices=("country", "oblast"),
        source="issue 13 asks for one national ratio; 'oblast' is the default because 'country' meets 38 of 61 "
               "validation targets against 51 even with regional price levels in the poverty measure "
               "(docs/validation.md, 'One ratio for the country or one per oblast')",
        doc="'country': ONE survey-to-accounts ratio solved for 2017 national poverty; 'oblast': one per oblast "
            "solved for each oblast's 2017 poverty (the accounts-based successor of the old earnings scales, "
            "which keeps the 2017 poverty map; docs/validation.md compares the two)")
    poverty_price_deflation: float = param(
        1.0, "fraction", (0.0, 1.0), (0.0, 1.0),
        source="the KIHS consumption aggregate is deflated by regional price indices (World Bank & NSC, A "
               "methodological manual: poverty measurement in the Kyrgyz Republic, 2024, section 3.5 'Regional price "
               "deflators'); the size of the price differences is economy.congestion_elasticity (living cost)",
        doc="Exponent of the settlement's price level (cols.living_cost relative to its 2017 population-weighted "
            "national mean) that divides consumption before it is compared with the poverty line and in the Gini: "
            "1 deflates consumption to national prices as the KIHS does, 0 leaves it undeflated")
    remittances_in_survey_ratio: bool = param(
        False, "switch",
        source="option (issue 13): surveys may miss remittances as they miss other income (Deaton 2005); default "
               "false: remittance_share_to_household is calibrated with remittances entering survey income in full "
               "(regsim calibrate); true narrows the oblast residual ratios only with migrants by oblast "
               "(docs/validation.md)",
        doc="true: the survey-to-accounts ratio also scales what members abroad send home (a household's survey "
            "income is the ratio x (after-tax primary income + remittances received) + transfers); false: "
            "remittances enter survey income in full")
    consumption_smoothing: float = param(
        0.2155, "fraction", (0.0, 1.0), (0.1, 0.5),
        source="fitted by regsim calibrate to 2017 extreme poverty and Gini (re-run 2026-12-07 at scale.firm_weight 10, "
               "issue 22; 0.208 at 50); partial risk sharing "
               "(Townsend 1994, Econometrica 62: 539-591); Kyrgyz poverty is measured on consumption (NSC)",
        doc="Consumption per person = (1 - s) x own income per person + s x the settlement's mean income "
            "per person (gifts, credit and savings smooth consumption); poverty and the Gini are measured on it")


@dataclass(frozen=True)
class PolicyParams(_Validated):
    """The government's regional development budget and how a strategy allocates it."""

    SECTION = "policy"
    strategy: str = param("concept_two_stage", "name", choices=STRATEGIES,
                          source="the Concept as adopted (S_SEED)")
    budget_som_per_year: float = param(2.6e9, "som/year", (0.0, 1e12), (0.5e9, 10e9),
                                       source="2.0 bn transfers to subsidised local budgets + 0.6 bn incentive grants (national_macro.csv)")
    budget_indexation: str = param("real", "name", choices=("real", "gdp_share"),
                                   source="real: the Concept's fixed amount; gdp_share: a share of GDP (issue 15)",
                                   doc="How the yearly budget is set: fixed in real som (budget_som_per_year) or "
                                   "budget_gdp_share of last year's GDP")
    budget_gdp_share: float = param(0.005, "fraction of GDP", (0.0, 0.1), (0.002, 0.01),
                                    source="2.6 bn som was 0.49% of 2017 GDP (national_macro.csv)",
                                    doc="gdp_share: this year's budget as a share of last year's GDP")
    infrastructure_share: float = param(0.5, "fraction of allocation", (0.0, 1.0), source="assumption")
    grants_share: float = param(0.25, "fraction of allocation", (0.0, 1.0),
                                source="incentive grants 0.6 / 2.6 bn (national_macro.csv)")
    services_share: float = param(0.25, "fraction of allocation", (0.0, 1.0), source="assumption")
    roads_share: float = param(
        0.0, "fraction of allocation", (0.0, 1.0), (0.0, 0.5),
        source="0: the Concept's 2.6 bn som are transfers to local budgets and incentive grants (national_macro.csv); "
               "roads are built by the state investment programme (2.9 bn som + about 1 bn for roads in district "
               "centres in 2017), not by this money, so by default none of it upgrades roads",
        doc="Share of each place-based allocation that upgrades the road links the strategy's places use "
            "(government.road_upgrade_cost_som_per_km, road_speed_gain); the channel shares split the rest")
    # what the Concept's money is (issue 24 item 5): about 2.0 of the 2.6 bn som are transfers that
    # "maintain" subsidised local budgets (84% of rural administrations are subsidised; S_TCA_IMBALANCE),
    # i.e. running costs, and 0.6 bn are project grants (S_24KG_GRANTS2019)
    current_share: float = param(
        0.0, "fraction of allocation", (0.0, 1.0), (0.0, 0.77),
        source="0 keeps every som of the regional money building capital, services or firms (the reading of "
               "regsim before issue 24); the sources put 2.0 of 2.6 bn som (0.77) in transfers that maintain "
               "subsidised local budgets, i.e. running costs (national_macro.csv, S_TCA_IMBALANCE)",
        doc="Share of each place-based allocation that pays local running costs (current spending: the wages of "
            "local public staff, income of the settlement's households) instead of building anything; the "
            "channel shares above split the rest")
    admin_loss_share: float = param(0.10, "fraction", (0.0, 0.3), (0.0, 0.3),
                                    source="assumption; brief 0-30%; IMF (2015) 'Making Public Investment More "
                                           "Efficient': about 30% of the potential value of public investment is "
                                           "lost to inefficiency on average (upper end)",
                                    doc="Share of allocated money lost to administration and leakage")
    # absorption (issue 22 item 5). Evidence, mapped to two parameters:
    # * execution_rate: the share of the money on offer (this year's allocation net of loss plus what
    #   was carried in) that a settlement spends in the year. Observed: the 2017 state investment
    #   programme spent 27.8 of 39 bn som (71%; S_KABAR_PIP2017), the unspent part rolling over, with a
    #   stable backlog (unfinished capital construction 7.7 bn som in 2016, 8.5 bn in 2017: same source)
    #   and "systematic under-execution" of the programme noted since the 2003 strategy (NPRS 2003-2005
    #   para. 315); domestic capital budgets in Sub-Saharan Africa about 70% a year in 2009-2015 (World
    #   Bank). A ratio that stays near 70% year after year while money rolls over is a LAG (money spent
    #   late), not a ceiling below the flow: with a ceiling below the yearly flow the carried-over stock
    #   grows and the ratio falls every year. With carry-over, a rate r leaves a steady backlog of
    #   (1 - r) / r = 0.41 years of money at r = 0.71.
    # * absorption_share_*: the most a settlement can spend in a year whatever it is offered (a level,
    #   share of own output), which binds only for budgets several times the default. Evidence bounds it
    #   from above: in 2017 the whole country executed public investment of 27.8 bn som = 5.2% of GDP
    #   (S_KABAR_PIP2017, national_macro.csv gdp_current_som 530.5 bn); the defaults let a place add
    #   regional money of 3-4% of its output a year in towns and centres (about two thirds of what the
    #   whole state programme executes per unit of GDP) and 1.5% in villages, whose ayil okmotus have
    #   thin administrations (84% subsidised, S_TCA_IMBALANCE); no execution data by kind of settlement
    #   were found (subnational PEFA assessments of 2019-2021, e.g. Krupskaya ayil okmotu, exist but
    #   their figures were not read), so the split by kind stays an assumption
    execution_rate: float = param(
        0.71, "fraction of capital money on offer per year", (0.0, 1.0), (0.6, 1.0),
        source="2017 state investment programme executed 71% (27.8 of 39 bn som) with the rest rolled over "
               "(S_KABAR_PIP2017); about 70% a year for domestic capital budgets in Sub-Saharan Africa "
               "2009-2015 (World Bank); 1.0 = capital money paid out in full (the pre-issue-22 behaviour)",
        doc="Share of the capital money on offer to a settlement (this year's allocation net of loss plus money "
            "carried in) it spends in the year; the rest is carried over (or reallocated). Capped also by the "
            "absorption shares. Current spending (cash transfers, running costs) is paid in full in its year")
    absorption_share_city: float = param(0.04, "fraction of own output", (0.0, 1.0), (0.008, 0.052),
                                         source="assumption bounded by evidence: at most the 5.2% of GDP the "
                                                "country executed in public investment in 2017 (S_KABAR_PIP2017); "
                                                "Becker, Egger & von Ehrlich 2013 on absorptive capacity",
                                         doc="Capital and centres' yearly absorption capacity (a ceiling; "
                                             "binds for large budgets)")
    absorption_share_town: float = param(0.03, "fraction of own output", (0.0, 1.0), (0.006, 0.052),
                                         source="assumption bounded by evidence: at most the 5.2% of GDP the "
                                                "country executed in public investment in 2017 (S_KABAR_PIP2017)")
    absorption_share_village: float = param(0.015, "fraction of own output", (0.0, 1.0), (0.003, 0.04),
                                            source="assumption: ayil okmotus have thin administrations (84% "
                                                   "subsidised, S_TCA_IMBALANCE); below the 5.2% of GDP the country "
                                                   "executed in public investment in 2017 (S_KABAR_PIP2017)")
    unabsorbed: str = param("carry_over", "name", choices=("carry_over", "reallocate"),
                            source="issue 13: only administrative leakage is lost",
                            doc="Money a settlement cannot absorb: 'carry_over' keeps it for the same settlement "
                                "next year; 'reallocate' offers it this year to the strategy's other recipients "
                                "with spare capacity (in proportion to its allocation), carrying over the rest")
    reallocation_rounds: int = param(5, "rounds", (1, 100), source="numerics: each round fills the spare "
                                     "capacity of the strategy's recipients in proportion; 5 leaves little unplaced",
                                     doc="unabsorbed = 'reallocate': offers of unabsorbed money per year")
    hinterland_share: float = param(0.3, "fraction of budget", (0.0, 1.0), source="assumption",
                                    doc="concentrated_hinterland: share going to villages within catchment_km")
    catchment_km: float = param(60.0, "km", (0.0, 1000.0), (30.0, 120.0), source="assumption",
                                doc="Road distance defining a growth centre's rural hinterland")
    include_capital_cities: bool = param(
        True, "switch", source="the Concept's 20 growth centres include Bishkek and Osh (S_SEED)",
        doc="false: every centre-based strategy (concentrated, concentrated_hinterland, concept_two_stage, "
            "hybrid) uses the 18 regional centres only, without the two cities of republican significance")
    centre_share: float = param(0.5, "fraction of budget", (0.0, 1.0), source="knob of the frontier",
                                doc="hybrid: share to the 20 growth centres, the rest equal per person")
    stage1_end_year: int = param(2019, "year", (2017, 2100), source="Concept stage 1: pilots (S_SEED)",
                                 doc="concept_two_stage: last year of business-plan grants in pilots")
    stage1_budget_share: float = param(0.25, "fraction of budget", (0.0, 1.0),
                                       source="incentive grants were about 0.6 of 2.6 bn (national_macro.csv)",
                                       doc="concept_two_stage: share of the budget spent in stage 1")
    sunset_year: int | None = param(None, "year", (2017, 2100), source="none by default",
                                    doc="Last year of funding; no money after it (Kline & Moretti 2014)")
    custom_weights_csv: str | None = param(None, "path", source="user file",
                                           doc="custom: CSV with columns settlement_id, weight")
    # the people-based benchmark (issue 24): the monthly benefit for low-income families
    # ("ui-bulogo komok", formerly the MBPF/UBS) is means-tested; its targeting is imperfect both ways
    transfer_coverage: float = param(
        0.3, "fraction of poor households", (0.0, 1.0), (0.15, 0.5),
        source="estimate: the means-tested benefit for poor families reached a minority of the poor "
               "(Gassmann 2011, World Bank 'To what extent does the existing safety net protect the poor?'; "
               "Gassmann & Timar 2020, UNICEF position paper on targeting options); the figures were not "
               "verified in the documents, hence the wide range",
        doc="cash_transfers: share of poor households (consumption below the line last year) that receive "
            "the benefit each year (1 - exclusion error)")
    transfer_leakage_share: float = param(
        0.4, "fraction of benefit money", (0.0, 1.0), (0.2, 0.6),
        source="estimate: a large part of means-tested benefits in the Kyrgyz Republic goes to households "
               "above the poverty line (same sources as transfer_coverage; the ASPIRE benefit incidence for "
               "low-income countries gives the poorest fifth 28% of social assistance, IGC 2019)",
        doc="cash_transfers: share of the benefit money paid to households that were not poor last year "
            "(inclusion error by value)")

    def __post_init__(self) -> None:
        super().__post_init__()
        total = self.infrastructure_share + self.grants_share + self.services_share
        if abs(total - 1.0) > 1e-9:
            raise ScenarioError(
                "policy.infrastructure_share + policy.grants_share + policy.services_share "
                f"must add up to 1, got {total:g}"
            )
        if self.roads_share + self.current_share > 1.0 + 1e-9:
            raise ScenarioError(
                f"policy.roads_share + policy.current_share must be at most 1, got {self.roads_share + self.current_share:g}")
        if self.strategy == "custom" and not self.custom_weights_csv:
            raise ScenarioError("policy.custom_weights_csv: required when policy.strategy = 'custom'")


@dataclass(frozen=True)
class GovernmentParams(_Validated):
    """National accounts and the government: taxes, ordinary spending, public capital upkeep.

    Issue 13 ("money that adds up"): GDP by production equals GDP by income every year; every som
    of operating surplus has a named owner; taxes finance ordinary spending and, if so chosen, the
    regional budget (docs/ODD.md 7.6a).
    """

    SECTION = "government"
    # lower bound: the ordinary spending at the default shares is 0.164 of 2017 GDP; below 0.17 the
    # base-year government cannot pay it (a joint check at initialisation names the shortfall)
    tax_revenue_share_gdp: float = param(0.195, "fraction of GDP", (0.17, 0.6), (0.17, 0.23),
                                         source="national_macro.csv gov_revenue_share_gdp 2017: tax revenue 19.5% "
                                                "of GDP (S_SDG_KG); total revenue incl. grants 28.2%",
                                         doc="Taxes in the base year; afterwards the tax rate moves so that taxes pay "
                                             "for ordinary spending (and the regional budget if tax-financed)")
    # plausible ranges of public_investment_share_gdp, services_spending_share_gdp and upkeep_rate_per_year:
    # their upper ends together (0.07 + 0.03 + 0.03 x public capital of about 1x GDP) cost 0.193 of 2017 GDP
    # with the transfers, within tax_revenue_share_gdp 0.195; wider ends made sensitivity and robustness
    # runs fail at initialisation (tests/test_sensitivity.py)
    public_investment_share_gdp: float = param(
        0.06, "fraction of last year's GDP", (0.0, 0.3), (0.05, 0.07),
        source="estimate: public investment about 5-7% of GDP in 2015-2019, most of it the externally financed "
               "public investment programme (IMF Article IV reports); the domestic capital budget alone was "
               "2.9 bn som + ~1 bn for roads in 2017 (national_macro.csv)",
        doc="Ordinary (non-regional) public investment, spread over settlements by last year's output; it "
            "enters the construction pipeline like regional money")
    services_spending_share_gdp: float = param(
        0.025, "fraction of last year's GDP", (0.0, 0.3), (0.015, 0.03),
        source="derived: keeps the base-year service stock (economy.services_to_output 0.15 x depreciation 0.15 "
               "= 2.25% of output) growing with the economy",
        doc="Ordinary additions to the public-service stock, spread by last year's output")
    upkeep_rate_per_year: float = param(
        0.015, "fraction of the public capital stock per year", (0.0, 0.2), (0.01, 0.03),
        source="road and network maintenance needs about 1-2% of asset value a year (World Bank ROCKS; "
               "Rioja 2003, estimate)",
        doc="Recurrent upkeep the government pays on every som of public capital (what is built costs money)")
    mining_surplus_abroad_share: float = param(
        1.0, "fraction of mining operating surplus", (0.0, 1.0), (0.7, 1.0),
        source="Kumtor was owned by Centerra Gold (Canada) until May 2021 (S_24KG_KUMTOR); the state's take is "
               "in the taxes",
        doc="Share of the mine's operating surplus paid to foreign owners; the rest is distributed at home")
    # the consumption tax (issue 24 item 3): VAT (12% standard rate) and the sales tax. No 2017 breakdown
    # of tax revenue was found; the estimate rests on the State Tax Service's figures for 2008-2011 (VAT +
    # sales tax about half of tax revenue: 7.7 + 2.6 of 20.1% of GDP projected for 2011), the sales tax
    # phased down to 1.8% of GDP by 2014 (IMF 2016), and 34.2 bn som of customs payments in 2017 (6.4%
    # of GDP, mostly VAT on imports), national_macro.csv
    consumption_tax_share: float = param(
        0.45, "fraction of base-year taxes", (0.0, 0.9), (0.35, 0.55),
        source="estimate: VAT and sales tax were about half of tax revenue in the State Tax Service's figures for "
               "2008-2011 (2011: 7.7% + 2.6% of GDP of 20.1%, S_STI_2011); the sales tax fell to 1.8% of GDP by 2014 "
               "(S_IMF_SI2016); "
               "2017 customs payments 34.2 bn som = 6.4% of GDP (S_24KG_CUSTOMS2017); national_macro.csv",
        doc="Share of the 2017 taxes levied on household consumption (VAT and sales tax); fixes the effective "
            "consumption tax rate, which then stays constant while the rate on primary incomes balances the budget")
    budget_financing: str = param(
        "taxes", "name", choices=("taxes", "external"),
        source="default: the Concept's money is the republican budget's (transfers to local budgets and "
               "incentive grants, national_macro.csv), i.e. domestic taxes",
        doc="'taxes': the regional budget raises taxes by what it pays out (under 'none' households keep it); "
            "'external': donors or loans pay it (under 'none' it is not received)")
    # roads as a budget channel (issue 24 item 1; regsim/model/processes/roads.py)
    road_upgrade_cost_som_per_km: float = param(
        24e6, "som/km", (1e5, 1e9), (10e6, 60e6),
        source="ADB CAREC Regional Road Corridor Improvement Project, Kyrgyz part (39676-033): a $25.6 M grant "
               "(2007) and a $23 M supplementary loan (2010) to rehabilitate and pave the 136-142 km Sary-Tash - "
               "Karamyk road, about $0.35 M per km, x 68.9 som/$ (2017); range: rural roads cheaper, mountain "
               "corridors dearer",
        doc="Cost of upgrading one km of a road link (rehabilitation to a paved two-lane standard)")
    road_speed_gain: float = param(
        1.5, "ratio", (1.0, 5.0), (1.2, 2.0),
        source="estimate: rehabilitation of a broken or gravel road to two-lane asphalt raises travel speed from "
               "about 40 to 60 km/h (the speed gap between world.secondary_road_speed_kmh and primary roads, "
               "widened by road condition); not verified in the appraisal documents",
        doc="How many times faster an upgraded km is travelled")


@dataclass(frozen=True)
class WorldParams(_Validated):
    """The synthetic parts of the world: village clusters and the local roads to the trunk network.

    Were constants in ``regsim/model/world.py``; the world is built from these and ``scale.world_seed``.
    """

    SECTION = "world"
    detour_factor: float = param(1.35, "road km per great-circle km", (1.0, 3.0), (1.2, 1.6),
                                 source="model brief 2",
                                 doc="Road km per great-circle km on the local link from a village or town to the "
                                     "trunk network")
    primary_road_speed_kmh: float = param(60.0, "km/h", (1.0, 150.0), (40.0, 80.0),
                                          source="assumption, mountain roads",
                                          doc="Travel speed on primary trunk roads (road graph edge hours)")
    secondary_road_speed_kmh: float = param(45.0, "km/h", (1.0, 150.0), (30.0, 60.0),
                                            source="assumption, mountain roads",
                                            doc="Travel speed on secondary trunk roads and local links (edge hours)")
    village_size_dispersion: float = param(0.6, "log s.d.", (0.0, 3.0), (0.4, 0.8), source="assumption",
                                           doc="Log s.d. of the population shares of a rayon's ayil aimak clusters")
    village_spread_share: float = param(0.7, "fraction of the rayon's equal-area radius", (0.0, 1.0), (0.5, 0.9),
                                        source="assumption",
                                        doc="Village clusters lie within this share of the rayon's equal-area radius "
                                            "around its centroid")


SHOCK_TARGETS: Final = ("remittances_per_migrant", "migrants_abroad", "output", "prices", "budget")
"""What a ``[[shocks]]`` entry of a scenario can hit (see :class:`ShockParams`)."""

SHOCK_SECTORS: Final = ("industry", "services", "farming", "mining")
"""Sectors an ``output`` shock can be limited to."""

OBLASTS: Final = ("Batken", "Bishkek", "Chuy", "Issyk-Kul", "Jalal-Abad", "Naryn", "Osh", "Osh city", "Talas")
"""The nine first-level units (``oblasts.csv``; a test checks the data against this list)."""

SHOCK_FIRST_YEAR: Final = 2018
SHOCK_LAST_YEAR: Final = 2100
SHOCK_MAX_SIZE: Final = 10.0
"""Largest shock size (fraction; 10 = eleven times the unshocked value): far beyond any one-year change a
scenario needs, and it keeps a slip such as 1e3 for 1e-3 from overflowing incomes and the metrics
(an output or remittance shock of 1e100 gave a ZeroDivisionError)."""


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 400-digit number in a message stays readable)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class ShockParams:
    """A temporary shock: in each of ``years``, ``target`` is ``1 + size`` times what it would be.

    Targets (each applied at one point of the model, docs/ODD.md section 7.12):

    * ``remittances_per_migrant``: what a member abroad sends home (``incomes.remittance_per_migrant``);
    * ``migrants_abroad``: the stock abroad. ``size < 0``: that share of the members abroad return home
      during the year (on top of the usual returns) and departures fall by the same share; ``size > 0``:
      departures rise by that share (``migration``);
    * ``output``: output at given wages, of a ``sector`` (industry, services, farming, mining) and/or an
      ``oblast``, or of all if neither is given; firms' productivity falls so that their output at the
      same wage changes by ``size`` and they hire correspondingly fewer (``labour``);
    * ``prices``: the price level (living cost) in an ``oblast`` or everywhere: real household incomes
      are divided by ``1 + size`` (``incomes``);
    * ``budget``: the regional development budget of the year (``RegionalModel.allocate``).

    Several shocks on the same target and year compound (their factors multiply). Years after a
    shock return to the unshocked rule; what the shock changed (capital, migrants, people) persists.
    """

    target: str
    size: float
    years: tuple[int, ...]
    sector: str | None = None
    oblast: str | None = None

    def __post_init__(self) -> None:
        if self.target not in SHOCK_TARGETS:
            raise ScenarioError(f"shocks.target: unknown value {self.target!r}; allowed: {', '.join(SHOCK_TARGETS)}")
        if (isinstance(self.size, bool) or not isinstance(self.size, int | float)
                or (isinstance(self.size, float) and not math.isfinite(self.size))):
            raise ScenarioError(f"shocks.size: expected a number (relative change, e.g. -0.3), got {shown(self.size)}")
        if not -1.0 < self.size <= SHOCK_MAX_SIZE:  # compared before any conversion: a 400-digit int too
            raise ScenarioError(f"shocks.size: {shown(self.size)} is outside the allowed range (-1, {SHOCK_MAX_SIZE:g}] "
                                "fraction; -0.3 means 30% less, 1 means twice")
        object.__setattr__(self, "size", float(self.size))
        if not self.years:
            raise ScenarioError("shocks.years: at least one year is needed, e.g. years = [2020, 2021]")
        for year in self.years:
            if isinstance(year, bool) or not isinstance(year, int) or not SHOCK_FIRST_YEAR <= year <= SHOCK_LAST_YEAR:
                raise ScenarioError(f"shocks.years: {shown(year)} is not a simulated year; allowed: whole years "
                                    f"{SHOCK_FIRST_YEAR}-{SHOCK_LAST_YEAR}")
        if self.sector is not None and self.target != "output":
            raise ScenarioError(f"shocks.sector: only an 'output' shock has a sector, not {self.target!r}")
        if self.sector is not None and self.sector not in SHOCK_SECTORS:
            raise ScenarioError(f"shocks.sector: unknown value {self.sector!r}; allowed: {', '.join(SHOCK_SECTORS)}")
        if self.oblast is not None and self.target not in ("output", "prices"):
            raise ScenarioError(f"shocks.oblast: only 'output' and 'prices' shocks have an oblast, not {self.target!r}")
        if self.oblast is not None and self.oblast not in OBLASTS:
            raise ScenarioError(f"shocks.oblast: unknown value {self.oblast!r}; allowed: {', '.join(OBLASTS)}")


@dataclass(frozen=True)
class Params:
    """All parameters of one run, grouped by section (the TOML tables), and the scenario's shocks."""

    time: TimeParams = field(default_factory=TimeParams)
    scale: ScaleParams = field(default_factory=ScaleParams)
    demography: DemographyParams = field(default_factory=DemographyParams)
    economy: EconomyParams = field(default_factory=EconomyParams)
    labour: LabourParams = field(default_factory=LabourParams)
    migration: MigrationParams = field(default_factory=MigrationParams)
    incomes: IncomeParams = field(default_factory=IncomeParams)
    policy: PolicyParams = field(default_factory=PolicyParams)
    world: WorldParams = field(default_factory=WorldParams)
    shocks: tuple[ShockParams, ...] = ()
    government: GovernmentParams = field(default_factory=GovernmentParams)


SECTIONS: Final[dict[str, type]] = {f.name: f.type for f in dataclasses.fields(Params)  # type: ignore[misc]
                                    if f.name != "shocks"}
SECTION_CLASSES: Final[dict[str, type]] = {
    "time": TimeParams,
    "scale": ScaleParams,
    "demography": DemographyParams,
    "economy": EconomyParams,
    "labour": LabourParams,
    "migration": MigrationParams,
    "incomes": IncomeParams,
    "policy": PolicyParams,
    "world": WorldParams,
    "government": GovernmentParams,
}


def all_keys() -> list[str]:
    """Every parameter as ``section.name``, sorted."""
    return sorted(
        f"{section}.{f.name}"
        for section, cls in SECTION_CLASSES.items()
        for f in dataclasses.fields(cls)
    )


def describe() -> list[dict[str, Any]]:
    """One record per parameter: key, default, unit, bounds, plausible range, source, doc."""
    rows = []
    for section, cls in SECTION_CLASSES.items():
        for f in dataclasses.fields(cls):
            m = f.metadata
            rows.append({
                "key": f"{section}.{f.name}",
                "default": f.default,
                "unit": m["unit"],
                "bounds": m["bounds"],
                "plausible": m["plausible"],
                "choices": m["choices"],
                "source": m["source"],
                "doc": m["doc"],
            })
    return rows


def plausible_ranges(keys: Iterable[str]) -> dict[str, list[float]]:
    """The plausible range ``[low, high]`` of each ``section.name`` key, from its declaration.

    The one reader of declared plausible ranges: sensitivity and robustness sample them,
    calibration searches them.

    Raises:
        ScenarioError: naming every key without a declared plausible range.
    """
    declared = {row["key"]: row["plausible"] for row in describe()}
    keys = list(keys)
    missing = [k for k in keys if not declared.get(k)]
    if missing:
        raise ScenarioError(f"no plausible range declared for {', '.join(missing)}")
    return {k: [float(declared[k][0]), float(declared[k][1])] for k in keys}


def to_dict(params: Params) -> dict[str, dict[str, Any]]:
    """Params as nested plain dicts (TOML/JSON ready)."""
    return dataclasses.asdict(params)


def params_hash(params: Params) -> str:
    """Short, stable hash of the resolved parameters."""
    blob = json.dumps(to_dict(params), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def replace(params: Params, key: str, value: Any) -> Params:
    """Return a copy with ``section.name`` set to ``value`` (validated)."""
    section, name = key.split(".", 1)
    group = getattr(params, section)
    return dataclasses.replace(params, **{section: dataclasses.replace(group, **{name: value})})

