"""Sun and sky of a representative year: pvlib solar positions, Ineichen clear sky, real-sky scaling by a
monthly clear-sky index, Erbs decomposition and the sky terms of Perez or Hay-Davies transposition.

Everything that depends only on the sky (not on a surface) is computed here once per region; the per-plane
terms (:func:`plane_components`) are cheap array expressions over (planes × hours).

Azimuths are degrees from north, clockwise (pvlib's convention: 180 = south).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pvlib

from layers.errors import InputDataError

log = logging.getLogger(__name__)

Transposition = Literal["perez", "haydavies"]
DayModel = Literal["two_state", "uniform"]

#: Daily clear-sky index of a "clear" and of an "overcast" day in the two-state day model [-]. Chosen so that the
#: annual diffuse fraction after Erbs decomposition is ≈0.52 at 49.5 N, in line with the 0.5-0.55 measured in
#: Central Europe (ESTIMATE); scaling every hour by the monthly mean instead gives ≈0.72 (far too diffuse).
CLEAR_DAY_INDEX = 0.95
OVERCAST_DAY_INDEX = 0.35
#: Golden-ratio conjugate: a low-discrepancy sequence that spreads clear days evenly through each month.
_GOLDEN = 0.6180339887498949

#: Default monthly clear-sky index k_c = GHI_all-sky / GHI_clear-sky [-], January..December, used only when the
#: region has no climate table. ESTIMATE for Western/Central Europe around 49.5 N: typical monthly all-sky GHI
#: of southern Luxembourg (27, 45, 86, 128, 155, 163, 166, 142, 100, 59, 30, 21 kWh m-2; ≈1,120 kWh m-2 yr-1,
#: in the ≈1,080-1,150 range of docs/REFERENCES.md, itself an estimate) divided by the Ineichen clear-sky
#: GHI at 49.5 N 6.0 E (pvlib Linke turbidity). Applied to the region's own clear sky, so it follows latitude.
DEFAULT_CLEAR_SKY_INDEX = (0.62, 0.66, 0.70, 0.74, 0.71, 0.71, 0.74, 0.75, 0.72, 0.65, 0.60, 0.62)
#: Default monthly mean air temperature [degC] for the same default table (ESTIMATE, Luxembourg lowlands).
DEFAULT_TEMP_AIR_C = (1.5, 2.5, 6.0, 9.5, 13.5, 16.5, 18.5, 18.0, 14.5, 10.0, 5.5, 2.5)
#: Latitude [deg] the default table describes, and how far from it [deg] a region may lie before the table is
#: said not to fit it.
DEFAULT_CLIMATE_LATITUDE = 49.5
DEFAULT_CLIMATE_FITS_DEG = 5.0
#: Label of sky figures scaled with the default table rather than the region's climate table.
DEFAULT_CLIMATE_LABEL = "default_estimate"
CLIMATE_TABLE_LABEL = "climate_table"
#: Label of sky figures taken from the region's hourly (TMY) file.
HOURLY_FILE_LABEL = "hourly_file"

#: Hay-Davies floor on cos(zenith) in the beam projection ratio (pvlib GH 432: cos 89°).
HAYDAVIES_MIN_COS_ZENITH = 0.01745
#: Perez floor on cos(zenith): b = max(cos 85°, cos Z) (Perez et al. 1990, eq. 9).
PEREZ_MIN_COS_ZENITH = float(np.cos(np.radians(85.0)))
#: Watt-hours per kilowatt-hour.
WH_PER_KWH = 1000.0


@dataclass(frozen=True)
class Sky:
    """Real-sky irradiance and sun position for the daylight time steps of a representative year.

    Arrays hold one value per daylight step (sun elevation > 0).

    Attributes
    ----------
    times : step centres (UTC).
    hours : length of one step [h].
    zenith, azimuth, elevation : apparent sun position [deg], azimuth from north clockwise.
    ghi, dni, dhi : all-sky global horizontal, direct normal and diffuse horizontal irradiance [W m-2].
    circumsolar : F1, the share of DHI treated as circumsolar (Perez F1, Hay-Davies anisotropy index) [-].
    horizon_brightening : F2, Perez horizon-brightening coefficient (0 for Hay-Davies) [-].
    min_cos_zenith : floor of cos(zenith) in the circumsolar projection ratio [-].
    temp_air : air temperature [degC].
    month : month of each step (1-12).
    clear_sky_index : monthly k_c used to scale clear sky to real sky [-], January..December.
    clear_sky_ghi_kwh_m2_yr : annual clear-sky GHI before scaling [kWh m-2 yr-1] (never reported as yield).
    climate_source : ``hourly_file``, ``climate_table`` or ``default_estimate``.
    transposition : ``perez`` or ``haydavies``.
    albedo : ground reflectance [-].
    """

    times: pd.DatetimeIndex
    hours: float
    zenith: np.ndarray
    azimuth: np.ndarray
    elevation: np.ndarray
    ghi: np.ndarray
    dni: np.ndarray
    dhi: np.ndarray
    circumsolar: np.ndarray
    horizon_brightening: np.ndarray
    min_cos_zenith: float
    temp_air: np.ndarray
    month: np.ndarray
    clear_sky_index: tuple[float, ...]
    clear_sky_ghi_kwh_m2_yr: float
    climate_source: str
    transposition: str
    albedo: float

    @property
    def ghi_kwh_m2_yr(self) -> float:
        """Annual all-sky global horizontal irradiation [kWh m-2 yr-1]."""
        return float(self.ghi.sum() * self.hours / WH_PER_KWH)


def year_times(year: int = 2023, step_minutes: int = 60) -> pd.DatetimeIndex:
    """Centres of the ``step_minutes`` steps of ``year`` in UTC (e.g. 00:30, 01:30, ... for hourly)."""
    start = pd.Timestamp(year=year, month=1, day=1, tz="UTC") + pd.Timedelta(minutes=step_minutes / 2)
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz="UTC")
    return pd.date_range(start, end, freq=f"{step_minutes}min", inclusive="left")


def monthly_clear_sky_index(clear_ghi: pd.Series, climate: pd.DataFrame | None,
                            latitude: float = DEFAULT_CLIMATE_LATITUDE) -> tuple[tuple[float, ...], str]:
    """Monthly clear-sky index k_c = GHI_month(climate) / clear-sky GHI_month [-] and its source label.

    Without a climate table, :data:`DEFAULT_CLEAR_SKY_INDEX` (an estimate, labelled ``default_estimate``), with a
    warning that says so — and, for a region at ``latitude`` [deg] more than :data:`DEFAULT_CLIMATE_FITS_DEG` from
    the table's, that the table does not fit it.
    """
    if climate is None:
        off = abs(latitude - DEFAULT_CLIMATE_LATITUDE)
        fit = (f"the region lies at {latitude:.1f}°, {off:.0f}° from the table's latitude: its cloudiness, and so "
               "every yield, may be far off" if off > DEFAULT_CLIMATE_FITS_DEG else "")
        log.warning("no climate table: scaling clear sky with the DEFAULT monthly clear-sky index, an estimate "
                    "for Western Europe near %.1f° N (faces say climate = %r)%s; give [inputs.climate] (monthly "
                    "GHI and air temperature, e.g. from PVGIS) or [inputs.climate_hourly]",
                    DEFAULT_CLIMATE_LATITUDE, DEFAULT_CLIMATE_LABEL, f"; {fit}" if fit else "")
        return DEFAULT_CLEAR_SKY_INDEX, DEFAULT_CLIMATE_LABEL
    table = _check_climate(climate)
    step_h = _step_hours(clear_ghi.index)
    clear_month = clear_ghi.groupby(clear_ghi.index.month).sum() * step_h / WH_PER_KWH
    k = table["ghi_kwh_m2"].to_numpy(float) / clear_month.reindex(range(1, 13)).to_numpy(float)
    if np.any(k > 1.1) or np.any(k <= 0.05):
        raise InputDataError(f"climate table: monthly GHI gives clear-sky indices {np.round(k, 2).tolist()}, outside "
                             "0.05-1.1; check that ghi_kwh_m2 is the monthly all-sky total in kWh m-2")
    return tuple(float(v) for v in np.clip(k, 0.0, 1.0)), CLIMATE_TABLE_LABEL


def daily_clear_sky_index(times: pd.DatetimeIndex, clear_ghi: np.ndarray, k_month: tuple[float, ...],
                          model: DayModel = "two_state") -> np.ndarray:
    """Clear-sky index per time step [-] whose monthly clear-sky-weighted mean equals ``k_month``.

    Notes
    -----
    ``uniform``: every step of month m gets k_c(m). ``two_state``: each day is clear (k = 0.95) or overcast
    (k = 0.35); a share f = (k_c − 0.35)/(0.95 − 0.35) of the days is clear, picked deterministically with the
    golden-ratio sequence on the day of year; the month is then rescaled so its irradiation is exactly
    k_c · clear-sky. Real skies are close to bimodal; Erbs on a uniform k_c of 0.7 puts ≈72 % of GHI into
    diffuse, which understates the gain of tilted south faces.
    """
    month = times.month.to_numpy()
    k_target = np.asarray(k_month, float)[month - 1]
    if model == "uniform":
        return k_target
    share_clear = np.clip((k_target - OVERCAST_DAY_INDEX) / (CLEAR_DAY_INDEX - OVERCAST_DAY_INDEX), 0.0, 1.0)
    u = (times.day_of_year.to_numpy() * _GOLDEN) % 1.0
    k = np.where(u < share_clear, CLEAR_DAY_INDEX, OVERCAST_DAY_INDEX)
    weights = np.asarray(clear_ghi, float)
    for m in range(1, 13):
        sel = month == m
        got = float((k[sel] * weights[sel]).sum())
        if got > 0:
            k[sel] *= float((k_target[sel] * weights[sel]).sum()) / got
    return k


def _check_climate(climate: pd.DataFrame) -> pd.DataFrame:
    missing = {"month", "ghi_kwh_m2", "temp_air_c"} - set(climate.columns)
    if missing:
        raise InputDataError(f"climate table lacks columns {sorted(missing)}; it needs month, ghi_kwh_m2, temp_air_c")
    table = climate.sort_values("month").reset_index(drop=True)
    if sorted(table["month"].astype(int).tolist()) != list(range(1, 13)):
        raise InputDataError("climate table must hold exactly one row per month 1-12")
    return table


def hourly_series(times: pd.DatetimeIndex, hourly: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """GHI [W m-2] and air temperature [degC] of an hourly file at each step of the representative year.

    Each step takes the file's hour with the same month, day and hour (UTC), whatever the file's year, so a
    TMY assembled from several years fits; several rows for one hour (e.g. two years) are averaged; 29 February
    is ignored when the representative year has none. Negative GHI (sensor offsets at night) counts as 0.
    """
    missing = {"time", "ghi_w_m2", "temp_air_c"} - set(hourly.columns)
    if missing:
        raise InputDataError(f"climate_hourly lacks columns {sorted(missing)}; it needs time, ghi_w_m2, temp_air_c")
    stamps = pd.to_datetime(hourly["time"], utc=True, errors="coerce", format="mixed")
    if stamps.isna().any():
        bad = hourly["time"][stamps.isna()].astype(str).head(3).tolist()
        raise InputDataError(f"climate_hourly: unreadable times {bad}; use ISO 8601 such as 2005-01-01T00:00Z")
    keys = (stamps.dt.month * 10000 + stamps.dt.day * 100 + stamps.dt.hour).to_numpy()
    table = pd.DataFrame({"ghi": pd.to_numeric(hourly["ghi_w_m2"], errors="coerce").to_numpy(),
                          "temp": pd.to_numeric(hourly["temp_air_c"], errors="coerce").to_numpy()},
                         index=keys).groupby(level=0).mean()
    wanted = (times.month * 10000 + times.day * 100 + times.hour).to_numpy()
    found = table.reindex(wanted)
    gaps = np.unique(wanted[found["ghi"].isna().to_numpy() | found["temp"].isna().to_numpy()])
    if len(gaps):
        first = [f"{k // 10000:02d}-{k // 100 % 100:02d} {k % 100:02d}h" for k in gaps[:3]]
        raise InputDataError(f"climate_hourly covers not every hour of the year: {len(gaps)} hours missing "
                             f"(first: {', '.join(first)} UTC); give a full year of hourly values")
    return np.clip(found["ghi"].to_numpy(float), 0.0, None), found["temp"].to_numpy(float)


def _step_hours(times: pd.DatetimeIndex) -> float:
    return float((times[1] - times[0]) / pd.Timedelta(hours=1))


def representative_sky(latitude: float, longitude: float, altitude: float = 300.0,
                       climate: pd.DataFrame | None = None, *, transposition: Transposition = "perez",
                       year: int = 2023, step_minutes: int = 60, albedo: float = 0.2,
                       day_model: DayModel = "two_state", hourly: pd.DataFrame | None = None) -> Sky:
    """Real-sky irradiance for every daylight step of a representative year at one site.

    Parameters
    ----------
    latitude, longitude : site [deg, WGS 84].
    altitude : site elevation [m].
    climate : monthly table (``month``, ``ghi_kwh_m2`` [kWh m-2], ``temp_air_c`` [degC]) or ``None``.
    transposition : ``perez`` or ``haydavies``.
    year : calendar year of the sun positions.
    step_minutes : time step [min].
    albedo : ground reflectance [-].
    day_model : how the monthly clear-sky index is spread over days (:func:`daily_clear_sky_index`).
    hourly : hourly file (``time``, ``ghi_w_m2`` [W m-2], ``temp_air_c`` [degC]); when given, its GHI and
        temperature are used as they are (:func:`hourly_series`) and ``climate`` is not needed.

    Notes
    -----
    GHI(t) = k(t) · GHI_clear(t), k(t) spreading the monthly k_c(month) over clear and overcast days, with GHI_clear from Ineichen & Perez (2002) with pvlib's shipped
    Linke turbidity (monthly climatology, Remund et al. 2003); k_c from :func:`monthly_clear_sky_index`.
    DNI and DHI from Erbs et al. (1982). F1/F2 are obtained from pvlib's own transposition (Perez et al.
    1990 all-sites composite; Hay & Davies 1980) so the per-plane terms match pvlib exactly.

    References
    ----------
    Ineichen, P., Perez, R. (2002) Solar Energy 73(3):151-157. Erbs, D.G., Klein, S.A., Duffie, J.A. (1982)
    Solar Energy 28(4):293-302. Perez, R. et al. (1990) Solar Energy 44(5):271-289. Hay, J.E., Davies, J.A.
    (1980) Proc. First Canadian Solar Radiation Data Workshop, 59-72.
    """
    if transposition not in ("perez", "haydavies"):
        raise ValueError(f"transposition must be 'perez' or 'haydavies', got {transposition!r}")
    times = year_times(year, step_minutes)
    loc = pvlib.location.Location(latitude, longitude, altitude=altitude)
    sun = loc.get_solarposition(times)
    clear = loc.get_clearsky(times, model="ineichen", solar_position=sun)
    month = times.month.to_numpy()
    zenith = sun["apparent_zenith"].to_numpy()
    if hourly is not None:
        ghi, temp_steps = hourly_series(times, hourly)
        ghi = np.where(zenith < 90.0, ghi, 0.0)
        clear_month = clear["ghi"].groupby(month).sum().to_numpy()
        k_month = tuple(float(v) for v in pd.Series(ghi).groupby(month).sum().to_numpy() / clear_month)
        source = HOURLY_FILE_LABEL
    else:
        k_month, source = monthly_clear_sky_index(clear["ghi"], climate, latitude)
        k = daily_clear_sky_index(times, clear["ghi"].to_numpy(), k_month, day_model)
        ghi = clear["ghi"].to_numpy() * k
    erbs = pvlib.irradiance.erbs(ghi, zenith, times)
    dni = np.nan_to_num(np.asarray(erbs["dni"], float))
    dhi = np.nan_to_num(np.asarray(erbs["dhi"], float))
    dni_extra = pvlib.irradiance.get_extra_radiation(times).to_numpy()
    azimuth = sun["azimuth"].to_numpy()
    if transposition == "perez":
        airmass = pvlib.atmosphere.get_relative_airmass(zenith)
        # F1, F2 from pvlib on a vertical reference plane: isotropic = DHI (1-F1)/2, horizon = DHI F2
        comp = pvlib.irradiance.perez(90.0, 180.0, dhi, dni, dni_extra, zenith, azimuth, airmass,
                                      return_components=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(dhi > 0, 1.0 - 2.0 * np.asarray(comp["poa_isotropic"], float) / dhi, 0.0)
            f2 = np.where(dhi > 0, np.asarray(comp["poa_horizon"], float) / dhi, 0.0)
        min_cos = PEREZ_MIN_COS_ZENITH
    else:
        f1 = dni / dni_extra
        f2 = np.zeros_like(f1)
        min_cos = HAYDAVIES_MIN_COS_ZENITH
    if hourly is None:
        temp_month = np.asarray(DEFAULT_TEMP_AIR_C) if climate is None else \
            _check_climate(climate)["temp_air_c"].to_numpy(float)
        temp_steps = temp_month[month - 1]
    day = (90.0 - zenith) > 0.0
    clear_total = float(clear["ghi"].sum() * _step_hours(times) / WH_PER_KWH)
    return Sky(times=times[day], hours=_step_hours(times), zenith=zenith[day], azimuth=azimuth[day],
               elevation=90.0 - zenith[day], ghi=ghi[day], dni=dni[day], dhi=dhi[day],
               circumsolar=np.nan_to_num(f1[day]), horizon_brightening=np.nan_to_num(f2[day]),
               min_cos_zenith=min_cos, temp_air=temp_steps[day], month=month[day],
               clear_sky_index=tuple(k_month), clear_sky_ghi_kwh_m2_yr=clear_total, climate_source=source,
               transposition=transposition, albedo=albedo)


def cos_incidence(sky: Sky, tilt: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """cos of the angle of incidence of the sun on planes [-], shape (planes, steps), negative behind the plane.

    Notes
    -----
    cos θ = cos Z cos β + sin Z sin β cos(φ_sun − γ), β tilt, γ plane azimuth (downslope, from north clockwise).
    """
    b = np.radians(np.asarray(tilt, float))[:, None]
    g = np.radians(np.asarray(azimuth, float))[:, None]
    z = np.radians(sky.zenith)[None, :]
    a = np.radians(sky.azimuth)[None, :]
    return np.cos(z) * np.cos(b) + np.sin(z) * np.sin(b) * np.cos(a - g)


@dataclass(frozen=True)
class PlaneComponents:
    """Plane-of-array irradiance components [W m-2], each of shape (planes, steps), before any shading.

    ``direct`` is beam plus circumsolar diffuse (both blocked when the sun is behind an obstacle);
    ``sky`` is isotropic plus horizon-brightening diffuse (scaled by the sky-view factor); ``ground`` is the
    ground-reflected part; ``cos_aoi`` is cos of the angle of incidence (clipped at 0).
    """

    direct: np.ndarray
    sky: np.ndarray
    ground: np.ndarray
    cos_aoi: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.direct + self.sky + self.ground


def plane_components(sky: Sky, tilt: np.ndarray, azimuth: np.ndarray) -> PlaneComponents:
    """Unshaded plane-of-array components for planes of ``tilt`` [deg] and ``azimuth`` [deg, from north].

    Notes
    -----
    Perez (1990) / Hay-Davies (1980) with F1, F2 from :func:`representative_sky`:
    direct = DNI·max(cos θ, 0) + DHI·F1·max(cos θ, 0)/max(cos Z, c_min);
    sky = DHI·(1 − F1)·(1 + cos β)/2 + DHI·F2·sin β; ground = GHI·ρ·(1 − cos β)/2.
    """
    tilt = np.atleast_1d(np.asarray(tilt, float))
    azimuth = np.atleast_1d(np.asarray(azimuth, float))
    cos_aoi = np.clip(cos_incidence(sky, tilt, azimuth), 0.0, None)
    b = np.radians(tilt)[:, None]
    denom = np.maximum(np.cos(np.radians(sky.zenith)), sky.min_cos_zenith)[None, :]
    f1 = sky.circumsolar[None, :]
    dhi = sky.dhi[None, :]
    direct = (sky.dni[None, :] + dhi * f1 / denom) * cos_aoi
    sky_diffuse = np.maximum(dhi * (1.0 - f1) * (1.0 + np.cos(b)) / 2.0, 0.0) + dhi * sky.horizon_brightening[None, :] * np.sin(b)
    ground = sky.ghi[None, :] * sky.albedo * (1.0 - np.cos(b)) / 2.0
    return PlaneComponents(direct=direct, sky=np.maximum(sky_diffuse, 0.0), ground=ground, cos_aoi=cos_aoi)


def plane_irradiation(sky: Sky, tilt: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """Annual unshaded plane-of-array irradiation [kWh m-2 yr-1] per plane."""
    comp = plane_components(sky, tilt, azimuth)
    return comp.total.sum(axis=1) * sky.hours / WH_PER_KWH
