"""Resistance surfaces and the light model on hand-built inputs.

References: the resistance values of docs/REFERENCES.md (Omniscape example: forest 1, grassland 30,
crops 300) and the bat avoidance distances of Azam et al. (2018) (25 m Myotis, 50 m Eptesicus); exact
comparisons (tolerance 1e-6) because both are table look-ups.
"""

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from layers.errors import ConfigError
from layers.grid import Grid
from processing.corridors.costdist import cost_distance
from processing.corridors.light import LightModel, lamp_distance
from processing.corridors.resistance import TABLES, resistance_surface, tables_for

CRS_LU = CRS.from_epsg(2169)
X0, Y0 = 70_000.0, 60_000.0


def _grid(w=400.0, h=400.0, res=10.0):
    return Grid((X0, Y0, X0 + w, Y0 + h), res, CRS_LU)


def _lc(*rows):
    return gpd.GeoDataFrame({"class": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=CRS_LU)


def test_landcover_values_from_the_table():
    lc = _lc(("forest", box(X0, Y0, X0 + 200, Y0 + 400)), ("cropland", box(X0 + 200, Y0, X0 + 400, Y0 + 400)))
    r = resistance_surface(_grid(), TABLES["green"], landcover=lc)
    assert r[:, :20] == pytest.approx(1.0) and r[:, 20:] == pytest.approx(300.0)


def test_diagonal_motorway_cannot_be_slipped_through():
    lc = _lc(("grassland", box(X0, Y0, X0 + 400, Y0 + 400)))
    road = gpd.GeoDataFrame({"road_class": ["motorway"]},
                            geometry=[LineString([(X0 - 10, Y0 + 410), (X0 + 410, Y0 - 10)])], crs=CRS_LU)
    r = resistance_surface(_grid(), TABLES["green"], landcover=lc, roads=road)
    src = np.zeros(r.shape, bool)
    src[0, 0] = True
    # an 8-connected path from the NW to the SE corner enters at least one motorway cell
    assert cost_distance(r.astype(float), src, 10.0)[-1, -1] > 10_000.0 * 10.0


def test_track_is_no_barrier_and_overrides_apply():
    lc = _lc(("grassland", box(X0, Y0, X0 + 400, Y0 + 400)))
    track = gpd.GeoDataFrame({"road_class": ["track"]}, geometry=[LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 400)])],
                             crs=CRS_LU)
    tables = tables_for(["green"], {"green": {"landcover": {"grassland": 25.0}, "roads": {"track": 50.0}}}, 10_000.0)
    assert resistance_surface(_grid(), TABLES["green"], landcover=lc, roads=track).max() == pytest.approx(30.0)
    assert resistance_surface(_grid(), tables["green"], landcover=lc, roads=track).max() == pytest.approx(50.0)
    with pytest.raises(ConfigError, match="between 1 and max_resistance"):
        tables_for(["green"], {"green": {"unmapped": 20_000.0}}, 10_000.0)


def test_light_factor_thresholds():
    model = LightModel()
    f = model.factor(np.array([0.0, 25.0, 25.1, 50.0, 100.0, model.influence_m + 1]))
    assert f[:2] == pytest.approx(100.0) and f[2:4] == pytest.approx(10.0)
    assert f[4] == pytest.approx(1.0 + 9.0 * np.exp(-1.0)) and f[5] == 1.0


def test_lamp_distance_scales_with_flux():
    lamps = gpd.GeoDataFrame({"flux_lm": [3_000.0, 12_000.0]},
                             geometry=[Point(X0 + 105, Y0 + 205), Point(X0 + 305, Y0 + 205)], crs=CRS_LU)
    d = lamp_distance(_grid(), lamps, LightModel())
    row = 19  # cell centres at y = Y0 + 205
    assert d[row, 10] == pytest.approx(0.0, abs=1e-6)
    assert d[row, 14] == pytest.approx(40.0, abs=1e-4)  # 40 m from the reference lamp
    assert d[row, 26] == pytest.approx(40.0 / 2.0, abs=1e-4)  # 4x the flux: distances count half
