"""Settlement results as GIS layers: GeoJSON and GeoPackage, one point feature per settlement.

``regsim export DIR --to FILE.geojson`` (or ``.gpkg``) joins ``world.parquet`` (id, name, kind,
oblast, rayon, growth centre, 2017 population, lon/lat in WGS 84) with the settlement metrics of
one year: the run's values for a run folder (``regsim run``), the median over replications for a
batch folder (``regsim batch`` / ``regsim compare`` with settlement outputs), one column per metric
(``label/metric`` when the batch has several labels and none is chosen). Both formats are written
without GDAL: GeoJSON as JSON (RFC 7946: longitude, latitude), GeoPackage as SQLite (OGC 12-128r18:
the ``gpkg_*`` tables and standard GeoPackage point blobs, EPSG:4326).
"""

from __future__ import annotations

import json
import math
import sqlite3
import struct
from pathlib import Path
from typing import Any, Final

import pandas as pd

from regsim import files
from regsim.errors import ExperimentError
from regsim.scenario import plain_value

FORMATS: Final = (".geojson", ".gpkg")
WORLD_COLUMNS: Final = ("settlement_id", "name", "kind", "oblast", "rayon", "growth_centre", "population_2017",
                        "km_to_centre")


def settlement_layer(folder: str | Path, year: int | None = None, label: str | None = None) -> pd.DataFrame:
    """One row per settlement: world attributes, ``lon``, ``lat`` and each settlement metric in ``year``.

    Args:
        folder: A run folder (``run.json``) or a batch folder with ``settlements/`` results.
        year: The year of the metrics (default the last year recorded).
        label: In a batch, the label (strategy) whose runs are summarised; default every label.

    Raises:
        ExperimentError: one line naming what is missing (settlement results, the year, the label).
    """
    folder = Path(folder)
    if (folder / "run.json").is_file():
        world = _read(folder / "world.parquet")
        settlements = _read(folder / "settlements.parquet")
        wide = _wide(settlements, _year(settlements, year, folder))
    else:
        from regsim.reporting import analysis

        comp = analysis.load(folder, require=("national", "settlements"))
        if comp.world is None:
            raise ExperimentError(f"{folder}: no world.parquet; cannot place the settlements")
        world, frame = comp.world, comp.settlements
        if label is not None:
            if label not in comp.labels:
                raise ExperimentError(f"--label: {label!r} is not in {folder}; allowed: {', '.join(comp.labels)}")
            frame = frame[frame.label == label]
        chosen = _year(frame, year, folder)
        frame = frame[frame.year == chosen]
        medians = frame.groupby(["label", "settlement_id", "metric"], sort=False).value.median().reset_index()
        labels = list(dict.fromkeys(medians.label))
        medians["column"] = medians.metric if len(labels) == 1 else medians.label + "/" + medians.metric
        wide = medians.pivot_table(index="settlement_id", columns="column", values="value", sort=False)
        wide.columns.name = None
        wide.insert(0, "year", chosen)
    keep = [c for c in WORLD_COLUMNS if c in world] + ["lon", "lat"]
    return world[keep].merge(wide.reset_index(), on="settlement_id", how="left")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ExperimentError(f"{path.parent}: no {path.name} (run with settlement outputs to export a map)")
    return pd.read_parquet(path)


def _year(frame: pd.DataFrame, year: int | None, folder: Path) -> int:
    years = sorted(int(y) for y in frame.year.unique())
    if year is None:
        return years[-1]
    if year not in years:
        raise ExperimentError(f"--year: {year} has no settlement results in {folder}; recorded: "
                              f"{', '.join(map(str, years))}")
    return year


def _wide(settlements: pd.DataFrame, year: int) -> pd.DataFrame:
    wide = settlements[settlements.year == year].pivot_table(index="settlement_id", columns="metric",
                                                             values="value", sort=False)
    wide.columns.name = None
    wide.insert(0, "year", year)
    return wide


def _plain(value: Any) -> Any:
    """A cell as a JSON/SQLite value: numpy scalars as Python values, NaN as None."""
    value = plain_value(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_geojson(layer: pd.DataFrame) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of points (longitude, latitude in WGS 84)."""
    properties = [c for c in layer.columns if c not in ("lon", "lat")]
    features = [{"type": "Feature", "id": int(row["settlement_id"]),
                 "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
                 "properties": {c: _plain(row[c]) for c in properties}}
                for row in layer.to_dict("records")]
    return {"type": "FeatureCollection", "features": features}


def _point_blob(lon: float, lat: float, srs_id: int = 4326) -> bytes:
    """A GeoPackage geometry blob: header (magic, version 0, little-endian, no envelope, SRS) + WKB point."""
    return b"GP" + struct.pack("<BBi", 0, 1, srs_id) + struct.pack("<BIdd", 1, 1, lon, lat)


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE"
    return "TEXT"


def write_gpkg(layer: pd.DataFrame, path: Path, table: str = "settlements") -> None:
    """Write the layer as a GeoPackage with one point table (EPSG:4326)."""
    columns = [c for c in layer.columns if c not in ("lon", "lat")]

    def build(tmp: Path) -> None:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
            con.execute("PRAGMA user_version = 10300")  # GeoPackage 1.3
            con.executescript("""
                CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
                  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
                  description TEXT);
                CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
                  identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
                  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
                  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
                  REFERENCES gpkg_spatial_ref_sys(srs_id));
                CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
                  m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
                  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
                  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            """)
            wgs84 = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
                     'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')
            con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
                ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference"),
                ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference"),
                ("WGS 84 geodetic", 4326, "EPSG", 4326, wgs84, "longitude/latitude coordinates in decimal degrees"),
            ])
            con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
                        "max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?, 4326)",
                        (table, table, "regsim settlements", float(layer.lon.min()), float(layer.lat.min()),
                         float(layer.lon.max()), float(layer.lat.max())))
            con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)", (table,))
            defs = ", ".join(f'"{c}" {_sql_type(layer[c])}' for c in columns)
            con.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, {defs})')
            marks = ", ".join("?" for _ in range(len(columns) + 1))
            names = ", ".join(f'"{c}"' for c in columns)
            con.executemany(f'INSERT INTO "{table}" (geom, {names}) VALUES ({marks})',
                            [(_point_blob(float(r["lon"]), float(r["lat"])), *(_plain(r[c]) for c in columns))
                             for r in layer.to_dict("records")])
            con.commit()
        finally:
            con.close()

    files.atomic_write(path, build)


def export(folder: str | Path, target: str | Path, year: int | None = None, label: str | None = None) -> Path:
    """Write ``target`` (``.geojson`` or ``.gpkg``) with one point feature per settlement; returns its path.

    Raises:
        ExperimentError: for another suffix, or what :func:`settlement_layer` refuses.
    """
    path = Path(target)
    if path.suffix.lower() not in FORMATS:
        raise ExperimentError(f"--to {path}: unknown format {path.suffix or '(no suffix)'!r}; allowed: "
                              f"{', '.join(FORMATS)}")
    layer = settlement_layer(folder, year, label)
    if path.suffix.lower() == ".geojson":
        text = json.dumps(to_geojson(layer), allow_nan=False)
        files.write_text(path, text + "\n")
    else:
        write_gpkg(layer, path)
    return path
