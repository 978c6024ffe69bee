"""Coloured PNG tiles of raster layers: a windowed, reprojected read of the COG into one WebMercatorQuad
tile, coloured with the catalog's colour ramp (values between stops interpolated linearly in RGB; nodata
transparent)."""

from __future__ import annotations

import io
from pathlib import Path

import morecantile
import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds

from layers.catalog.spec import Style

TILE_SIZE = 256
_TMS = morecantile.tms.get("WebMercatorQuad")


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def colorize(values: np.ndarray, valid: np.ndarray, style: Style) -> np.ndarray:
    """RGBA uint8 image of ``values``: the style's ramp, or grey between the tile's min and max."""
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    if not valid.any():
        return rgba
    if style.stops:
        stops = np.asarray(style.stops, dtype=float)
        colors = np.asarray([_rgb(c) for c in style.colors], dtype=float)
    else:
        lo, hi = float(values[valid].min()), float(values[valid].max())
        stops = np.array([lo, hi if hi > lo else lo + 1.0])
        colors = np.array([[0, 0, 0], [255, 255, 255]], dtype=float)
    v = np.where(valid, values, stops[0])
    for band in range(3):
        rgba[..., band] = np.interp(v, stops, colors[:, band]).round().astype(np.uint8)
    rgba[..., 3] = np.where(valid, 255, 0)
    return rgba


def render_png(path: Path, z: int, x: int, y: int, style: Style) -> bytes:
    """The PNG of tile z/x/y of the raster at ``path``; ``b""`` when the tile holds no data."""
    bounds = _TMS.xy_bounds(morecantile.Tile(x, y, z))
    with rasterio.open(path) as src:
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:3857", *src.bounds, densify_pts=21)
        if bounds.left >= right or bounds.right <= left or bounds.bottom >= top or bounds.top <= bottom:
            return b""
        dst = np.full((TILE_SIZE, TILE_SIZE), np.nan, dtype=np.float32)
        reproject(source=rasterio.band(src, 1), destination=dst, src_nodata=src.nodata, dst_nodata=np.nan,
                  dst_transform=from_bounds(*bounds, TILE_SIZE, TILE_SIZE), dst_crs="EPSG:3857",
                  resampling=Resampling.bilinear if src.dtypes[0].startswith("float") else Resampling.nearest,
                  warp_mem_limit=64)
    valid = np.isfinite(dst)
    if not valid.any():
        return b""
    image = Image.fromarray(colorize(dst, valid, style), mode="RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
