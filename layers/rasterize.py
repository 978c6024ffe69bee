"""The one rasteriser of the project: features burnt into cells of a grid (or of any north-up transform).

Rule: a cell takes the value of the features whose geometry holds its centre (``all_touched=False``, the
default) or touches it at all (``all_touched=True``: lines and barriers that must not be crossed diagonally);
where features overlap, the later one in input order wins; other cells keep ``fill``. Features are handed to
GDAL as GeoJSON built from coordinate arrays (:func:`geojson_shapes`), which is what makes rasterising
thousands of small features fast.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio import features
from rasterio.windows import Window

from layers.grid import Grid


def geojson_shapes(geoms, values=None) -> list[tuple[dict, float]]:
    """``(GeoJSON mapping, value)`` pairs for rasterio from shapely geometries, built from coordinate arrays
    (shapely's per-geometry ``__geo_interface__`` dominates the run time of a rasterisation of many small
    features). Empty and missing geometries are dropped."""
    geoms = np.asarray(geoms, dtype=object)
    vals = np.ones(len(geoms)) if values is None else np.asarray(values, dtype="float64")
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & np.isfinite(vals)
    geoms, vals = geoms[keep], vals[keep]
    out: list[tuple[dict, float] | None] = [None] * len(geoms)
    kind = shapely.get_type_id(geoms)
    simple = np.flatnonzero(((kind == 3) & (shapely.get_num_interior_rings(geoms) == 0)) | (kind == 1))
    if len(simple):
        lines = np.where(kind[simple] == 3, shapely.get_exterior_ring(geoms[simple]), geoms[simple])
        coords, index = shapely.get_coordinates(lines, return_index=True)
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(index)) + 1, [len(index)]]).tolist()
        flat = coords.tolist()  # one conversion, then list slices: far cheaper than one per feature
        for i, a, b in zip(simple.tolist(), bounds[:-1], bounds[1:]):
            pts = flat[a:b]
            mapping = ({"type": "Polygon", "coordinates": [pts]} if kind[i] == 3
                       else {"type": "LineString", "coordinates": pts})
            out[i] = (mapping, float(vals[i]))
    rest = np.setdiff1d(np.arange(len(geoms)), simple)
    for i, text in zip(rest.tolist(), shapely.to_geojson(geoms[rest]) if len(rest) else []):
        out[i] = (json.loads(text), float(vals[i]))
    return out  # type: ignore[return-value]


def burn(geoms, values=None, *, out_shape: tuple[int, int], transform: Affine, fill: float = 0,
         dtype: str = "uint8", all_touched: bool = False) -> np.ndarray:
    """Array ``out_shape`` on ``transform`` with ``values`` (1 when ``None``) of ``geoms`` burnt in (module
    rule), ``fill`` elsewhere; features with no geometry or a non-finite value are skipped."""
    shapes = geojson_shapes(geoms, values)
    if not shapes:
        return np.full(out_shape, fill, dtype=dtype)
    return features.rasterize(shapes, out_shape=out_shape, transform=transform, fill=fill, all_touched=all_touched,
                              dtype=dtype)


def rasterize_classes(frame: gpd.GeoDataFrame, field: str, lookup: dict[str, float], grid: Grid,
                      window: Window, fill: float) -> np.ndarray:
    """Burn ``lookup[frame[field]]`` into ``window`` of ``grid`` (cell-centre rule); ``fill`` elsewhere."""
    values = frame[field].astype(str).map(lookup).to_numpy(dtype="float64", na_value=np.nan)
    return burn(frame.geometry.to_numpy(), values, out_shape=(window.height, window.width),
                transform=grid.window_transform(window), fill=fill, dtype="float64")


def rasterize_mask(geoms, grid: Grid, window: Window | None = None) -> np.ndarray:
    """Cells of ``grid`` (or of ``window``) whose centre lies inside ``geoms``."""
    if window is None:
        window = Window(0, 0, grid.width, grid.height)
    return burn(geoms.to_numpy() if hasattr(geoms, "to_numpy") else geoms, out_shape=(window.height, window.width),
                transform=grid.window_transform(window)).astype(bool)
