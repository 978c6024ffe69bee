"""Georeferenced raster values crossing module boundaries: array + transform + CRS + nodata + unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS


@dataclass(frozen=True)
class Raster:
    """A 2-D grid of values with everything needed to interpret it.

    Parameters
    ----------
    array : 2-D array of values, row 0 at the top (north).
    transform : affine transform from (col, row) to region CRS coordinates of the cell's upper-left corner.
    crs : coordinate reference system of ``transform``.
    nodata : value marking cells without data (``NaN`` for float arrays by convention), or ``None``.
    unit : unit of the values in the project's spelling (``m``, ``kWh m-2 yr-1``).
    """

    array: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | int | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if self.array.ndim != 2:
            raise ValueError(f"a Raster holds a 2-D array, got {self.array.ndim} dimensions")
        object.__setattr__(self, "crs", CRS.from_user_input(self.crs))

    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape  # type: ignore[return-value]

    @property
    def res(self) -> float:
        """Cell size [m] (square cells)."""
        return abs(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in the raster CRS."""
        rows, cols = self.shape
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (cols, rows)
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def valid_mask(self) -> np.ndarray:
        """Boolean mask of cells holding data."""
        a = self.array
        mask = np.ones(a.shape, dtype=bool)
        if np.issubdtype(a.dtype, np.floating):
            mask &= ~np.isnan(a)
        if self.nodata is not None and not (isinstance(self.nodata, float) and np.isnan(self.nodata)):
            mask &= a != self.nodata
        return mask

    def with_array(self, array: np.ndarray, unit: str | None = None, nodata: float | None = None) -> Raster:
        """Same georeference, new values (and unit)."""
        return Raster(array, self.transform, self.crs, self.nodata if nodata is None else nodata,
                      self.unit if unit is None else unit)


@dataclass(frozen=True)
class RasterFile:
    """A raster that stays on disk (GeoTIFF/COG/VRT) and is read window by window.

    Large rasters (a 1 m surface model, a 1 m irradiation map) cross module boundaries as files so that
    memory is set by the window size, not the region. ``unit`` states the values' unit.
    """

    path: str
    unit: str = ""

    def _open(self):
        import rasterio

        return rasterio.open(self.path)

    @property
    def profile(self) -> dict:
        with self._open() as src:
            return dict(src.profile)

    @property
    def crs(self) -> CRS:
        with self._open() as src:
            return CRS.from_user_input(src.crs)

    @property
    def transform(self) -> Affine:
        with self._open() as src:
            return src.transform

    @property
    def shape(self) -> tuple[int, int]:
        with self._open() as src:
            return src.height, src.width

    @property
    def nodata(self) -> float | int | None:
        with self._open() as src:
            return src.nodata

    @property
    def res(self) -> float:
        return abs(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        with self._open() as src:
            b = src.bounds
            return b.left, b.bottom, b.right, b.top

    def read(self, window=None, boundless: bool = False, fill_value: float | None = None) -> np.ndarray:
        """Values of band 1 in ``window`` (whole raster when ``None``)."""
        with self._open() as src:
            return src.read(1, window=window, boundless=boundless, fill_value=fill_value)

    def load(self) -> Raster:
        """The whole raster in memory (only for rasters known to be small)."""
        with self._open() as src:
            return Raster(src.read(1), src.transform, CRS.from_user_input(src.crs), src.nodata, self.unit)
