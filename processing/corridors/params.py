"""Parameters of the corridors step (``[params.corridors]`` in the region file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.errors import ConfigError
from processing.corridors.light import EPTESICUS_AVOIDANCE_M, MYOTIS_AVOIDANCE_M, REFERENCE_LAMP_FLUX_LM
from processing.corridors.resistance import MAX_RESISTANCE, tables_for

Network = Literal["green", "blue", "black"]


class MinCoreArea(BaseModel):
    """Minimum area of a habitat core per sub-network [ha] (expert estimates for a 10 m grid)."""

    model_config = ConfigDict(extra="forbid")
    green: float = Field(10.0, ge=0.01, le=100_000.0, description="Minimum green core area [ha].")
    blue: float = Field(1.0, ge=0.01, le=100_000.0, description="Minimum blue core area [ha].")
    black: float = Field(10.0, ge=0.01, le=100_000.0, description="Minimum dark core area [ha].")


class CorridorsParams(BaseModel):
    """Cores, resistance, Linkage Mapper and connectivity settings.

    Cost-weighted quantities are in effective metres (metres through habitat of resistance 1): 10,000
    effective metres is 10 km of forest, 330 m of grassland or 33 m of cropland.
    """

    model_config = ConfigDict(extra="forbid")

    networks: tuple[Network, ...] = Field(("green", "blue", "black"), min_length=1,
                                          description="Sub-networks to analyse.")
    min_core_area_ha: MinCoreArea = Field(default_factory=MinCoreArea, description="Minimum core area [ha].")
    max_resistance: float = Field(MAX_RESISTANCE, ge=10.0, le=1.0e6,
                                  description="Finite maximum resistance [-] (MNHN scale 1-10,000).")
    resistance: dict[Network, dict[str, Any]] = Field(
        default_factory=dict, description="Overrides of the resistance tables [-], e.g. "
        "{green = {landcover = {cropland = 250}}}; groups: landcover, unmapped, water_bodies, wetlands, "
        "waterways, roads, railways. Defaults: Omniscape example values on the 1-10,000 scale of Luxembourg's "
        "natural history museum, expert estimates for roads, railways and the blue network "
        "(processing.corridors.resistance); the run notes each network left at them.")
    max_link_distance_m: float = Field(3_000.0, gt=0.0, le=100_000.0,
                                       description="Largest edge-to-edge distance between linked cores [m] "
                                                   "(Linkage Mapper's maximum Euclidean corridor distance).")
    corridor_cutoff_m: float = Field(5_000.0, ge=0.0, le=1.0e8,
                                     description="Corridor width cut-off on CWD_A + CWD_B - LCD [effective m].")
    dispersal_distance_m: float = Field(10_000.0, gt=0.0, le=1.0e8,
                                        description="Cost distance at which the dispersal probability is "
                                                    "dispersal_probability [effective m] (PC).")
    dispersal_probability: float = Field(0.5, gt=0.0, lt=1.0,
                                         description="Dispersal probability at dispersal_distance_m [-] (PC).")
    iic_link_distance_m: float = Field(20_000.0, gt=0.0, le=1.0e8,
                                       description="Cores are linked for IIC up to this cost distance "
                                                   "[effective m].")
    window_margin_m: float = Field(1_000.0, gt=0.0, le=100_000.0,
                                   description="First margin of the cost-distance window around a core pair [m].")
    max_window_margin_m: float = Field(8_000.0, gt=0.0, le=1.0e6,
                                       description="Largest margin the window may grow to before giving up the "
                                                   "certificate of a global least-cost path [m].")
    drop_links_through_cores: bool = Field(True, description="Drop links whose path crosses a third core.")
    green_roof_stepping_stones: bool = Field(
        False, description="Green roofs (the green_roofs step's stepping stones) lower the green network's "
                           "resistance where they cover a cell; makes the corridors read green_roofs, so solar "
                           "and green_roofs run first (Braaker et al. 2014).")
    green_roof_resistance_factor: float = Field(
        0.1, gt=0.0, le=1.0, description="Resistance of green roof relative to the cell under it [-] "
                                         "(urban 1,000 -> 100; estimate).")
    light_strong_m: float = Field(MYOTIS_AVOIDANCE_M, gt=0.0, le=1_000.0,
                                  description="Strong avoidance distance of lamps [m] (Myotis, Azam et al. 2018).")
    light_avoid_m: float = Field(EPTESICUS_AVOIDANCE_M, gt=0.0, le=1_000.0,
                                 description="Avoidance distance of lamps [m] (Eptesicus, Azam et al. 2018).")
    light_strong_factor: float = Field(100.0, ge=1.0, le=10_000.0,
                                       description="Resistance multiplier within light_strong_m [-] (estimate).")
    light_avoid_factor: float = Field(10.0, ge=1.0, le=10_000.0,
                                      description="Resistance multiplier within light_avoid_m [-] (estimate).")
    light_decay_m: float = Field(50.0, gt=0.0, le=1_000.0,
                                 description="Decay length of the multiplier beyond light_avoid_m [m].")
    reference_lamp_flux_lm: float = Field(REFERENCE_LAMP_FLUX_LM, gt=0.0, le=1.0e6,
                                          description="Lamp flux the distances refer to [lm].")
    night_light_reference: float = Field(10.0, gt=0.0, le=1_000.0,
                                         description="Radiance that doubles resistance [nW cm-2 sr-1].")
    night_light_lit: float = Field(20.0, gt=0.0, le=1_000.0,
                                   description="Radiance above which land is lit, not a dark core "
                                               "[nW cm-2 sr-1].")

    @model_validator(mode="after")
    def _consistent(self) -> CorridorsParams:
        if self.light_strong_m > self.light_avoid_m:
            raise ValueError("light_strong_m must not exceed light_avoid_m")
        if self.max_window_margin_m < self.window_margin_m:
            raise ValueError("max_window_margin_m must be at least window_margin_m")
        if len(set(self.networks)) != len(self.networks):
            raise ValueError("networks lists a network twice")
        try:
            tables_for(self.networks, self.resistance, self.max_resistance)
        except ConfigError as exc:  # reported with the other parameter errors, before any work
            raise ValueError(str(exc)) from exc
        return self
