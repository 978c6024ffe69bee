"""A small hand-built world for the districts tests (no tests here): two 1 km x 1 km communes in EPSG:2169.

Roads cut each commune into four 500 m x 500 m blocks (25 ha); every feature is placed so that the
expected criteria and sums can be checked by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from layers.raster import Raster

CRS_LU = CRS.from_epsg(2169)
X0, Y0 = 60000.0, 60000.0  # inside Luxembourg's LUREF extent


def shift(geom):
    from shapely import affinity

    return affinity.translate(geom, X0, Y0)


def gdf(rows: list[dict], geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[shift(g) for g in geoms], crs=CRS_LU)


def communes() -> gpd.GeoDataFrame:
    return gdf([{"name": "Westby", "code": "W1", "area_km2": 1.0}, {"name": "Eastby", "code": "E1", "area_km2": 1.0}],
               [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)])


def roads() -> gpd.GeoDataFrame:
    lines = [LineString([(x, -10), (x, 1010)]) for x in (500, 1000, 1500)]
    lines += [LineString([(-10, 500), (2010, 500)])]
    lines += [LineString([(100, 100), (200, 100)])]  # a service road: does not cut a block
    return gdf([{"road_class": "residential"}] * 4 + [{"road_class": "service"}], lines)


#: Lower-left corners of the blocks by name: SW, NW (commune W), SE, NE (commune E), plus the middle blocks.
BLOCKS = {"W-sw": (0, 0), "W-se": (500, 0), "W-nw": (0, 500), "W-ne": (500, 500),
          "E-sw": (1000, 0), "E-se": (1500, 0), "E-nw": (1000, 500), "E-ne": (1500, 500)}


def buildings() -> gpd.GeoDataFrame:
    """Four 20 m x 20 m buildings per block, residential except in W-ne (mixed uses)."""
    rows, geoms = [], []
    for name, (x, y) in BLOCKS.items():
        uses = (["residential", "commercial", "public", "mixed"] if name == "W-ne" else ["residential"] * 4)
        for k, use in enumerate(uses):
            bx, by = x + 100 + 60 * k, y + 200
            rows.append({"building_id": f"{name}-{k}", "height_m": 9.0, "levels": 3, "use": use,
                         "year_built": 1970, "roof_shape": "flat", "roof_tilt_deg": 0.0, "roof_azimuth_deg": 180.0})
            geoms.append(box(bx, by, bx + 20, by + 20))
    return gdf(rows, geoms)


def brownfields() -> gpd.GeoDataFrame:
    return gdf([{"name": "Old works"}], [box(1600, 700, 1900, 950)])  # 7.5 ha inside block E-ne


def flood_zones() -> gpd.GeoDataFrame:
    return gdf([{"return_period_yr": 100}], [box(0, 0, 500, 400)])  # 80 % of W-sw


def protected_areas() -> gpd.GeoDataFrame:
    return gdf([{"name": "Bog", "designation": "natura2000_habitats", "zone": "whole"}],
               [box(1000, 0, 1500, 100)])  # 20 % of E-sw


def transit_stops() -> gpd.GeoDataFrame:
    return gdf([{"mode": "rail", "name": "Gare"}, {"mode": "bus", "name": "Square"}],
               [Point(750, 800), Point(1250, 250)])


def solar_roofs() -> gpd.GeoDataFrame:
    """One face per building of W-ne (100 kWp, 95,000 kWh/yr each) and E-se (10 kWp, 9,500 kWh/yr), plus one
    unsuitable face."""
    b = buildings()
    rows, geoms = [], []
    for _, row in b.iterrows():
        block = row["building_id"][:4]
        if block not in ("W-ne", "E-se"):
            continue
        kwp = 100.0 if block == "W-ne" else 10.0
        rows.append({"building_id": row["building_id"], "face_id": row["building_id"] + "-f", "commune": None,
                     "area_m2": 400.0, "tilt_deg": 0.0, "azimuth_deg": 180.0, "irradiation_kwh_m2_yr": 1100.0,
                     "usable_area_m2": 200.0, "kwp": kwp, "yield_kwh_yr": 950.0 * kwp,
                     "specific_yield_kwh_kwp": 950.0, "class": "good", "co2_avoided_t_yr": 0.0})
        geoms.append(row.geometry)
    # a north face of W-ne's first building: unsuitable, never counted
    rows.append({**rows[0], "face_id": rows[0]["face_id"] + "-north", "azimuth_deg": 0.0, "kwp": 1000.0,
                 "yield_kwh_yr": 400_000.0, "class": "unsuitable"})
    geoms.append(geoms[0])
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS_LU)


def wind_turbine_sites() -> gpd.GeoDataFrame:
    rows = [{"turbine": "E-115/3200", "hub_height_m": 149.0, "rotor_diameter_m": 115.0, "capacity_mw": 3.2,
             "wind_speed_ms": 5.5, "aep_gross_mwh_yr": 8000.0, "aep_net_mwh_yr": 7000.0, "full_load_hours": 2187.5,
             "capacity_factor": 0.25, "commune": "Eastby"}] * 2
    return gdf(rows, [Point(1800, 100), Point(1900, 300)])


def heat_demand_density() -> gpd.GeoDataFrame:
    """1-ha cells: 400 MWh/ha/yr in the four cells of W-ne's south-west corner, 50 in one cell of E-se."""
    cells = [(500, 500), (600, 500), (500, 600), (600, 600), (1500, 0)]
    dens = [400.0, 400.0, 400.0, 400.0, 50.0]
    rows = [{"demand_mwh_ha_yr": d, "band": "very_feasible" if d > 300 else "future_potential",
             "cell_id": f"{x}_{y}", "demand_tj_km2_yr": d / 2.778, "buildings": 1} for (x, y), d in zip(cells, dens)]
    return gdf(rows, [box(x, y, x + 100, y + 100) for x, y in cells])


