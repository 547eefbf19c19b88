"""The world: settlements of the Kyrgyz Republic, the road network and all-pairs road distances.

Built once per scenario from the embedded data (``regsim.data``) and ``scale.world_seed``; the same
for every strategy and replication. Settlements are

* the 20 growth centres of the 2017 Concept (Bishkek is ``capital``, the others ``growth_centre``);
* one ``town`` node per oblast holding the residual urban population (oblast total minus centres
  minus rural rayon population), placed at the population-weighted mean of its rayon seats;
  an oblast whose residual is not positive gets no town node and its rural population is scaled
  to the oblast total instead (Naryn, Talas: their only towns are growth centres);
* ``village`` clusters, one per ayil aimak of each rayon (``synthetic``): placed on a sunflower
  spiral around the rayon centroid within the rayon's area, sized by seeded log-normal shares of
  the rayon's rural population (growth centres that are villages, Kochkor and Sary-Tash, are
  taken out of their rayon first).

Trunk roads come from ``roads.csv``; every village and town links to the nearest trunk node of
its own oblast (or the oblast's city) by great-circle distance times a detour factor.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from regsim.data.loader import OBLAST_ORDER, KyrgyzData
from regsim.errors import DataError
from regsim.params import WorldParams
from regsim.rng import stream

EARTH_RADIUS_KM: Final = 6371.0
KM_PER_DEGREE: Final = 111.0  # km per degree of latitude (geometry, not a belief)
KINDS: Final = ("capital", "growth_centre", "town", "village")
_WAYPOINT_OBLAST: Final = {
    "Toktogul": "Jalal-Abad", "Kyzyl-Kiya": "Batken", "Cholpon-Ata": "Issyk-Kul",
    "Irkeshtam (China border)": "Osh", "Torugart (China border)": "Naryn", "Kazarman": "Jalal-Abad",
}
_CITY_OF_OBLAST: Final = {"Chuy": "Bishkek", "Osh": "Osh"}


@dataclass(frozen=True)
class World:
    """Settlements, oblasts and roads; immutable and shared by every run of a scenario.

    Attributes:
        settlements: One row per settlement, index = settlement id 0..S-1; columns ``name, kind,
            oblast, oblast_index, rayon, lat, lon, population_2017, synthetic, growth_centre``.
        oblasts: The 9 units in ``OBLAST_ORDER`` with the 2017 data used for calibration.
        graph: Road network (settlements and waypoints), edge attribute ``km`` and ``hours``.
        road_km: Shortest road distance between settlements, km, shape (S, S).
    """

    settlements: pd.DataFrame
    oblasts: pd.DataFrame
    graph: nx.Graph
    road_km: np.ndarray

    @property
    def n(self) -> int:
        """Number of settlements S."""
        return len(self.settlements)

    @functools.cached_property
    def oblast_index(self) -> np.ndarray:
        """Oblast index of each settlement (in ``OBLAST_ORDER``), shape (S,)."""
        return self.settlements.oblast_index.to_numpy()

    @functools.cached_property
    def kind(self) -> np.ndarray:
        """Kind of each settlement (capital, growth_centre, town, village), shape (S,)."""
        return self.settlements.kind.to_numpy().astype(str)


def great_circle_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in km between points given in degrees (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _ayil_aimak_counts(data: KyrgyzData) -> pd.Series:
    """Ayil aimaks per rayon: the known counts, the oblast remainder shared by population."""
    rayons = data.rayons
    counts = rayons.n_ayil_aimaks.copy()
    totals = data.oblasts.set_index("unit").n_ayil_aimaks_pre2023
    for oblast, group in rayons.groupby("oblast"):
        missing = group.index[group.n_ayil_aimaks.isna()]
        if len(missing) == 0:
            continue
        remainder = max(float(totals[oblast]) - float(group.n_ayil_aimaks.sum()), float(len(missing)))
        pop = group.loc[missing, "pop_2017_excl_towns_est"].to_numpy(float)
        exact = remainder * pop / pop.sum()
        share = np.floor(exact)
        order = np.argsort(-(exact - share), kind="stable")
        share[order[: round(remainder - share.sum())]] += 1  # largest remainder
        counts.loc[missing] = np.maximum(share, 1.0)
    return counts.astype(int)


def _rayon_key(text: str) -> str:
    return str(text).split(" (")[0].strip()


def build_world(data: KyrgyzData, world_seed: int, shape: WorldParams) -> World:
    """Build settlements, road graph and distances from the checked data.

    The steps, in order: growth centres; per oblast a residual town node and per rayon its village
    clusters; the settlement table; the road graph (trunk roads, then a local link from every other
    settlement); all-pairs shortest road km.

    Args:
        data: The embedded tables from :func:`regsim.data.loader.load_kyrgyz_data`.
        world_seed: Seed of the village size shares.
        shape: Village dispersion and spread, detour factor and road speeds (``world.*`` parameters).

    Returns:
        The :class:`World`.

    Raises:
        DataError: if the road network does not connect every settlement.
    """
    rng = stream(world_seed, "world", 0)
    rayons = data.rayons.copy()
    rayons["key"] = rayons.rayon.map(_rayon_key)
    rural = rayons.pop_2017_excl_towns_est.to_numpy(float).copy()  # rural population per rayon, persons
    centres = _growth_centres(data, rayons, rural)
    towns, villages = _towns_and_villages(data, rayons, rural, rng, shape)
    settlements = _settlement_table(centres + towns + villages)
    graph, trunk = _trunk_roads(data, settlements, shape)
    _link_to_trunk(graph, trunk, settlements, shape)
    road_km = _road_km(graph, settlements)
    oblasts = data.oblasts.rename(columns={"unit": "oblast"}).reset_index(drop=True)
    return World(settlements=settlements, oblasts=oblasts, graph=graph, road_km=road_km)


def _growth_centres(data: KyrgyzData, rayons: pd.DataFrame, rural: np.ndarray) -> list[dict]:
    """One row per growth centre; centres that are villages are taken out of their rayon's ``rural``."""
    rows: list[dict] = []
    for c in data.centres.itertuples():
        rayon = _rayon_key(c.rayon) if isinstance(c.rayon, str) and not c.rayon.startswith("(") else ""
        rows.append({
            "name": c.name, "kind": "capital" if c.type == "capital" else "growth_centre",
            "oblast": c.unit, "rayon": rayon, "lat": c.latitude, "lon": c.longitude,
            "population_2017": float(c.pop_2017), "synthetic": False, "growth_centre": True,
        })
        if c.type == "village":  # Kochkor, Sary-Tash: counted in their rayon's rural population
            match = np.flatnonzero(rayons.key.to_numpy() == rayon)
            if len(match) != 1:
                raise DataError(f"settlements_centres.csv: rayon {c.rayon!r} of {c.name} not in rayons.csv")
            rural[match[0]] -= float(c.pop_2017)
    return rows


