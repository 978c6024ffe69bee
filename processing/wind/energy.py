"""Annual energy of a turbine: windpowerlib power curves, a Weibull wind distribution, density correction,
losses and a calibration factor.

Power curves come from the turbine library windpowerlib ships (``windpowerlib/oedb/*.csv``, read from the
installed package: ``WindTurbine(..., path="oedb")`` opens those files and never touches the network).
"""

from __future__ import annotations

import difflib
import functools
import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gamma
from windpowerlib.power_output import power_curve_density_correction

from processing.wind.field import RHO_STANDARD

#: Hours in a (non-leap) year.
HOURS_PER_YEAR = 8760.0
#: Integration step of the wind-speed distribution [m s-1] and its upper bound [m s-1].
SPEED_STEP_MS = 0.01
SPEED_MAX_MS = 40.0


@dataclass(frozen=True)
class Turbine:
    """A turbine type from windpowerlib's library: rated power [W], rotor diameter [m], power curve."""

    name: str
    nominal_power_w: float
    rotor_diameter_m: float
    curve_speed_ms: np.ndarray
    curve_power_w: np.ndarray


def _library_dir() -> str:
    import windpowerlib

    return os.path.join(os.path.dirname(windpowerlib.__file__), "oedb")


@functools.lru_cache(maxsize=1)
def turbine_types() -> tuple[str, ...]:
    """Turbine types of windpowerlib's shipped library that have a power curve."""
    curves = pd.read_csv(os.path.join(_library_dir(), "power_curves.csv"), index_col=0, usecols=[0])
    return tuple(curves.index)


def check_turbine_type(name: str) -> str:
    """Return ``name`` if windpowerlib ships its power curve; raise ``ValueError`` naming close matches."""
    types = turbine_types()
    if name not in types:
        close = difflib.get_close_matches(name, types, n=5, cutoff=0.5)
        hint = f"close matches: {', '.join(close)}" if close else f"types with a power curve: {', '.join(types)}"
        raise ValueError(f"unknown turbine type {name!r} (windpowerlib library); {hint}")
    return name


@functools.lru_cache(maxsize=16)
def load_turbine(name: str) -> Turbine:
    """The turbine ``name`` from windpowerlib's shipped library (offline)."""
    from windpowerlib import WindTurbine

    check_turbine_type(name)
    # hub height does not change the curve; any value above half the rotor satisfies windpowerlib's check
    with warnings.catch_warnings():  # windpowerlib 0.2 uses DataFrame.dropna(inplace=True), deprecated in pandas
        warnings.filterwarnings("ignore", message="The inplace keyword", category=Warning)
        wt = WindTurbine(hub_height=500.0, turbine_type=name, path="oedb")
    curve = wt.power_curve.sort_values("wind_speed")
    return Turbine(name, float(wt.nominal_power), float(wt.rotor_diameter),
                   curve["wind_speed"].to_numpy(dtype="float64"), curve["value"].to_numpy(dtype="float64"))


def weibull_pdf(speed_ms, mean_ms: float, k: float):
    """Weibull probability density [s m-1] of wind speed with mean ``mean_ms`` [m s-1] and shape ``k``.

    Notes
    -----
    Scale :math:`c = \\bar v / \\Gamma(1 + 1/k)`; :math:`f(v) = (k/c)(v/c)^{k-1} e^{-(v/c)^k}`.
    """
    c = mean_ms / gamma(1.0 + 1.0 / k)
    v = np.asarray(speed_ms, dtype="float64") / c
    return (k / c) * v ** (k - 1.0) * np.exp(-(v ** k))


def power_at(turbine: Turbine, speed_ms, density: float = RHO_STANDARD) -> np.ndarray:
    """Power [W] at ``speed_ms`` [m s-1] with windpowerlib's density-corrected power curve (IEC 61400-12-1
    with the speed-dependent exponent of Svenningsen 2010); zero below cut-in and above cut-out."""
    v = np.asarray(speed_ms, dtype="float64")
    return power_curve_density_correction(v, turbine.curve_speed_ms, turbine.curve_power_w,
                                          np.full(v.shape, float(density)))


@functools.lru_cache(maxsize=256)
def _binned_power(name: str, density_rounded: float) -> np.ndarray:
    v = np.arange(SPEED_STEP_MS / 2, SPEED_MAX_MS, SPEED_STEP_MS)
    return power_at(load_turbine(name), v, density_rounded)


def annual_energy_weibull(turbine: Turbine, mean_speed_ms, k: float = 2.0, density=RHO_STANDARD) -> np.ndarray:
    """Gross annual energy [MWh yr-1] of ``turbine`` for hub-height mean speeds ``mean_speed_ms`` [m s-1]
    Weibull-distributed with shape ``k``, at air densities ``density`` [kg m-3] (rounded to 0.001).

    Notes
    -----
    :math:`E = 8760 \\int_0^{40} P_\\rho(v) f(v)\\,dv`, midpoint rule with 0.01 m s-1 bins.
    """
    means = np.atleast_1d(np.asarray(mean_speed_ms, dtype="float64"))
    rho = np.broadcast_to(np.asarray(density, dtype="float64"), means.shape)
    v = np.arange(SPEED_STEP_MS / 2, SPEED_MAX_MS, SPEED_STEP_MS)
    out = np.zeros(means.shape)
    for i, (m, r) in enumerate(zip(means, rho)):
        if not (np.isfinite(m) and m > 0):
            out[i] = np.nan
            continue
        p = _binned_power(turbine.name, round(float(r), 3))
        out[i] = float(np.sum(p * weibull_pdf(v, m, k))) * SPEED_STEP_MS * HOURS_PER_YEAR / 1e6
    return out


def annual_energy_series(turbine: Turbine, series_ms, mean_speed_ms, density=RHO_STANDARD) -> np.ndarray:
    """Gross annual energy [MWh yr-1] from a wind-speed time series ``series_ms`` [m s-1] (equal time steps
    covering a whole number of years, e.g. 8,760 hourly values) rescaled to each site's hub-height mean
    ``mean_speed_ms`` [m s-1], at air densities ``density`` [kg m-3].

    Notes
    -----
    :math:`E = 8760 \\cdot \\overline{P_\\rho(v_t \\bar v_{site} / \\bar v_{series})}`: the series gives the
    distribution's shape (and its seasonal and diurnal pattern), the wind field its level.
    """
    series = np.asarray(series_ms, dtype="float64")
    means = np.atleast_1d(np.asarray(mean_speed_ms, dtype="float64"))
    rho = np.broadcast_to(np.asarray(density, dtype="float64"), means.shape)
    level = series.mean()
    out = np.full(means.shape, np.nan)
    for i, (m, r) in enumerate(zip(means, rho)):
        if np.isfinite(m) and m > 0:
            out[i] = float(np.mean(power_at(turbine, series * (m / level), float(r)))) * HOURS_PER_YEAR / 1e6
    return out


def net_factor(availability: float, wake_loss: float, electrical_loss: float, curtailment_loss: float) -> float:
    """Net / gross energy ratio from availability and loss fractions (each in [0, 1])."""
    return availability * (1.0 - wake_loss) * (1.0 - electrical_loss) * (1.0 - curtailment_loss)


def calibration_factor(measured_full_load_hours: float, modelled_full_load_hours: float) -> float:
    """Factor that brings the model's net full-load hours [h yr-1] to measured ones at a reference site."""
    return measured_full_load_hours / modelled_full_load_hours
