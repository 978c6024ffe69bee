"""Parameters of the districts step (``[params.districts]`` in the region file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from layers.catalog.districts import CRITERIA_BY_KEY, DEFAULT_WEIGHTS
from layers.catalog.solar import SOLAR_CLASSES
from processing.districts.mcda import MAX_CONSISTENCY_RATIO, ahp_weights
from processing.emission_factors import GAS_BOILER_EFFICIENCY, GAS_CO2_T_MWH, GRID_CO2_T_MWH, BoilerEfficiency
from processing.geothermal.heat_pump import HEAT_PUMP_SPF

#: Borehole heat exchangers per hectare where no per-building supply layer is given [ha-1] (estimate: one
#: 100 m probe per 500 m2 of plot, well above the VDI 4640 minimum spacing of 6 m).
PROBES_PER_HA = 20.0


class DistrictsParams(BaseModel):
    """Candidate units, criteria weights, hard constraints and emission factors of the districts step.

    Criteria weights are planning choices, not literature values: the defaults are an illustrative,
    balanced set; set the council's own in ``[params.districts.weights]`` or derive them with AHP.
    """

    model_config = ConfigDict(extra="forbid")

    solar_classes: tuple[str, ...] = Field(
        ("very_good", "good", "conditional"),
        description="Roof-face classes counted as roof-solar potential (cadastre convention: faces below 75 % of "
        "the regional optimum are not suitable).")
    unit_mode: Literal["auto", "districts", "blocks", "hexagons"] = Field(
        "auto", description="Candidate units: 'districts' (the districts input), 'blocks' (built-up blocks "
        "bounded by roads), 'hexagons' (a hexagon grid over built-up land); 'auto' takes districts when given, "
        "else blocks, else hexagons. Brownfields are always candidates.")
    hex_size_m: float = Field(150.0, ge=25.0, le=2000.0,
                              description="Hexagon edge length (= circumradius) [m]; 150 m gives ≈ 5.8 ha cells.")
    built_up_buffer_m: float = Field(30.0, ge=0.0, le=500.0,
                                     description="Buffer around building footprints defining built-up land [m].")
    block_road_classes: tuple[str, ...] = Field(
        ("motorway", "trunk", "primary", "secondary", "tertiary", "residential"),
        description="Road classes that bound blocks (service roads and tracks do not cut blocks).")
    min_unit_area_ha: float = Field(0.5, ge=0.0, le=100.0, description="Smallest candidate unit [ha].")
    max_block_area_ha: float = Field(60.0, gt=0.0, le=10000.0,
                                     description="Largest road-bounded block kept as a candidate [ha].")
    min_buildings: int = Field(3, ge=0, le=1000,
                               description="Fewest buildings a block or hexagon needs (brownfields and given "
                               "districts are exempt) [-].")
    weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="Criterion weights [-], rescaled to sum to 1; criteria not named keep their default, a "
        "weight of 0 drops a criterion. Keys: " + ", ".join(CRITERIA_BY_KEY) + ".")
    weighting: Literal["direct", "ahp"] = Field(
        "direct", description="'direct' uses `weights`; 'ahp' derives them from `ahp_criteria` and `ahp_matrix`.")
    ahp_criteria: tuple[str, ...] = Field((), description="Criteria compared in `ahp_matrix`, in its row order; "
                                          "criteria not named get weight 0.")
    ahp_matrix: tuple[tuple[float, ...], ...] = Field(
        (), description="AHP pairwise matrix on Saaty's 1-9 scale [-]: a[i][j] = how much more important "
        "criterion i is than j, a[j][i] = 1/a[i][j].")
    ahp_max_cr: float = Field(MAX_CONSISTENCY_RATIO, gt=0.0, le=MAX_CONSISTENCY_RATIO,
                              description="Largest accepted AHP consistency ratio [-]; at most Saaty's (1980) "
                              "0.10, judgments above it are refused.")
    method: Literal["wlc", "topsis"] = Field("wlc", description="Method behind `score` and `rank` (both are "
                                             "always computed).")
    sensitivity_change: float = Field(0.20, ge=0.0, lt=1.0,
                                      description="Relative change of one weight at a time for the rank range [-].")
    max_flood_share: float = Field(0.25, ge=0.0, le=1.0,
                                   description="Largest share of a unit in a flood zone before it is excluded [-].")
    max_natura2000_share: float = Field(0.10, ge=0.0, le=1.0,
                                        description="Largest share of a unit in Natura 2000 before it is excluded [-].")
    geothermal_is_plan: bool = Field(True, description="Whether the district's heat plan relies on borehole heat "
                                     "exchangers, so that forbidden drilling excludes.")
    max_forbidden_drilling_share: float = Field(
        0.50, ge=0.0, le=1.0, description="Largest share of a unit where drilling is forbidden before it is "
        "excluded, when geothermal is the plan [-].")
    keep_excluded: bool = Field(True, description="Publish excluded units with their reason (no score, no rank).")
    probes_per_ha: float = Field(PROBES_PER_HA, ge=0.0, le=400.0,
                                 description="100 m probes per hectare when no per-building supply is given [ha-1].")
    grid_co2_t_mwh: float = Field(GRID_CO2_T_MWH, ge=0.0, le=2.0,
                                  description="Emission factor of the grid electricity PV and wind replace and "
                                  "heat pumps draw [t CO2 MWh-1] (processing/emission_factors.py; the solar and "
                                  "heat-recovery steps' grid_co2_t_mwh have the same default).")
    gas_co2_t_mwh: float = Field(GAS_CO2_T_MWH, ge=0.0, le=1.0,
                                 description="Emission factor of the fuel heat pumps replace [t CO2 MWh-1 fuel].")
    boiler_efficiency: BoilerEfficiency = Field(GAS_BOILER_EFFICIENCY,
                                                description="Seasonal efficiency of the replaced boiler [-].")
    heat_pump_spf: float = Field(HEAT_PUMP_SPF, ge=1.5, le=8.0,
                                 description="Seasonal performance factor of the ground-source heat pumps [-] "
                                 "(VDI 4650-1, field values 3.5-4.5), used where no building_heat_supply layer "
                                 "gives delivered heat and electricity (the geothermal step's heat_pump_spf).")

    @field_validator("solar_classes")
    @classmethod
    def _known_solar_classes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(SOLAR_CLASSES))
        if unknown:
            raise ValueError(f"unknown roof classes {unknown}; known: {', '.join(SOLAR_CLASSES)}")
        return value

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CRITERIA_BY_KEY))
        if unknown:
            raise ValueError(f"unknown criteria {unknown}; known: {', '.join(CRITERIA_BY_KEY)}")
        bad = {k: v for k, v in value.items() if not v >= 0}
        if bad:
            raise ValueError(f"weights must be non-negative, got {bad}")
        return {**DEFAULT_WEIGHTS, **value}

    @field_validator("ahp_criteria")
    @classmethod
    def _known_ahp_criteria(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(CRITERIA_BY_KEY))
        if unknown:
            raise ValueError(f"unknown criteria {unknown}; known: {', '.join(CRITERIA_BY_KEY)}")
        if len(set(value)) != len(value):
            raise ValueError("a criterion is named twice")
        return value

    @model_validator(mode="after")
    def _weights_usable(self) -> DistrictsParams:
        if self.weighting == "direct" and sum(self.weights.values()) <= 0:
            raise ValueError("every criterion weight is 0; give at least one a positive weight")
        if self.weighting == "ahp":
            n = len(self.ahp_criteria)
            if n < 2:
                raise ValueError("weighting = 'ahp' needs at least two ahp_criteria and their ahp_matrix")
            if len(self.ahp_matrix) != n or any(len(row) != n for row in self.ahp_matrix):
                raise ValueError(f"ahp_matrix must be {n} x {n}, one row and column per ahp_criteria entry")
            result = ahp_weights(self.ahp_matrix)  # ValueError names a non-reciprocal entry
            if result.cr > self.ahp_max_cr:
                raise ValueError(f"the AHP judgments are inconsistent: consistency ratio {result.cr:.3f} > "
                                 f"{self.ahp_max_cr:g} (Saaty 1980); revise the pairwise comparisons of "
                                 "ahp_matrix until CR <= 0.10")
        return self

    def consistency_ratio(self) -> float | None:
        """AHP consistency ratio CR [-] of `ahp_matrix`, None under direct weighting."""
        return ahp_weights(self.ahp_matrix).cr if self.weighting == "ahp" else None

    def criterion_weights(self) -> dict[str, float]:
        """Weight of every criterion [-], summing to 1: from AHP or from `weights`."""
        if self.weighting == "ahp":
            w = ahp_weights(self.ahp_matrix).weights
            raw = {key: 0.0 for key in CRITERIA_BY_KEY} | dict(zip(self.ahp_criteria, w.tolist(), strict=True))
        else:
            raw = dict(self.weights)
        total = sum(raw.values())
        if total <= 0:
            raise ValueError("every criterion weight is 0; give at least one a positive weight")
        return {key: raw[key] / total for key in CRITERIA_BY_KEY}
