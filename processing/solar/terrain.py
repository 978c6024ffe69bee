"""Slope and aspect of a surface model (Horn 1981), azimuths from north, clockwise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Horn (1981) weights for the x derivative (columns, east positive); divide by 8·res.
_HORN_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def gradient_horn(z: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray]:
    """Surface gradient (dz/dx east, dz/dy north) [m m-1] by Horn's 3 × 3 finite differences.

    Parameters
    ----------
    z : elevation [m], row 0 at the top (north); NaN where unknown (the NaN spreads to its neighbours).
    res : cell size [m].

    References
    ----------
    Horn, B.K.P. (1981) Hill shading and the reflectance map. Proc. IEEE 69(1):14-47.
    """
    dzdx = ndimage.correlate(z, _HORN_X, mode="nearest") / (8.0 * res)
    dzdy = -ndimage.correlate(z, _HORN_X.T, mode="nearest") / (8.0 * res)  # rows grow southwards
    return dzdx, dzdy


def slope_aspect(z: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray]:
    """Slope [deg from horizontal] and aspect [deg, downslope direction, 0 = north, clockwise].

    Aspect is that of the downslope vector −∇z = (−dz/dx, −dz/dy): aspect = atan2(−dz/dx, −dz/dy); a flat
    cell gets aspect 0 (GDAL's convention is the same up to its −9999 flag for flat cells).
    """
    dzdx, dzdy = gradient_horn(z, res)
    slope = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    aspect = np.degrees(np.arctan2(-dzdx, -dzdy)) % 360.0
    return slope, aspect


def plane_tilt_azimuth(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tilt [deg] and azimuth [deg from north, clockwise, downslope] of planes z = a·x_east + b·y_north + c."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    tilt = np.degrees(np.arctan(np.hypot(a, b)))
    azimuth = np.degrees(np.arctan2(-a, -b)) % 360.0
    return tilt, azimuth
