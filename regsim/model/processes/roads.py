"""Roads: the regional money's roads channel upgrades links of the road graph (issue 24 item 1).

Money absorbed in a settlement's roads channel (``policy.roads_share`` of a place-based
allocation) upgrades, at ``government.road_upgrade_cost_som_per_km``, the links of that settlement's
route, in order from the settlement outward: a village's or town's route runs to its nearest
growth centre by travel time and goes on along that centre's route; a centre's route runs to
Bishkek (Bishkek's to Osh). So each strategy upgrades the links its own rule favours:
``concentrated`` the trunk links out of the centres, ``concentrated_hinterland`` and the Concept
the centre-hinterland links and then the trunk, equalisation every village's link to its centre.
An upgraded km is travelled ``government.road_speed_gain`` times faster; upkeep of the money spent on roads
is ``government.upkeep_rate_per_year`` a year, paid out of taxes (``incomes``).

Travel times follow every year in which a link changed (shortest paths are recomputed only
then): each pair's road distance is scaled by its shortest travel time relative to 2017, and the
commuting matrix, the market-access kernel and the farm-sales (spread) kernel are rebuilt from
these effective distances by the same formulas as in 2017, so market access, commuting reach and
farm sales follow. Migration's distance cost stays on 2017 road km. With no road money nothing
is computed and the kernels are bit-identical to 2017's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from regsim.model.state import Channel, State
from regsim.model.world import World
from regsim.params import Params

STREAM = "roads"


@dataclass
class RoadNetwork:
    """The road graph as arrays, with the km of each link upgraded so far.

    Attributes:
        edge_km: Length of each link, km, shape (E,).
        edge_hours: Travel time of each link in 2017, hours, shape (E,).
        edge_from, edge_to: Node index of each link's ends, shape (E,).
        settlement_node: Node index of each settlement, shape (S,).
        routes: Per settlement, the link indices of its route in order from the settlement.
        hours_2017: Shortest travel time between settlements in 2017, hours, shape (S, S).
        upgraded_km: Km of each link upgraded so far, shape (E,).
        spent_som: Money spent on roads so far, som (its upkeep is paid every year).
    """

    edge_km: np.ndarray
    edge_hours: np.ndarray
    edge_from: np.ndarray
    edge_to: np.ndarray
    settlement_node: np.ndarray
    routes: list[np.ndarray]
    hours_2017: np.ndarray
    upgraded_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spent_som: float = 0.0

    def shortest_hours(self, edge_hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shortest travel times between settlements (S, S), hours, and the predecessor matrix (S, nodes)."""
        n = int(max(self.edge_from.max(), self.edge_to.max())) + 1
        matrix = csr_matrix((np.concatenate([edge_hours, edge_hours]),
                             (np.concatenate([self.edge_from, self.edge_to]),
                              np.concatenate([self.edge_to, self.edge_from]))), shape=(n, n))
        dist, pred = shortest_path(matrix, method="D", directed=False, indices=self.settlement_node,
                                   return_predecessors=True)
        return np.ascontiguousarray(dist[:, self.settlement_node]), pred


def build_network(world: World) -> RoadNetwork:
    """The road graph of the world as arrays, with every settlement's route (2017 travel times)."""
    graph = world.graph
    order = list(graph.nodes)
    index = {node: i for i, node in enumerate(order)}
    edges = list(graph.edges(data=True))
    edge_from = np.array([index[a] for a, _, _ in edges])
    edge_to = np.array([index[b] for _, b, _ in edges])
    edge_of = {(min(a, b), max(a, b)): e for e, (a, b) in enumerate(zip(edge_from, edge_to, strict=True))}
    settlement_node = np.array([index[int(s)] for s in world.settlements.index])
    network = RoadNetwork(edge_km=np.array([d["km"] for _, _, d in edges], dtype=float),
                          edge_hours=np.array([d["hours"] for _, _, d in edges], dtype=float),
                          edge_from=edge_from, edge_to=edge_to, settlement_node=settlement_node, routes=[],
                          hours_2017=np.zeros((0, 0)), upgraded_km=np.zeros(len(edges)))
    hours, pred = network.shortest_hours(network.edge_hours)
    network.hours_2017 = hours
    network.routes = _routes(world, hours, pred, settlement_node, edge_of)
    return network


