"""Parameters of the geothermal step (``[params.geothermal]`` of a region file)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from processing.geothermal import demand, district_heating, gpot, heat_pump, probes

LayerClass = Literal["allowed", "conditions", "forbidden"]

#: The restriction-class parameters with the input layer each one classes (the ``source`` of its restrictions).
#: Their default ``conditions`` is the class of drilling under stricter conditions of the Luxembourg
#: drilling-permission map, given to these layers as a project default (:mod:`.restrictions`); the step names
#: those a region leaves unset where their layer restricts something (:meth:`GeothermalParams.default_classes_note`).
CLASS_PARAM_SOURCES = {"contaminated_site_class": "contaminated_sites", "mining_zone_class": "mining_zones",
                       "natura2000_class": "protected_areas", "flood_zone_class": "flood_zones"}
#: What the default class rests on, as the field descriptions and the note say it.
_DEFAULT_CLASS_BASIS = ("default 'conditions': drilling under stricter conditions, a class of the Luxembourg "
                        "drilling-permission map, given here as a project default to confirm with the region's "
                        "water and geology administrations")


class GeothermalParams(BaseModel):
    """Ground model, restrictions, heat demand, district heating and probe placement."""

    model_config = ConfigDict(extra="forbid")

    # ground (G.POT, Casasso & Sethi 2016; VDI 4640)
    conductivity_w_mk: dict[str, float] = Field(
        default_factory=dict, description="Thermal conductivity [W m-1 K-1] per lithology, overriding the "
        "VDI 4640-1 typical values.")
    ground_temperature_c: float | None = Field(
        None, ge=0.0, le=25.0, description="Undisturbed ground temperature [degC]; default: derived from the "
        "region's latitude (processing.geothermal.ground_temperature), with a warning.")
    limit_temperature_c: float = Field(gpot.LIMIT_TEMPERATURE_C, ge=-10.0, le=5.0,
                                       description="Minimum heat-carrier fluid temperature [degC].")
    heat_capacity_mj_m3k: float = Field(gpot.HEAT_CAPACITY_MJ_M3K, ge=1.0, le=4.5,
                                        description="Volumetric heat capacity of the ground [MJ m-3 K-1].")
    season_days: float = Field(
        gpot.SEASON_DAYS, ge=30.0, le=365.0, description="Heating season [d yr-1]; default 183 d, half a year, "
        "the season behind the G.POT figures of docs/REFERENCES.md (Casasso & Sethi 2016), for every region. "
        "The season is longer at high latitudes and shorter in mild climates, and no rule derives it here: set "
        "the region's own (the run notes the default).")
    borehole_radius_m: float = Field(gpot.BOREHOLE_RADIUS_M, ge=0.03, le=0.2, description="Borehole radius [m].")
    borehole_resistance_mk_w: float = Field(gpot.BOREHOLE_RESISTANCE_MK_W, ge=0.01, le=1.0,
                                            description="Borehole thermal resistance [m K W-1].")
    simulation_years: float = Field(gpot.SIMULATION_YEARS, ge=1.0, le=200.0,
                                    description="Lifetime over which the ground must sustain the load [yr].")
    probe_length_m: float = Field(gpot.PROBE_LENGTH_M, ge=20.0, le=400.0,
                                  description="Probe length where no depth limit applies [m].")
    min_probe_length_m: float = Field(probes.MIN_PROBE_LENGTH_M, ge=5.0, le=400.0,
                                      description="Shortest probe worth drilling under a depth limit [m].")
    heat_pump_spf: float = Field(heat_pump.HEAT_PUMP_SPF, ge=1.5, le=8.0,
                                 description="Seasonal performance factor of the brine/water heat pumps [-] "
                                 "(VDI 4650-1, field values 3.5-4.5): delivered heat = ground heat x SPF / "
                                 "(SPF - 1), electricity = delivered / SPF.")
    vdi_operating_hours: Literal[1800, 2400] = Field(
        1800, description="Operating hours of the indicative VDI 4640-2 extraction [h yr-1].")

    # restrictions
    contaminated_site_class: LayerClass = Field(
        "conditions", description=f"Drilling class of contaminated sites ({_DEFAULT_CLASS_BASIS}).")
    mining_zone_class: LayerClass = Field(
        "conditions", description=f"Drilling class of mining zones ({_DEFAULT_CLASS_BASIS}).")
    natura2000_class: LayerClass = Field(
        "conditions", description=f"Drilling class of Natura 2000 sites ({_DEFAULT_CLASS_BASIS}).")
    flood_zone_class: LayerClass = Field(
        "conditions", description=f"Drilling class of flood zones ({_DEFAULT_CLASS_BASIS}).")

    # heat demand
    specific_demand_kwh_m2_yr: dict[str, list[float]] = Field(
        default_factory=lambda: {k: list(v) for k, v in demand.SPECIFIC_DEMAND_KWH_M2_YR.items()},
        description="Specific heat demand [kWh m-2 yr-1] per use, one value per construction period; rows "
        "given here replace the default rows (ESTIMATES, see processing.geothermal.demand).")
    period_end_years: list[int] = Field(
        default_factory=lambda: list(demand.PERIOD_END_YEARS),
        description="Last construction year [yr] of each period but the last; default after the German TABULA "
        "typology's construction-year classes, grouped (processing.geothermal.demand; the run notes it).")
    heated_area_factor: float = Field(demand.HEATED_AREA_FACTOR, gt=0.0, le=1.0,
                                      description="Heated floor area per gross floor area [-].")
    storey_height_m: float = Field(demand.STOREY_HEIGHT_M, ge=2.0, le=6.0,
                                   description="Storey height to derive storeys from height [m].")

    # district heating (Hotmaps)
    dh_cell_threshold_mwh_ha_yr: float = Field(district_heating.CELL_THRESHOLD_MWH_HA_YR, ge=0.0, le=10000.0,
                                               description="Minimum density of a cell [MWh ha-1 yr-1].")
    dh_area_threshold_gwh_yr: float = Field(district_heating.AREA_THRESHOLD_GWH_YR, ge=0.0, le=10000.0,
                                            description="Minimum total demand of an area [GWh yr-1].")
    dh_connectivity: Literal[4, 8] = Field(8, description="Cell connectivity of an area (8 as Hotmaps).")
    street_classes: list[str] = Field(default_factory=lambda: list(district_heating.STREET_CLASSES),
                                      description="Road classes counted for the linear heat density.")
    heat_source_distance_m: float = Field(1000.0, ge=0.0, le=50000.0,
                                          description="Search distance for waste-heat sources [m].")

    # probes
    probe_spacing_m: float = Field(probes.PROBE_SPACING_M, ge=3.0, le=50.0, description="Probe spacing [m].")
    building_setback_m: float = Field(probes.BUILDING_SETBACK_M, ge=0.0, le=50.0,
                                      description="Minimum distance of a probe from any building [m].")
    boundary_setback_m: float = Field(probes.BOUNDARY_SETBACK_M, ge=0.0, le=50.0,
                                      description="Minimum distance of a probe from the plot boundary [m].")
    plot_depth_m: float = Field(probes.PLOT_DEPTH_M, ge=1.0, le=500.0,
                                description="Depth of the assumed plot around a footprint [m].")
    road_half_width_m: float = Field(probes.ROAD_HALF_WIDTH_M, ge=0.0, le=50.0,
                                     description="Road centre line to plot boundary [m].")
    coverage_target: float = Field(1.0, gt=0.0, le=10.0,
                                   description="Coverage ratio from which a heat pump alone is recommended [-].")

    @field_validator("conductivity_w_mk")
    @classmethod
    def _conductivity_bounds(cls, value: dict[str, float]) -> dict[str, float]:
        for lithology, lam in value.items():
            if not 0.1 <= lam <= 10.0:
                raise ValueError(f"conductivity of {lithology!r} must lie in 0.1-10 W m-1 K-1, got {lam}")
        return value

    @field_validator("specific_demand_kwh_m2_yr")
    @classmethod
    def _merge_defaults(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for use, row in value.items():
            if any(not 0.0 <= v <= 1000.0 for v in row):
                raise ValueError(f"specific demand of {use!r} must lie in 0-1000 kWh m-2 yr-1")
        return {**{k: list(v) for k, v in demand.SPECIFIC_DEMAND_KWH_M2_YR.items()}, **value}

    @model_validator(mode="after")
    def _consistent(self) -> GeothermalParams:
        if list(self.period_end_years) != sorted(set(self.period_end_years)):
            raise ValueError("period_end_years must increase strictly")
        n = len(self.period_end_years) + 1
        bad = [u for u, row in self.specific_demand_kwh_m2_yr.items() if len(row) != n]
        if bad:
            raise ValueError(f"specific_demand_kwh_m2_yr rows {bad} need {n} values (one per period of "
                             "period_end_years, plus the last open period)")
        if self.min_probe_length_m > self.probe_length_m:
            raise ValueError("min_probe_length_m must not exceed probe_length_m")
        if self.plot_depth_m <= self.building_setback_m + self.boundary_setback_m:
            raise ValueError("plot_depth_m must exceed building_setback_m + boundary_setback_m, else no probe fits")
        return self

    def default_classes_note(self, sources: Iterable[str]) -> str | None:
        """What the step says when restrictions from the input layers ``sources`` took a class of
        :data:`CLASS_PARAM_SOURCES` the region left unset; ``None`` otherwise."""
        present = set(sources)
        unset = [name for name, source in CLASS_PARAM_SOURCES.items()
                 if source in present and name not in self.model_fields_set]
        if not unset:
            return None
        listed = ", ".join(f"{name} = {getattr(self, name)}" for name in unset)
        return (f"drilling restrictions take default classes: {listed} ({_DEFAULT_CLASS_BASIS}), not the "
                f"region's own: set them in [params.geothermal] (allowed, conditions or forbidden)")

    def default_season_note(self) -> str | None:
        """What the step says when the region left ``season_days`` at its default; ``None`` otherwise."""
        if "season_days" in self.model_fields_set:
            return None
        return (f"G.POT uses the default heating season season_days = {self.season_days:g} d (half a year, the "
                f"season behind the G.POT figures of Casasso & Sethi 2016 in docs/REFERENCES.md), not the "
                f"region's own: the season is longer at high latitudes and shorter in mild climates, and no rule "
                f"derives it here; set season_days in [params.geothermal]")

    def gpot_kwargs(self) -> dict[str, float]:
        """Keyword arguments of :func:`processing.geothermal.gpot.gpot_power_w` (without the length); the
        ground temperature must be resolved first (:func:`.ground_temperature.with_ground_temperature`)."""
        if self.ground_temperature_c is None:
            raise ValueError("ground_temperature_c is not resolved; call with_ground_temperature first")
        return {"ground_temperature_c": self.ground_temperature_c, "limit_temperature_c": self.limit_temperature_c,
                "heat_capacity_mj_m3k": self.heat_capacity_mj_m3k, "season_days": self.season_days,
                "borehole_radius_m": self.borehole_radius_m, "borehole_resistance_mk_w": self.borehole_resistance_mk_w,
                "simulation_years": self.simulation_years}
