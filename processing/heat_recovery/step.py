"""The heat-recovery step: excess-heat sources → candidate lines → allocation → links, sources, areas.

Reads the geothermal step's ``district_heating_areas`` (so both analyses agree on the areas), the
``heat_sources`` input (any GDAL vector through ``[inputs.heat_sources]``) and, where given, ``roads`` for the
line routes and ``communes`` for the commune of each area. Without heat sources or areas the layers are
published empty, with a warning saying what is missing. Notes name the emission factors left at their defaults
and the sources whose figures come from their type's defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import shapely

from layers.communes import commune_of
from layers.data import LayerData
from processing.emission_factors import default_factors_note
from processing.heat_recovery.matching import match_sources
from processing.heat_recovery.params import HeatRecoveryParams
from processing.heat_recovery.sources import assess_sources, defaulted_note
from processing.pipeline import StepContext, log_note

log = logging.getLogger(__name__)

#: The emission factors of ``[params.heat_recovery]`` (the lines' avoided CO2) a region replaces with its own.
FACTORS = ("grid_co2_t_mwh", "gas_co2_t_mwh", "boiler_efficiency")


def _points(sources: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Sources as points (a polygon or line source is taken at a point on its surface)."""
    geoms = sources.geometry.to_numpy()
    points = np.array([g if g.geom_type == "Point" else shapely.point_on_surface(g) for g in geoms], dtype=object)
    return sources.set_geometry(gpd.GeoSeries(points, crs=sources.crs, index=sources.index))


def run(ctx: StepContext[HeatRecoveryParams]) -> Mapping[str, LayerData]:
    """Compute ``heat_recovery_links``, ``heat_sources_assessed`` and ``heat_recovery_areas``."""
    p = ctx.params
    crs = ctx.region.crs
    areas = ctx.vector("district_heating_areas")
    raw = ctx.vector("heat_sources")
    if raw is None or not len(raw):
        log.warning("heat_recovery: no heat_sources input; add [inputs.heat_sources] to assess excess heat")
        raw = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    if not len(areas):
        log.warning("heat_recovery: no district-heating areas (geothermal step); no heat can be allocated")
    sources = assess_sources(_points(raw).reset_index(drop=True), supply_temperature_c=p.supply_temperature_c,
                             carnot_efficiency=p.carnot_efficiency)
    ctx.progress(0.2, f"{len(sources)} heat sources, {len(areas)} district-heating areas")
    log_note(log, "heat_recovery", defaulted_note(sources))
    log_note(log, "heat_recovery", default_factors_note(p, FACTORS, "[params.heat_recovery]"))
    result = match_sources(sources, areas.reset_index(drop=True), ctx.vector("roads"), p)
    ctx.progress(0.9, f"{len(result.links)} lines")
    out_areas = result.areas
    communes = ctx.vector("communes")
    out_areas["commune"] = commune_of(out_areas, communes, "representative_point")
    log.info("heat_recovery: %.1f of %.1f GWh/yr deliverable excess heat used, %d lines",
             result.sources["used_mwh_yr"].sum() / 1e3, result.sources["deliverable_mwh_yr"].sum() / 1e3,
             len(result.links))
    return {"heat_recovery_links": result.links, "heat_sources_assessed": result.sources,
            "heat_recovery_areas": out_areas}
