"""Parameters of the solar step (``[params.solar]`` in a region file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from processing.emission_factors import GRID_CO2_T_MWH
from processing.solar import classes, pv, racking


class SolarParams(BaseModel):
    """Solar-roof cadastre parameters; every default cites its source in the module that defines it."""

    model_config = ConfigDict(extra="forbid")

    # horizon
    n_sectors: int = Field(16, ge=16, le=72, description="Azimuth sectors of the horizon [-] (r.horizon uses 8-36).")
    search_distance_m: float = Field(200.0, ge=10.0, le=5000.0,
                                     description="How far horizon rays look over the surface model [m]; also the "
                                                 "halo read around every window.")
    step_growth: float = Field(0.05, ge=0.0, le=0.25,
                               description="Ray step beyond the near zone as a share of the distance [-].")
    near_distance_m: float = Field(8.0, ge=0.0, le=100.0,
                                   description="Distance up to which rays interpolate the surface bilinearly [m].")
    window_cells: int = Field(1024, ge=64, le=8192, description="Core window size [cells].")
    # sky
    transposition: Literal["perez", "haydavies"] = Field("perez", description="Transposition model.")
    day_model: Literal["two_state", "uniform"] = Field(
        "two_state", description="How a month's clear-sky index is spread over its days (see processing.solar.sky).")
    year: int = Field(2023, ge=1950, le=2100, description="Calendar year of the hourly sun positions.")
    time_step_minutes: Literal[15, 30, 60] = Field(60, description="Time step of the representative year [min].")
    albedo: float = Field(0.2, ge=0.0, le=0.9, description="Ground reflectance [-].")
    elevation_bin_deg: float = Field(0.5, ge=0.1, le=2.0,
                                     description="Sun-elevation bin of the per-face shading tables [deg].")
    # roof faces
    max_normal_angle_deg: float = Field(8.0, ge=1.0, le=30.0,
                                        description="Largest normal angle between adjacent cells of a face [deg].")
    max_roughness_m: float = Field(0.3, ge=0.01, le=5.0,
                                   description="Largest |Laplacian| of a seed cell of a face [m].")
    min_seed_cells: int = Field(4, ge=1, le=1000, description="Smallest face seed [cells].")
    merge_angle_deg: float = Field(5.0, ge=0.0, le=30.0, description="Coplanar faces merge below this angle [deg].")
    merge_offset_m: float = Field(0.3, ge=0.0, le=5.0, description="... and below this plane offset [m].")
    min_roof_height_m: float = Field(1.5, ge=0.0, le=20.0,
                                     description="DSM cells less than this above the DEM seed no roof face [m].")
    min_dsm_coverage: float = Field(0.5, ge=0.0, le=1.0,
                                    description="Share of a footprint's cells the DSM must cover; otherwise the "
                                                "building's faces come from its attributes [-].")
    default_pitch_deg: float = Field(35.0, ge=0.0, le=75.0,
                                     description="Tilt of gable/hip roofs without roof_tilt_deg [deg].")
    default_shed_pitch_deg: float = Field(10.0, ge=0.0, le=75.0,
                                          description="Tilt of shed roofs without roof_tilt_deg [deg].")
    # usable area and classes
    flat_tilt_deg: float = Field(10.0, ge=0.0, le=30.0, description="Faces below this tilt count as flat [deg].")
    flat_module_tilt_deg: float = Field(racking.FLAT_MODULE_TILT_DEG, ge=0.0, le=45.0,
                                        description="Tilt of the racked module rows on flat faces [deg].")
    flat_module_azimuth_deg: float | None = Field(
        None, ge=0.0, lt=360.0, description="Facing of the racked rows on flat faces [deg from north, clockwise]; "
        "empty = facing the equator (180 in the northern hemisphere); 90 models east-west tent rows.")
    roof_edge_share: float = Field(racking.ROOF_EDGE_SHARE, gt=0.0, le=1.0,
                                   description="Share of a flat roof left for module rows after edge strips [-].")
    flat_usable_share: float | None = Field(
        None, ge=0.0, le=1.0, description="Usable share of a flat face [-]; empty = roof_edge_share x the ground "
        "coverage ratio of rows unshaded at winter-solstice noon at the region's latitude (processing.solar."
        "racking).")
    pitched_usable_share: float = Field(1.0, ge=0.0, le=1.0, description="Usable share of a pitched face [-].")
    min_module_area_pitched_m2: float = Field(classes.MIN_MODULE_AREA_PITCHED_M2, ge=0.0, le=1000.0,
                                              description="Minimum module area on a pitched face [m2].")
    min_module_area_flat_m2: float = Field(classes.MIN_MODULE_AREA_FLAT_M2, ge=0.0, le=1000.0,
                                           description="Minimum module area on a flat face [m2].")
    north_max_tilt_deg: float = Field(20.0, ge=0.0, le=90.0,
                                      description="North faces steeper than this are excluded [deg].")
    north_half_angle_deg: float = Field(67.5, ge=0.0, le=180.0,
                                        description="A face is a north face within this angle of north [deg].")
    kwp_per_m2: float = Field(classes.KWP_PER_M2, gt=0.0, le=0.4, description="Module power density [kWp m-2].")
    very_good_share: float = Field(classes.VERY_GOOD_SHARE, ge=0.0, le=1.0,
                                   description="Very good from this share of the regional optimum [-].")
    good_share: float = Field(classes.GOOD_SHARE, ge=0.0, le=1.0, description="Good from this share [-].")
    conditional_share: float = Field(classes.CONDITIONAL_SHARE, ge=0.0, le=1.0,
                                     description="Conditional from this share [-].")
    # PV system
    system_losses_pct: float = Field(pv.LOSSES_WITHOUT_SHADING_PCT, ge=0.0, le=50.0,
                                     description="DC system losses [%]: PVWatts' components without its 3 % "
                                                 "shading term (11.42 %), since horizon shading is modelled.")
    gamma_pdc_per_k: float = Field(pv.GAMMA_PDC_PER_K, ge=-0.01, le=0.0,
                                   description="Temperature coefficient of power [K-1].")
    inverter_efficiency: float = Field(pv.INVERTER_EFFICIENCY, gt=0.5, le=1.0,
                                       description="Nominal inverter efficiency [-].")
    grid_co2_t_mwh: float = Field(
        GRID_CO2_T_MWH, ge=0.0, le=2.0,
        description="Emission factor of the grid electricity PV displaces [t CO2 MWh-1]; default ≈ EU-27 average "
                    "generation intensity (processing/emission_factors.py, shared with the districts and "
                    "heat-recovery steps' grid_co2_t_mwh; estimate).")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data):
        if isinstance(data, dict) and "grid_emission_kg_per_kwh" in data:
            raise ValueError("grid_emission_kg_per_kwh is now grid_co2_t_mwh (same value: kg CO2 kWh-1 = "
                             "t CO2 MWh-1); rename it in [params.solar]")
        return data