def _towns_and_villages(data: KyrgyzData, rayons: pd.DataFrame, rural: np.ndarray, rng: np.random.Generator,
                        shape: WorldParams) -> tuple[list[dict], list[dict]]:
    """Per oblast a town node for the residual urban population, and each rayon's village clusters.

    An oblast whose residual (total - centres - rural) is not positive gets no town node; its rural
    population is scaled to the oblast total instead. Village draws follow oblast and rayon order.
    """
    counts = _ayil_aimak_counts(data)
    oblast_pop = data.oblasts.set_index("unit").pop_2017_jan1
    centre_pop = data.centres.groupby("unit").pop_2017.sum()
    towns: list[dict] = []
    villages: list[dict] = []
    for oblast in OBLAST_ORDER:
        in_oblast = np.flatnonzero(rayons.oblast.to_numpy() == oblast)
        if len(in_oblast) == 0:
            continue  # Bishkek and Osh city are single centre nodes
        residual = float(oblast_pop[oblast]) - float(centre_pop.get(oblast, 0.0)) - rural[in_oblast].sum()
        if residual <= 0:  # no towns beyond the centres: rural population takes the whole remainder
            rural[in_oblast] *= (rural[in_oblast].sum() + residual) / rural[in_oblast].sum()
        else:
            towns.append(_town_node(oblast, rayons.iloc[in_oblast], rural[in_oblast], residual))
        for i in in_oblast:
            villages += _village_clusters(rayons.iloc[i], oblast, int(counts.iloc[i]), rural[i], rng, shape)
    return towns, villages


def _town_node(oblast: str, seats: pd.DataFrame, rural: np.ndarray, residual: float) -> dict:
    """The residual town node of an oblast at the rural-population-weighted mean of its rayon seats."""
    lat = seats.centre_lat.fillna(seats.centroid_lat).to_numpy(float)
    lon = seats.centre_lon.fillna(seats.centroid_lon).to_numpy(float)
    return {
        "name": f"{oblast} towns", "kind": "town", "oblast": oblast, "rayon": "",
        "lat": float(np.average(lat, weights=rural)), "lon": float(np.average(lon, weights=rural)),
        "population_2017": residual, "synthetic": True, "growth_centre": False,
    }


def _village_clusters(r: pd.Series, oblast: str, n: int, rural: float, rng: np.random.Generator,
                      shape: WorldParams) -> list[dict]:
    """``n`` village clusters of a rayon: log-normal population shares on a sunflower spiral."""
    shares = rng.lognormal(0.0, shape.village_size_dispersion, n)
    shares /= shares.sum()
    pops = rural * shares
    area = r.area_km2_official if pd.notna(r.area_km2_official) else r.area_km2_polygon_approx
    radius_km = shape.village_spread_share * np.sqrt(float(area) / np.pi)
    k = np.arange(n) + 0.5
    rad = radius_km * np.sqrt(k / n)
    angle = k * np.pi * (3.0 - np.sqrt(5.0))  # golden angle: an even, deterministic spread
    dlat = rad * np.cos(angle) / KM_PER_DEGREE
    dlon = rad * np.sin(angle) / (KM_PER_DEGREE * np.cos(np.radians(r.centroid_lat)))
    return [{
        "name": f"{r.key} AA{j + 1}", "kind": "village", "oblast": oblast, "rayon": r.key,
        "lat": float(r.centroid_lat + dlat[j]), "lon": float(r.centroid_lon + dlon[j]),
        "population_2017": float(pops[j]), "synthetic": True, "growth_centre": False,
    } for j in range(n)]


