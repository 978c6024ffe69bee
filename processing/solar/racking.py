"""Modules on flat roofs: racked rows at a tilt, spaced so they do not shade each other at winter-solstice noon.

A flat face (tilt below ``flat_tilt_deg``) carries rows of modules at ``module_tilt_deg`` facing
``module_azimuth_deg`` (the equator by default; 90 for east-west tent rows, whose east and west halves yield
alike by symmetry). Rows of slant length L at tilt β stand one pitch apart so that the row in front casts no
shadow on the next when the sun is at its lowest noon elevation h = 90° − |φ| − 23.44° (winter solstice). The
ground coverage ratio (module area per roof area) is

    GCR = 1 / (cos β + sin β cos Δ / tan h)        (at most 1)

with Δ the angle between the rows' facing and the noon sun (0 for equator-facing rows; rows facing east or
west are parallel to the noon sun and only limited by their own footprint). The usable share of a flat roof
is ``roof_edge_share`` × GCR: at 49.5° N, 15° equator-facing rows give GCR 0.55 and a share of 0.44, inside
the ⅓-½ of the Baden-Württemberg and Swiss cadastres (docs/REFERENCES.md "Solar roofs"); at Helsinki (60.2° N)
0.24. Self-shading outside that design hour (winter mornings and evenings) and the sky masked by the row in
front are not modelled.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

#: Tilt of racked modules on flat roofs [deg] (usual 10-15° mounting systems).
FLAT_MODULE_TILT_DEG = 15.0
#: Share of a flat roof left for rows after keep-clear strips at the edges and around roof equipment [-]
#: (ESTIMATE, docs/REFERENCES.md "Solar roofs").
ROOF_EDGE_SHARE = 0.8
#: Solar declination at the winter solstice [deg].
SOLSTICE_DECLINATION_DEG = 23.44
#: Lowest sun elevation used for row spacing [deg] (polar latitudes would otherwise need infinite pitch).
MIN_DESIGN_ELEVATION_DEG = 3.0


def equator_azimuth(latitude_deg: float) -> float:
    """Azimuth facing the equator [deg from north, clockwise]: 180 (south) north of it, 0 south of it."""
    return 180.0 if latitude_deg >= 0.0 else 0.0


def winter_noon_elevation(latitude_deg: float) -> float:
    """Sun elevation at noon of the winter solstice [deg]: 90 − |φ| − 23.44, at least 3°."""
    return max(90.0 - abs(latitude_deg) - SOLSTICE_DECLINATION_DEG, MIN_DESIGN_ELEVATION_DEG)


def ground_coverage_ratio(module_tilt_deg: float, module_azimuth_deg: float, latitude_deg: float) -> float:
    """Module area per roof area of unshaded rows at winter-solstice noon [-] (module docstring)."""
    beta = math.radians(module_tilt_deg)
    delta = math.radians(module_azimuth_deg - equator_azimuth(latitude_deg))
    h = math.radians(winter_noon_elevation(latitude_deg))
    pitch = math.cos(beta) + math.sin(beta) * abs(math.cos(delta)) / math.tan(h)
    return min(1.0, 1.0 / pitch)


def flat_usable_share(module_tilt_deg: float, module_azimuth_deg: float, latitude_deg: float,
                      roof_edge_share: float = ROOF_EDGE_SHARE) -> float:
    """Usable (module) share of a flat roof [-]: ``roof_edge_share`` × :func:`ground_coverage_ratio`."""
    return roof_edge_share * ground_coverage_ratio(module_tilt_deg, module_azimuth_deg, latitude_deg)


def module_plane(tilt_deg: ArrayLike, azimuth_deg: ArrayLike, *, flat_tilt_deg: float, module_tilt_deg: float,
                 module_azimuth_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Tilt and azimuth [deg] of the modules on each face: the face's own plane, the racked rows on a flat face."""
    tilt = np.asarray(tilt_deg, dtype=float)
    flat = tilt < flat_tilt_deg
    return (np.where(flat, module_tilt_deg, tilt),
            np.where(flat, module_azimuth_deg, np.asarray(azimuth_deg, dtype=float)))
