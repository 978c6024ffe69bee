"""Undisturbed ground temperature T0 [degC] derived from the region's latitude, when the region does not state it.

Below the zone of seasonal variation (≈ 15-20 m) the ground holds about the mean annual ground *surface*
temperature, which exceeds the mean annual air temperature (MAAT) by about 1-2 K in Central and Northern
Europe (snow cover and vegetation insulate the ground in winter; Signorelli & Kohl 2004, Global and Planetary
Change 40, 267-284; VDI 4640-1 takes T0 ≈ MAAT + 1-2 K). So T0 = MAAT + :data:`GROUND_AIR_OFFSET_K`.

MAAT [degC] of a lowland site in Europe falls with latitude by about 0.4 K per degree:
MAAT ≈ 30.0 − 0.4 · latitude, a line through 1991-2020-type normals of lowland stations (Madrid 40.4 N ≈ 15 °C,
Lyon 45.7 N ≈ 12.5 °C, Luxembourg 49.6 N ≈ 10 °C, Copenhagen 55.7 N ≈ 9 °C, Helsinki 60.2 N ≈ 6.5 °C, Oulu
65.0 N ≈ 3 °C; ESTIMATE, ±2 K; maritime west coasts are warmer, continental interiors and heights colder
— about 0.65 K per 100 m). At 49.6 N it gives 11.2 °C, the Luxembourg value of 11 °C; at 60.2 N 6.9 °C,
close to the 6-8 °C reported for boreholes in southern Finland (estimate, docs/references/vocabularies.md).
A measured value belongs in ``[params.geothermal] ground_temperature_c``; the derived one is logged.
"""

from __future__ import annotations

import logging

from layers.region import RegionContext

log = logging.getLogger(__name__)

#: MAAT ≈ MAAT_AT_EQUATOR_C − MAAT_LAPSE_C_PER_DEG · latitude [degC] (ESTIMATE, European lowlands, ±2 K).
MAAT_AT_EQUATOR_C = 30.0
MAAT_LAPSE_C_PER_DEG = 0.4
#: Mean annual ground surface temperature minus MAAT [K] (Signorelli & Kohl 2004: ≈ 1-2 K).
GROUND_AIR_OFFSET_K = 1.0


def mean_annual_air_temperature_c(latitude_deg: float) -> float:
    """Mean annual air temperature [degC] of a European lowland site at ``latitude_deg`` [deg] (estimate)."""
    return MAAT_AT_EQUATOR_C - MAAT_LAPSE_C_PER_DEG * abs(latitude_deg)


def ground_temperature_from_latitude(latitude_deg: float) -> float:
    """Undisturbed ground temperature T0 [degC] = MAAT(latitude) + :data:`GROUND_AIR_OFFSET_K`, at least 0."""
    return max(0.0, mean_annual_air_temperature_c(latitude_deg) + GROUND_AIR_OFFSET_K)


def with_ground_temperature(params, region: RegionContext):
    """``params`` (GeothermalParams) with ``ground_temperature_c`` set: as given, else derived from the
    region's latitude with a warning saying so."""
    if params.ground_temperature_c is not None:
        return params
    latitude, _ = region.centre_latlon()
    t0 = ground_temperature_from_latitude(latitude)
    log.warning("ground temperature not given: using %.1f °C derived from the region's latitude %.1f° "
                "(mean annual air temperature %.1f °C, an estimate for European lowlands, + %.1f K); set "
                "[params.geothermal] ground_temperature_c from local borehole data", t0, latitude,
                mean_annual_air_temperature_c(latitude), GROUND_AIR_OFFSET_K)
    return params.model_copy(update={"ground_temperature_c": t0})
