"""PVWatts-style energy yield of plane-of-array irradiance, and the regional optimum orientation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pvlib

from processing.solar.sky import WH_PER_KWH, Sky, plane_components

#: PVWatts default loss components [%] (Dobos 2014, NREL/TP-6A20-62641; pvlib.pvsystem.pvwatts_losses defaults);
#: combined multiplicatively they give PVWatts' 14.08 % (docs/REFERENCES.md "Solar roofs").
PVWATTS_LOSS_COMPONENTS_PCT: dict[str, float] = {
    "soiling": 2.0, "shading": 3.0, "snow": 0.0, "mismatch": 2.0, "wiring": 2.0, "connections": 0.5,
    "lid": 1.5, "nameplate_rating": 1.0, "age": 0.0, "availability": 3.0}


def combined_losses_pct(components: dict[str, float]) -> float:
    """PVWatts' combination of loss components [%]: 100 (1 − Π (1 − l_i / 100)) (Dobos 2014, eq. 1)."""
    return 100.0 * (1.0 - float(np.prod([1.0 - v / 100.0 for v in components.values()])))


#: System losses [%] when horizon shading is modelled (as in every face here): PVWatts' components without
#: its 3 % shading term, so shading is counted once → 11.42 % (14.08 % with it).
LOSSES_WITHOUT_SHADING_PCT = combined_losses_pct(
    {k: v for k, v in PVWATTS_LOSS_COMPONENTS_PCT.items() if k != "shading"})
#: Temperature coefficient of power [K-1]: PVWatts version 8 "standard" module (−0.37 %/K; NREL SAM help).
GAMMA_PDC_PER_K = -0.0037
#: Nominal inverter efficiency [-] (PVWatts, pvlib.inverter.pvwatts default).
INVERTER_EFFICIENCY = 0.96
#: Wind speed for the Faiman cell-temperature model [m s-1] (a sheltered roof).
ROOF_WIND_SPEED_MS = 1.0
#: Planes whose hourly arrays are held at once.
PLANES_PER_CHUNK = 256


#: Angle grid [deg] of the tabulated incidence-angle modifiers (interpolated linearly; IAM is smooth).
_IAM_GRID_DEG = np.arange(0.0, 90.5, 0.5)
#: Tilt grid [deg] of the tabulated diffuse modifiers (Marion's integrals are slow; they vary smoothly with tilt).
_IAM_TILTS_DEG = np.arange(0.0, 91.0, 5.0)


@lru_cache(maxsize=1)
def _iam_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Physical IAM (De Soto et al. 2006; n = 1.526, K = 4 m-1, L = 2 mm) at :data:`_IAM_GRID_DEG`, and Marion's
    (2017) sky and ground diffuse IAM of a plane tilted at each angle of the same grid."""
    beam = np.nan_to_num(np.asarray(pvlib.iam.physical(_IAM_GRID_DEG), float))
    diffuse = pvlib.iam.marion_diffuse("physical", _IAM_TILTS_DEG)
    return beam, np.asarray(diffuse["sky"], float), np.asarray(diffuse["ground"], float)


def iam_beam(aoi_deg: np.ndarray) -> np.ndarray:
    """Physical incidence-angle modifier of beam light at ``aoi_deg`` [deg] (0 beyond 90°) [-]."""
    beam, _, _ = _iam_tables()
    return np.interp(aoi_deg, _IAM_GRID_DEG, beam, right=0.0)


def iam_diffuse(tilt_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Marion (2017) sky and ground diffuse IAM of planes tilted at ``tilt_deg`` [deg] [-]."""
    _, sky, ground = _iam_tables()
    tilt = np.clip(np.asarray(tilt_deg, float), 0.0, 90.0)
    return np.interp(tilt, _IAM_TILTS_DEG, sky), np.interp(tilt, _IAM_TILTS_DEG, ground)


@dataclass(frozen=True)
class SystemSpec:
    """PV system assumptions: losses [%], temperature coefficient [K-1], inverter efficiency [-], wind [m s-1]."""

    losses_pct: float = LOSSES_WITHOUT_SHADING_PCT
    gamma_pdc_per_k: float = GAMMA_PDC_PER_K
    inverter_efficiency: float = INVERTER_EFFICIENCY
    wind_speed_ms: float = ROOF_WIND_SPEED_MS


