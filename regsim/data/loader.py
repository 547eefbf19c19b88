"""Read the embedded Kyrgyz dataset (``regsim/data/*.csv``) and check it before any model is built.

The files are copies of ``shared/data/kyrgyz`` with their sources in ``SOURCES.md``. Every check
failure raises :class:`~regsim.errors.DataError` naming the file, the column and the problem. The
dataset is read with ``importlib.resources`` so an installed package needs no checkout or network.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from regsim.errors import DataError

OBLAST_ORDER = (
    "Batken", "Chuy", "Issyk-Kul", "Jalal-Abad", "Naryn", "Osh", "Talas", "Bishkek", "Osh city",
)
"""The 9 first-level units (7 oblasts and the 2 cities of republican significance)."""

_REQUIRED = {
    "oblasts.csv": ["unit", "unit_type", "pop_2017_jan1", "grp_per_capita_2017_som",
                    "poverty_rate_2017_pct", "poverty_rate_2018_pct", "extreme_poverty_2017_pct",
                    "unemployment_2017_pct", "n_ayil_aimaks_pre2023", "urban_share_pct", "area_km2",
                    "households_with_migrant_pct"],
    "rayons.csv": ["rayon", "oblast", "admin_centre", "centroid_lat", "centroid_lon",
                   "area_km2_official", "area_km2_polygon_approx", "pop_2017_excl_towns_est",
                   "n_ayil_aimaks", "poverty_wfp_2017_pct"],
    "settlements_centres.csv": ["id", "name", "oblast", "rayon", "type", "latitude", "longitude",
                                "pop_2017"],
    "roads.csv": ["edge_id", "from_node", "to_node", "distance_km", "road_class",
                  "winter_closure_risk"],
    "road_waypoints.csv": ["name", "latitude", "longitude"],
    "national_macro.csv": ["indicator", "year", "value", "unit", "quality", "source"],
    "demography.csv": ["year", "kind", "population_jan1", "births", "deaths", "crude_birth_rate_per_1000",
                       "crude_death_rate_per_1000", "population_basis", "births_quality",
                       "population_quality", "quality", "source"],
}
_NOT_NULL = {
    "oblasts.csv": ["unit", "pop_2017_jan1", "grp_per_capita_2017_som", "poverty_rate_2017_pct"],
    "rayons.csv": ["rayon", "oblast", "centroid_lat", "centroid_lon", "pop_2017_excl_towns_est"],
    "settlements_centres.csv": ["name", "oblast", "latitude", "longitude", "pop_2017"],
    "roads.csv": ["from_node", "to_node", "distance_km"],
    "road_waypoints.csv": ["name", "latitude", "longitude"],
    "demography.csv": ["year", "kind", "crude_birth_rate_per_1000", "crude_death_rate_per_1000", "quality",
                       "source"],
}
_CITY_UNITS = {"Bishkek": "Bishkek", "Osh": "Osh city"}


@dataclass(frozen=True)
class KyrgyzData:
    """The embedded tables, checked; one DataFrame per file (``oblasts`` in OBLAST_ORDER)."""

    oblasts: pd.DataFrame
    rayons: pd.DataFrame
    centres: pd.DataFrame
    roads: pd.DataFrame
    waypoints: pd.DataFrame
    macro: pd.DataFrame
    demography: pd.DataFrame

    def macro_value(self, indicator: str, year: int) -> float:
        """One value of ``national_macro.csv``; DataError if absent."""
        rows = self.macro[(self.macro.indicator == indicator) & (self.macro.year == year)]
        if rows.empty:
            raise DataError(f"national_macro.csv: no value for {indicator!r} in {year}")
        return float(rows.value.iloc[0])


def _read_text(name: str) -> str:
    try:
        return resources.files("regsim.data").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise DataError(f"{name}: embedded data file is missing from the package") from None


def _read(name: str) -> pd.DataFrame:
    text = _read_text(name)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, ValueError) as err:
        raise DataError(f"{name}: cannot parse as CSV ({err})") from None
    missing = [c for c in _REQUIRED.get(name, []) if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {', '.join(missing)}")
    for column in _NOT_NULL.get(name, []):
        if frame[column].isna().any():
            row = int(frame.index[frame[column].isna()][0]) + 2
            raise DataError(f"{name}: empty value in column {column!r} (line {row})")
    return frame


def _numeric(frame: pd.DataFrame, name: str, columns: list[str], positive: bool = True) -> None:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(frame.index[bad][0]) + 2
            raise DataError(f"{name}: column {column!r} is not a number at line {row}")
        if positive and (values.dropna() <= 0).any():
            row = int(frame.index[values <= 0][0]) + 2
            raise DataError(f"{name}: column {column!r} must be positive (line {row})")
        frame[column] = values


def load_kyrgyz_data() -> KyrgyzData:
    """Read and check every embedded table.

    Returns:
        The checked :class:`KyrgyzData`.

    Raises:
        DataError: naming the file, column and line of the first problem found.
    """
    oblasts = _read("oblasts.csv")
    rayons = _read("rayons.csv")
    centres = _read("settlements_centres.csv")
    roads = _read("roads.csv")
    waypoints = _read("road_waypoints.csv")
    macro = _read("national_macro.csv")
    demography = load_demography()
    _numeric(oblasts, "oblasts.csv", ["pop_2017_jan1", "grp_per_capita_2017_som", "area_km2"])
    _numeric(oblasts, "oblasts.csv", ["poverty_rate_2017_pct", "unemployment_2017_pct",
                                      "extreme_poverty_2017_pct", "households_with_migrant_pct"], positive=False)
    _numeric(rayons, "rayons.csv", ["pop_2017_excl_towns_est", "area_km2_polygon_approx"])
    _numeric(centres, "settlements_centres.csv", ["pop_2017", "latitude", "longitude"])
    _numeric(roads, "roads.csv", ["distance_km"])
    _numeric(macro, "national_macro.csv", ["value"], positive=False)
    oblasts = _check_oblasts(oblasts)
    centres = _check_centres(centres, set(oblasts.unit))
    _check_rayons(rayons, oblasts)
    _check_roads(roads, set(centres.name) | set(waypoints.name))
    return KyrgyzData(oblasts=oblasts, rayons=rayons, centres=centres, roads=roads,
                      waypoints=waypoints, macro=macro, demography=demography)


def _check_oblasts(oblasts: pd.DataFrame) -> pd.DataFrame:
    """The nine units in their fixed order, percentages within [0, 100]."""
    units = list(oblasts.unit)
    if sorted(units) != sorted(OBLAST_ORDER):
        raise DataError(f"oblasts.csv: expected the units {', '.join(OBLAST_ORDER)}; got {', '.join(units)}")
    oblasts = oblasts.set_index("unit").loc[list(OBLAST_ORDER)].reset_index()
    for column in ("poverty_rate_2017_pct", "unemployment_2017_pct", "households_with_migrant_pct"):
        if ((oblasts[column] < 0) | (oblasts[column] > 100)).any():
            raise DataError(f"oblasts.csv: column {column!r} must be a percentage in [0, 100]")
    return oblasts


def _check_centres(centres: pd.DataFrame, units: set[str]) -> pd.DataFrame:
    """The 20 growth centres, each with its unit (the two cities are units of their own)."""
    centres = centres.copy()
    centres["unit"] = [
        _CITY_UNITS[name] if str(ob).startswith(f"{name} (city") else str(ob)
        for name, ob in zip(centres.name, centres.oblast, strict=True)
    ]
    unknown = sorted(set(centres.unit) - units)
    if unknown:
        raise DataError(f"settlements_centres.csv: column 'oblast' names unknown unit(s) {', '.join(unknown)}")
    if len(centres) != 20:
        raise DataError(f"settlements_centres.csv: expected the 20 growth centres, found {len(centres)}")
    return centres


def _check_rayons(rayons: pd.DataFrame, oblasts: pd.DataFrame) -> None:
    """Rayons name known units, and their rural population fits within each oblast's total."""
    unknown = sorted(set(rayons.oblast) - set(oblasts.unit))
    if unknown:
        raise DataError(f"rayons.csv: column 'oblast' names unknown unit(s) {', '.join(unknown)}")
    rural = rayons.groupby("oblast").pop_2017_excl_towns_est.sum()
    for unit, total in zip(oblasts.unit, oblasts.pop_2017_jan1, strict=True):
        if rural.get(unit, 0.0) > total:
            raise DataError(f"rayons.csv: rural population of {unit} ({rural[unit]:,.0f}) exceeds "
                            f"the oblast total in oblasts.csv ({total:,.0f})")


