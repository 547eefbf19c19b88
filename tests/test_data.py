"""The embedded data load, check and build a world that matches the 2017 facts."""

import io

import numpy as np
import pandas as pd
import pytest

from regsim.data import loader
from regsim.errors import DataError
from regsim.model.world import build_world
from regsim.params import WorldParams


def test_world_matches_2017_populations(world):
    s = world.settlements
    assert (s.kind == "capital").sum() == 1 and s.growth_centre.sum() == 20
    assert 430 <= (s.kind == "village").sum() <= 460  # one cluster per ayil aimak
    assert s.synthetic[s.kind == "village"].all() and not s.synthetic[s.growth_centre].any()
    by_oblast = s.groupby("oblast").population_2017.sum()
    data = world.oblasts.set_index("oblast").pop_2017_jan1
    np.testing.assert_allclose(by_oblast[data.index], data, rtol=1e-9)
    assert world.road_km.shape == (len(s), len(s))
    assert np.isfinite(world.road_km).all() and (np.diag(world.road_km) == 0).all()
    np.testing.assert_allclose(world.road_km, world.road_km.T)
    bishkek, osh = s.index[s.name == "Bishkek"][0], s.index[s.name == "Osh"][0]
    assert 600 <= world.road_km[bishkek, osh] <= 700  # 643 km by the M41


def test_world_is_deterministic():
    data = loader.load_kyrgyz_data()
    a, b = build_world(data, 2017, WorldParams()), build_world(data, 2017, WorldParams())
    pd.testing.assert_frame_equal(a.settlements, b.settlements)
    c = build_world(data, 1, WorldParams())
    assert not a.settlements.population_2017.equals(c.settlements.population_2017)
    np.testing.assert_allclose(a.settlements.population_2017.sum(), c.settlements.population_2017.sum())


@pytest.mark.parametrize(("file", "mutate", "message"), [
    ("roads.csv", lambda f: f.assign(to_node=f.to_node.where(f.index != 0, "Atlantis")), "roads.csv: column 'to_node'"),
    ("oblasts.csv", lambda f: f.drop(columns="pop_2017_jan1"), "oblasts.csv: missing column"),
    ("rayons.csv", lambda f: f.assign(oblast=f.oblast.where(f.index != 3, "Narnia")), "rayons.csv: column 'oblast'"),
    ("settlements_centres.csv", lambda f: f.iloc[:-1], "expected the 20 growth centres"),
    ("roads.csv", lambda f: f.assign(distance_km=f.distance_km.astype(str).where(f.index != 2, "far")),
     "roads.csv: column 'distance_km' is not a number at line 4"),
    ("oblasts.csv", lambda f: f.assign(poverty_rate_2017_pct=f.poverty_rate_2017_pct * 10), "percentage"),
    ("oblasts.csv", lambda f: f.assign(households_with_migrant_pct=f.households_with_migrant_pct * 10),
     "'households_with_migrant_pct' must be a percentage"),
])
def test_broken_data_names_the_file(monkeypatch, file, mutate, message):
    original = loader._read_text

    def broken(name):
        text = original(name)
        if name != file:
            return text
        return mutate(pd.read_csv(io.StringIO(text))).to_csv(index=False)

    monkeypatch.setattr(loader, "_read_text", broken)
    with pytest.raises(DataError, match=message):
        loader.load_kyrgyz_data()


def test_missing_embedded_file(monkeypatch):
    with pytest.raises(DataError, match="nothere.csv: embedded data file is missing"):
        loader._read("nothere.csv")
