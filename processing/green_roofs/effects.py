"""Effects of a green roof with units: stormwater retained, evapotranspiration and its latent cooling.

Retention uses the FLL annual runoff coefficient Ψa of the build-up (share of the annual precipitation that
still runs off; FLL Dachbegrünungsrichtlinie, table of water retention by build-up depth, for regions with
650–800 mm of precipitation per year, :data:`FLL_PRECIPITATION_RANGE_MM_YR`; outside it the same Ψa is
extrapolated and :func:`outside_range_note` says so): retained [mm yr-1] = P × (1 − Ψa), and over the roof's
horizontal projection A [m2] retained [m3 yr-1] = retained [mm] / 1000 × A. Over a year the water a green roof keeps
leaves it again by evapotranspiration (the annual water balance P = runoff + ET, storage change ≈ 0), so
ET [mm yr-1] = retained [mm yr-1]; evaporating 1 mm over 1 m2 (1 kg of water) takes λ = 2.45 MJ (latent heat
of vaporisation at ~20 °C, FAO-56, Allen et al. 1998), i.e. 0.6806 kWh of heat drawn from the roof and the
air above it. All precipitation is taken as rain: snow cover and its melt are not modelled.
"""

from __future__ import annotations

import numpy as np

#: Annual precipitation [mm yr-1] of the regions the FLL retention table holds for, lowest and highest (FLL
#: Dachbegrünungsrichtlinie 2018, table of water retention by build-up depth: annual means "for regions with
#: 650–800 mm of precipitation per year"; docs/REFERENCES.md "Green roofs").
FLL_PRECIPITATION_RANGE_MM_YR = (650.0, 800.0)
#: FLL annual runoff coefficient Ψa [-] by build-up (depth of the green-roof layers), valid for
#: :data:`FLL_PRECIPITATION_RANGE_MM_YR` (FLL Dachbegrünungsrichtlinie; docs/REFERENCES.md "Green roofs").
RUNOFF_COEFFICIENT: dict[str, float] = {
    "extensive_2_4cm": 0.60,
    "extensive_4_6cm": 0.55,
    "extensive_6_10cm": 0.50,
    "extensive_10_15cm": 0.45,
    "extensive_15_20cm": 0.40,
    "intensive_15_25cm": 0.40,
    "intensive_25_50cm": 0.30,
    "intensive_over_50cm": 0.10,
}
#: Latent heat of vaporisation of water [MJ kg-1] (FAO-56, Allen et al. 1998).
LATENT_HEAT_MJ_KG = 2.45
#: MJ per kWh.
MJ_PER_KWH = 3.6
#: Precipitation assumed when the region states none [mm yr-1]: the middle of the FLL table's 650–800 mm range,
#: 725 (an estimate; the outputs say so).
DEFAULT_PRECIPITATION_MM_YR = sum(FLL_PRECIPITATION_RANGE_MM_YR) / 2.0


def outside_range_note(precipitation_mm_yr: float) -> str | None:
    """What the step says when the region's annual precipitation [mm yr-1] lies outside
    :data:`FLL_PRECIPITATION_RANGE_MM_YR` (bounds inside the range); ``None`` inside it."""
    low, high = FLL_PRECIPITATION_RANGE_MM_YR
    if low <= precipitation_mm_yr <= high:
        return None
    return (f"annual_precipitation_mm = {precipitation_mm_yr:g} ([params.green_roofs]) lies outside the "
            f"{low:g}-{high:g} mm/yr the FLL runoff coefficients were derived for (central Europe): the retention "
            f"is extrapolated with the same coefficients, and all precipitation counts as rain (snow cover and "
            f"melt are not modelled): take the retention figures as indicative")


def retention_mm_yr(precipitation_mm_yr: float, runoff_coefficient: np.ndarray) -> np.ndarray:
    """Stormwater retained per year [mm yr-1] = P × (1 − Ψa)."""
    return precipitation_mm_yr * (1.0 - np.asarray(runoff_coefficient, dtype=float))


def retention_m3_yr(retained_mm_yr: np.ndarray, projected_area_m2: np.ndarray) -> np.ndarray:
    """Stormwater retained per year [m3 yr-1] over the horizontal projection [m2]."""
    return np.asarray(retained_mm_yr, float) / 1000.0 * np.asarray(projected_area_m2, float)


def latent_cooling_mwh_yr(evapotranspiration_mm_yr: np.ndarray, projected_area_m2: np.ndarray) -> np.ndarray:
    """Heat taken up by evapotranspiration [MWh yr-1]: ET [kg m-2] × A [m2] × λ [MJ kg-1] / 3.6 / 1000."""
    kg = np.asarray(evapotranspiration_mm_yr, float) * np.asarray(projected_area_m2, float)
    return kg * LATENT_HEAT_MJ_KG / MJ_PER_KWH / 1000.0
