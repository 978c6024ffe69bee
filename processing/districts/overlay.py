"""Geometry helpers: area shares, overlap-weighted sums, distances and zonal means (raster values at points:
:mod:`layers.sample`; which unit or commune holds a feature: :mod:`layers.communes`; lengths of lines inside
polygons: :mod:`layers.lengths`).

All lengths and areas are in the units of the (projected, metre) region CRS.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import shapely
from affine import Affine
from rasterio import windows

from layers.communes import geometry_array
from layers.raster import Raster, RasterFile
from layers.rasterize import burn

#: Square metres per hectare.
M2_PER_HA = 1.0e4


def area_share(units, polygons) -> np.ndarray:
    """Share of each unit's area covered by ``polygons`` (overlaps counted once) [0-1]."""
    u, p = geometry_array(units), geometry_array(polygons)
    out = np.zeros(len(u))
    if not len(u) or not len(p):
        return out
    ui, pi = shapely.STRtree(p).query(u, predicate="intersects")
    if not len(ui):
        return out
    pieces = shapely.intersection(u[ui], p[pi])
    for k in np.unique(ui):
        covered = shapely.union_all(pieces[ui == k]).area
        area = u[k].area
        out[k] = min(covered / area, 1.0) if area > 0 else 0.0
    return out


def overlap_sum(units, polygons, values) -> np.ndarray:
    """Σ value × (overlap area / polygon area) over the polygons each unit overlaps.

    Spreads an extensive quantity (e.g. a cell's heat demand [MWh yr-1]) evenly over its polygon and sums
    the parts inside each unit. Polygons should not overlap each other.
    """
    u, p = geometry_array(units), geometry_array(polygons)
    v = np.asarray(values, dtype=float)
    out = np.zeros(len(u))
    if not len(u) or not len(p):
        return out
    ui, pi = shapely.STRtree(p).query(u, predicate="intersects")
    if not len(ui):
        return out
    parea = shapely.area(p[pi])
    frac = np.where(parea > 0, shapely.area(shapely.intersection(u[ui], p[pi])) / np.where(parea > 0, parea, 1), 0)
    np.add.at(out, ui, frac * np.nan_to_num(v[pi]))
    return out


def nearest_distance(units, points) -> np.ndarray:
    """Distance from each unit to the nearest point [m], 0 when a point lies inside; ``inf`` without points."""
    u, pts = geometry_array(units), geometry_array(points)
    out = np.full(len(u), np.inf)
    if not len(u) or not len(pts):
        return out
    (ui, _), dist = shapely.STRtree(pts).query_nearest(u, return_distance=True, all_matches=False)
    out[ui] = dist
    return out


@contextlib.contextmanager
def _band(raster: Raster | RasterFile) -> Iterator[tuple]:
    """(read(window) -> array, transform, shape, nodata) for an in-memory or on-disk raster."""
    if isinstance(raster, Raster):
        def read(win: windows.Window) -> np.ndarray:
            (r0, r1), (c0, c1) = win.toranges()
            return raster.array[r0:r1, c0:c1]

        yield read, raster.transform, raster.shape, raster.nodata
    else:
        import rasterio

        with rasterio.open(raster.path) as src:
            yield (lambda win: src.read(1, window=win)), src.transform, (src.height, src.width), src.nodata


def _valid(a: np.ndarray, nodata) -> np.ndarray:
    a = a.astype(float)
    ok = np.isfinite(a)
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        ok &= a != nodata
    return ok


def zonal_mean(raster: Raster | RasterFile, polygons) -> np.ndarray:
    """Mean of the valid raster cells touched by each polygon (NaN where none); read one window per polygon."""
    geoms = geometry_array(polygons)
    out = np.full(len(geoms), np.nan)
    with _band(raster) as (read, transform, shape, nodata):
        for k, geom in enumerate(geoms):
            if geom is None or geom.is_empty:
                continue
            xmin, ymin, xmax, ymax = geom.bounds
            cols, rows = ~transform @ (np.array([xmin, xmax]), np.array([ymax, ymin]))
            c0, c1 = max(int(np.floor(cols.min())), 0), min(int(np.ceil(cols.max())), shape[1])
            r0, r1 = max(int(np.floor(rows.min())), 0), min(int(np.ceil(rows.max())), shape[0])
            if c1 <= c0 or r1 <= r0:
                continue  # outside the raster
            win = windows.Window(c0, r0, c1 - c0, r1 - r0)
            values = read(win)
            inside = burn([geom], out_shape=values.shape, transform=transform @ Affine.translation(c0, r0),
                          all_touched=True).astype(bool)
            ok = inside & _valid(values, nodata)
            if ok.any():
                out[k] = float(values[ok].astype(float).mean())
    return out
