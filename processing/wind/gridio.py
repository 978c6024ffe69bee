"""Reading input rasters and vectors onto the analysis grid, window by window."""

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


def rasterize_classes(frame: gpd.GeoDataFrame, field: str, lookup: dict[str, float], grid: Grid,
                      window: Window, fill: float) -> np.ndarray:
    """Burn ``lookup[frame[field]]`` into ``window`` of ``grid`` (cell-centre rule); ``fill`` elsewhere."""
    transform = grid.transform @ Affine.translation(window.col_off, window.row_off)
    values = frame[field].astype(str).map(lookup).to_numpy(dtype="float64", na_value=np.nan)
    shapes = geojson_shapes(frame.geometry.to_numpy(), values)
    if not shapes:
        return np.full((window.height, window.width), fill, dtype="float64")
    return features.rasterize(shapes, out_shape=(window.height, window.width), transform=transform, fill=fill,
                              dtype="float64")


def rasterize_mask(geoms, grid: Grid, window: Window | None = None) -> np.ndarray:
    """Cells of ``grid`` (or of ``window``) whose centre lies inside ``geoms``."""
    if window is None:
        window = Window(0, 0, grid.width, grid.height)
    transform = grid.transform @ Affine.translation(window.col_off, window.row_off)
    shapes = geojson_shapes(geoms.to_numpy() if hasattr(geoms, "to_numpy") else geoms)
    if not shapes:
        return np.zeros((window.height, window.width), dtype=bool)
    return features.rasterize(shapes, out_shape=(window.height, window.width), transform=transform,
                              dtype="uint8").astype(bool)
