"""Raster reads for the API: coloured PNG tiles (a windowed, reprojected read of the COG into one
WebMercatorQuad tile, coloured with the catalog's colour ramp by :mod:`layers.ramp`, nodata transparent) and GeoTIFF subsets of a bounding box (the COG's cells in that window, unchanged)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.errors import WindowError
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window
from rasterio.windows import from_bounds as window_from_bounds

from layers.catalog.spec import Style
from layers.crs import crs_name
from layers.errors import InvalidRequest
from layers.ramp import colorize
from layers.tiles import TILE_SIZE, tile_bounds_3857

#: Largest subset [cells] ``/coverage?bbox=`` cuts (8192 × 8192); larger areas are read from the COG itself
#: with range requests, which GDAL and QGIS do by block.
MAX_SUBSET_CELLS = 8192 * 8192
#: Rows copied per window when a subset is written.
SUBSET_WINDOW_ROWS = 1024


def render_png(path: Path, z: int, x: int, y: int, style: Style) -> bytes:
    """The PNG of tile z/x/y of the raster at ``path``; ``b""`` when the tile holds no data."""
    bounds = tile_bounds_3857(z, x, y)
    xmin, ymin, xmax, ymax = bounds
    with rasterio.open(path) as src:
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:3857", *src.bounds, densify_pts=21)
        if xmin >= right or xmax <= left or ymin >= top or ymax <= bottom:
            return b""
        dst = np.full((TILE_SIZE, TILE_SIZE), np.nan, dtype=np.float32)
        reproject(source=rasterio.band(src, 1), destination=dst, src_nodata=src.nodata, dst_nodata=np.nan,
                  dst_transform=from_bounds(*bounds, TILE_SIZE, TILE_SIZE), dst_crs="EPSG:3857",
                  resampling=Resampling.bilinear if src.dtypes[0].startswith("float") else Resampling.nearest,
                  warp_mem_limit=64)
    valid = np.isfinite(dst)
    if not valid.any():
        return b""
    image = Image.fromarray(colorize(dst, style), mode="RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def subset_geotiff(path: Path, bounds: tuple[float, float, float, float]) -> bytes:
    """A tiled, compressed GeoTIFF of the cells of the raster at ``path`` that intersect ``bounds`` (in the
    raster's CRS), on the raster's own grid (no resampling), read and written window by window."""
    with rasterio.open(path) as src:
        try:
            exact = window_from_bounds(*bounds, transform=src.transform)
            col0, row0 = math.floor(exact.col_off), math.floor(exact.row_off)  # every cell the box touches
            window = Window(col0, row0, math.ceil(exact.col_off + exact.width) - col0,
                            math.ceil(exact.row_off + exact.height) - row0)
            window = window.intersection(Window(0, 0, src.width, src.height))
        except WindowError:
            window = None
        if window is None or window.width < 1 or window.height < 1:
            left, bottom, right, top = src.bounds
            raise InvalidRequest(f"bbox does not overlap the raster, whose extent is {left:.0f},{bottom:.0f},"
                                 f"{right:.0f},{top:.0f} in {crs_name(src.crs)}")
        width, height = int(window.width), int(window.height)
        if width * height > MAX_SUBSET_CELLS:
            raise InvalidRequest(f"bbox covers {width} x {height} cells, more than the {MAX_SUBSET_CELLS:,} a "
                                 "subset may hold; ask for a smaller bbox, or read the whole COG (without bbox) with "
                                 "range requests, as GDAL's /vsicurl/ does")
        profile = dict(src.profile, driver="GTiff", width=width, height=height,
                       transform=src.window_transform(window), tiled=True, blockxsize=256, blockysize=256,
                       compress="deflate")
        profile.pop("photometric", None)
        with MemoryFile() as memfile:
            with memfile.open(**profile) as dst:
                dst.update_tags(**src.tags())
                for band in range(1, src.count + 1):
                    dst.set_band_description(band, src.descriptions[band - 1] or "")
                    dst.set_band_unit(band, src.units[band - 1] or "")
                for row in range(0, height, SUBSET_WINDOW_ROWS):
                    rows = min(SUBSET_WINDOW_ROWS, height - row)
                    part = Window(window.col_off, window.row_off + row, width, rows)
                    dst.write(src.read(window=part), window=Window(0, row, width, rows))
            return memfile.read()

