"""An hourly (TMY) climate file: the sky uses its GHI and temperature as given, and a plane's annual
irradiation equals pvlib's own decomposition and transposition of the same hourly GHI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest

from layers.errors import InputDataError
from processing.solar.sky import HOURLY_FILE_LABEL, plane_irradiation, representative_sky, year_times

LAT, LON, ALT = 49.5, 6.0, 300.0


def hourly_file(year: int = 2005) -> pd.DataFrame:
    """A synthetic measured year: clear sky with hour-to-hour cloudiness, labelled with another year's dates
    and hour-start times (as TMY files are)."""
    starts = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", inclusive="left", tz="UTC")
    loc = pvlib.location.Location(LAT, LON, altitude=ALT)
    centres = starts + pd.Timedelta(minutes=30)
    clear = loc.get_clearsky(centres, model="ineichen")["ghi"].to_numpy()
    cloudiness = 0.35 + 0.6 * np.random.default_rng(1).random(len(starts))
    return pd.DataFrame({"time": starts.strftime("%Y-%m-%dT%H:%MZ"), "ghi_w_m2": clear * cloudiness,
                         "temp_air_c": 10 + 8 * np.sin(2 * np.pi * (starts.dayofyear - 110) / 365)})


def pvlib_poa_kwh_m2(ghi: np.ndarray, tilt: float, azimuth: float, model: str) -> float:
    """Annual plane-of-array irradiation [kWh m-2] from hourly GHI with pvlib alone (Erbs, get_total_irradiance)."""
    times = year_times(2023)
    sun = pvlib.location.Location(LAT, LON, altitude=ALT).get_solarposition(times)
    ghi = np.where(sun["apparent_zenith"] < 90, ghi, 0.0)
    erbs = pvlib.irradiance.erbs(ghi, sun["apparent_zenith"], times)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, sun["apparent_zenith"], sun["azimuth"], erbs["dni"].fillna(0), ghi, erbs["dhi"].fillna(0),
        dni_extra=pvlib.irradiance.get_extra_radiation(times),
        airmass=pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"]), albedo=0.2, model=model)
    return float(poa["poa_global"].where(sun["apparent_elevation"] > 0, 0.0).sum() / 1000.0)


@pytest.fixture(scope="module")
def tmy():
    return hourly_file()


def test_hourly_file_sets_ghi_and_temperature(tmy):
    sky = representative_sky(LAT, LON, ALT, hourly=tmy)
    assert sky.climate_source == HOURLY_FILE_LABEL
    # the synthetic file is zero at night, so the sky's annual GHI is the file's total
    assert sky.ghi_kwh_m2_yr == pytest.approx(tmy["ghi_w_m2"].sum() / 1000.0, rel=0.01)
    assert sky.temp_air.min() > -2.5 and sky.temp_air.max() < 18.5


@pytest.mark.parametrize("model", ["perez", "haydavies"])
@pytest.mark.parametrize("tilt,azimuth", [(35, 180), (30, 90), (0, 180)])
def test_plane_matches_pvlib_on_the_same_hourly_ghi(tmy, model, tilt, azimuth):
    """Same tolerance as issue 4's clear-sky-scaled check: within 1 %."""
    sky = representative_sky(LAT, LON, ALT, hourly=tmy, transposition=model)
    ghi = tmy["ghi_w_m2"].to_numpy()  # 2005 and 2023 both have 8,760 hours in the same calendar order
    assert plane_irradiation(sky, [tilt], [azimuth])[0] == pytest.approx(
        pvlib_poa_kwh_m2(ghi, tilt, azimuth, model), rel=0.01)


def test_incomplete_or_unreadable_file_is_a_clear_error(tmy):
    with pytest.raises(InputDataError, match="24 hours missing .*first: 03-01 00h"):
        representative_sky(LAT, LON, ALT, hourly=tmy[~tmy["time"].str.startswith("2005-03-01")])
    bad = tmy.copy()
    bad.loc[5, "time"] = "yesterday"
    with pytest.raises(InputDataError, match="unreadable times \\['yesterday'\\]"):
        representative_sky(LAT, LON, ALT, hourly=bad)
    with pytest.raises(InputDataError, match="lacks columns \\['ghi_w_m2'\\]"):
        representative_sky(LAT, LON, ALT, hourly=tmy.drop(columns="ghi_w_m2"))
