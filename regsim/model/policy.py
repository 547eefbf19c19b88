"""Budget-allocation strategies: frozen values with one hook, ``allocate``.

``allocate(view, year, budget_som) -> amounts`` returns som per settlement and channel, shape
(S, 6) for the channels infrastructure, grants, services, transfers (cash to households, used
only by ``cash_transfers``), current (local running costs, ``policy.current_share``) and roads
(``policy.roads_share``),
non-negative and summing to at most the budget. Every strategy gets the same budget, world and
random streams; the model checks each allocation, and processes never ask which strategy runs.
The place-based strategies split their money over channels by the same ``policy.*_share``
parameters, so they differ only in *where* money goes (``concept_two_stage`` in stage 1 funds
business grants only, as the Concept prescribes; ``cash_transfers``, the people-based
benchmark, pays it all as transfers). The sunset (``policy.sunset_year``) wraps any strategy
once (:class:`Sunset`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from regsim.errors import ScenarioError
from regsim.model.state import Channel
from regsim.params import PolicyParams
from regsim.scenario import read_weights_table


@dataclass(frozen=True)
class PolicyView:
    """What a strategy may see: read-only arrays, shape (S,).

    Attributes:
        population: Residents, persons.
        poverty_rate: Share of residents below the poverty line last year.
        growth_centre: True for the growth centres the strategies fund: the 20, or the 18 regional
            centres when ``policy.include_capital_cities`` is false.
        hinterland: True for settlements (not centres) within ``catchment_km`` of a centre.
        channel_shares: Share of money per channel, shape (6,) (transfers 0: place-based strategies).
    """

    population: np.ndarray
    poverty_rate: np.ndarray
    growth_centre: np.ndarray
    hinterland: np.ndarray
    channel_shares: np.ndarray


class Strategy(Protocol):
    """The one hook every strategy implements."""

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Som per settlement and channel, shape (S, 6), >= 0, summing to <= budget_som."""
        ...


def _spread(weights: np.ndarray, budget_som: float, channels: np.ndarray) -> np.ndarray:
    """Split ``budget_som`` over settlements in proportion to ``weights`` and over channels."""
    total = float(weights.sum())
    if total <= 0.0 or budget_som <= 0.0:
        return np.zeros((len(weights), len(channels)))
    per_settlement = budget_som * (weights / total)
    return per_settlement[:, None] * channels[None, :]


@dataclass(frozen=True)
class NoBudget:
    """No regional development budget: the counterfactual every effect is measured against."""

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Nothing anywhere."""
        return np.zeros((len(view.population), len(view.channel_shares)))


@dataclass(frozen=True)
class EqualisationUniform:
    """Equal amount per person in every settlement."""

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Budget in proportion to population."""
        return _spread(view.population, budget_som, view.channel_shares)


@dataclass(frozen=True)
class EqualisationNeeds:
    """Per person weighted by need: in proportion to the number of poor people."""

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Budget in proportion to poor residents."""
        return _spread(view.population * view.poverty_rate, budget_som, view.channel_shares)


@dataclass(frozen=True)
class Concentrated:
    """The 20 growth centres only, per person."""

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Budget to centres in proportion to their population."""
        return _spread(view.population * view.growth_centre, budget_som, view.channel_shares)


@dataclass(frozen=True)
class ConcentratedHinterland:
    """Centres plus the villages in their catchment; ``hinterland_share`` goes to the villages."""

    hinterland_share: float

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Centres and hinterland, each per person."""
        centres = _spread(view.population * view.growth_centre, budget_som * (1 - self.hinterland_share),
                          view.channel_shares)
        hinter_budget = budget_som * self.hinterland_share if view.hinterland.any() else 0.0
        return centres + _spread(view.population * view.hinterland, hinter_budget, view.channel_shares)


@dataclass(frozen=True)
class ConceptTwoStage:
    """The Concept as written: pilots first, then growth centres with their hinterland.

    Stage 1 (to ``stage1_end_year``): business-plan grants in the pilot settlements (the 20
    centres), spending ``stage1_budget_share`` of the budget; stage 2: full-scale concentrated
    support with hinterland.
    """

    stage1_end_year: int
    stage1_budget_share: float
    hinterland_share: float

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Stage 1: grants only in centres; stage 2: as ``concentrated_hinterland``."""
        if year <= self.stage1_end_year:
            grants_only = np.eye(len(Channel))[Channel.GRANTS]
            return _spread(view.population * view.growth_centre,
                           budget_som * self.stage1_budget_share, grants_only)
        return ConcentratedHinterland(self.hinterland_share).allocate(view, year, budget_som)


