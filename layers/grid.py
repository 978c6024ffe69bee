"""Analysis grids: a region extent cut into square cells, and the windows that cover it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from affine import Affine
from pyproj import CRS
from rasterio.windows import Window


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells snapped to ``origin`` + multiples of ``res`` [m].

    The one grid type of the project: analyses, rasterisation (:mod:`layers.rasterize`) and the irradiation
    raster all place cells with it.

    Parameters
    ----------
    bounds : (xmin, ymin, xmax, ymax) in ``crs`` [m]; expanded outwards to whole cells.
    res : cell size [m].
    crs : projected CRS with metre units.
    origin : (x, y) [m] of one cell corner the cells align on (e.g. an input raster's upper-left corner, so
        that its cells are the grid's); (0, 0) by default: cell edges on multiples of ``res``.
    """

    bounds: tuple[float, float, float, float]
    res: float
    crs: CRS
    origin: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if not self.res > 0:
            raise ValueError(f"grid resolution must be positive, got {self.res}")
        xmin, ymin, xmax, ymax = self.bounds
        if not (xmax > xmin and ymax > ymin):
            raise ValueError(f"grid bounds are empty: {self.bounds}")
        r, (x0, y0) = self.res, self.origin
        snapped = (x0 + math.floor((xmin - x0) / r) * r, y0 + math.floor((ymin - y0) / r) * r,
                   x0 + math.ceil((xmax - x0) / r) * r, y0 + math.ceil((ymax - y0) / r) * r)
        object.__setattr__(self, "bounds", snapped)
        object.__setattr__(self, "crs", CRS.from_user_input(self.crs))

    @property
    def width(self) -> int:
        return round((self.bounds[2] - self.bounds[0]) / self.res)

    @property
    def height(self) -> int:
        return round((self.bounds[3] - self.bounds[1]) / self.res)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.height, self.width

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.bounds[0], 0.0, -self.res, self.bounds[3])

    def block_transform(self, row0: int, col0: int) -> Affine:
        """Transform of the block whose upper-left cell is (``row0``, ``col0``) (may lie outside the grid)."""
        return self.transform @ Affine.translation(col0, row0)

    def window_transform(self, window: Window) -> Affine:
        """Transform of ``window`` of the grid."""
        return self.block_transform(window.row_off, window.col_off)

    def windows(self, size: int, halo: int = 0) -> Iterator[tuple[Window, Window]]:
        """Cover the grid with ``size`` × ``size`` cell windows.

        Yields ``(core, padded)``: the window whose results are kept, and the same window grown by ``halo``
        cells on every side (clipped to the grid) whose data a neighbourhood operation reads.
        """
        if size <= 0 or halo < 0:
            raise ValueError("window size must be positive and halo non-negative")
        for row in range(0, self.height, size):
            for col in range(0, self.width, size):
                h = min(size, self.height - row)
                w = min(size, self.width - col)
                r0, c0 = max(0, row - halo), max(0, col - halo)
                r1, c1 = min(self.height, row + h + halo), min(self.width, col + w + halo)
                yield Window(col, row, w, h), Window(c0, r0, c1 - c0, r1 - r0)


def centre_latlon(extent: tuple[float, float, float, float], crs: CRS) -> tuple[float, float]:
    """Latitude and longitude [deg, WGS 84] of the centre of ``extent`` (xmin, ymin, xmax, ymax) in ``crs``."""
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform((extent[0] + extent[2]) / 2.0, (extent[1] + extent[3]) / 2.0)
    return float(lat), float(lon)
