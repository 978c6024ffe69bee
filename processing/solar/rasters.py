"""Reading input rasters block by block on a working grid, and writing the irradiation raster by windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window
from scipy import ndimage

from layers.grid import Grid
from layers.raster import Raster, RasterFile


def read_block(data: Raster | RasterFile, grid: Grid, row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
    """``data`` on a block of ``grid`` as float32 [data unit], NaN outside it and at nodata.

    When ``data`` lies on the grid's cells (same cell size, aligned) the block is read directly; otherwise
    it is interpolated bilinearly at the block's cell centres.
    """
    src_transform = data.transform
    dst = grid.block_transform(row0, col0)
    same = (abs(src_transform.a - dst.a) < 1e-9 and abs(src_transform.e - dst.e) < 1e-9)
    if same:
        c_off = (dst.c - src_transform.c) / src_transform.a
        r_off = (dst.f - src_transform.f) / src_transform.e
        if abs(c_off - round(c_off)) < 1e-6 and abs(r_off - round(r_off)) < 1e-6:
            return _read_window(data, round(r_off), round(c_off), rows, cols)
    # bilinear resampling at block cell centres
    xs = dst.c + (np.arange(cols) + 0.5) * dst.a
    ys = dst.f + (np.arange(rows) + 0.5) * dst.e
    cc = (xs - src_transform.c) / src_transform.a - 0.5
    rr = (ys - src_transform.f) / src_transform.e - 0.5
    r_lo, r_hi = int(np.floor(rr.min())) - 1, int(np.ceil(rr.max())) + 2
    c_lo, c_hi = int(np.floor(cc.min())) - 1, int(np.ceil(cc.max())) + 2
    src = _read_window(data, r_lo, c_lo, r_hi - r_lo, c_hi - c_lo)
    grid_r, grid_c = np.meshgrid(rr - r_lo, cc - c_lo, indexing="ij")
    valid = np.isfinite(src)
    values = ndimage.map_coordinates(np.where(valid, src, 0.0), [grid_r, grid_c], order=1, mode="nearest")
    weight = ndimage.map_coordinates(valid.astype(np.float32), [grid_r, grid_c], order=1, mode="nearest")
    return np.where(weight > 0.999, values, np.nan).astype(np.float32)


def _read_window(data: Raster | RasterFile, row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
    out = np.full((rows, cols), np.nan, np.float32)
    if isinstance(data, Raster):
        arr, nodata = data.array, data.nodata
        h, w = arr.shape
    else:
        with rasterio.open(data.path) as src:
            h, w, nodata = src.height, src.width, src.nodata
            r0, c0 = max(row0, 0), max(col0, 0)
            r1, c1 = min(row0 + rows, h), min(col0 + cols, w)
            if r1 <= r0 or c1 <= c0:
                return out
            block = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0)).astype(np.float32)
        _place(out, block, nodata, r0 - row0, c0 - col0)
        return out
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + rows, h), min(col0 + cols, w)
    if r1 > r0 and c1 > c0:
        _place(out, arr[r0:r1, c0:c1].astype(np.float32), nodata, r0 - row0, c0 - col0)
    return out


def _place(out: np.ndarray, block: np.ndarray, nodata, r: int, c: int) -> None:
    if nodata is not None and not np.isnan(nodata):
        block = np.where(block == np.float32(nodata), np.nan, block)
    out[r:r + block.shape[0], c:c + block.shape[1]] = block


class IrradiationWriter:
    """A float32 GeoTIFF on ``grid`` (NaN = no roof), written block by block (read-modify-write with a mask)."""

    def __init__(self, path: Path, grid: Grid):
        self.path = Path(path)
        self.grid = grid
        rows, cols = grid.shape
        profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "float32",
                   "crs": grid.crs.to_wkt(), "transform": grid.transform, "nodata": float("nan"),
                   "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
                   "sparse_ok": True, "bigtiff": "IF_SAFER"}
        with rasterio.open(self.path, "w", **profile):
            pass

    def write(self, row0: int, col0: int, values: np.ndarray) -> None:
        """Write the finite cells of ``values`` (a block at row0, col0); other cells keep their value."""
        rows, cols = self.grid.shape
        r0, c0 = max(row0, 0), max(col0, 0)
        r1, c1 = min(row0 + values.shape[0], rows), min(col0 + values.shape[1], cols)
        if r1 <= r0 or c1 <= c0:
            return
        new = values[r0 - row0:r1 - row0, c0 - col0:c1 - col0]
        window = Window(c0, r0, c1 - c0, r1 - r0)
        with rasterio.open(self.path, "r+") as dst:
            old = dst.read(1, window=window)
            dst.write(np.where(np.isfinite(new), new, old).astype(np.float32), 1, window=window)

    def result(self, unit: str) -> RasterFile:
        return RasterFile(str(self.path), unit=unit)