def specific_yield(sky: Sky, tilt: np.ndarray, direct: np.ndarray, sky_diffuse: np.ndarray, ground: np.ndarray,
                   cos_aoi: np.ndarray, system: SystemSpec = SystemSpec()) -> np.ndarray:
    """AC energy per installed kWp [kWh kWp-1 yr-1] from (shaded) plane-of-array components [W m-2].

    Parameters
    ----------
    sky : the representative year (time step, air temperature).
    tilt : plane tilt [deg], shape (planes,).
    direct, sky_diffuse, ground : (planes, steps) irradiance on the plane after shading [W m-2].
    cos_aoi : (planes, steps) cos of the angle of incidence [-].
    system : losses and module/inverter coefficients.

    Notes
    -----
    Effective irradiance = direct·IAM_phys(θ) + sky·IAM_sky(β) + ground·IAM_ground(β) (physical IAM, Marion
    2017 diffuse integrals); T_cell by Faiman (2008) from the plane-of-array irradiance; P_dc per kWp =
    E/1000·(1 + γ(T_cell − 25)) (PVWatts, Dobos 2014); then (1 − losses) and the PVWatts inverter.
    """
    tilt = np.atleast_1d(np.asarray(tilt, float))
    aoi = np.degrees(np.arccos(np.clip(cos_aoi, -1.0, 1.0)))
    sky_iam, ground_iam = iam_diffuse(tilt)
    effective = direct * iam_beam(aoi) + sky_diffuse * sky_iam[:, None] + ground * ground_iam[:, None]
    del aoi
    poa = direct + sky_diffuse + ground
    t_cell = pvlib.temperature.faiman(poa, sky.temp_air[None, :], system.wind_speed_ms)
    pdc = pvlib.pvsystem.pvwatts_dc(effective, t_cell, 1.0, system.gamma_pdc_per_k)
    pdc = np.maximum(pdc, 0.0) * (1.0 - system.losses_pct / 100.0)
    pac = pvlib.inverter.pvwatts(pdc, 1.0, system.inverter_efficiency)
    return np.maximum(pac, 0.0).sum(axis=1) * sky.hours


def unshaded_specific_yield(sky: Sky, tilt: np.ndarray, azimuth: np.ndarray,
                            system: SystemSpec = SystemSpec()) -> np.ndarray:
    """Specific yield of unshaded planes [kWh kWp-1 yr-1]."""
    tilt = np.atleast_1d(np.asarray(tilt, float))
    azimuth = np.atleast_1d(np.asarray(azimuth, float))
    out = np.empty(tilt.size)
    for start in range(0, tilt.size, PLANES_PER_CHUNK):
        sl = slice(start, start + PLANES_PER_CHUNK)
        comp = plane_components(sky, tilt[sl], azimuth[sl])
        out[sl] = specific_yield(sky, tilt[sl], comp.direct, comp.sky, comp.ground, comp.cos_aoi, system)
    return out


@dataclass(frozen=True)
class Optimum:
    """The best unshaded fixed orientation for the region's sky."""

    tilt_deg: float
    azimuth_deg: float
    irradiation_kwh_m2_yr: float
    specific_yield_kwh_kwp: float


def regional_optimum(sky: Sky, system: SystemSpec = SystemSpec(), *, max_tilt_deg: float = 70.0) -> Optimum:
    """Orientation with the largest unshaded annual plane-of-array irradiation.

    A coarse search (tilt 0..``max_tilt_deg`` by 2°, azimuth 120..240° by 6°; a fixed plane's optimum in the
    northern mid-latitudes faces close to south) is refined to 1° × 1° around its best plane.
    """
    tilts, azimuths = np.meshgrid(np.arange(0.0, max_tilt_deg + 1.0, 2.0), np.arange(120.0, 241.0, 6.0),
                                  indexing="ij")
    t0, a0, _ = _best(sky, tilts.ravel(), azimuths.ravel())
    tilts, azimuths = np.meshgrid(np.clip(np.arange(t0 - 2.0, t0 + 2.5), 0.0, max_tilt_deg),
                                  np.arange(a0 - 6.0, a0 + 6.5), indexing="ij")
    tilt, azimuth, irr = _best(sky, tilts.ravel(), azimuths.ravel())
    spec = float(unshaded_specific_yield(sky, [tilt], [azimuth], system)[0])
    return Optimum(tilt, azimuth, irr, spec)


def _best(sky: Sky, tilts: np.ndarray, azimuths: np.ndarray) -> tuple[float, float, float]:
    irr = np.empty(tilts.size)
    for start in range(0, tilts.size, PLANES_PER_CHUNK):
        sl = slice(start, start + PLANES_PER_CHUNK)
        irr[sl] = plane_components(sky, tilts[sl], azimuths[sl]).total.sum(axis=1) * sky.hours / WH_PER_KWH
    best = int(np.argmax(irr))
    return float(tilts[best]), float(azimuths[best]), float(irr[best])
