"""The demo region's frame: where it lies, how big it is, and one seeded random stream per concern.

Every generator module receives a :class:`DemoFrame`. Positions are drawn in relative coordinates
``(u, v)`` in [0, 1] (west→east, south→north) and mapped to the region CRS, so the same layout works for
a 2 × 2 km test region and a 32 × 24 km benchmark region.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from pyproj import CRS
from shapely.geometry import Polygon, box

#: Area of the default demo region [km2]; settlement counts scale with area relative to it.
DEFAULT_AREA_KM2 = 48.0
#: Open land kept free of buildings for wind turbines: relative corner (u, v) of the north-east block.
OPEN_CORE_UV = (0.62, 0.58)
#: Distance kept between dwellings and the open block [m] (Luxembourg developers keep 750 m, docs/REFERENCES.md).
OPEN_CORE_SETBACK_M = 850.0


@dataclass(frozen=True)
class DemoFrame:
    """Extent, CRS and seed of one demo generation.

    Parameters
    ----------
    x0, y0 : lower-left corner in ``crs`` [m].
    width_m, height_m : size [m].
    crs : projected CRS with metre units.
    seed : master seed; each concern draws from its own stream (:meth:`rng`).
    """

    x0: float
    y0: float
    width_m: float
    height_m: float
    crs: CRS
    seed: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x0 + self.width_m, self.y0 + self.height_m

    @property
    def polygon(self) -> Polygon:
        return box(*self.bounds)

    @property
    def area_km2(self) -> float:
        return self.width_m * self.height_m / 1e6

    @property
    def scale(self) -> float:
        """Area relative to the default 8 × 6 km region."""
        return self.area_km2 / DEFAULT_AREA_KM2

    @property
    def linear_scale(self) -> float:
        """Size factor of towns, lakes and sites: 1 from the default region up (features never grow beyond the
        default), shrinking with the region's side down to 0.5 (a 2 × 2 km test region)."""
        return float(np.clip(np.sqrt(self.scale), 0.5, 1.0))

    def rng(self, concern: str) -> np.random.Generator:
        """An independent, reproducible random stream for ``concern`` (e.g. ``"buildings"``)."""
        return np.random.default_rng([self.seed & 0xFFFFFFFF, zlib.crc32(concern.encode())])

    def xy(self, u, v):
        """Region-CRS coordinates [m] of relative coordinates ``(u, v)``."""
        return self.x0 + np.asarray(u) * self.width_m, self.y0 + np.asarray(v) * self.height_m

    def uv(self, x, y):
        """Relative coordinates of region-CRS coordinates."""
        return (np.asarray(x) - self.x0) / self.width_m, (np.asarray(y) - self.y0) / self.height_m

    @property
    def open_core(self) -> Polygon:
        """The north-east block of open land kept free of dwellings (for wind turbines)."""
        x, y = self.xy(*OPEN_CORE_UV)
        return box(float(x), float(y), self.x0 + self.width_m, self.y0 + self.height_m)

    @property
    def open_core_setback_m(self) -> float:
        """Dwelling-free band around the open block [m]; smaller for small test regions."""
        return min(OPEN_CORE_SETBACK_M, 0.2 * min(self.width_m, self.height_m))

    @property
    def open_core_corner(self) -> tuple[float, float]:
        """Inner corner of the built-up L around the open block: roads detour through it."""
        x, y = self.xy(*OPEN_CORE_UV)
        s = self.open_core_setback_m
        return float(x) - s, float(y) - s
