"""Declarative exclusion rules: which features of which input layer exclude land, and how far around them.

A rule is data, not code: ``{id, layer, where, buffer_m}``. ``where`` maps a field to the values it may
take (``{use = ["residential", "mixed"]}``) or to a comparison (``{voltage_kv = {gt = 110}}``); all
conditions must hold. Fields are the layer's canonical fields (``layers/catalog/inputs.py``) plus
quantities derived from the geometry or the raster:

- ``area_ha`` [ha] of a polygon feature (e.g. lakes larger than 50 ha);
- ``slope_deg`` [deg] and ``elevation_m`` [m] of the ``dem`` (a raster rule excludes the cells where the
  condition holds, then the buffer around them).

A cell is excluded by a rule when the distance from its centre to the nearest selected feature is at most
``buffer_m`` (0 m: the centre lies inside or on a polygon).
"""

from __future__ import annotations

import difflib
from typing import Any

import geopandas as gpd
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from layers.catalog import get_layer

#: Input layers a rule may name: vector layers with their canonical fields, and the DEM.
VECTOR_RULE_LAYERS = ("buildings", "landcover", "roads", "railways", "power_lines", "airports", "protected_areas",
                      "water_bodies", "waterways", "wetlands", "mining_zones", "contaminated_sites", "brownfields",
                      "flood_zones", "water_protection_zones", "streetlights", "transit_stops")
RASTER_RULE_LAYERS = ("dem",)
#: Fields a rule may filter on besides the canonical ones: derived from polygons / the DEM.
DERIVED_VECTOR_FIELDS = ("area_ha",)
DERIVED_RASTER_FIELDS = ("slope_deg", "elevation_m")
#: Square metres per hectare.
M2_PER_HA = 1.0e4


class Comparison(BaseModel):
    """A numeric condition on a field: every bound given must hold (``gt``: >, ``ge``: >=, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Comparison:
        if all(v is None for v in (self.gt, self.ge, self.lt, self.le)):
            raise ValueError("a comparison needs at least one of gt, ge, lt, le")
        return self

    def test(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        ok = np.ones(v.shape, dtype=bool)
        if self.gt is not None:
            ok &= v > self.gt
        if self.ge is not None:
            ok &= v >= self.ge
        if self.lt is not None:
            ok &= v < self.lt
        if self.le is not None:
            ok &= v <= self.le
        return ok


Condition = list[str | float | int | bool] | Comparison


class ExclusionRule(BaseModel):
    """One exclusion rule of a profile or of the region file's ``[params.wind]`` ``rules`` list.

    Parameters
    ----------
    id : short identifier shown in ``wind_exclusions.rules`` (``dwellings``, ``motorways``).
    layer : canonical input layer whose features exclude (``buildings``, ``roads``, ``dem``, ...).
    where : field → allowed values, or field → comparison; all must hold. Empty: every feature.
    buffer_m : setback around the selected features [m]; 0 excludes the features themselves.
    description : one sentence a planner understands (shown in ``wind_exclusions.reasons``).
    required : when ``False`` a missing input layer skips the rule with a warning instead of failing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    layer: str
    where: dict[str, Condition] = Field(default_factory=dict)
    buffer_m: float = Field(default=0.0, ge=0.0, le=20000.0, description="Setback around the features [m].")
    description: str = ""
    required: bool = True

    @field_validator("layer")
    @classmethod
    def _known_layer(cls, value: str) -> str:
        if value not in VECTOR_RULE_LAYERS + RASTER_RULE_LAYERS:
            close = difflib.get_close_matches(value, VECTOR_RULE_LAYERS + RASTER_RULE_LAYERS, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(f"layer {value!r} cannot be used in an exclusion rule{hint}; usable layers: "
                             f"{', '.join(VECTOR_RULE_LAYERS + RASTER_RULE_LAYERS)}")
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> ExclusionRule:
        if self.is_raster:
            allowed: dict[str, tuple[str, ...] | None] = {f: None for f in DERIVED_RASTER_FIELDS}
        else:
            spec = get_layer(self.layer)
            allowed = {f.name: f.values for f in spec.fields}
            allowed.update({f: None for f in DERIVED_VECTOR_FIELDS})
        for name, cond in self.where.items():
            if name not in allowed:
                raise ValueError(f"rule {self.id!r}: layer {self.layer!r} has no field {name!r}; fields: "
                                 f"{', '.join(allowed)}")
            if self.is_raster and not isinstance(cond, Comparison):
                raise ValueError(f"rule {self.id!r}: raster field {name!r} takes a comparison such as "
                                 "{gt = 8.5}")
            values = allowed[name]
            if values is not None and isinstance(cond, list):
                bad = [v for v in cond if str(v) not in values]
                if bad:
                    raise ValueError(f"rule {self.id!r}: {name!r} has no value(s) {bad}; allowed: {list(values)}")
        if self.is_raster and not self.where:
            raise ValueError(f"rule {self.id!r}: a rule on {self.layer!r} needs a condition, e.g. "
                             "where = {slope_deg = {gt = 8.5}}")
        return self

    @property
    def is_raster(self) -> bool:
        return self.layer in RASTER_RULE_LAYERS

    def reason(self) -> str:
        """Planner-readable text: the description, or one built from the rule's data."""
        if self.description:
            return self.description
        cond = "; ".join(f"{k} {_cond_text(v)}" for k, v in self.where.items())
        what = f"{self.layer} ({cond})" if cond else self.layer
        return f"within {self.buffer_m:g} m of {what}" if self.buffer_m else f"inside {what}"

    def select(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The features of a vector layer that the rule's ``where`` selects."""
        keep = np.ones(len(frame), dtype=bool)
        for name, cond in self.where.items():
            if name == "area_ha" and name not in frame.columns:
                values: Any = frame.geometry.area.to_numpy() / M2_PER_HA
            elif name in frame.columns:
                values = frame[name].to_numpy()
            else:  # an optional canonical field the source lacks: nothing matches
                keep[:] = False
                continue
            if isinstance(cond, Comparison):
                keep &= cond.test(values)
            else:
                keep &= np.isin(np.asarray(values, dtype=object).astype(str), [str(v) for v in cond])
        return frame[keep]


def _cond_text(cond: Condition) -> str:
    if isinstance(cond, Comparison):
        ops = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
        return " and ".join(f"{ops[k]} {v:g}" for k, v in cond.model_dump().items() if v is not None)
    return "in " + "/".join(str(v) for v in cond)