def _check_roads(roads: pd.DataFrame, nodes: set[str]) -> None:
    """Road ends are growth centres or named waypoints."""
    for column in ("from_node", "to_node"):
        unknown = sorted(set(roads[column]) - nodes)
        if unknown:
            raise DataError(f"roads.csv: column {column!r} names unknown node(s) {', '.join(unknown)}; "
                            "nodes must be growth centres or road_waypoints.csv names")


BOUNDARIES_FILE = "oblast_boundaries.geojson"
"""Simplified oblast outlines (Natural Earth admin-1, public domain; see SOURCES.md)."""


@functools.cache
def load_oblast_boundaries() -> dict[str, Any]:
    """The oblast outlines as a GeoJSON FeatureCollection, in degrees (WGS 84 longitude, latitude).

    One MultiPolygon feature per unit of ``oblasts.csv`` that Natural Earth draws (the seven oblasts and
    Bishkek; Osh city lies inside Osh oblast). Properties: ``unit``, ``iso_3166_2``, ``source_name`` and
    ``label`` ([lon, lat] where the name is written). Cached: do not modify the result.

    Raises:
        DataError: if the file is missing, not GeoJSON, or names a unit that oblasts.csv lacks.
    """
    try:
        collection = json.loads(_read_text(BOUNDARIES_FILE))
    except json.JSONDecodeError as err:
        raise DataError(f"{BOUNDARIES_FILE}: not valid JSON ({err.msg}, line {err.lineno})") from None
    if collection.get("type") != "FeatureCollection" or not collection.get("features"):
        raise DataError(f"{BOUNDARIES_FILE}: expected a GeoJSON FeatureCollection with features")
    for feature in collection["features"]:
        unit = feature.get("properties", {}).get("unit")
        if unit not in OBLAST_ORDER:
            raise DataError(f"{BOUNDARIES_FILE}: feature unit {unit!r} is not one of {', '.join(OBLAST_ORDER)}")
        if feature.get("geometry", {}).get("type") != "MultiPolygon":
            raise DataError(f"{BOUNDARIES_FILE}: the geometry of {unit} must be a MultiPolygon")
    return collection