def _settlement_table(rows: list[dict]) -> pd.DataFrame:
    """The settlement table, index ``settlement_id`` 0..S-1, with the oblast index."""
    settlements = pd.DataFrame(rows)
    settlements["oblast_index"] = settlements.oblast.map({u: i for i, u in enumerate(OBLAST_ORDER)})
    settlements.index.name = "settlement_id"
    return settlements


def _trunk_roads(data: KyrgyzData, settlements: pd.DataFrame, shape: WorldParams) -> tuple[nx.Graph, list]:
    """Every settlement as a node and the trunk roads of ``roads.csv``; returns the graph and its trunk nodes."""
    graph = nx.Graph()
    for sid, s in settlements.iterrows():
        graph.add_node(int(sid), name=s["name"], lat=s.lat, lon=s.lon, kind=s.kind)
    name_to_node: dict[str, object] = {
        s["name"]: int(sid) for sid, s in settlements[settlements.growth_centre].iterrows()
    }
    wp = data.waypoints.set_index("name")
    trunk_names = set(data.roads.from_node) | set(data.roads.to_node)
    for name in sorted(trunk_names - set(name_to_node)):
        graph.add_node(name, name=name, lat=float(wp.loc[name, "latitude"]),
                       lon=float(wp.loc[name, "longitude"]), kind="waypoint")
        name_to_node[name] = name
    for road in data.roads.itertuples():
        km = float(road.distance_km)
        primary = str(road.road_class) == "primary"
        speed = shape.primary_road_speed_kmh if primary else shape.secondary_road_speed_kmh
        graph.add_edge(name_to_node[road.from_node], name_to_node[road.to_node], km=km,
                       hours=km / speed, road_class=str(road.road_class),
                       winter_risk=str(road.winter_closure_risk), synthetic=False)
    return graph, [name_to_node[n] for n in sorted(trunk_names)]


def _link_to_trunk(graph: nx.Graph, trunk: list, settlements: pd.DataFrame, shape: WorldParams) -> None:
    """Link every settlement that is not a centre to the nearest trunk node of its oblast (or its city).

    Road km is great-circle km times ``world.detour_factor`` (at least 1 km).
    """
    trunk_lat = np.array([graph.nodes[t]["lat"] for t in trunk])
    trunk_lon = np.array([graph.nodes[t]["lon"] for t in trunk])
    trunk_oblast = np.array([
        settlements.oblast[t] if isinstance(t, int) else _WAYPOINT_OBLAST.get(t, "") for t in trunk
    ])
    for sid, s in settlements[~settlements.growth_centre].iterrows():
        allowed = (trunk_oblast == s.oblast) | (
            np.array([graph.nodes[t]["name"] for t in trunk]) == _CITY_OF_OBLAST.get(s.oblast, "")
        )
        if not allowed.any():
            raise DataError(f"roads.csv: no trunk road node in {s.oblast} to link {s['name']} to")
        d = great_circle_km(s.lat, s.lon, trunk_lat, trunk_lon)
        d = np.where(allowed, d, np.inf)
        best = int(np.argmin(d))
        km = max(float(d[best]) * shape.detour_factor, 1.0)
        graph.add_edge(int(sid), trunk[best], km=km, hours=km / shape.secondary_road_speed_kmh,
                       road_class="local", winter_risk="unknown", synthetic=True)


def _road_km(graph: nx.Graph, settlements: pd.DataFrame) -> np.ndarray:
    """Shortest road km between settlements, shape (S, S) (Dijkstra on the sparse graph)."""
    if not nx.is_connected(graph):
        parts = sorted(nx.connected_components(graph), key=len)
        names = ", ".join(str(graph.nodes[n]["name"]) for n in list(parts[0])[:5])
        raise DataError(f"roads.csv: the road network is not connected (cut off: {names})")
    order = list(graph.nodes)
    index = {node: i for i, node in enumerate(order)}
    rows, cols, km = [], [], []
    for a, b, attrs in graph.edges(data=True):
        rows += [index[a], index[b]]
        cols += [index[b], index[a]]
        km += [attrs["km"], attrs["km"]]
    matrix = csr_matrix((km, (rows, cols)), shape=(len(order), len(order)))
    settlement_pos = [index[int(s)] for s in settlements.index]
    dist = shortest_path(matrix, method="D", directed=False, indices=settlement_pos)
    return np.ascontiguousarray(dist[:, settlement_pos])
