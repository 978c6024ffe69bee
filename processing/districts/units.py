"""Candidate units: given districts, built-up blocks bounded by roads, or hexagons over built-up land; plus
every brownfield.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.communes import zone_index
from processing.districts.overlay import M2_PER_HA
from processing.pipeline import EXPLANATION

log = logging.getLogger(__name__)


def _frame(geoms, kind: str, prefix: str, names=None, crs=None) -> gpd.GeoDataFrame:
    geoms = list(geoms)
    return gpd.GeoDataFrame({
        "candidate_id": [f"{prefix}{k + 1:03d}" for k in range(len(geoms))],
        "name": list(names) if names is not None else [None] * len(geoms),
        "unit_kind": [kind] * len(geoms),
    }, geometry=geoms, crs=crs)


def _spatial_order(geoms) -> np.ndarray:
    """Order north to south, then west to east (by representative point, 1 m rounding): stable ids."""
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    x, y = np.round(shapely.get_x(pts)), np.round(shapely.get_y(pts))
    return np.lexsort((x, -y))


def _polygons(geoms) -> list:
    """Polygonal parts only (drops lines and points an overlay may leave), empty ones removed."""
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        if g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            g = shapely.union_all(parts) if parts else None
        if g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
    return out


def _building_counts(geoms, buildings: gpd.GeoDataFrame | None) -> np.ndarray:
    if buildings is None or not len(buildings) or not len(geoms):
        return np.zeros(len(geoms), dtype=int)
    idx = zone_index(buildings, np.asarray(geoms, dtype=object), "representative_point")
    return np.bincount(idx[idx >= 0], minlength=len(geoms))


def road_blocks(roads: gpd.GeoDataFrame, outline, classes: tuple[str, ...]) -> list:
    """Faces of the road network (plus the region outline) inside ``outline``.

    Roads of other classes (service roads, tracks) do not bound blocks.
    """
    lines = roads.loc[roads["road_class"].isin(classes)].geometry.values if len(roads) else []
    edges = [*lines, outline.boundary]
    noded = shapely.union_all(np.asarray(edges, dtype=object))  # nodes every crossing
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = shapely.intersection(faces, outline)
    return _polygons(faces)


def hexagon_grid(area, edge_m: float) -> list:
    """Flat-topped hexagons of edge (= circumradius) ``edge_m`` [m] that intersect ``area``.

    Centres lie on a lattice anchored at the CRS origin, so the same area always gives the same cells.
    """
    xmin, ymin, xmax, ymax = area.bounds
    dx, dy = 1.5 * edge_m, math.sqrt(3.0) * edge_m
    i0, i1 = math.floor(xmin / dx) - 1, math.ceil(xmax / dx) + 1
    j0, j1 = math.floor(ymin / dy) - 1, math.ceil(ymax / dy) + 1
    angles = np.deg2rad(np.arange(0, 360, 60))
    ring_x, ring_y = edge_m * np.cos(angles), edge_m * np.sin(angles)
    cells = []
    for i in range(i0, i1 + 1):
        offset = 0.5 * dy if i % 2 else 0.0
        for j in range(j0, j1 + 1):
            cx, cy = i * dx, j * dy + offset
            cells.append(shapely.Polygon(np.column_stack([cx + ring_x, cy + ring_y])))
    cells_arr = np.asarray(cells, dtype=object)
    shapely.prepare(area)  # in place: speeds up the many intersects tests
    keep = shapely.intersects(cells_arr, area)
    return list(cells_arr[keep])


def built_up_area(buildings: gpd.GeoDataFrame, buffer_m: float):
    """Union of building footprints grown by ``buffer_m`` [m]."""
    return shapely.union_all(shapely.buffer(np.asarray(buildings.geometry.values, dtype=object), buffer_m))


def candidate_units(
    *,
    buildings: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    brownfields: gpd.GeoDataFrame | None,
    districts: gpd.GeoDataFrame | None,
    outline,
    params,
    crs: CRS,
) -> gpd.GeoDataFrame:
    """Candidate units with ``candidate_id``, ``name`` and ``unit_kind``.

    Parameters
    ----------
    outline : the region's land (union of the communes); derived units are clipped to it.
    params : :class:`processing.districts.params.DistrictsParams` (unit mode, sizes, thresholds).

    Notes
    -----
    Brownfields are always candidates, each its own unit; blocks and hexagons are cut where they overlap a
    brownfield (a given district is kept whole). A block or hexagon needs ``min_unit_area_ha`` and
    ``min_buildings``; a block larger than ``max_block_area_ha`` (open land between rural roads) is dropped.
    """
    mode = params.unit_mode
    has_districts = districts is not None and len(districts) > 0
    has_roads = roads is not None and len(roads) > 0
    has_buildings = buildings is not None and len(buildings) > 0
    if mode == "districts" and not has_districts:
        log.warning("unit_mode = 'districts' but the region has no districts layer; using blocks or hexagons")
        mode = "auto"
    if mode == "auto":
        mode = "districts" if has_districts else "blocks" if has_roads and has_buildings else "hexagons"
    if mode == "blocks" and not has_roads:
        log.warning("no roads to bound blocks; using a hexagon grid over built-up land")
        mode = "hexagons"

    bf_geoms: list = []
    bf_names: list = []
    if brownfields is not None and len(brownfields):
        names = brownfields["name"] if "name" in brownfields else pd.Series([None] * len(brownfields))
        for geom, name in zip(brownfields.geometry.values, names, strict=True):
            parts = _polygons([geom])
            if parts:
                bf_geoms.append(parts[0])
                bf_names.append(None if pd.isna(name) else str(name))
    bf_union = shapely.union_all(np.asarray(bf_geoms, dtype=object)) if bf_geoms else None

    frames = []
    if mode == "districts":
        names = districts["name"] if "name" in districts else pd.Series([None] * len(districts))
        geoms, kept_names = [], []
        for geom, name in zip(districts.geometry.values, names, strict=True):
            parts = _polygons([geom])
            if parts:
                geoms.append(parts[0])
                kept_names.append(None if pd.isna(name) else str(name))
        frames.append(_frame(geoms, "district", "D", kept_names, crs))
    elif has_buildings:
        if mode == "blocks":
            geoms = road_blocks(roads, outline, tuple(params.block_road_classes))
            prefix, kind, max_ha = "B", "block", params.max_block_area_ha
        else:
            built = built_up_area(buildings, params.built_up_buffer_m)
            geoms = _polygons(shapely.intersection(np.asarray(hexagon_grid(built, params.hex_size_m), dtype=object),
                                                   outline))
            prefix, kind, max_ha = "H", "hexagon", math.inf
        if bf_union is not None and geoms:
            geoms = _polygons(shapely.difference(np.asarray(geoms, dtype=object), bf_union))
        area_ha = np.array([g.area for g in geoms]) / M2_PER_HA
        counts = _building_counts(geoms, buildings)
        keep = (area_ha >= params.min_unit_area_ha) & (area_ha <= max_ha) & (counts >= params.min_buildings)
        _explain_filter(kind, area_ha, counts, keep, params, max_ha)
        geoms = [g for g, k in zip(geoms, keep, strict=True) if k]
        order = _spatial_order(geoms) if geoms else []
        frames.append(_frame([geoms[k] for k in order], kind, prefix, crs=crs))
    else:
        log.warning("no buildings: only brownfields are candidate units")
    frames.append(_frame(bf_geoms, "brownfield", "BF", bf_names, crs))
    units = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(units, geometry="geometry", crs=crs)


def _explain_filter(kind: str, area_ha: np.ndarray, counts: np.ndarray, keep: np.ndarray, params, max_ha: float) -> None:
    """Log how many candidate units survive the size and building filters and why the others do not; a warning
    when most are filtered away."""
    reasons = {f"smaller than {params.min_unit_area_ha:g} ha (min_unit_area_ha)": area_ha < params.min_unit_area_ha,
               f"larger than {max_ha:g} ha (max_block_area_ha)": area_ha > max_ha,
               f"with fewer than {params.min_buildings} buildings (min_buildings)": counts < params.min_buildings}
    why = "; ".join(f"{int(mask.sum())} {text}" for text, mask in reasons.items() if mask.any())
    message = (f"{int(keep.sum())} {kind} candidates of {len(keep)}" + (f": the others are {why}" if why else "")
               + (" ([params.districts])" if why else ""))
    (log.warning if keep.sum() < len(keep) / 2 else log.info)(message, extra=EXPLANATION)
