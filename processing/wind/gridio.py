"""Reading input rasters and vectors onto the analysis grid, window by window."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from rasterio import features
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from layers.grid import Grid
from layers.raster import RasterFile


def read_on_grid(raster: RasterFile, grid: Grid, window: Window,
                 resampling: Resampling = Resampling.bilinear) -> np.ndarray:
    """Values of ``raster`` resampled onto ``window`` of ``grid`` (float64, NaN where it has no data)."""
    import rasterio

    with rasterio.open(raster.path) as src:
        nodata = src.nodata
        with WarpedVRT(src, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
                       resampling=resampling, src_nodata=nodata, nodata=np.nan, dtype="float64") as vrt:
            return vrt.read(1, window=window).astype("float64")


def rasterize_classes(frame: gpd.GeoDataFrame, field: str, lookup: dict[str, float], grid: Grid,
                      window: Window, fill: float) -> np.ndarray:
    """Burn ``lookup[frame[field]]`` into ``window`` of ``grid`` (cell-centre rule); ``fill`` elsewhere."""
    transform = grid.transform * grid.transform.translation(window.col_off, window.row_off)
    values = frame[field].astype(str).map(lookup)
    shapes = [(g, float(v)) for g, v in zip(frame.geometry, values) if g is not None and not g.is_empty
              and np.isfinite(v)]
    if not shapes:
        return np.full((window.height, window.width), fill, dtype="float64")
    return features.rasterize(shapes, out_shape=(window.height, window.width), transform=transform, fill=fill,
                              dtype="float64")


def rasterize_mask(geoms, grid: Grid, window: Window | None = None) -> np.ndarray:
    """Cells of ``grid`` (or of ``window``) whose centre lies inside ``geoms``."""
    if window is None:
        window = Window(0, 0, grid.width, grid.height)
    transform = grid.transform * grid.transform.translation(window.col_off, window.row_off)
    shapes = [(g, 1) for g in geoms if g is not None and not g.is_empty]
    if not shapes:
        return np.zeros((window.height, window.width), dtype=bool)
    return features.rasterize(shapes, out_shape=(window.height, window.width), transform=transform,
                              dtype="uint8").astype(bool)
