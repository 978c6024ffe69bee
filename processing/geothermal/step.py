"""The geothermal step: ground potential, restrictions, heat demand, district heating and per-building supply.

Outputs (all in the region CRS):

- ``geothermal_potential`` [MWh yr-1 per probe of ``probe_length_m``, 100 m by default],
  ``geothermal_conductivity`` [W m-1 K-1] and ``geothermal_extraction_vdi`` [W m-1, indicative]: rasters
  on the region's geothermal grid (10 m by default), lithology of the cell centre; restrictions are not
  applied to them. They are computed window by window on ``ctx.executor`` (in-process or Dask workers)
  with no halo, since a cell reads only its own lithology (:mod:`.ground`).
- ``geothermal_restrictions``: one polygon per restricting feature, with class and source.
- ``heat_demand_density``: 1-ha cells (edges on 100 m multiples) with demand > 0; a building counts in the
  cell holding its representative point.
- ``district_heating_areas``: Hotmaps critical-mass areas with street heat density and nearby waste heat.
- ``building_heat_supply``: per footprint, demand, probes on the plot, the ground heat the field sustains
  (G.POT per probe, λ under the building's representative point, probe length capped by depth limits, times
  the field factor of :mod:`.borefield` for the thermal interference between the plot's probes), the heat the
  heat pump delivers from it and the electricity it draws (:mod:`.heat_pump`, ``heat_pump_spf``), coverage
  (delivered ÷ demand), restriction class, district-heating flag and the recommendation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.data import LayerData
from layers.grid import Grid
from processing.geothermal.borefield import field_factors
from processing.geothermal.conductivity import conductivity_table, lithology_conductivity
from processing.geothermal.demand import building_heat_demand, default_rows_note
from processing.geothermal.district_heating import district_heating_areas, linear_heat_density, nearby_heat_sources
from processing.geothermal.gpot import gpot_energy_mwh_yr
from processing.geothermal.ground import ground_rasters
from processing.geothermal.ground_temperature import with_ground_temperature
from processing.geothermal.heat_pump import delivered_heat, pump_electricity
from processing.geothermal.hectare import aggregate_to_hectares, density_cells, hectare_grid
from processing.geothermal.params import GeothermalParams
from processing.geothermal.probes import ProbeSites, place_probes
from processing.geothermal.restrictions import RESTRICTION_CLASSES, SEVERITY, restriction_polygons
from processing.pipeline import StepContext, log_note

log = logging.getLogger(__name__)


def _clean_buildings(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings (rows without geometry already dropped by ``ctx.vector``) with invalid footprints repaired to
    their polygonal part; non-polygons are ignored with a warning."""
    b = buildings.copy()
    invalid = ~b.geometry.is_valid
    if invalid.any():
        b.loc[invalid, b.geometry.name] = [_polygonal_part(g) for g in shapely.make_valid(b.geometry[invalid].to_numpy())]
    polygonal = b.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.all():
        log.warning("geothermal: %d buildings are not polygons and are ignored", int((~polygonal).sum()))
        b = b[polygonal]
    return b.reset_index(drop=True)