def district_heating_areas() -> gpd.GeoDataFrame:
    return gdf([{"demand_gwh_yr": 1.6, "area_ha": 4.0, "band": "very_feasible", "area_id": 1, "cells": 4,
                 "mean_density_mwh_ha_yr": 400.0, "street_length_m": None, "linear_heat_density_mwh_m_yr": None,
                 "heat_sources": None, "heat_sources_count": 0, "heat_sources_mwh_yr": 0.0}],
               [box(500, 500, 700, 700)])


def geothermal_potential() -> Raster:
    """10 MWh/yr per probe in commune W, 6 in commune E (10 m cells)."""
    a = np.full((100, 200), 6.0, dtype="float32")
    a[:, :100] = 10.0
    return Raster(a, Affine(10.0, 0, X0, 0, -10.0, Y0 + 1000), CRS_LU, float("nan"), "MWh yr-1")


def geothermal_restrictions() -> gpd.GeoDataFrame:
    return gdf([{"restriction_class": "forbidden", "source": "water_protection_zones", "max_depth_m": None,
                 "detail": "zone I"}], [box(1000, 500, 1500, 1000)])  # all of E-nw


def habitat_cores() -> gpd.GeoDataFrame:
    return gdf([{"network": "green", "core_id": "g1", "area_ha": 4.0},
                {"network": "green", "core_id": "g2", "area_ha": 4.0},
                {"network": "green", "core_id": "g3", "area_ha": 1.0}],
               [box(0, 800, 200, 1000), box(1800, 800, 2000, 1000), box(300, 0, 400, 100)])


def corridors() -> gpd.GeoDataFrame:
    return gdf([{"network": "green"}], [box(200, 850, 1800, 900)])  # a strip crossing the northern blocks
    # (g1 and g2 are the cores it links; g3 is an isolated core in the flooded block W-sw)


def corridor_paths() -> gpd.GeoDataFrame:
    return gdf([{"network": "green", "length_m": 1600.0}], [LineString([(200, 875), (1800, 875)])])


def all_inputs(**overrides) -> dict:
    layers = {
        "communes": communes(), "buildings": buildings(), "roads": roads(), "transit_stops": transit_stops(),
        "brownfields": brownfields(), "flood_zones": flood_zones(), "protected_areas": protected_areas(),
        "districts": None, "solar_roofs": solar_roofs(), "wind_turbine_sites": wind_turbine_sites(),
        "heat_demand_density": heat_demand_density(), "district_heating_areas": district_heating_areas(),
        "geothermal_potential": geothermal_potential(), "geothermal_restrictions": geothermal_restrictions(),
        "building_heat_supply": None, "habitat_cores": habitat_cores(), "corridors": corridors(),
        "corridor_paths": corridor_paths(),
    }
    layers.update(overrides)
    return layers
