"""The corridors step: per network, resistance → habitat cores → least-cost links → connectivity → barriers
(see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import rasterio.features
from shapely import unary_union
from shapely.geometry import shape

from layers.catalog import get_layer
from layers.communes import commune_of
from layers.conform import conform
from layers.data import LayerData
from layers.errors import ConfigError, InputDataError
from layers.grid import Grid
from processing.corridors.cores import M2_PER_HA, cores_from_area, habitat_area, why_few_cores
from processing.corridors.light import LightModel, lamp_distance, light_factor, lit_zones, night_radiance
from processing.corridors.network import ConnectivitySettings, analyse_network
from processing.corridors.params import CorridorsParams
from processing.corridors.resistance import default_tables_note, resistance_surface, tables_for
from processing.corridors.stepping_stones import stepping_stone_resistance
from processing.corridors.summary import commune_summary
from processing.pipeline import EXPLANATION, StepContext, log_note

log = logging.getLogger(__name__)

OUTPUTS = ("habitat_cores", "corridors", "corridor_paths", "corridor_barriers", "corridor_commune_summary")
VECTOR_INPUTS = ("protected_areas", "waterways", "water_bodies", "wetlands", "roads", "railways", "streetlights")


def light_model(p: CorridorsParams) -> LightModel:
    """The darkness model of the parameters."""
    return LightModel(strong_m=p.light_strong_m, avoid_m=p.light_avoid_m, strong_factor=p.light_strong_factor,
                      avoid_factor=p.light_avoid_factor, decay_m=p.light_decay_m,
                      reference_flux_lm=p.reference_lamp_flux_lm, radiance_ref=p.night_light_reference,
                      lit_radiance=p.night_light_lit)


def _lit_by_radiance(grid: Grid, radiance: np.ndarray, threshold: float):
    mask = radiance >= threshold
    if not mask.any():
        return None
    return unary_union([shape(g) for g, v in rasterio.features.shapes(mask.astype(np.uint8), mask=mask,
                                                                       transform=grid.transform) if v])


def run(ctx: StepContext[CorridorsParams]) -> Mapping[str, LayerData]:
    """All outputs of the corridors step for the networks in ``ctx.params.networks``."""
    p = ctx.params
    crs = ctx.region.crs
    try:
        grid = Grid(ctx.region.extent, ctx.resolution_m, crs)
    except ValueError as exc:
        raise ConfigError(f"corridors grid: {exc}; check [region] extent and [resolution] corridors") from exc
    landcover, communes = ctx.vector("landcover"), ctx.vector("communes")
    for layer_id, frame in (("landcover", landcover), ("communes", communes)):
        if not len(frame):
            raise InputDataError(f"input layer {layer_id!r} is empty; the corridors need it")
    vec = {k: ctx.vector(k) for k in VECTOR_INPUTS}
    night = ctx.raster("night_lights")
    tables = tables_for(p.networks, p.resistance, p.max_resistance)
    landscape_ha = unary_union(communes.geometry.values).area / M2_PER_HA
    settings = ConnectivitySettings(p.dispersal_distance_m, p.dispersal_probability, p.iic_link_distance_m,
                                    p.max_link_distance_m, p.corridor_cutoff_m, p.window_margin_m,
                                    p.max_window_margin_m, p.drop_links_through_cores)
    networks = list(p.networks)
    lamps = vec["streetlights"]
    if "black" in networks and (lamps is None or len(lamps) == 0) and night is None:
        log.warning("corridors: no streetlights and no night_lights; the black (darkness) network is skipped")
        networks.remove("black")
    log_note(log, "corridors", default_tables_note(networks, p.resistance))
    outputs: dict[str, list[gpd.GeoDataFrame]] = {k: [] for k in OUTPUTS}
    surfaces: dict[str, np.ndarray] = {}
    for n, net in enumerate(networks):
        def progress(f, n=n, net=net):
            ctx.progress((n + f) / len(networks), f"{net} network")

        table = tables[net]
        same = next((surfaces[k] for k in surfaces if tables[k] == table), None)  # black reuses green's
        resistance = same if same is not None else resistance_surface(
            grid, table, landcover=landcover, water_bodies=vec["water_bodies"], wetlands=vec["wetlands"],
            waterways=vec["waterways"], roads=vec["roads"], railways=vec["railways"])
        surfaces[net] = resistance
        resistance = stepping_stone_resistance(net, resistance, grid, p, ctx)
        area = habitat_area(net, landcover, vec["protected_areas"], vec["water_bodies"], vec["wetlands"])
        lit = strong = None
        if net == "black":
            model = light_model(p)
            radiance = None
            if night is not None:
                radiance = night_radiance(grid, night)
            dist = lamp_distance(grid, lamps, model)
            resistance = np.minimum(resistance * light_factor(dist, radiance, model), p.max_resistance)
            strong, lit = lit_zones(lamps, model)
            glow = _lit_by_radiance(grid, radiance, model.lit_radiance) if radiance is not None else None
            parts = [g for g in (lit, glow) if g is not None]
            lit = unary_union(parts) if parts else None
            if area is not None and lit is not None:
                area = area.difference(lit)
        progress(0.1)
        cores = cores_from_area(net, area, getattr(p.min_core_area_ha, net), crs)
        cores.insert(3, "commune", commune_of(cores, communes, "representative_point"))
        reason = why_few_cores(net, area, cores, getattr(p.min_core_area_ha, net))
        if reason:
            log.warning(reason, extra=EXPLANATION)
        result = analyse_network(net, grid, resistance, cores, settings, landscape_ha,
                                 roads=vec["roads"], railways=vec["railways"], road_table=table.roads,
                                 rail_table=table.railways, lit=lit, strong_lit=strong,
                                 light_factors=(p.light_strong_factor, p.light_avoid_factor),
                                 progress=lambda f, progress=progress: progress(0.1 + 0.85 * f),
                                 executor=ctx.executor)
        log.info("corridors: %s network: %d cores, %d links, %d barriers", net, len(result.cores),
                 len(result.paths), len(result.barriers))
        outputs["habitat_cores"].append(result.cores)
        outputs["corridors"].append(result.corridors)
        outputs["corridor_paths"].append(result.paths)
        outputs["corridor_barriers"].append(result.barriers)
        outputs["corridor_commune_summary"].append(commune_summary(net, result, communes))
        progress(1.0)
    return {k: conform(get_layer(k), v, crs) for k, v in outputs.items()}
