"""Green-roof suitability of a roof face by slope and area, and the one use each face is given.

Slope classes follow the FLL green-roof guideline (Dachbegrünungsrichtlinie, FLL 2018): flat roofs take
extensive or, where the structure carries the load, intensive greening; extensive greening is standard up to
15°; from 15° to about 35° it needs shear protection ("with measures"); steeper faces are not greened.
Bounds are inclusive on the flatter side: a 15.0° face is ``pitched``, a 35.0° face ``steep_with_measures``.

Each face gets exactly one use, so no area is counted twice:

- ``biosolar``: flat, green-suitable and claimed by PV (modules racked above an extensive green roof);
- ``pv_only``: claimed by PV but not flat and green-suitable;
- ``green_only``: green-suitable and not claimed by PV;
- ``none``: neither.
"""

from __future__ import annotations

import numpy as np

#: Largest tilt of a flat roof [deg] (extensive or intensive greening; FLL).
FLAT_MAX_DEG = 5.0
#: Largest tilt for standard extensive greening [deg] (FLL: ~15°).
EXTENSIVE_MAX_DEG = 15.0
#: Largest tilt for greening with shear protection [deg] (FLL: ~35°).
WITH_MEASURES_MAX_DEG = 35.0
#: Smallest green area worth greening [m2] (chosen, as the solar cadastre's 10 m2 minimum module area).
MIN_GREEN_AREA_M2 = 10.0
#: Vegetation-free gravel strip along roof edges and upstands [m] (FLL: ≥ 0.5 m, fire protection and
#: maintenance).
EDGE_STRIP_M = 0.5

#: Slope classes that can be greened (the layer's classes: :data:`layers.catalog.green_roofs.GREEN_CLASSES`).
GREEN_SUITABLE = ("flat", "pitched", "steep_with_measures")


def slope_class(tilt_deg: np.ndarray, *, flat_max_deg: float = FLAT_MAX_DEG,
                extensive_max_deg: float = EXTENSIVE_MAX_DEG,
                with_measures_max_deg: float = WITH_MEASURES_MAX_DEG) -> np.ndarray:
    """FLL slope class of each face tilt [deg]: flat, pitched, steep_with_measures or too_steep."""
    tilt = np.asarray(tilt_deg, dtype=float)
    return np.select([tilt <= flat_max_deg, tilt <= extensive_max_deg, tilt <= with_measures_max_deg],
                     ["flat", "pitched", "steep_with_measures"], "too_steep").astype(object)


def green_class(tilt_deg: np.ndarray, green_area_m2: np.ndarray, *, min_area_m2: float = MIN_GREEN_AREA_M2,
                **bounds: float) -> np.ndarray:
    """Slope class, or ``too_small`` where a green-suitable face has less than ``min_area_m2`` [m2] to green."""
    cls = slope_class(tilt_deg, **bounds)
    small = np.isin(cls, GREEN_SUITABLE) & (np.asarray(green_area_m2, float) < min_area_m2)
    return np.where(small, "too_small", cls).astype(object)


def face_use(green: np.ndarray, pv_claimed: np.ndarray) -> np.ndarray:
    """The one use of each face from its green class and whether PV claims it (see the module docstring)."""
    green = np.asarray(green, dtype=object)
    pv = np.asarray(pv_claimed, dtype=bool)
    suitable = np.isin(green, GREEN_SUITABLE)
    return np.select([pv & (green == "flat"), pv, suitable], ["biosolar", "pv_only", "green_only"],
                     "none").astype(object)
