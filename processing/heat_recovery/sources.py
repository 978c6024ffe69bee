"""Excess-heat sources: documented defaults by source type for what the input leaves out.

Each source has a type, its recoverable heat [MWh yr-1], a temperature level [degC] and an availability
[h yr-1]. A missing value takes the default of its type (below, each with its source) and the source is
flagged (``defaulted`` lists the fields). A source below the network's supply temperature needs a heat pump:
its heat reaches the network as heat × COP / (COP − 1), the pump drawing heat / (COP − 1) of electricity,
with COP = η_Carnot × T_sink / (T_sink − T_source) (temperatures in K).

The default heat of a type is that of a typical plant of the type, an ESTIMATE a planner should replace with
the operator's figure (docs/REFERENCES.md, "Heat recovery"); the incinerator's is scaled on a Luxembourg plant
(SIDOR), so :func:`defaulted_note` tells a region which sources took defaults, what those rest on and how to
give the source's own figures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputDataError

log = logging.getLogger(__name__)

#: Kelvin at 0 degC.
KELVIN = 273.15


@dataclass(frozen=True)
class SourceDefaults:
    """Defaults of one source type: recoverable heat [MWh yr-1], temperature [degC], availability [h yr-1], how
    they were derived (``basis``) and the real plant they are scaled on (``plant``; ``None``: a generic plant of
    the type)."""

    heat_mwh_yr: float
    temperature_c: float
    availability_h_yr: float
    basis: str
    plant: str | None = None


#: Defaults by source type; each ``basis`` says where the figure comes from (docs/REFERENCES.md).
SOURCE_DEFAULTS: dict[str, SourceDefaults] = {
    "incinerator": SourceDefaults(
        125_000.0, 120.0, 8_000.0,
        "150 kt/yr of residual waste (SIDOR's capacity) x 2.78 MWh/t (10 MJ/kg) x 0.30 recoverable as heat; "
        "runs around the clock (~8,000 h/yr with outages)",
        plant="Luxembourg's waste incinerator SIDOR (Leudelange, 150 kt/yr)"),
    "steel": SourceDefaults(
        100_000.0, 200.0, 6_000.0,
        "electric-arc-furnace works of 1 Mt/yr x 100 kWh/t recoverable off-gas and cooling heat; batch "
        "operation ~6,000 h/yr"),
    "industry": SourceDefaults(
        20_000.0, 90.0, 6_000.0,
        "generic industrial site: 20 GWh/yr at 90 degC, two-shift operation ~6,000 h/yr (estimate)"),
    "data_centre": SourceDefaults(
        43_800.0, 30.0, 8_760.0,
        "5 MW of IT load running all year: 5 MW x 8,760 h, air-cooled exhaust ~30 degC"),
    "wastewater": SourceDefaults(
        25_000.0, 15.0, 8_760.0,
        "100,000 population equivalents x 0.2 m3/d = 20,000 m3/d cooled by 3 K: 1.16 kWh/(m3 K) x 3 K x "
        "20,000 m3/d x 365 d"),
}
#: The type of a source whose type is missing or unknown.
FALLBACK_TYPE = "industry"
#: The figures of a source that its type's defaults fill when the input leaves them out.
DEFAULTED_FIELDS = ("heat_mwh_yr", "temperature_c", "availability_h_yr")


def heat_pump_cop(source_c: np.ndarray, sink_c: float, carnot_efficiency: float) -> np.ndarray:
    """COP of a heat pump lifting heat from ``source_c`` to ``sink_c`` [degC]: η × T_sink / (T_sink − T_source)."""
    sink_k = sink_c + KELVIN
    lift = np.maximum(sink_c - np.asarray(source_c, dtype=float), 1.0)
    return carnot_efficiency * sink_k / lift


def assess_sources(sources: gpd.GeoDataFrame, *, supply_temperature_c: float, carnot_efficiency: float,
                   defaults: dict[str, SourceDefaults] = SOURCE_DEFAULTS) -> gpd.GeoDataFrame:
    """The sources with every value filled, flagged, and their heat deliverable at network temperature.

    Parameters
    ----------
    sources : points with optional ``name``, ``source_type``, ``heat_mwh_yr`` [MWh yr-1], ``temperature_c``
        [degC], ``availability_h_yr`` [h yr-1].
    supply_temperature_c : network supply temperature [degC]; colder sources need a heat pump.
    carnot_efficiency : share of the Carnot COP a real heat pump reaches [-].

    Returns
    -------
    One row per source (same geometry) with ``source_id``, ``name``, ``source_type``, ``heat_mwh_yr``,
    ``temperature_c``, ``availability_h_yr``, ``defaulted``, ``heat_pump``, ``cop`` and ``deliverable_mwh_yr``
    [MWh yr-1], the heat the network can take from it (heat pump output where one is needed).
    """
    if sources.geometry.isna().any() or sources.geometry.is_empty.any():
        raise InputDataError("heat_sources has features without geometry; fix or drop them")
    n = len(sources)
    kind = (sources["source_type"].astype(object) if "source_type" in sources else pd.Series([None] * n,
                                                                                            index=sources.index))
    kind = [str(k).strip().lower() if pd.notna(k) and str(k).strip() else FALLBACK_TYPE for k in kind]
    unknown = sorted({k for k in kind if k not in defaults})
    if unknown:
        log.warning("heat_recovery: unknown source types %s are treated as %r; known: %s", unknown, FALLBACK_TYPE,
                    ", ".join(defaults))
        kind = [k if k in defaults else FALLBACK_TYPE for k in kind]
    defaulted: list[list[str]] = [[] for _ in range(n)]
    values = {}
    for column in DEFAULTED_FIELDS:
        given = (pd.to_numeric(sources[column], errors="coerce").to_numpy(float) if column in sources
                 else np.full(n, np.nan))
        fallback = np.array([getattr(defaults[k], column) for k in kind], dtype=float)
        missing = ~np.isfinite(given)
        for i in np.flatnonzero(missing):
            defaulted[i].append(column)
        values[column] = np.where(missing, fallback, given)
    if (values["heat_mwh_yr"] < 0).any():
        raise InputDataError("heat_sources: heat_mwh_yr must not be negative")
    bad_hours = (values["availability_h_yr"] <= 0) | (values["availability_h_yr"] > 8760)
    if bad_hours.any():
        raise InputDataError("heat_sources: availability_h_yr must lie in (0, 8760] h per year")
    needs_pump = values["temperature_c"] < supply_temperature_c
    cop = np.where(needs_pump, heat_pump_cop(values["temperature_c"], supply_temperature_c, carnot_efficiency),
                   np.nan)
    with np.errstate(invalid="ignore"):
        deliverable = np.where(needs_pump, values["heat_mwh_yr"] * cop / (cop - 1.0), values["heat_mwh_yr"])
    names = (sources["name"].astype(object) if "name" in sources else pd.Series([None] * n, index=sources.index))
    ids = [f"S{i + 1}" for i in range(n)]
    return gpd.GeoDataFrame({
        "source_id": ids,
        "name": [str(v) if pd.notna(v) and str(v) else ids[i] for i, v in enumerate(names)],
        "source_type": kind,
        **values,
        "defaulted": [", ".join(d) if d else None for d in defaulted],
        "heat_pump": needs_pump,
        "cop": cop,
        "deliverable_mwh_yr": deliverable,
    }, geometry=sources.geometry.to_numpy(), crs=sources.crs)


def defaulted_note(assessed: gpd.GeoDataFrame, defaults: dict[str, SourceDefaults] = SOURCE_DEFAULTS) -> str | None:
    """What the step says when sources of ``assessed`` (from :func:`assess_sources`) took figures from their
    type's defaults: per type, how many and which fields, the plant the defaults rest on (a Luxembourg one for
    the incinerator) and how to give the source's own figures; ``None`` when every source gave all three."""
    flagged = assessed[assessed["defaulted"].notna()]
    if not len(flagged):
        return None
    parts = []
    for kind, group in flagged.groupby("source_type", sort=True):
        fields = [f for f in DEFAULTED_FIELDS if any(f in d.split(", ") for d in group["defaulted"])]
        plant = defaults[kind].plant
        basis = f"scaled on {plant}, not a plant of this region" if plant else "a typical plant of the type"
        parts.append(f"{len(group)} {kind} ({', '.join(fields)}: {basis})")
    return (f"heat sources with figures from their type's defaults (estimates, flagged in "
            f"heat_sources_assessed.defaulted): {'; '.join(parts)}; give each source's own heat_mwh_yr, "
            f"temperature_c and availability_h_yr in the heat_sources input (its columns mapped by "
            f"[inputs.heat_sources] fields)")