def _polygonal_part(geom):
    """The polygons of a repaired geometry (make_valid may return a collection with lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else geom


def recommendation(in_dh: np.ndarray, probes: np.ndarray, severity: np.ndarray, conductivity: np.ndarray,
                   coverage: np.ndarray, coverage_target: float) -> np.ndarray:
    """What to build: heat network in a district-heating area, else a ground-source heat pump when probes fit."""
    out = np.where(coverage >= coverage_target, "ground_source_heat_pump", "ground_source_heat_pump_partial")
    out = np.where(np.isnan(conductivity), "no_ground_data", out)
    out = np.where(probes == 0, "no_probe_space", out)
    out = np.where((probes == 0) & (severity == SEVERITY["depth_limited"]), "depth_limit_too_shallow", out)
    out = np.where((probes == 0) & (severity == SEVERITY["forbidden"]), "drilling_forbidden", out)
    return np.where(in_dh, "district_heating", out).astype(object)


def run(ctx: StepContext[GeothermalParams]) -> Mapping[str, LayerData]:
    """Compute every output layer of the geothermal step (see the package docstring)."""
    p = with_ground_temperature(ctx.params, ctx.region)
    log_note(log, "geothermal", p.default_season_note())
    crs = ctx.region.crs
    geology = ctx.vector("geology")
    buildings = _clean_buildings(ctx.vector("buildings"))
    table = conductivity_table(p.conductivity_w_mk)

    # 1. ground potential rasters on the analysis grid
    grid = Grid(ctx.region.extent, ctx.resolution_m, crs)
    rasters = ground_rasters(geology, grid, ctx.workdir, table, operating_hours=p.vdi_operating_hours,
                             gpot_kwargs={**p.gpot_kwargs(), "probe_length_m": p.probe_length_m},
                             progress=lambda f, m: ctx.progress(0.3 * f, m), executor=ctx.executor)

    # 2. restrictions
    natura = ctx.vector("protected_areas")
    restrictions = restriction_polygons(
        crs, water_protection_zones=ctx.vector("water_protection_zones"),
        contaminated_sites=ctx.vector("contaminated_sites"), mining_zones=ctx.vector("mining_zones"),
        protected_areas=natura, flood_zones=ctx.vector("flood_zones"),
        layer_classes={"contaminated_sites": p.contaminated_site_class, "mining_zones": p.mining_zone_class,
                       "natura2000": p.natura2000_class, "flood_zones": p.flood_zone_class})
    log_note(log, "geothermal", p.default_classes_note(restrictions["source"]))
    ctx.progress(0.35, f"{len(restrictions)} restrictions")

    # 3. heat demand per building and on the 1-ha grid
    heat = building_heat_demand(buildings, table=p.specific_demand_kwh_m2_yr, period_end_years=p.period_end_years,
                                heated_area_factor=p.heated_area_factor, storey_height_m=p.storey_height_m)
    log_note(log, "geothermal",
             default_rows_note(buildings["use"].to_numpy(), p.specific_demand_kwh_m2_yr, p.period_end_years))
    points = buildings.geometry.representative_point()
    xmin, ymin, xmax, ymax = ctx.region.extent
    if len(buildings):
        bx0, by0, bx1, by1 = buildings.total_bounds
        xmin, ymin, xmax, ymax = min(xmin, bx0), min(ymin, by0), max(xmax, bx1), max(ymax, by1)
    ha_grid = hectare_grid((xmin, ymin, xmax, ymax), crs)
    density = aggregate_to_hectares(points.x, points.y, heat["demand_mwh_yr"], ha_grid)
    counts = aggregate_to_hectares(points.x, points.y, np.ones(len(points)), ha_grid).array
    cells = density_cells(density, counts=np.rint(counts * (ha_grid.res**2 / 1e4)))
    ctx.progress(0.45, f"{len(cells)} hectares with heat demand")

    # 4. district-heating areas
    areas = district_heating_areas(density, cell_threshold_mwh_ha_yr=p.dh_cell_threshold_mwh_ha_yr,
                                   area_threshold_gwh_yr=p.dh_area_threshold_gwh_yr, connectivity=p.dh_connectivity)
    roads = ctx.vector("roads")
    length, lhd = linear_heat_density(areas, roads, p.street_classes)
    areas["street_length_m"] = length
    areas["linear_heat_density_mwh_m_yr"] = lhd
    sources = nearby_heat_sources(areas, ctx.vector("heat_sources"), p.heat_source_distance_m)
    areas = pd.concat([areas, sources], axis=1)
    areas = gpd.GeoDataFrame(areas, geometry="geometry", crs=crs)
    ctx.progress(0.5, f"{len(areas)} district-heating areas")

    # 5. probes per building
    sites = place_probes(
        buildings.geometry.to_numpy(), roads=None if roads is None else roads.geometry.to_numpy(),
        restrictions=restrictions, spacing_m=p.probe_spacing_m, building_setback_m=p.building_setback_m,
        boundary_setback_m=p.boundary_setback_m, plot_depth_m=p.plot_depth_m, road_half_width_m=p.road_half_width_m,
        probe_length_m=p.probe_length_m, min_probe_length_m=p.min_probe_length_m)
    ctx.progress(0.9, f"{len(sites.x)} probe sites")
    lam = _conductivity_at(geology, points, table)
    depth = sites.building_depth_m
    per_probe = gpot_energy_mwh_yr(lam, probe_length_m=np.nan_to_num(depth, nan=0.0), **p.gpot_kwargs())
    factor = probe_field_factors(sites, lam, p)
    ground = np.where(sites.probes > 0, sites.probes * np.nan_to_num(per_probe, nan=0.0) * factor, 0.0)
    delivered = delivered_heat(ground, p.heat_pump_spf)
    demand_mwh = heat["demand_mwh_yr"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(demand_mwh > 0, delivered / demand_mwh, np.nan)
    in_dh = np.zeros(len(buildings), bool)
    if len(areas) and len(buildings):
        _, hit = shapely.STRtree(points.to_numpy()).query(areas.geometry.to_numpy(), predicate="intersects")
        in_dh[hit] = True
    per_building = gpd.GeoDataFrame({
        "building_id": buildings["building_id"].astype(str).to_numpy(),
        "use": buildings["use"].astype(str).to_numpy(),
        "heated_area_m2": heat["heated_area_m2"].to_numpy(float),
        "specific_demand_kwh_m2_yr": heat["specific_demand_kwh_m2_yr"].to_numpy(float),
        "demand_mwh_yr": demand_mwh,
        "conductivity_w_mk": lam,
        "probes": sites.probes,
        "probe_depth_m": depth,
        "field_factor": factor,
        "ground_heat_mwh_yr": ground,
        "delivered_heat_mwh_yr": delivered,
        "heat_pump_electricity_mwh_yr": pump_electricity(delivered, p.heat_pump_spf),
        "coverage_ratio": coverage,
        "restriction_class": np.asarray(RESTRICTION_CLASSES, dtype=object)[sites.severity],
        "in_district_heating_area": in_dh,
        "recommendation": recommendation(in_dh, sites.probes, sites.severity, lam, np.nan_to_num(coverage, nan=np.inf),
                                         p.coverage_target),
    }, geometry=buildings.geometry.to_numpy(), crs=crs)
    ctx.progress(1.0, f"{len(per_building)} buildings, {int(sites.probes.sum())} probes")
    return {
        "geothermal_potential": rasters["potential"],
        "geothermal_conductivity": rasters["conductivity"],
        "geothermal_extraction_vdi": rasters["extraction"],
        "geothermal_restrictions": restrictions, "heat_demand_density": cells,
        "district_heating_areas": areas, "building_heat_supply": per_building,
    }


def probe_field_factors(sites: ProbeSites, conductivity_w_mk: np.ndarray, p: GeothermalParams) -> np.ndarray:
    """Field factor [-] of each building's probes (:func:`processing.geothermal.borefield.field_factors`)."""
    return field_factors(sites.x, sites.y, sites.building, len(sites.probes), sites.building_depth_m,
                         conductivity_w_mk, spacing_m=p.probe_spacing_m, heat_capacity_mj_m3k=p.heat_capacity_mj_m3k,
                         season_days=p.season_days, years=p.simulation_years, radius_m=p.borehole_radius_m,
                         resistance_mk_w=p.borehole_resistance_mk_w)


def _conductivity_at(geology: gpd.GeoDataFrame, points: gpd.GeoSeries, table: Mapping[str, float]) -> np.ndarray:
    """λ [W m-1 K-1] of the geology polygon under each point; NaN outside the geology."""
    lam = np.full(len(points), np.nan)
    if len(points) and len(geology):
        by_polygon = lithology_conductivity(geology["lithology"].to_numpy(), table)
        # points in the tree, polygons as (prepared) queries; where polygons overlap, the last one wins
        g_idx, p_idx = shapely.STRtree(points.to_numpy()).query(geology.geometry.to_numpy(), predicate="intersects")
        order = np.argsort(g_idx, kind="stable")
        lam[p_idx[order]] = by_polygon[g_idx[order]]
    return lam
