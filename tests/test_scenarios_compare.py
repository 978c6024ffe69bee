"""The comparison functions on hand-made layers whose answers are known by construction (exact up to float
rounding, 1e-9)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from processing import comparison

CRS = "EPSG:2169"


def test_wind_land_gained_and_lost_by_hand():
    # A: a 1 km square; B: the same square shifted 200 m east -> 200 m x 1 km gained and lost (20 ha each)
    a = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
    b = gpd.GeoDataFrame(geometry=[shapely.box(200, 0, 700, 1000), shapely.box(700, 0, 1200, 1000)], crs=CRS)
    out = comparison.wind_area_changes(a, b)
    assert sorted(out["change"]) == ["gained", "lost"]
    by = out.set_index("change")["area_ha"]
    assert by["gained"] == pytest.approx(20.0, abs=1e-9) and by["lost"] == pytest.approx(20.0, abs=1e-9)
    gained = out.set_index("change").geometry["gained"]
    assert gained.symmetric_difference(shapely.box(1000, 0, 1200, 1000)).area < 1e-9
    assert comparison.wind_area_changes(a, a).empty


def test_sites_added_and_removed_by_position():
    a = gpd.GeoDataFrame({"capacity_mw": [4.2, 4.2], "aep_net_mwh_yr": [7000.0, 7100.0], "commune": ["X", "Y"]},
                         geometry=[shapely.Point(0, 0), shapely.Point(500, 0)], crs=CRS)
    b = gpd.GeoDataFrame({"capacity_mw": [4.2, 4.2], "aep_net_mwh_yr": [7000.0, 6900.0], "commune": ["X", "Z"]},
                         geometry=[shapely.Point(0.3, 0), shapely.Point(900, 0)], crs=CRS)  # 0.3 m: the same site
    out = comparison.site_changes(a, b)
    assert list(out["change"]) == ["added", "removed"]
    assert list(out["commune"]) == ["Z", "Y"] and list(out["aep_net_mwh_yr"]) == [6900.0, 7100.0]


def test_candidates_moving_rank():
    geom = [shapely.box(i, 0, i + 1, 1) for i in range(3)]
    a = gpd.GeoDataFrame({"candidate_id": ["D1", "D2", "D3"], "name": ["a", "b", None], "commune": ["X"] * 3,
                          "rank": pd.array([1, 2, None], dtype="Int64"), "score": [0.9, 0.8, np.nan]},
                         geometry=geom, crs=CRS)
    b = gpd.GeoDataFrame({"candidate_id": ["D1", "D2", "D3"], "name": ["a", "b", None], "commune": ["X"] * 3,
                          "rank": pd.array([2, 1, 3], dtype="Int64"), "score": [0.7, 0.8, 0.1]},
                         geometry=geom, crs=CRS)
    out = comparison.rank_moves(a, b).set_index("candidate_id")
    assert out.loc["D1", "move"] == "down" and out.loc["D1", "rank_change"] == -1
    assert out.loc["D2", "move"] == "up" and out.loc["D2", "rank_change"] == 1
    assert out.loc["D3", "move"] == "ranked in B only" and pd.isna(out.loc["D3", "rank_change"])


def test_indicator_deltas_and_emissions_effect():
    boxes = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    a = gpd.GeoDataFrame({"commune": ["X", "Y"], "code": ["1", "2"], "renewable_gwh_yr": [10.0, 0.0],
                          "co2_avoidable_t_yr": [1000.0, 200.0]}, geometry=boxes, crs=CRS)
    b = a.assign(renewable_gwh_yr=[12.0, 0.0], co2_avoidable_t_yr=[1500.0, 200.2])
    deltas = comparison.indicator_deltas(a, b, {"co2_avoidable_t_yr": "t yr-1"}).set_index("commune")
    assert deltas.loc["X", "delta"] == 500.0 and deltas.loc["X", "delta_pct"] == pytest.approx(50.0)
    assert deltas.loc["all communes", "value_a"] == 1200.0 and deltas.loc["all communes", "delta"] == \
        pytest.approx(500.2)
    effect = comparison.emissions_effect(a, b).set_index("commune")
    assert effect.loc["X", "emissions_change_t_yr"] == -500.0 and effect.loc["X", "effect"] == "lowers emissions"
    assert effect.loc["Y", "effect"] == "unchanged"  # 0.2 t/yr: below the rounding of the indicators
    worse = comparison.emissions_effect(b, a).set_index("commune")
    assert worse.loc["X", "effect"] == "raises emissions" and worse.loc["X", "emissions_change_t_yr"] == 500.0


def test_emissions_effect_reports_the_change_of_the_target_gap():
    boxes = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    a = gpd.GeoDataFrame({"commune": ["X", "Y"], "code": ["1", "2"], "renewable_gwh_yr": [10.0, 0.0],
                          "co2_avoidable_t_yr": [1000.0, 200.0]}, geometry=boxes, crs=CRS)
    b = a.assign(co2_avoidable_t_yr=[1500.0, 200.0])
    # uncovered gap = gap − coverable; B's extra 500 t of potential closes 500 t of X's gap, Y has no target row
    targets_a = gpd.GeoDataFrame({"commune": ["X"], "target_year": [2030], "uncovered_t_yr": [2000.0]},
                                 geometry=boxes[:1], crs=CRS)
    targets_b = targets_a.assign(uncovered_t_yr=[1500.0])
    effect = comparison.emissions_effect(a, b, targets_a, targets_b).set_index("commune")
    assert effect.loc["X", "target_year"] == 2030 and effect.loc["X", "gap_change_t_yr"] == -500.0
    assert effect.loc["X", "uncovered_a_t_yr"] == 2000.0 and effect.loc["X", "uncovered_b_t_yr"] == 1500.0
    assert pd.isna(effect.loc["Y", "gap_change_t_yr"]) and pd.isna(effect.loc["Y", "target_year"])
    without = comparison.emissions_effect(a, b).set_index("commune")
    assert without["gap_change_t_yr"].isna().all() and without["target_year"].isna().all()
