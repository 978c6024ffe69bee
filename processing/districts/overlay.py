"""Geometry helpers: area shares, overlap-weighted sums, point membership, distances and zonal means
(raster values at points: :mod:`layers.sample`).

All lengths and areas are in the units of the (projected, metre) region CRS.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import shapely
from affine import Affine
from rasterio import features, windows

from layers.raster import Raster, RasterFile

#: Square metres per hectare.
M2_PER_HA = 1.0e4


def _geoms(frame) -> np.ndarray:
    """Geometry array of a GeoDataFrame/GeoSeries (empty array for ``None``)."""
    if frame is None:
        return np.empty(0, dtype=object)
    if hasattr(frame, "geometry"):  # GeoDataFrame or GeoSeries
        frame = frame.geometry
    return np.asarray(frame, dtype=object)


def area_share(units, polygons) -> np.ndarray:
    """Share of each unit's area covered by ``polygons`` (overlaps counted once) [0-1]."""
    u, p = _geoms(units), _geoms(polygons)
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
    u, p = _geoms(units), _geoms(polygons)
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


def unit_of_points(units, points) -> np.ndarray:
    """Index of the unit holding each point (the first unit by index when several do), -1 when none."""
    u, pts = _geoms(units), _geoms(points)
    out = np.full(len(pts), -1, dtype=int)
    if not len(u) or not len(pts):
        return out
    pi, ui = shapely.STRtree(u).query(pts, predicate="intersects")
    # first unit per point, deterministically: sort pairs by (point, unit)
    order = np.lexsort((ui, pi))
    pi, ui = pi[order], ui[order]
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = ui[first]
    return out


def representative_points(frame) -> np.ndarray:
    """A point guaranteed inside each geometry (its centroid for points)."""
    return shapely.point_on_surface(_geoms(frame))


def nearest_distance(units, points) -> np.ndarray:
    """Distance from each unit to the nearest point [m], 0 when a point lies inside; ``inf`` without points."""
    u, pts = _geoms(units), _geoms(points)
    out = np.full(len(u), np.inf)
    if not len(u) or not len(pts):
        return out
    (ui, _), dist = shapely.STRtree(pts).query_nearest(u, return_distance=True, all_matches=False)
    out[ui] = dist
    return out


def length_within(polygons, lines) -> np.ndarray:
    """Length of ``lines`` inside each polygon [m]."""
    p, ln = _geoms(polygons), _geoms(lines)
    out = np.zeros(len(p))
    if not len(p) or not len(ln):
        return out
    pi, li = shapely.STRtree(ln).query(p, predicate="intersects")
    if len(pi):
        np.add.at(out, pi, shapely.length(shapely.intersection(p[pi], ln[li])))
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
    geoms = _geoms(polygons)
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
            win_transform = transform @ Affine.translation(win.col_off, win.row_off)
            inside = features.geometry_mask([geom], out_shape=values.shape, transform=win_transform,
                                            invert=True, all_touched=True)
            ok = inside & _valid(values, nodata)
            if ok.any():
                out[k] = float(values[ok].astype(float).mean())
    return out
