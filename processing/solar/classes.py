"""Usable roof area and suitability classes relative to the regional optimum (solar-cadastre conventions)."""

from __future__ import annotations

import numpy as np

from layers.catalog.solar import DEFAULT_CLASS_SHARES, SOLAR_CLASSES

#: Class thresholds as shares of the regional optimum's irradiation [-], declared once with the layer's legend
#: (:data:`layers.catalog.solar.DEFAULT_CLASS_SHARES`; Baden-Württemberg / Swiss cadastres, docs/REFERENCES.md).
VERY_GOOD_SHARE = DEFAULT_CLASS_SHARES["very_good"]
GOOD_SHARE = DEFAULT_CLASS_SHARES["good"]
CONDITIONAL_SHARE = DEFAULT_CLASS_SHARES["conditional"]
#: Minimum module area [m2] on pitched and on flat roofs (same source).
MIN_MODULE_AREA_PITCHED_M2 = 10.0
MIN_MODULE_AREA_FLAT_M2 = 25.0
#: Usable share of a flat roof with racked modules [-] (⅓-½ in the same source; the middle). The solar step
#: derives it from row spacing instead (:mod:`processing.solar.racking`); this is the function's default.
FLAT_USABLE_SHARE = 0.4
#: Module power density [kWp m-2] (same source).
KWP_PER_M2 = 0.20


def usable_area(area_m2: np.ndarray, tilt_deg: np.ndarray, azimuth_deg: np.ndarray, *, flat_tilt_deg: float = 10.0,
                flat_usable_share: float = FLAT_USABLE_SHARE, pitched_usable_share: float = 1.0,
                min_pitched_m2: float = MIN_MODULE_AREA_PITCHED_M2, min_flat_m2: float = MIN_MODULE_AREA_FLAT_M2,
                north_max_tilt_deg: float = 20.0, north_half_angle_deg: float = 67.5) -> np.ndarray:
    """Area usable for modules [m2].

    A face is flat below ``flat_tilt_deg``: ``flat_usable_share`` of it is usable and it needs ``min_flat_m2``;
    a pitched face offers ``pitched_usable_share`` and needs ``min_pitched_m2``. Faces steeper than
    ``north_max_tilt_deg`` whose azimuth lies within ``north_half_angle_deg`` of north offer nothing.
    """
    area = np.asarray(area_m2, float)
    tilt = np.asarray(tilt_deg, float)
    azimuth = np.asarray(azimuth_deg, float)
    flat = tilt < flat_tilt_deg
    usable = np.where(flat, area * flat_usable_share, area * pitched_usable_share)
    usable = np.where(usable >= np.where(flat, min_flat_m2, min_pitched_m2), usable, 0.0)
    off_north = np.abs((azimuth + 180.0) % 360.0 - 180.0)
    north = (~flat) & (tilt > north_max_tilt_deg) & (off_north < north_half_angle_deg)
    return np.where(north, 0.0, usable)


def suitability_class(share_of_optimum: np.ndarray, usable_area_m2: np.ndarray, *,
                      very_good: float = VERY_GOOD_SHARE, good: float = GOOD_SHARE,
                      conditional: float = CONDITIONAL_SHARE) -> np.ndarray:
    """Class per face from its irradiation as a share of the regional optimum [-]; no usable area → unsuitable."""
    share = np.asarray(share_of_optimum, float)
    cls = np.select([share >= very_good, share >= good, share >= conditional],
                    list(SOLAR_CLASSES[:3]), SOLAR_CLASSES[3])
    return np.where(np.asarray(usable_area_m2) > 0.0, cls, SOLAR_CLASSES[3]).astype(object)
