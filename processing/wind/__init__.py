"""Wind cadastre: where turbines are possible, why the rest is excluded, how many fit, what they produce.

Modules: ``rules`` (declarative exclusion rules), ``profiles`` (Luxembourg and Höltinger 2016 sets),
``exclusions`` (rasterisation with exact setbacks, polygons per rule combination, the vector reference),
``eligible`` (remaining patches above a minimum area), ``field`` (hub-height wind, roughness, air density),
``siting`` (elliptical separation, greedy packing), ``energy`` (windpowerlib power curves, Weibull or a
wind time series, density correction, losses, calibration), ``step`` (the pipeline entry point).

Outputs: ``wind_exclusions`` (excluded land grouped by the combination of rules excluding it),
``wind_eligible_areas``, ``wind_speed_hub`` (GeoTIFF tagged ``HUB_HEIGHT_M``) and ``wind_turbine_sites``.

Windows (issue 11): the raster work runs window by window (``window_cells``) on ``ctx.executor``, in-process
or on Dask workers, and each window's result is written as it arrives. Exclusions are one task per (rule,
window) (:func:`.exclusions.rule_window_mask`): a setback rule reads the features within its buffer plus four
cells of the window, and its distance transform pads the window by ``ceil((buffer + half a cell diagonal) /
res) + 1`` cells; a DEM rule reads a halo of ``ceil(buffer / res) + 1`` cells. The hub-height wind
(:func:`.field.speed_window`) reads a halo of ``ceil(roughness_radius_m / res)`` cells, the half-side of its
roughness average. Masks and speeds are identical to a single-window, in-process run. Eligible patches,
siting and energy then work on the whole (uint8 … uint64) exclusion code grid of the region.

Calibration: ``calibration_factor`` multiplies net energy so that the model reproduces measured production.
The Sudwand turbines in Mondercange (E-138 at 160 m hub and E-115 at 149 m, 8.52 MW) produce about
15.3 GWh/yr, ≈ 1,800 full-load hours. The model with its defaults (5.5 m/s at 100 m over open terrain,
z0 0.03 m, carried to arable roughness 0.05 m by the geostrophic drag law → 5.70 m/s at 160 m, air density
1.17 kg/m³ at 460 m a.s.l., Weibull k = 2, net/gross 0.867, E-141/4200 as the nearest library type)
predicts ≈ 2,040 net full-load hours, so a region calibrated on Sudwand sets ``calibration_factor = 0.88``
(:func:`sudwand_calibration_factor` computes it for any other parameters); the demo region does.
"""

from __future__ import annotations

from processing.pipeline import MapPage, Step
from processing.wind.params import WindParams
from processing.wind.step import run


def rule_inputs(params: WindParams) -> tuple[list[str], list[str]]:
    """The layers the exclusion rules in force read: (required, optional) — a rule with ``required = false``
    is skipped with a warning when its layer is missing."""
    rules = params.exclusion_rules()
    return [r.layer for r in rules if r.required], [r.layer for r in rules if not r.required]


STEP = Step(
    name="wind",
    title="Wind cadastre",
    inputs=("landcover",),
    optional_inputs=("communes", "dem", "wind_speed"),
    inputs_for=rule_inputs,
    outputs=("wind_exclusions", "wind_eligible_areas", "wind_speed_hub", "wind_turbine_sites"),
    params=WindParams,
    run=run,
    default_resolution_m=10.0,
    maps=(MapPage("Wind", "exclusions and their rules, eligible areas, hub-height wind and turbine sites"),),
    commune_layers=("wind_eligible_areas", "wind_turbine_sites"),
    district_layers=("wind_turbine_sites",),
)

__all__ = ["STEP", "WindParams", "sudwand_calibration_factor"]

#: Sudwand, Mondercange (docs/REFERENCES.md): hub height [m] and ground elevation [m a.s.l.] (Mondercange
#: plateau, about 300 m).
SUDWAND_HUB_HEIGHT_M = 160.0
SUDWAND_GROUND_M = 300.0
#: Latitude of the Sudwand site [deg N] (Mondercange).
SUDWAND_LATITUDE_DEG = 49.53
#: Measured production of the two Sudwand turbines [MWh yr-1] and their rated power [MW] (docs/REFERENCES.md).
SUDWAND_MEASURED_MWH_YR = 15_300.0
SUDWAND_RATED_MW = 8.52
#: Measured full-load hours [h yr-1]: 15,300 MWh / 8.52 MW ≈ 1,796 h.
SUDWAND_FULL_LOAD_HOURS = SUDWAND_MEASURED_MWH_YR / SUDWAND_RATED_MW
#: Library type standing in for the E-138 EP3 (no E-138 curve in windpowerlib; similar specific power).
SUDWAND_PROXY_TURBINE = "E-141/4200"


def sudwand_calibration_factor(params: WindParams | None = None, roughness_m: float = 0.05) -> float:
    """Calibration factor the model needs to reproduce Sudwand's ≈ 1,800 full-load hours.

    The model's net full-load hours of ``SUDWAND_PROXY_TURBINE`` at 160 m hub over ``roughness_m`` [m]
    (arable land around the site) with ``params`` (defaults without calibration), and the ratio
    measured / modelled.
    """
    from processing.wind.energy import annual_energy_weibull, calibration_factor, load_turbine, net_factor
    from processing.wind.field import air_density, regional_speed

    p = params or WindParams()
    turbine = load_turbine(SUDWAND_PROXY_TURBINE)
    v = float(regional_speed(p.reference_speed_ms, p.reference_height_m, SUDWAND_HUB_HEIGHT_M, roughness_m,
                             reference_roughness_m=p.reference_roughness_m, latitude_deg=SUDWAND_LATITUDE_DEG,
                             law=p.wind_law, hellman_exponent=p.hellman_exponent))
    rho = float(air_density(SUDWAND_GROUND_M + SUDWAND_HUB_HEIGHT_M, p.sea_level_temperature_c + 273.15))
    gross = float(annual_energy_weibull(turbine, v, p.weibull_k, rho)[0])
    net = gross * net_factor(p.availability, p.wake_loss, p.electrical_loss, p.curtailment_loss)
    return calibration_factor(SUDWAND_FULL_LOAD_HOURS, net / (turbine.nominal_power_w / 1e6))
