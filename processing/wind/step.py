"""The wind step: exclusions → eligible areas → hub-height wind → turbine sites → annual energy."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np

from layers.communes import commune_of
from layers.data import LayerData
from layers.errors import ConfigError, InputDataError
from layers.grid import Grid
from layers.raster import RasterFile
from layers.rasterize import rasterize_mask
from layers.sample import sample_xy
from processing.pipeline import EXPLANATION, StepContext, log_note
from processing.wind.eligible import eligible_labels, label_polygons
from processing.wind.energy import HOURS_PER_YEAR, annual_energy_series, annual_energy_weibull, load_turbine, net_factor
from processing.wind.exclusions import exclusion_codes, exclusion_polygons
from processing.wind.field import air_density, wind_speed_hub
from processing.wind.params import WindParams
from processing.wind.siting import place_on_lattice

log = logging.getLogger(__name__)

#: Kelvin at 0 degC.
ZERO_C_K = 273.15

def analysis_grid(ctx: StepContext) -> Grid:
    """The wind grid: the region extent at the region's wind resolution."""
    return Grid(tuple(ctx.region.extent), ctx.resolution_m, ctx.region.crs)


def site_positions(labels: np.ndarray, grid: Grid, params: WindParams, rotor_m: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turbine positions in the kept eligible patches: x, y [m] (cell centres) and the patch label."""
    stride = max(1, round(params.siting_step_m / grid.res))
    start = stride // 2
    lattice = labels[start::stride, start::stride]
    kept = place_on_lattice(lattice > 0, stride * grid.res, params.prevailing_direction_deg,
                            params.separation_along_d * rotor_m, params.separation_across_d * rotor_m)
    rows, cols = kept[:, 0] * stride + start, kept[:, 1] * stride + start
    t = grid.transform
    return t.c + (cols + 0.5) * grid.res, t.f - (rows + 0.5) * grid.res, labels[rows, cols]


def turbine_sites(xs: np.ndarray, ys: np.ndarray, params: WindParams, grid: Grid, speed: RasterFile,
                  dem: RasterFile | None, communes: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Sites at ``(xs, ys)`` [m] with turbine data, hub-height wind and annual energy."""
    turbine = load_turbine(params.turbine_type)
    v = sample_xy(speed, xs, ys)
    ground = sample_xy(dem, xs, ys) if dem is not None else np.zeros(len(xs))
    ground = np.where(np.isfinite(ground), ground, 0.0)
    rho = air_density(ground + params.hub_height_m, params.sea_level_temperature_c + ZERO_C_K)
    if not len(xs):
        gross = np.zeros(0)
    elif params.wind_speed_series_ms is not None:
        gross = annual_energy_series(turbine, params.wind_speed_series_ms, v, rho)
    else:
        gross = annual_energy_weibull(turbine, v, params.weibull_k, rho)
    factor = net_factor(params.availability, params.wake_loss, params.electrical_loss, params.curtailment_loss)
    net = gross * factor * params.calibration_factor
    capacity_mw = turbine.nominal_power_w / 1e6
    geometry = gpd.points_from_xy(xs, ys, crs=grid.crs)
    frame = gpd.GeoDataFrame({
        "turbine": [turbine.name] * len(xs),
        "hub_height_m": np.full(len(xs), params.hub_height_m),
        "rotor_diameter_m": np.full(len(xs), turbine.rotor_diameter_m),
        "capacity_mw": np.full(len(xs), capacity_mw),
        "wind_speed_ms": v,
        "air_density_kg_m3": rho,
        "aep_gross_mwh_yr": gross,
        "aep_net_mwh_yr": net,
        "full_load_hours": net / capacity_mw,
        "capacity_factor": net / capacity_mw / HOURS_PER_YEAR,
    }, geometry=geometry, crs=grid.crs)
    frame["commune"] = commune_of(frame.geometry, communes, "largest_overlap")
    return frame


def _why_no_eligible_area(region: np.ndarray, codes: np.ndarray, res_m: float, min_area_ha: float,
                          exclusions: gpd.GeoDataFrame) -> str:
    """Why no area is eligible, in a planner's terms: the excluded share and the rules that exclude most."""
    free = region & (codes == 0)
    share = 100.0 * (1.0 - free.sum() / max(1, region.sum()))
    by_rule: dict[str, float] = {}
    for ids, ha in zip(exclusions["rules"], exclusions["area_ha"], strict=True):
        for rule in str(ids).split(","):
            by_rule[rule] = by_rule.get(rule, 0.0) + float(ha)
    rules = [f"{rule} ({ha:,.0f} ha)" for rule, ha in sorted(by_rule.items(), key=lambda kv: -kv[1])[:3]]
    free_ha = float(free.sum()) * res_m * res_m / 1e4
    return (f"no eligible wind area: the exclusion rules cover {share:.0f} % of the region"
            + (f", mostly {', '.join(rules)}" if rules else "")
            + f"; the {free_ha:,.1f} ha left lie in patches smaller than min_area_ha = {min_area_ha:g} ha"
            + " (a city centre has no room for a turbine's setbacks)")


def run(ctx: StepContext[WindParams]) -> Mapping[str, LayerData]:
    """Run the wind cadastre on the region (see the package docstring)."""
    params = ctx.params
    grid = analysis_grid(ctx)
    atlas = ctx.raster("wind_speed")
    if atlas is not None and params.atlas_height_m is None:
        raise ConfigError("a wind atlas (input wind_speed) is given but not its height: set params.wind."
                          "atlas_height_m to the height of [inputs.wind_speed] (height_m)")
    log_note(log, "wind", params.luxembourg_defaults_note(atlas_given=atlas is not None))
    landcover = ctx.vector("landcover")
    dem = ctx.raster("dem")
    communes = ctx.vector("communes")
    log.info("wind: grid %d x %d cells of %g m", grid.height, grid.width, grid.res)

    rules = params.exclusion_rules()
    codes, used = exclusion_codes(rules, ctx.inputs, grid, params.window_cells,
                                  lambda f, m: ctx.progress(0.6 * f, m), executor=ctx.executor)
    region = (rasterize_mask(communes.geometry, grid) if communes is not None and len(communes)
              else np.ones(grid.shape, dtype=bool))
    if not region.any():
        raise InputDataError("the communes do not cover any cell of the region extent; check their CRS")
    exclusions = exclusion_polygons(codes, used, grid, region)
    labels, area_ha = eligible_labels(region & (codes == 0), grid.res, params.min_area_ha)
    if not len(area_ha):
        log.warning(_why_no_eligible_area(region, codes, grid.res, params.min_area_ha, exclusions),
                    extra=EXPLANATION)
    del codes
    ctx.progress(0.7, f"{len(area_ha)} eligible areas")

    speed = wind_speed_hub(grid, ctx.workdir / "wind_speed_hub.tif", params.hub_height_m, landcover=landcover,
                           atlas=atlas, atlas_height_m=params.atlas_height_m,
                           reference_speed_ms=params.reference_speed_ms, reference_height_m=params.reference_height_m,
                           law=params.wind_law, hellman_exponent=params.hellman_exponent,
                           roughness_radius_m=params.roughness_radius_m,
                           reference_roughness_m=params.reference_roughness_m, window=params.window_cells,
                           executor=ctx.executor)
    ctx.progress(0.8, "hub-height wind speed")

    rotor = load_turbine(params.turbine_type).rotor_diameter_m
    xs, ys, site_labels = site_positions(labels, grid, params, rotor)
    sites = turbine_sites(xs, ys, params, grid, speed, dem, communes)
    ctx.progress(0.95, f"{len(sites)} turbine sites")

    polygons = label_polygons(labels, grid)
    counts = np.bincount(site_labels, minlength=len(area_ha) + 1)
    ids = sorted(polygons)
    eligible = gpd.GeoDataFrame({"area_ha": [float(area_ha[i - 1]) for i in ids],
                                 "turbine_count": [int(counts[i]) for i in ids]},
                                geometry=[polygons[i] for i in ids], crs=grid.crs)
    eligible["commune"] = commune_of(eligible.geometry, communes, "largest_overlap")
    total = float(sites["aep_net_mwh_yr"].sum()) if len(sites) else 0.0
    ctx.progress(1.0, f"{len(sites)} turbines, {total / 1e3:.1f} GWh/yr net, "
                      f"{math.fsum(area_ha):.1f} ha eligible")
    return {"wind_exclusions": exclusions, "wind_eligible_areas": eligible, "wind_speed_hub": speed,
            "wind_turbine_sites": sites}