CRUDE_BIRTH_RATE_BOUNDS = (5.0, 50.0)
"""Sane range of a national crude birth rate, births per 1000 people per year (Niger about 45, Korea 5)."""
CRUDE_DEATH_RATE_BOUNDS = (2.0, 20.0)
"""Sane range of a national crude death rate, deaths per 1000 people per year."""


def load_demography() -> pd.DataFrame:
    """Read and check ``demography.csv``: observed vital statistics, then a projection of crude rates.

    Returns:
        One row per calendar year, sorted: ``kind`` is ``observed`` (NSC counts and rates) for a
        contiguous run of years, then ``projection`` (anchor years, interpolated by
        :func:`vital_rates`).

    Raises:
        DataError: naming the file, the column and the line of the first problem found.
    """
    name = "demography.csv"
    frame = _read(name)
    _numeric(frame, name, ["year", "crude_birth_rate_per_1000", "crude_death_rate_per_1000"])
    _numeric(frame, name, ["population_jan1", "births", "deaths"])
    if frame.year.duplicated().any() or not frame.year.is_monotonic_increasing:
        raise DataError(f"{name}: column 'year' must be increasing with no repeats")
    kinds = set(frame.kind)
    if not kinds <= {"observed", "projection"}:
        raise DataError(f"{name}: column 'kind' must be 'observed' or 'projection'; got {sorted(kinds)}")
    observed = frame[frame.kind == "observed"]
    if observed.empty or (np.diff(observed.year) != 1).any():
        raise DataError(f"{name}: the 'observed' years must be a contiguous run of calendar years")
    if (frame[frame.kind == "projection"].year <= observed.year.max()).any():
        raise DataError(f"{name}: 'projection' rows must come after the last 'observed' year")
    for column, (low, high) in (("crude_birth_rate_per_1000", CRUDE_BIRTH_RATE_BOUNDS),
                                ("crude_death_rate_per_1000", CRUDE_DEATH_RATE_BOUNDS)):
        bad = (frame[column] < low) | (frame[column] > high)
        if bad.any():
            row = int(frame.index[bad][0]) + 2
            raise DataError(f"{name}: column {column!r} must lie in [{low}, {high}] per 1000 (line {row})")
    for column in ("population_jan1", "births", "deaths", "births_quality", "population_quality"):
        if observed[column].isna().any():
            row = int(observed.index[observed[column].isna()][0]) + 2
            raise DataError(f"{name}: empty value in column {column!r} of an observed year (line {row})")
    return frame


@dataclass(frozen=True)
class VitalRates:
    """Crude birth and death rates by calendar year, per person per year (from ``demography.csv``)."""

    years: np.ndarray
    birth_rate: np.ndarray
    death_rate: np.ndarray

    def at(self, year: int) -> tuple[float, float]:
        """Birth and death rate of a calendar year, per person per year.

        Linear between the years in the file (the projection's anchor years); before the first
        and after the last year, the nearest year's rates hold.
        """
        return (float(np.interp(year, self.years, self.birth_rate)),
                float(np.interp(year, self.years, self.death_rate)))


@functools.lru_cache(maxsize=1)
def vital_rates() -> VitalRates:
    """The checked crude rates of ``demography.csv`` (read once per process; immutable)."""
    frame = load_demography()
    years = frame.year.to_numpy(float)
    birth = frame.crude_birth_rate_per_1000.to_numpy(float) / 1000.0
    death = frame.crude_death_rate_per_1000.to_numpy(float) / 1000.0
    for array in (years, birth, death):
        array.setflags(write=False)
    return VitalRates(years=years, birth_rate=birth, death_rate=death)