@dataclass(frozen=True)
class Hybrid:
    """A share of the budget to the 20 growth centres, the rest equal per person everywhere."""

    centre_share: float

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """``centre_share`` as ``concentrated``, the rest as ``equalisation_uniform``."""
        return (_spread(view.population * view.growth_centre, budget_som * self.centre_share,
                        view.channel_shares)
                + _spread(view.population, budget_som * (1 - self.centre_share), view.channel_shares))


@dataclass(frozen=True)
class CashTransfers:
    """The people-based benchmark: the budget paid as cash to poor households (issue 24).

    As the monthly benefit for low-income families is targeted: money goes to settlements in
    proportion to the households it would reach there, ``1 - leakage_share`` of it by the number of
    poor residents and ``leakage_share`` by the number of residents who are not poor; the
    ``incomes`` process pays it to the households (``policy.transfer_coverage`` of the poor). All of
    it is in the transfers channel, which no absorption capacity limits (the Social Fund pays it).
    """

    leakage_share: float

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Budget by poor and non-poor residents, transfers channel only."""
        transfers_only = np.eye(len(Channel))[Channel.TRANSFERS]
        poor = view.population * view.poverty_rate
        return (_spread(poor, budget_som * (1 - self.leakage_share), transfers_only)
                + _spread(view.population - poor, budget_som * self.leakage_share, transfers_only))


@dataclass(frozen=True)
class Custom:
    """Weights per settlement read from a CSV (``settlement_id, weight``)."""

    weights: tuple[float, ...]

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """Budget in proportion to the given weights."""
        return _spread(np.asarray(self.weights), budget_som, view.channel_shares)


def read_custom_weights(path: str | Path, n_settlements: int) -> tuple[float, ...]:
    """Read and validate a weights CSV with columns ``settlement_id, weight``.

    The file itself is checked by :func:`regsim.scenario.read_weights_table` (encoding, columns,
    numbers, duplicates, a positive weight); here each id is checked against the world. Every
    problem fails with the file, line and allowed values.

    Returns:
        Weight per settlement, shape (S,).
    """
    weights = np.zeros(n_settlements)
    for line, sid, weight in read_weights_table(path):
        if not 0 <= sid < n_settlements:
            raise ScenarioError(f"policy.custom_weights_csv: {path}, line {line}: settlement_id {sid} unknown; "
                                f"allowed: 0 to {n_settlements - 1} (see world.parquet)")
        weights[sid] = weight
    return tuple(float(w) for w in weights)


@dataclass(frozen=True)
class Sunset:
    """Any strategy up to and including ``last_year``, nothing after (``policy.sunset_year``).

    The sunset is applied here, once, around whichever strategy runs (Kline & Moretti 2014: place
    policies whose funding stops), so no strategy repeats it.
    """

    strategy: Strategy
    last_year: int

    def allocate(self, view: PolicyView, year: int, budget_som: float) -> np.ndarray:
        """The wrapped strategy's allocation until ``last_year``, zeros after."""
        if year > self.last_year:
            return np.zeros((len(view.population), len(view.channel_shares)))
        return self.strategy.allocate(view, year, budget_som)


def make_strategy(policy: PolicyParams, n_settlements: int) -> Strategy:
    """The strategy named by ``policy.strategy`` with its parameters, wrapped in its sunset if any.

    Strategies are built only here, from the validated ``policy`` parameters: their fields have no
    defaults of their own.
    """
    strategy = _strategy(policy, n_settlements)
    return strategy if policy.sunset_year is None else Sunset(strategy, policy.sunset_year)


def _strategy(policy: PolicyParams, n_settlements: int) -> Strategy:
    match policy.strategy:
        case "none":
            return NoBudget()
        case "equalisation_uniform":
            return EqualisationUniform()
        case "equalisation_needs":
            return EqualisationNeeds()
        case "concentrated":
            return Concentrated()
        case "concentrated_hinterland":
            return ConcentratedHinterland(policy.hinterland_share)
        case "concept_two_stage":
            return ConceptTwoStage(policy.stage1_end_year, policy.stage1_budget_share, policy.hinterland_share)
        case "hybrid":
            return Hybrid(policy.centre_share)
        case "cash_transfers":
            return CashTransfers(policy.transfer_leakage_share)
        case "custom":
            assert policy.custom_weights_csv is not None  # checked by PolicyParams
            return Custom(read_custom_weights(policy.custom_weights_csv, n_settlements))
    raise ScenarioError(f"policy.strategy: unknown {policy.strategy!r}")  # unreachable: validated
