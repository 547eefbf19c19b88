import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from regsim.data.loader import load_kyrgyz_data, load_oblast_boundaries
from regsim.reporting import plots


def bands():
    years = np.arange(2017, 2022)
    rows = [{"label": label, "year": y, "median": 1.0 + i + 0.1 * k, "p10": 0.9 + i, "p90": 1.2 + i + 0.1 * k}
            for i, label in enumerate(["none", "concentrated", "equalisation_uniform"]) for k, y in enumerate(years)]
    return pd.DataFrame(rows)


def world():
    return pd.DataFrame({"settlement_id": range(5), "name": list("abcde"),
                         "kind": ["capital", "growth_centre", "town", "village", "village"],
                         "lat": [42.9, 40.5, 41.0, 41.5, 42.0], "lon": [74.6, 72.8, 73.0, 75.0, 76.0],
                         "population_2017": [974e3, 286e3, 60e3, 8e3, 5e3]})


def test_paths_one_line_per_label_and_stable_colours():
    ax = plots.plot_paths(bands(), "GDP")
    assert isinstance(ax, Axes) and len(ax.get_lines()) == 3
    assert plots.colour_for("concentrated") == plots.colour_for("concentrated")
    assert plots.colour_for("hybrid 0.25") == plots.colour_for("hybrid 0.75")
    assert plots.colour_for("none") != plots.colour_for("concentrated")


def test_frontier_heatmap_money_bars_and_save(tmp_path):
    points = pd.DataFrame({"label": ["a", "b"], "x": [1.0, 2.0], "y": [-1.0, 0.5], "x_p10": [0.5, 1.5],
                           "x_p90": [1.5, 2.5], "y_p10": [-1.5, 0.0], "y_p90": [-0.5, 1.0]})
    hybrid = pd.DataFrame({"centre_share": [0.0, 0.5, 1.0], "x": [1.0, 1.5, 2.0], "y": [-1.0, -0.2, 0.5]})
    assert isinstance(plots.plot_frontier(points, hybrid, "x", "y"), Axes)
    table = pd.DataFrame([[1.0, -2.0], [0.5, np.nan]], index=["Chuy", "Naryn"], columns=["a", "b"])
    assert isinstance(plots.plot_heatmap(table, "t"), Axes)
    money = pd.DataFrame({"label": ["a", "a", "b"], "group": ["Chuy", "Naryn", "Chuy"], "absorbed": [1e9, 2e9, 3e9],
                          "returned": [0.0, 1e8, 0.0], "lost": [1e8, 2e8, 3e8]})
    assert isinstance(plots.plot_money(money), Axes)
    frame = pd.DataFrame({"p": ["x", "y"], "v": [1.0, 2.0], "lo": [0.5, 1.5], "hi": [1.5, 2.5]})
    ax = plots.plot_bars(frame, "v", "p", error=("lo", "hi"))
    paths = plots.save(ax.figure, tmp_path / "figs", "bars")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 500 for p in paths)
    assert len(plots.figure_to_base64_png(ax.figure)) > 500
    plots.close_all()


def test_maps_one_panel_per_label_and_unknown_ids_fail():
    change = pd.DataFrame({"label": ["a"] * 5 + ["b"] * 5, "settlement_id": list(range(5)) * 2,
                           "value": np.linspace(-3, 3, 10)})
    fig = plots.plot_maps(world(), change, "title")
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert [t.split("\n")[0] for t in titles if "\n" in t] == ["a", "b"]  # "a\n100% of places decided"
    assert "growth centres and oblasts" in titles  # the key panel names the centres
    with pytest.raises(ValueError, match="missing from world"):
        plots.plot_maps(world(), pd.DataFrame({"label": ["a"], "settlement_id": [99], "value": [1.0]}), "t")
    plots.close_all()


def _inside(feature: dict, lon: float, lat: float) -> bool:
    from matplotlib.path import Path as Outline

    return any(Outline(polygon[0]).contains_point((lon, lat))
               and not any(Outline(hole).contains_point((lon, lat)) for hole in polygon[1:])
               for polygon in feature["geometry"]["coordinates"])


