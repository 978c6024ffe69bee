"""The one tile matrix set of the project: OGC WebMercatorQuad (EPSG:3857, 256-pixel tiles), served from zoom
0 to :data:`MAX_ZOOM`. The stores' vector tiles, the API's tile routes and TileJSON, the PNG raster tiles and
the web maps' vector-tile layers all read it from here."""

from __future__ import annotations

from functools import lru_cache

import morecantile
import numpy as np

from layers.errors import InvalidRequest

#: Identifier of the tile matrix set (OGC Two Dimensional Tile Matrix Set, 17-083r4, annex D.1).
TMS_ID = "WebMercatorQuad"
#: Its OGC URI.
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
#: Deepest zoom served (WebMercatorQuad defines 0-24; at 22 a pixel is 4 cm at the equator, finer than any
#: layer here).
MAX_ZOOM = 22
#: Tile size [pixels].
TILE_SIZE = 256


@lru_cache(maxsize=1)
def tms() -> morecantile.TileMatrixSet:
    """The WebMercatorQuad tile matrix set (morecantile's definition)."""
    return morecantile.tms.get(TMS_ID)


def check_tile(z: int, x: int, y: int) -> None:
    """InvalidRequest unless (z, x, y) names a tile served: integers, 0 <= z <= MAX_ZOOM, x and y in range."""
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (z, x, y)):
        raise InvalidRequest("tile coordinates z, x, y must be integers")
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidRequest(f"tile zoom {z} is out of range; use 0..{MAX_ZOOM}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise InvalidRequest(f"tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 to {n - 1}")


def tile_bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) [m] of tile z/x/y in EPSG:3857."""
    b = tms().xy_bounds(morecantile.Tile(x, y, z))
    return b.left, b.bottom, b.right, b.top
