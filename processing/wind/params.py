"""Parameters of the wind step (``[params.wind]`` of a region file), each with its literature default."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from processing.wind.energy import check_turbine_type, load_turbine
from processing.wind.field import OPEN_TERRAIN_ROUGHNESS_M
from processing.wind.profiles import PROFILE_NAMES, check_profile_name, profile_rules
from processing.wind.rules import ExclusionRule

#: Parameters whose defaults are Luxembourg's, with what each stands for (docs/REFERENCES.md, "Wind"); the step
#: names those a region leaves unset (:meth:`WindParams.luxembourg_defaults_note`).
LUXEMBOURG_DEFAULTS = {
    "profile": "Luxembourg's setbacks, 750 m to dwellings",
    "reference_speed_ms": "Luxembourg plateau wind at 100 m, used without a wind atlas",
    "prevailing_direction_deg": "south-west, Luxembourg's prevailing wind",
}


class WindParams(BaseModel):
    """Exclusion profile and rules, wind field, siting and energy of the wind cadastre."""

    model_config = ConfigDict(extra="forbid")

    # exclusions
    profile: str = Field(default="luxembourg", description="Shipped exclusion profile: luxembourg (dwellings "
                         "750 m), luxembourg-300m (legal minimum), holtinger2016-least/-medium/-most, or none.")
    rules: list[ExclusionRule] = Field(default_factory=list, description="Extra exclusion rules {id, layer, "
                                       "where, buffer_m}; one with a profile rule's id replaces it.")
    disabled_rules: list[str] = Field(default_factory=list, description="Ids of profile rules not to apply.")
    min_area_ha: float = Field(default=1.0, ge=0.0, le=10000.0, description="Smallest eligible patch kept [ha] "
                               "(about the crane pad, access and foundation of one turbine).")
    # wind field
    hub_height_m: float = Field(default=150.0, ge=20.0, le=300.0, description="Hub height [m] (E-141 default).")
    wind_law: Literal["log", "power"] = Field(default="log", description="Vertical extrapolation: log law or "
                                              "power law (Hellman).")
    hellman_exponent: float | None = Field(default=None, gt=0.0, lt=1.0, description="Power-law exponent; "
                                           "default 1/ln(h/z0) from the roughness (1/7 is the neutral value).")
    reference_speed_ms: float = Field(default=5.5, gt=0.0, le=20.0, description="Regional mean wind speed "
                                      "[m s-1] at reference_height_m over open terrain (reference_roughness_m) "
                                      "when no wind atlas is given; each cell's roughness is applied relative to "
                                      "it (Luxembourg plateau, about 5-6 m s-1 at 100 m).")
    reference_roughness_m: float = Field(default=OPEN_TERRAIN_ROUGHNESS_M, gt=0.0, le=0.5, description="Roughness length of the "
                                         "open terrain reference_speed_ms refers to [m] (European Wind Atlas "
                                         "class 1, open farmland).")
    reference_height_m: float = Field(default=100.0, gt=0.0, le=300.0, description="Height of "
                                      "reference_speed_ms [m].")
    atlas_height_m: float | None = Field(default=None, gt=0.0, le=500.0, description="Height [m] of the wind "
                                         "atlas raster (the region file's [inputs.wind_speed] height_m); needed "
                                         "when a wind_speed input is given.")
    roughness_radius_m: float = Field(default=500.0, ge=0.0, le=5000.0, description="Half-side of the square "
                                      "over which land-cover roughness is averaged (geometric mean) [m].")
    sea_level_temperature_c: float = Field(default=15.0, ge=-30.0, le=40.0, description="Sea-level air "
                                           "temperature of the standard atmosphere used for air density [degC].")
    # siting
    turbine_type: str = Field(default="E-141/4200", description="Turbine type of windpowerlib's library.")
    prevailing_direction_deg: float = Field(default=225.0, ge=0.0, lt=360.0, description="Prevailing wind "
                                            "direction [deg from north, clockwise] (south-west in Luxembourg).")
    separation_along_d: float = Field(default=8.0, gt=0.0, le=20.0, description="Separation along the "
                                      "prevailing wind [rotor diameters].")
    separation_across_d: float = Field(default=4.0, gt=0.0, le=20.0, description="Separation across the "
                                       "prevailing wind [rotor diameters].")
    siting_step_m: float = Field(default=20.0, gt=0.0, le=500.0, description="Spacing of candidate positions "
                                 "[m] (rounded to whole cells).")
    # energy
    weibull_k: float = Field(default=2.0, ge=1.0, le=4.0, description="Weibull shape of the wind-speed "
                             "distribution (2: Rayleigh, typical inland).")
    wind_speed_series_ms: list[float] | None = Field(default=None, min_length=24, description="A measured or "
                                                     "reanalysis wind-speed time series [m s-1], equal steps over "
                                                     "whole years; when given it replaces the Weibull "
                                                     "distribution, rescaled to each site's mean speed.")
    availability: float = Field(default=0.97, ge=0.5, le=1.0, description="Technical availability [-].")
    wake_loss: float = Field(default=0.06, ge=0.0, le=0.5, description="Wake loss fraction [-].")
    electrical_loss: float = Field(default=0.02, ge=0.0, le=0.2, description="Electrical loss fraction [-].")
    curtailment_loss: float = Field(default=0.03, ge=0.0, le=0.5, description="Curtailment (bats, noise, "
                                    "shadow flicker) fraction [-].")
    calibration_factor: float = Field(default=1.0, gt=0.0, le=3.0, description="Multiplies net energy so that "
                                      "the model matches measured production (README: the Sudwand example).")
    window_cells: int = Field(default=1024, ge=64, le=8192, description="Window size of raster work [cells].")

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return check_profile_name(value)

    @field_validator("turbine_type")
    @classmethod
    def _turbine(cls, value: str) -> str:
        return check_turbine_type(value)

    @model_validator(mode="after")
    def _consistent(self) -> WindParams:
        ids = [r.id for r in self.rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"rules: rule id(s) {dup} appear twice")
        profile_rules(self.profile, self.rules, self.disabled_rules)  # unknown disabled ids
        series = self.wind_speed_series_ms
        if series is not None and (min(series) < 0 or not sum(series) > 0):
            raise ValueError("wind_speed_series_ms must hold non-negative speeds [m s-1], not all zero")
        rotor = load_turbine(self.turbine_type).rotor_diameter_m
        if self.hub_height_m <= rotor / 2:
            raise ValueError(f"hub_height_m {self.hub_height_m:g} m is below the rotor radius of "
                             f"{self.turbine_type} ({rotor / 2:g} m)")
        return self

    def luxembourg_defaults_note(self, atlas_given: bool) -> str | None:
        """What the step says when the region left :data:`LUXEMBOURG_DEFAULTS` unset (the reference speed only
        when no wind atlas replaces it); ``None`` when it set them all."""
        unset = [name for name in LUXEMBOURG_DEFAULTS if name not in self.model_fields_set
                 and not (atlas_given and name == "reference_speed_ms")]
        if not unset:
            return None
        listed = []
        for name in unset:
            value = getattr(self, name)
            shown = f"{value:g}" if isinstance(value, float) else value
            listed.append(f"{name} = {shown} ({LUXEMBOURG_DEFAULTS[name]})")
        profiles = f"; profiles: {', '.join(PROFILE_NAMES)}" if "profile" in unset else ""
        return f"Luxembourg defaults apply: {', '.join(listed)}, not the region's own: set them in [params.wind]{profiles}"

    def exclusion_rules(self) -> list[ExclusionRule]:
        """The profile's rules with the region's own rules and without the disabled ones."""
        return profile_rules(self.profile, self.rules, self.disabled_rules)