def test_oblast_outlines_are_embedded_small_and_hold_every_rayon():
    from importlib import resources

    from regsim.data.loader import BOUNDARIES_FILE, OBLAST_ORDER

    size = len(resources.files("regsim.data").joinpath(BOUNDARIES_FILE).read_bytes())
    assert 5_000 < size < 60_000  # simplified: a few tens of KB
    outlines = {f["properties"]["unit"]: f for f in load_oblast_boundaries()["features"]}
    assert set(outlines) == set(OBLAST_ORDER) - {"Osh city"}  # Osh city lies inside Osh oblast
    # the centroids of the 40 rayon polygons (WFP, an independent source) lie in their oblast's outline
    rayons = pd.read_csv(resources.files("regsim.data").joinpath("rayons.csv"))
    outside = [r.rayon for r in rayons.itertuples() if not _inside(outlines[r.oblast], r.centroid_lon, r.centroid_lat)]
    assert not outside, outside
    for unit, (lon, lat) in plots.OBLAST_LABEL_AT.items():  # every oblast name is written inside its oblast
        assert _inside(outlines[unit], lon, lat), unit


def test_key_map_draws_the_outlines_and_names_every_centre_and_oblast():
    centres = load_kyrgyz_data().centres
    world_ = pd.DataFrame({"settlement_id": range(20), "name": centres.name,
                           "kind": ["capital"] + ["growth_centre"] * 19, "lat": centres.latitude,
                           "lon": centres.longitude, "population_2017": centres.pop_2017})
    change = pd.DataFrame({"label": "concentrated", "settlement_id": range(20), "value": np.linspace(-1, 1, 20),
                           "decided": [True, False] * 10})
    fig = plots.plot_maps(world_, change, "title")
    key = next(ax for ax in fig.axes if ax.get_title() == "growth centres and oblasts")
    texts = {t.get_text() for t in key.texts}
    assert set(centres.name) <= texts
    assert {"Naryn oblast", "Batken oblast", "Issyk-Kul oblast"} <= texts
    rings = sum(len(polygon) for f in load_oblast_boundaries()["features"] for polygon in f["geometry"]["coordinates"])
    panel = next(ax for ax in fig.axes if ax.get_title().startswith("20 centres"))
    assert len(key.get_lines()) == len(panel.get_lines()) == rings  # outlines on every panel
    plots.close_all()


@pytest.mark.parametrize("lang", ["en", "ru", "ky"])
def test_scorecard_headings_do_not_touch_their_neighbours(lang):
    """Kyrgyz headings wrapped at 16 characters ran into each other; each column heading keeps to itself."""
    from regsim import i18n
    from regsim.reporting import names, paired

    strategies = ["equalisation_uniform", "equalisation_needs", "concentrated", "concentrated_hinterland",
                  "concept_two_stage", "cash_transfers"]
    with i18n.using(lang):
        cells = pd.DataFrame([{"strategy": s, "outcome": o, "reference": "none", "status": "undecided",
                               "text": "+29 800"} for s in strategies for o in paired.HEADLINE_OUTCOMES])
        titles = {o: f"{names.outcome(o)}\n{i18n._('person-years')}" for o in paired.HEADLINE_OUTCOMES}
        fig = plots.plot_scorecard(cells, [names.short(s) for s in strategies], strategies,
                                   [(o, "none") for o in paired.HEADLINE_OUTCOMES], titles,
                                   {"none": i18n._("each strategy against no regional budget")},
                                   {"undecided": i18n._("cannot tell with these replications")})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    heads = sorted((t.get_window_extent(renderer) for t in ax.texts if "\n" in t.get_text()), key=lambda b: b.x0)
    assert len(heads) == len(paired.HEADLINE_OUTCOMES)
    for left, right in itertools.pairwise(heads):
        assert left.x1 < right.x0, f"{lang}: headings overlap by {left.x1 - right.x0:.0f} px"
    plots.close_all()
