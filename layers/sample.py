"""Raster values at points: the one point sampler of the project.

Rule (nearest cell, no interpolation): a point takes the value of the cell holding it,
``col = floor((x - left) / res_x)``, ``row = floor((top - y) / res_y)``. Cells are half-open: a point on the
edge between two cells takes the cell east of it (or south of it), so the raster's left and top edges are
inside and its right and bottom edges outside. Points outside the raster and cells at nodata give NaN. Values
are returned as float64 in the raster's unit.

The points must be in the raster's CRS (inputs and outputs are in the region CRS; see
:mod:`layers.resample` for putting a raster on the region grid first).
"""

from __future__ import annotations

import numpy as np
import rasterio
import shapely
from rasterio.windows import Window

from layers.raster import Raster, RasterFile

#: Largest block [cells] of a raster file read at once to sample points; more widely scattered points are
#: sampled by GDAL point by point (same cells, less memory).
SAMPLE_BLOCK_CELLS = 16_000_000


def cell_indices(raster: Raster | RasterFile, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the cells holding points ``(xs, ys)`` (outside the raster they fall out of range)."""
    t = raster.transform
    cols = np.floor((np.asarray(xs, float) - t.c) / t.a).astype(np.int64)
    rows = np.floor((np.asarray(ys, float) - t.f) / t.e).astype(np.int64)
    return rows, cols


def sample_xy(raster: Raster | RasterFile, xs, ys) -> np.ndarray:
    """Value [raster unit] of the cell holding each point ``(xs[i], ys[i])`` (module rule), NaN outside or
    at nodata, as float64."""
    xs, ys = np.asarray(xs, float).ravel(), np.asarray(ys, float).ravel()
    out = np.full(xs.size, np.nan)
    if xs.size == 0:
        return out
    rows, cols = cell_indices(raster, xs, ys)
    height, width = raster.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    if not inside.any():
        return out
    rows, cols = rows[inside], cols[inside]
    if isinstance(raster, Raster):
        values, nodata = raster.array[rows, cols], raster.nodata
    else:
        values, nodata = _read_cells(raster, rows, cols)
    out[inside] = values
    if nodata is not None and not np.isnan(nodata):
        out[np.flatnonzero(inside)[values == nodata]] = np.nan  # compared in the raster's dtype
    return out


def sample_points(raster: Raster | RasterFile, points) -> np.ndarray:
    """:func:`sample_xy` at point geometries (a GeoSeries, GeoDataFrame or array of shapely points)."""
    if hasattr(points, "geometry"):
        points = points.geometry
    geoms = np.asarray(points, dtype=object)
    return sample_xy(raster, shapely.get_x(geoms), shapely.get_y(geoms))


def _read_cells(raster: RasterFile, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, float | None]:
    """Values of cells ``(rows, cols)`` (all inside) of a raster file, in its dtype, and its nodata."""
    r0, r1, c0, c1 = int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1
    with rasterio.open(raster.path) as src:
        if (r1 - r0) * (c1 - c0) <= SAMPLE_BLOCK_CELLS:
            block = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
            return block[rows - r0, cols - c0], src.nodata
        # widely scattered points: GDAL reads them one by one, at the centres of the cells found above
        xs, ys = rasterio.transform.xy(src.transform, rows, cols, offset="center")
        values = np.fromiter((v[0] for v in src.sample(zip(xs, ys), indexes=1, masked=False)), src.dtypes[0],
                             rows.size)
        return values, src.nodata
