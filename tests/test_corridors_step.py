"""The corridors step on small hand-built regions: schemas, light avoidance, barriers and bad input.

Inputs are hard-coded here (no demo generator), in EPSG:2169 near the Minett, on a 10 m grid.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from layers.validate import check_layer
from processing.corridors import STEP
from processing.pipeline import RegionContext, StepContext

CRS_LU = CRS.from_epsg(2169)
X0, Y0 = 62_000.0, 59_000.0
W, H = 3_000.0, 2_000.0


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_LU)


def _b(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _region() -> RegionContext:
    return RegionContext("test", CRS_LU, (X0, Y0, X0 + W, Y0 + H), {"corridors": 10.0})


def _communes() -> gpd.GeoDataFrame:
    return _gdf([{"name": "West", "code": "1", "geometry": _b(0, 0, 1500, H)},
                 {"name": "East", "code": "2", "geometry": _b(1500, 0, W, H)}])


def _landcover(forests) -> gpd.GeoDataFrame:
    """Grassland everywhere with forest blocks."""
    rows = [{"class": "forest", "geometry": f} for f in forests]
    from shapely import unary_union
    rows.append({"class": "grassland", "geometry": _b(0, 0, W, H).difference(unary_union(forests))})
    return _gdf(rows)


def _run(inputs: dict, tmp_path: Path, **params):
    ctx = StepContext(_region(), {"communes": _communes(), **inputs}, STEP.parse_params(params),
                      lambda f, m: None, tmp_path, step=STEP)
    out = STEP.run(ctx)
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS_LU)  # the runner's check before publishing
    return out


def _lamps_across(x: float, y0: float, y1: float, spacing: float = 25.0) -> gpd.GeoDataFrame:
    ys = np.arange(y0, y1 + 1e-9, spacing)
    return _gdf([{"geometry": Point(X0 + x, Y0 + y)} for y in ys])


def test_black_corridor_avoids_the_lit_strip_the_green_corridor_crosses(tmp_path):
    forests = [_b(200, 500, 600, 900), _b(2400, 500, 2800, 900)]
    lamps = _lamps_across(1500, 0, 1400)  # a lit street across the straight line, dark above y = 1400 m
    out = _run({"landcover": _landcover(forests), "streetlights": lamps}, tmp_path, networks=["green", "black"])
    paths = out["corridor_paths"].set_index("network")
    lit = lamps.geometry.buffer(50.0).union_all()  # the 50 m Eptesicus distance of docs/REFERENCES.md
    assert len(paths) == 2
    assert paths.geometry["green"].intersects(lit)
    assert not paths.geometry["black"].intersects(lit)
    assert not out["corridors"].set_index("network").geometry["black"].intersects(lamps.geometry.buffer(25.0).union_all())
    assert paths.loc["black", "length_m"] > paths.loc["green", "length_m"]
    barriers = out["corridor_barriers"]
    assert (barriers["kind"] == "light").sum() == 0  # the black path found the dark gap
    cores = out["habitat_cores"]
    assert sorted(cores["network"]) == ["black", "black", "green", "green"]
    assert cores["area_ha"].to_numpy() == pytest.approx(16.0, rel=1e-9)
    assert set(cores["commune"]) == {"West", "East"}


def test_black_corridor_avoids_bright_night_lights(tmp_path):
    from affine import Affine

    from layers.raster import Raster

    forests = [_b(200, 500, 600, 900), _b(2400, 500, 2800, 900)]
    radiance = np.zeros((20, 30), np.float32)  # 100 m cells over the region
    radiance[6:, 14:16] = 60.0  # a bright band from the south up to y = 1400 m, dark above
    night = Raster(radiance, Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + H), CRS_LU, None, "nW cm-2 sr-1")
    out = _run({"landcover": _landcover(forests), "night_lights": night}, tmp_path, networks=["green", "black"])
    paths = out["corridor_paths"].set_index("network")
    band = _b(1400, 0, 1600, 1400)
    assert paths.geometry["green"].intersects(band)
    assert not paths.geometry["black"].intersects(band.buffer(-60.0))  # bilinear resampling blurs the edge


def test_barriers_on_roads_and_rails_ranked(tmp_path):
    forests = [_b(100, 800, 500, 1200), _b(1300, 800, 1700, 1200), _b(2500, 800, 2900, 1200)]
    roads = _gdf([{"road_class": "motorway", "geometry": LineString([(X0 + 900, Y0), (X0 + 900, Y0 + H)])},
                  {"road_class": "track", "geometry": LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + H)])}])
    rails = _gdf([{"kind": "rail", "geometry": LineString([(X0 + 2100, Y0), (X0 + 2100, Y0 + H)])}])
    out = _run({"landcover": _landcover(forests), "roads": roads, "railways": rails}, tmp_path, networks=["green"])
    paths, barriers, cores = out["corridor_paths"], out["corridor_barriers"], out["habitat_cores"]
    assert len(paths) == 2  # west-middle and middle-east; west-east would cross the middle core
    assert sorted(barriers["kind"]) == ["railway", "road"]  # tracks are no barrier
    assert barriers.iloc[0]["detail"] == "motorway" or barriers.iloc[0]["dpc_link_pct"] >= barriers.iloc[1]["dpc_link_pct"]
    assert list(barriers["importance_rank"]) == [1, 2]
    # every link crosses one barrier; the middle core is the connector of the chain
    middle = cores.iloc[np.argsort(cores.geometry.centroid.x.to_numpy())[1]]
    assert middle["link_count"] == 2 and middle["dpc_pct"] == cores["dpc_pct"].max()
    assert (paths["cost_ratio"] >= 1.0 - 1e-9).all() and paths["certified"].all()
    summary = out["corridor_commune_summary"]
    assert sorted(summary["commune"]) == ["East", "West"]
    assert summary["barrier_count"].sum() == 2
    assert summary["path_length_m"].sum() == pytest.approx(paths.length.sum(), rel=1e-6)


def test_blue_network_river_obstacle(tmp_path):
    lc = _landcover([_b(0, 0, 10, 10)])
    ponds = _gdf([{"geometry": _b(100, 900, 300, 1100)}, {"geometry": _b(2600, 900, 2800, 1100)}])
    river = _gdf([{"waterway": "stream", "geometry": LineString([(X0 + 300, Y0 + 1000), (X0 + 2600, Y0 + 1000)])}])
    road = _gdf([{"road_class": "secondary", "geometry": LineString([(X0 + 1500, Y0), (X0 + 1500, Y0 + H)])}])
    out = _run({"landcover": lc, "water_bodies": ponds, "waterways": river, "roads": road}, tmp_path,
               networks=["blue"])
    paths, barriers = out["corridor_paths"], out["corridor_barriers"]
    assert len(paths) == 1 and paths.iloc[0]["cost"] < 2_400 * 1.0 + 1_000 * 20  # along the stream, one road cell
    assert list(barriers["kind"]) == ["river_obstacle"] and barriers.iloc[0]["detail"] == "secondary"


def test_black_network_skipped_without_light_data(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        out = _run({"landcover": _landcover([_b(200, 500, 600, 900)])}, tmp_path, networks=["black"])
    assert "black (darkness) network is skipped" in caplog.text
    assert all(len(v) == 0 for v in out.values())


@pytest.mark.parametrize("inputs, match", [
    ({"landcover": None}, "needs 1 missing input: landcover"),
    ({"landcover": _gdf([{"class": "jungle", "geometry": _b(0, 0, W, H)}])}, "unknown values \\['jungle'\\]"),
    ({"landcover": _gdf([{"geometry": _b(0, 0, W, H)}])}, "lacks the field 'class'"),
    ({"landcover": _gdf([{"class": "forest", "geometry": _b(0, 0, W, H)}]).to_crs(4326)}, "expected the region CRS"),
    ({"landcover": _landcover([_b(0, 0, 10, 10)]),
      "roads": _gdf([{"road_class": "autobahn", "geometry": LineString([(X0, Y0), (X0 + 1, Y0 + 1)])}])},
     "'road_class' holds unknown values"),
])
def test_bad_inputs(inputs, match, tmp_path):
    with pytest.raises(InputDataError, match=match):
        _run(inputs, tmp_path, networks=["green"])


@pytest.mark.parametrize("params, match", [
    ({"resistance": {"green": {"landcover": {"cropland": float("inf")}}}}, "must be finite"),
    ({"resistance": {"green": {"landcover": {"meadow": 3.0}}}}, "unknown classes \\['meadow'\\]"),
    ({"resistance": {"green": {"hedges": 3.0}}}, "unknown resistance group"),
    ({"max_resistance": 1.0}, "max_resistance"),
    ({"light_strong_m": 80.0}, "light_strong_m must not exceed"),
    ({"dispersal_probability": 1.0}, "dispersal_probability"),
    ({"networks": ["grey"]}, "networks"),
    ({"cutoff": 3}, "unknown parameter"),
])
def test_bad_params(params, match, tmp_path):
    with pytest.raises(ConfigError, match=match):
        _run({"landcover": _landcover([_b(200, 500, 600, 900)])}, tmp_path, **params)


def _notes(caplog) -> list[str]:
    """The notes the step logged: warnings that explain (``extra=EXPLANATION``), not degradations."""
    return [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]


def test_default_resistance_tables_are_noted(tmp_path, caplog):
    forests = [_b(200, 500, 600, 900), _b(2400, 500, 2800, 900)]
    with caplog.at_level(logging.WARNING):
        _run({"landcover": _landcover(forests)}, tmp_path, networks=["green", "blue"],
             resistance={"green": {"landcover": {"cropland": 250.0}}})
    note = next(n for n in _notes(caplog) if "resistance tables" in n)
    # blue keeps the default table and is named; green, overridden, is not
    assert note.startswith("corridors: resistance tables blue are the defaults (Omniscape example values on the "
                           "1-10,000 scale of Luxembourg's natural history museum")
    assert "set them in [params.corridors.resistance]" in note


def test_resistance_tables_set_by_the_region_are_not_noted(tmp_path, caplog):
    forests = [_b(200, 500, 600, 900), _b(2400, 500, 2800, 900)]
    with caplog.at_level(logging.WARNING):
        _run({"landcover": _landcover(forests)}, tmp_path, networks=["green", "blue"],
             resistance={"green": {"landcover": {"cropland": 250.0}}, "blue": {"unmapped": 400.0}})
    assert not [n for n in _notes(caplog) if "resistance tables" in n]
