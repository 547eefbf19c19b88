"""regsim export (GeoJSON and GeoPackage, one point per settlement) and the EMA Workbench adapter."""

import json
import sqlite3
import struct

import pytest

import regsim
from regsim.cli import main

TINY = {"time.end_year": 2018, "scale.household_weight": 400}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "run"
    regsim.run("baseline", seed=1, overrides=TINY, out=out)
    return out


def test_geojson_has_one_point_feature_per_settlement(run_folder, tmp_path):
    assert main(["export", str(run_folder), "--to", str(tmp_path / "map.geojson")]) == 0
    layer = json.loads((tmp_path / "map.geojson").read_text())
    world = regsim.load_results(run_folder).world
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == len(world)
    first = layer["features"][0]
    assert first["geometry"]["type"] == "Point"
    lon, lat = first["geometry"]["coordinates"]
    assert 69 < lon < 81 and 39 < lat < 44, "longitude, latitude inside the Kyrgyz Republic (RFC 7946 order)"
    props = first["properties"]
    assert props["year"] == 2018 and {"name", "oblast", "poverty_rate", "population"} <= set(props)
    assert len({f["properties"]["settlement_id"] for f in layer["features"]}) == len(world)


def test_geopackage_is_a_valid_point_layer(run_folder, tmp_path):
    assert main(["export", str(run_folder), "--to", str(tmp_path / "map.gpkg"), "--year", "2017"]) == 0
    con = sqlite3.connect(tmp_path / "map.gpkg")
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert con.execute("SELECT data_type, srs_id FROM gpkg_contents").fetchall() == [("features", 4326)]
    rows = con.execute("SELECT geom, year, name FROM settlements").fetchall()
    assert len(rows) == len(regsim.load_results(run_folder).world) and {r[1] for r in rows} == {2017}
    blob = rows[0][0]
    assert blob[:2] == b"GP" and struct.unpack("<i", blob[4:8])[0] == 4326
    order, kind, lon, lat = struct.unpack("<BIdd", blob[8:])
    assert (order, kind) == (1, 1) and 69 < lon < 81 and 39 < lat < 44
    try:
        from pyogrio import raw
    except ImportError:
        return
    meta, _, geometry, _ = raw.read(tmp_path / "map.gpkg")  # GDAL reads it as a point layer
    assert meta["crs"] == "EPSG:4326" and meta["geometry_type"] == "Point" and len(geometry) == len(rows)


def test_export_refuses_in_one_line(run_folder, tmp_path, capsys):
    assert main(["export", str(run_folder), "--to", str(tmp_path / "map.shp")]) == 2
    assert "unknown format '.shp'; allowed: .geojson, .gpkg" in capsys.readouterr().err
    assert main(["export", str(run_folder), "--to", str(tmp_path / "m.geojson"), "--year", "1990"]) == 2
    assert "--year: 1990 has no settlement results" in capsys.readouterr().err
    (tmp_path / "taken.geojson").write_text("mine")
    assert main(["export", str(run_folder), "--to", str(tmp_path / "taken.geojson")]) == 2
    assert (tmp_path / "taken.geojson").read_text() == "mine"


def test_ema_workbench_runs_the_model_with_perform_experiments():
    ema = pytest.importorskip("ema_workbench")
    import regsim.ema

    model = regsim.ema.model(uncertain=["economy.agglomeration_elasticity", "labour.commuting_radius_km"],
                             overrides=TINY, outcomes=["gdp_per_capita_som", "poverty_rate"])
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, scenarios=2, evaluator=evaluator,
                                                        policies=regsim.ema.strategies(["none", "concentrated"]))
    assert len(experiments) == 4 and set(experiments["policy.strategy"]) == {"none", "concentrated"}
    assert outcomes["gdp_per_capita_som"].shape == (4,) and (outcomes["poverty_rate"] > 0).all()
    # the same scenario under the same seed gives the same run, whichever policy object carried it
    again = regsim.ema.simulate(seed=1, overrides=TINY, outcomes=["gdp_per_capita_som"],
                                **{k: experiments.loc[0, k] for k in ("economy.agglomeration_elasticity",
                                                                      "labour.commuting_radius_km",
                                                                      "policy.strategy")})
    assert again["gdp_per_capita_som"] == outcomes["gdp_per_capita_som"][0]
    with pytest.raises(regsim.errors.RegsimError, match="outcomes=: 'gdp' is not a national metric"):
        regsim.ema.model(outcomes=["gdp"])
