"""Parameters of the green-roofs step (``[params.green_roofs]`` of a region file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from layers.catalog.solar import SOLAR_CLASSES
from processing.green_roofs import classes, effects

Buildup = Literal[tuple(effects.RUNOFF_COEFFICIENT)]  # type: ignore[valid-type]


class GreenRoofsParams(BaseModel):
    """Slope classes, PV claim, build-ups, precipitation and stepping stones; sources in
    docs/REFERENCES.md ("Green roofs")."""

    model_config = ConfigDict(extra="forbid")

    flat_max_deg: float = Field(classes.FLAT_MAX_DEG, ge=0.0, le=10.0,
                                description="Largest tilt of a flat roof (extensive or intensive) [deg].")
    extensive_max_deg: float = Field(classes.EXTENSIVE_MAX_DEG, ge=0.0, le=30.0,
                                     description="Largest tilt for standard extensive greening (FLL ~15) [deg].")
    with_measures_max_deg: float = Field(classes.WITH_MEASURES_MAX_DEG, ge=0.0, le=60.0,
                                         description="Largest tilt for greening with shear protection (FLL ~35) "
                                                     "[deg].")
    min_area_m2: float = Field(classes.MIN_GREEN_AREA_M2, ge=0.0, le=10_000.0,
                               description="Smallest green area worth greening [m2].")
    edge_strip_m: float = Field(classes.EDGE_STRIP_M, ge=0.0, le=5.0,
                                description="Vegetation-free strip along the face's edges (FLL >= 0.5 m) [m].")
    pv_claim_classes: list[Literal[SOLAR_CLASSES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["very_good", "good"],
        description="Solar classes at which PV claims a face (a face with usable module area).")
    flat_buildup: Buildup = Field("extensive_6_10cm", description="Build-up of flat green roofs (FLL table).")
    pitched_buildup: Buildup = Field("extensive_4_6cm",
                                     description="Build-up of pitched and steep green roofs (FLL table).")
    annual_precipitation_mm: float | None = Field(
        None, ge=100.0, le=5000.0,
        description="Annual precipitation of the region [mm yr-1]; unset = 725, the middle of the FLL table's "
                    "650-800 mm range, flagged as an estimate in every feature; outside that range the run notes "
                    "that the retention is extrapolated.")
    stepping_stone_min_m2: float = Field(100.0, ge=0.0, le=100_000.0,
                                         description="Smallest green area that counts as a stepping stone of the "
                                                     "green network [m2] (chosen; the corridors use these "
                                                     "roofs when [params.corridors] "
                                                     "green_roof_stepping_stones is on).")

    @model_validator(mode="after")
    def _ordered(self) -> GreenRoofsParams:
        if not self.flat_max_deg <= self.extensive_max_deg <= self.with_measures_max_deg:
            raise ValueError("need flat_max_deg <= extensive_max_deg <= with_measures_max_deg")
        return self

    def slope_bounds(self) -> dict[str, float]:
        return {"flat_max_deg": self.flat_max_deg, "extensive_max_deg": self.extensive_max_deg,
                "with_measures_max_deg": self.with_measures_max_deg}
