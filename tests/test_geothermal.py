"""Geothermal models against independent references: G.POT, VDI 4640, Hotmaps bands and district heating."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS

from layers.errors import InputDataError
from layers.raster import Raster
from processing.geothermal.conductivity import (
    VDI4640_1_CONDUCTIVITY_W_MK,
    conductivity_table,
    lithology_conductivity,
    vdi4640_2_extraction_w_m,
)
from processing.geothermal.demand import building_heat_demand, specific_demand_kwh_m2_yr
from processing.geothermal.district_heating import district_heating_areas, linear_heat_density, nearby_heat_sources
from processing.geothermal.gpot import gpot_energy_mwh_yr, gpot_power_w
from processing.geothermal.hectare import (
    HOTMAPS_BAND_LIMITS_MWH_HA,
    MWH_HA_PER_TJ_KM2,
    aggregate_to_hectares,
    feasibility_band,
    hectare_grid,
)

CRS_LUX = CRS.from_epsg(2169)


# --- G.POT -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("conductivity", "expected_mwh"), [(1.5, 6.6), (2.2, 8.6), (3.0, 10.5)])
def test_gpot_reproduces_worked_values(conductivity, expected_mwh):
    """docs/REFERENCES.md (Casasso & Sethi 2016 defaults): λ 1.5 / 2.2 / 3.0 → 6.6 / 8.6 / 10.5 MWh/yr
    per 100 m probe with T0 11 °C, ρc 2.3 MJ/m³/K, 183-day season, R_b 0.1 m·K/W; tolerance ± 2 %."""
    assert gpot_energy_mwh_yr(conductivity) == pytest.approx(expected_mwh, rel=0.02)


def test_gpot_vectorised_linear_in_length_and_nan_safe():
    lam = np.array([1.5, 2.2, np.nan, 0.0])
    full = gpot_energy_mwh_yr(lam)
    half = gpot_energy_mwh_yr(lam, probe_length_m=50.0)
    np.testing.assert_allclose(half[:2], full[:2] / 2, rtol=1e-12)  # Q ∝ L in the closed form
    assert np.isnan(full[2:]).all()
    # E [MWh/yr] = 0.00876 × Q [W] (Casasso & Sethi 2016)
    assert gpot_energy_mwh_yr(2.0) == pytest.approx(0.00876 * gpot_power_w(2.0), rel=1e-12)
    # warmer ground, more heat; a colder fluid limit, more heat
    assert gpot_energy_mwh_yr(2.0, ground_temperature_c=12.0) > gpot_energy_mwh_yr(2.0)
    assert gpot_energy_mwh_yr(2.0, limit_temperature_c=-4.0) > gpot_energy_mwh_yr(2.0)


# --- VDI 4640 --------------------------------------------------------------------------------------------

def test_vdi4640_1_values_of_references():
    """docs/REFERENCES.md: limestone 2.8, sandstone 2.3, saturated sand 2.4, gravel 1.8, clay/silt 1.7."""
    assert {k: VDI4640_1_CONDUCTIVITY_W_MK[k] for k in ("limestone", "sandstone", "sand", "gravel", "clay")} == {
        "limestone": 2.8, "sandstone": 2.3, "sand": 2.4, "gravel": 1.8, "clay": 1.7}


def test_conductivity_table_override_and_unknown_lithology():
    table = conductivity_table({"marl": 2.5, "basalt": 1.7})
    assert table["marl"] == 2.5 and table["basalt"] == 1.7 and table["limestone"] == 2.8
    np.testing.assert_array_equal(lithology_conductivity(["marl", None, "basalt"], table), [2.5, np.nan, 1.7])
    with pytest.raises(InputDataError, match=r"without a thermal conductivity: \['obsidian'\]"):
        lithology_conductivity(["obsidian"], table)
    with pytest.raises(InputDataError, match="must lie in 0.1-10"):
        conductivity_table({"marl": 0.0})


def test_vdi4640_2_indicative_classes():
    """VDI 4640-2 (2001) general rows: λ < 1.5 → 25/20, 1.5-3.0 → 60/50, > 3.0 → 84/70 W/m (1800/2400 h)."""
    lam = [1.0, 1.5, 2.2, 3.0, 3.5, np.nan]
    np.testing.assert_array_equal(vdi4640_2_extraction_w_m(lam), [25, 60, 60, 60, 84, np.nan])
    np.testing.assert_array_equal(vdi4640_2_extraction_w_m(lam, 2400), [20, 50, 50, 50, 70, np.nan])
    with pytest.raises(ValueError, match="1800 or 2400"):
        vdi4640_2_extraction_w_m(lam, 2000)


# --- Hotmaps bands and the 1-ha grid ---------------------------------------------------------------------

def test_band_thresholds_pinned():
    """1 TJ/km² = 1e6 MJ / 3600 MJ/MWh / 100 ha = 2.778 MWh/ha; bands < 20, 20-50, 50-120, 120-300, > 300 TJ/km²."""
    assert MWH_HA_PER_TJ_KM2 == pytest.approx(2.778, abs=5e-4)
    np.testing.assert_allclose(HOTMAPS_BAND_LIMITS_MWH_HA, [55.56, 138.89, 333.33, 833.33], atol=0.01)
    # 333 MWh/ha (the Hotmaps cell threshold) is ≈ 120 TJ/km²: just under the "feasible" limit
    values = [0.0, 55.5, 55.6, 138.8, 139.0, 333.0, 333.4, 833.3, 833.4, 5000.0]
    assert list(feasibility_band(values)) == [
        "not_feasible", "not_feasible", "future_potential", "future_potential", "feasible_with_support",
        "feasible_with_support", "feasible", "feasible", "very_feasible", "very_feasible"]


def test_hectare_grid_aligned_to_100_m_and_sums_demand():
    grid = hectare_grid((62012.5, 59033.0, 62460.0, 59391.0), CRS_LUX)
    assert grid.bounds == (62000.0, 59000.0, 62500.0, 59400.0)
    density = aggregate_to_hectares([62010.0, 62090.0, 62150.0, 99999.0], [59010.0, 59090.0, 59390.0, 0.0],
                                    [100.0, 50.0, 7.0, 1e9], grid)
    assert density.unit == "MWh ha-1 yr-1" and density.shape == (4, 5)
    assert density.array[3, 0] == 150.0  # lower-left cell: both buildings
    assert density.array[0, 1] == 7.0
    assert density.array.sum() == 157.0  # the point outside the grid is dropped


# --- district heating on a hand-built grid ---------------------------------------------------------------

def _density(array) -> Raster:
    return Raster(np.asarray(array, float), Affine(100.0, 0, 60000.0, 0, -100.0, 61000.0), CRS_LUX, None,
                  "MWh ha-1 yr-1")


def _hand_grid() -> np.ndarray:
    a = np.zeros((10, 10))
    a[0:6, 0:6] = 900.0        # area A: 36 ha × 900 MWh = 32.4 GWh ≥ 30 → kept
    a[0, 6] = 300.0            # adjacent but under 333 MWh/ha: not part of A
    a[7:9, 7:10] = 2000.0      # area B: 6 ha × 2000 = 12 GWh < 30 → dropped
    a[9, 0] = 5000.0           # isolated 5 GWh cell: dropped
    return a


def test_district_heating_areas_hand_built_grid():
    areas = district_heating_areas(_density(_hand_grid()))
    assert len(areas) == 1
    a = areas.iloc[0]
    assert a.area_id == 1 and a.cells == 36 and a.area_ha == pytest.approx(36.0)
    assert a.demand_gwh_yr == pytest.approx(32.4)
    assert a.mean_density_mwh_ha_yr == pytest.approx(900.0)
    assert a.band == "very_feasible"  # 900 MWh/ha = 324 TJ/km² > 300
    assert a.geometry.equals(shapely.box(60000.0, 60400.0, 60600.0, 61000.0))
    # lowering the area threshold to 10 GWh adds B (12 GWh, second by demand), not the 5 GWh cell
    areas = district_heating_areas(_density(_hand_grid()), area_threshold_gwh_yr=10.0)
    assert list(areas.demand_gwh_yr.round(3)) == [32.4, 12.0]
    assert list(areas.area_ha) == [36.0, 6.0]
    assert list(areas.band) == ["very_feasible", "very_feasible"]
    # lowering the cell threshold to 300 MWh/ha lets the 300 MWh/ha cell join A
    areas = district_heating_areas(_density(_hand_grid()), cell_threshold_mwh_ha_yr=300.0)
    assert areas.iloc[0].cells == 37 and areas.iloc[0].demand_gwh_yr == pytest.approx(32.7)
    assert areas.iloc[0].band == "very_feasible"  # mean 883.8 MWh/ha


def test_district_heating_connectivity_and_band_of_mean():
    a = np.zeros((4, 4))
    a[0, 0] = a[1, 1] = 400.0   # cells touching at a corner only; 2 × 400 MWh = 0.8 GWh
    eight = district_heating_areas(_density(a), area_threshold_gwh_yr=0.5)
    four = district_heating_areas(_density(a), area_threshold_gwh_yr=0.5, connectivity=4)
    assert len(eight) == 1 and eight.iloc[0].cells == 2
    assert eight.iloc[0].band == "feasible"  # 400 MWh/ha = 144 TJ/km²
    assert len(four) == 0
    assert list(four.columns) == list(eight.columns)


def test_district_heating_rejects_bad_input():
    with pytest.raises(InputDataError, match="MWh ha-1 yr-1"):
        district_heating_areas(Raster(np.zeros((2, 2)), Affine(100, 0, 0, 0, -100, 0), CRS_LUX, None, "kWh"))
    with pytest.raises(InputDataError, match="connectivity must be 4 or 8"):
        district_heating_areas(_density(np.zeros((2, 2))), connectivity=6)


def test_linear_heat_density_and_heat_sources():
    import geopandas as gpd

    areas = district_heating_areas(_density(_hand_grid()))
    roads = gpd.GeoDataFrame({"road_class": ["residential", "motorway", "service"]}, geometry=[
        shapely.LineString([(60000, 60700), (61000, 60700)]),   # 600 m inside A
        shapely.LineString([(60000, 60800), (61000, 60800)]),   # motorway: not a street
        shapely.LineString([(60300, 60000), (60300, 61000)]),   # 600 m inside A
    ], crs=CRS_LUX)
    length, lhd = linear_heat_density(areas, roads)
    assert length[0] == pytest.approx(1200.0)
    assert lhd[0] == pytest.approx(32400.0 / 1200.0)  # 27 MWh per metre of street
    length, lhd = linear_heat_density(areas, None)
    assert np.isnan(length[0]) and np.isnan(lhd[0])
    sources = gpd.GeoDataFrame({"name": ["steelworks", "bakery"], "heat_mwh_yr": [40000.0, None]}, geometry=[
        shapely.Point(61000, 60500), shapely.Point(63000, 60500)], crs=CRS_LUX)
    near = nearby_heat_sources(areas, sources, distance_m=500.0)
    assert near.iloc[0].to_dict() == {"heat_sources": "steelworks", "heat_sources_count": 1,
                                      "heat_sources_mwh_yr": 40000.0}
    far = nearby_heat_sources(areas, sources, distance_m=3000.0)
    assert far.iloc[0].heat_sources == "steelworks; bakery" and far.iloc[0].heat_sources_mwh_yr == 40000.0


# --- heat demand -----------------------------------------------------------------------------------------

def test_specific_demand_periods_and_overrides():
    table = {"residential": [300, 200, 100], "public": [50, 40, 30]}
    ends = [1950, 2000]
    got = specific_demand_kwh_m2_yr(["residential"] * 4 + ["public"], [1950, 1951, 2001, None, 1990], table, ends)
    np.testing.assert_array_equal(got, [300, 200, 100, 300, 40])  # a missing year takes the oldest period
    with pytest.raises(InputDataError, match=r"uses without a specific heat demand: \['barn'\]"):
        specific_demand_kwh_m2_yr(["barn"], [2000], table, ends)
    with pytest.raises(InputDataError, match="has 2 values"):
        specific_demand_kwh_m2_yr(["public"], [2000], {"public": [1, 2]}, ends)


def test_building_heat_demand_floor_area():
    import geopandas as gpd

    b = gpd.GeoDataFrame({"use": ["residential"] * 3, "year_built": [2020] * 3, "levels": [2, None, 0],
                          "height_m": [6.0, 9.0, 3.2]},
                         geometry=[shapely.box(0, 0, 10, 10)] * 3, crs=CRS_LUX)
    heat = building_heat_demand(b, table={"residential": [100.0, 50.0]}, period_end_years=[2000],
                                heated_area_factor=0.8, storey_height_m=3.0)
    # 100 m² × storeys × 0.8; storeys from levels, else height / 3 m
    np.testing.assert_allclose(heat["heated_area_m2"], [160.0, 240.0, 80.0])
    np.testing.assert_allclose(heat["demand_mwh_yr"], [8.0, 12.0, 4.0])
    with pytest.raises(InputDataError, match="lack the field 'year_built'"):
        building_heat_demand(b.drop(columns="year_built"))