def _routes(world: World, hours: np.ndarray, pred: np.ndarray, settlement_node: np.ndarray,
            edge_of: dict[tuple[int, int], int]) -> list[np.ndarray]:
    """Each settlement's route: to its nearest centre (by time), then on along that centre's route."""
    names = world.settlements.name.to_numpy()
    centres = np.flatnonzero(world.settlements.growth_centre.to_numpy())
    capital = int(np.flatnonzero(world.kind == "capital")[0])
    second = int(np.flatnonzero(names == "Osh")[0]) if (names == "Osh").any() else capital

    def path(source: int, target: int) -> list[int]:
        """Links from settlement ``source`` to settlement ``target`` (predecessors of the target's tree)."""
        node, goal, links = int(settlement_node[source]), int(settlement_node[target]), []
        while node != goal:
            back = int(pred[target, node])
            links.append(edge_of[(min(node, back), max(node, back))])
            node = back
        return links

    centre_route = {int(c): path(int(c), second if c == capital else capital) for c in centres}
    routes = []
    for s in range(world.n):
        if s in centre_route:
            routes.append(np.array(centre_route[s], dtype=int))
            continue
        nearest = int(centres[np.argmin(hours[s, centres])])
        routes.append(np.array(path(s, nearest) + centre_route[nearest], dtype=int))
    return routes


def travel_kernels(km: np.ndarray, params: Params, pop: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Commuting matrix and the market-access and spread kernels from (effective) road km, each (S, S).

    Residents of i weigh the job market of j (within ``commuting_radius_km``) by
    ``commuting_share * exp(-km / radius) * min(1, pop_j / pop_i)``: people commute toward
    larger places, not from a city to its villages; their own market has weight 1.
    """
    lab, econ = params.labour, params.economy
    radius = lab.commuting_radius_km
    near = (km > 0) & (km <= radius)
    larger = np.minimum(1.0, pop[None, :] / np.maximum(pop[:, None], 1.0))
    pull = lab.commuting_share * np.exp(-km / max(radius, 1e-9)) * larger
    commute = np.eye(len(km)) + np.where(near, pull, 0.0)
    commute /= commute.sum(axis=1, keepdims=True)
    return commute, np.exp(-km / econ.access_decay_km), np.exp(-km / econ.spread_decay_km)


@dataclass(frozen=True)
class RoadsOutcome:
    """This year's road network (``None``: no road money, nothing changes) and the kernels it implies."""

    network: RoadNetwork | None
    kernels: tuple[np.ndarray, np.ndarray, np.ndarray] | None


def effective_km(state: State, network: RoadNetwork, edge_hours: np.ndarray) -> np.ndarray:
    """Road km scaled by each pair's shortest travel time relative to 2017, shape (S, S)."""
    hours, _ = network.shortest_hours(edge_hours)
    ratio = np.divide(hours, network.hours_2017, out=np.ones_like(hours), where=network.hours_2017 > 0)
    return state.world.road_km * ratio


def upgraded_hours(network: RoadNetwork, upgraded_km: np.ndarray, speed_gain: float) -> np.ndarray:
    """Travel time of each link with its upgraded km travelled ``speed_gain`` times faster, hours, (E,)."""
    share = np.divide(upgraded_km, network.edge_km, out=np.zeros_like(upgraded_km), where=network.edge_km > 0)
    return network.edge_hours * (1.0 - share * (1.0 - 1.0 / speed_gain))


def compute(state: State, params: Params, rng: np.random.Generator) -> RoadsOutcome:
    """Upgrade the routes of the settlements that absorbed road money; new kernels if a link changed."""
    money = state.ledger.absorbed[:, Channel.ROADS]  # shape (0,) before the first budget year
    if not (money > 0).any():
        return RoadsOutcome(None, None)
    base = state.roads if state.roads is not None else build_network(state.world)
    network = dataclasses.replace(base, upgraded_km=base.upgraded_km.copy(),
                                  spent_som=base.spent_som + float(money.sum()))
    cost = params.government.road_upgrade_cost_som_per_km
    for s in np.flatnonzero(money > 0):
        km_left = float(money[s]) / cost
        for e in network.routes[s]:
            take = min(network.edge_km[e] - network.upgraded_km[e], km_left)
            network.upgraded_km[e] += take
            km_left -= take
            if km_left <= 0:
                break
    if np.array_equal(network.upgraded_km, base.upgraded_km):
        return RoadsOutcome(network, None)
    km = effective_km(state, network, upgraded_hours(network, network.upgraded_km, params.government.road_speed_gain))
    return RoadsOutcome(network, travel_kernels(km, params, np.asarray(state.base.population, dtype=float)))


def apply(state: State, outcome: RoadsOutcome) -> None:
    """Keep the network and, if travel times changed, the commuting matrix and the two kernels."""
    if outcome.network is not None:
        state.roads = outcome.network
    if outcome.kernels is not None:
        state.commute, state.access_kernel, state.spread_kernel = outcome.kernels
