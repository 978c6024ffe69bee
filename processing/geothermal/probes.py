"""Borehole heat exchangers that fit on each building's plot.

Probe sites are the nodes of one square lattice of ``spacing_m`` anchored on multiples of the spacing in
the region CRS, so any two probes, on one plot or on neighbouring plots, are at least ``spacing_m`` apart
(VDI 4640-2: ≥ 6 m for 100 m probes).

The plot of a building is approximated, since cadastral parcels are not an input: it is the part of the
building's footprint-Voronoi cell (the places nearer to this footprint than to any other) lying within
``plot_depth_m`` of the footprint and not beyond a road. A lattice node is a probe site of building A when

- its distance to A's footprint, d_A, is at least ``building_setback_m`` (it is then at least that far from
  every building, A being the nearest);
- it keeps ``boundary_setback_m`` from the plot boundary: from the boundary with the next building B,
  (d_B - d_A) / 2 ≥ setback (by the triangle inequality the node is then at least that far from the
  A|B bisector); from the outer edge, d_A ≤ ``plot_depth_m`` - setback; from roads, at least
  ``road_half_width_m`` + setback from the centre line;
- the straight line from the footprint to the node crosses no road (the plot ends at the street);
- it lies in no ``forbidden`` restriction; in a ``depth_limited`` zone the probe is shortened to the zone's
  limit, and dropped when that is under ``min_probe_length_m``.

Work is done in square tiles of lattice nodes so memory is bounded by the tile, not the region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from processing.geothermal.restrictions import SEVERITY, restrictions_at

#: Minimum spacing between probes [m] (VDI 4640-2, probes of 50-100 m).
PROBE_SPACING_M = 6.0
#: Minimum distance of a probe from any building [m]; project default, check local permit rules.
BUILDING_SETBACK_M = 3.0
#: Minimum distance of a probe from the plot boundary [m]; project default, check local permit rules.
BOUNDARY_SETBACK_M = 3.0
#: Depth of the assumed plot around a footprint [m]; ESTIMATE for a suburban parcel.
PLOT_DEPTH_M = 25.0
#: Half width of a road corridor, from the centre line to the plot boundary [m]; ESTIMATE.
ROAD_HALF_WIDTH_M = 4.0
#: Shortest probe worth drilling [m] (lower end of the VDI 4640-2 validity range, 40-100 m).
MIN_PROBE_LENGTH_M = 40.0
#: Side of a processing tile [m].
TILE_M = 1000.0


@dataclass(frozen=True)
class ProbeSites:
    """Probe sites and what each building gets.

    ``x``, ``y`` [m], ``building`` (positional index into the buildings), ``depth_m`` [m]: one entry per
    probe. Per building (positional): ``probes``, ``depth_m`` (shortest probe, NaN without probes) and
    ``severity`` (index into ``RESTRICTION_CLASSES``: most severe class at its probes, or at its footprint
    and candidate sites when no probe fits).
    """

    x: np.ndarray
    y: np.ndarray
    building: np.ndarray
    depth_m: np.ndarray
    probes: np.ndarray
    building_depth_m: np.ndarray
    severity: np.ndarray


def _lattice_ranges(bounds: np.ndarray, reach: float, spacing: float) -> tuple[np.ndarray, ...]:
    ix0 = np.ceil((bounds[:, 0] - reach) / spacing).astype(np.int64)
    iy0 = np.ceil((bounds[:, 1] - reach) / spacing).astype(np.int64)
    ix1 = np.floor((bounds[:, 2] + reach) / spacing).astype(np.int64)
    iy1 = np.floor((bounds[:, 3] + reach) / spacing).astype(np.int64)
    return ix0, iy0, ix1, iy1


def _tile_nodes(ix0, iy0, ix1, iy1) -> tuple[np.ndarray, np.ndarray]:
    """Unique lattice nodes (ix, iy) of the inclusive index boxes."""
    nx = np.maximum(ix1 - ix0 + 1, 0)
    ny = np.maximum(iy1 - iy0 + 1, 0)
    counts = nx * ny
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    ix = ix0[owner] + k % nx[owner]
    iy = iy0[owner] + k // nx[owner]
    key = np.unique((ix << 32) + (iy - iy.min()))
    return key >> 32, (key & 0xFFFFFFFF) + iy.min()


def place_probes(
    footprints: np.ndarray,
    *,
    roads: np.ndarray | None = None,
    restrictions: gpd.GeoDataFrame | None = None,
    spacing_m: float = PROBE_SPACING_M,
    building_setback_m: float = BUILDING_SETBACK_M,
    boundary_setback_m: float = BOUNDARY_SETBACK_M,
    plot_depth_m: float = PLOT_DEPTH_M,
    road_half_width_m: float = ROAD_HALF_WIDTH_M,
    probe_length_m: float = 100.0,
    min_probe_length_m: float = MIN_PROBE_LENGTH_M,
    tile_m: float = TILE_M,
) -> ProbeSites:
    """Probe sites on the plot of every footprint (see the module docstring for the rules).

    Parameters
    ----------
    footprints : building polygons in a projected CRS [m].
    roads : road centre lines, or None.
    restrictions : restriction polygons (``restriction_class``, ``max_depth_m``), or None.
    spacing_m, building_setback_m, boundary_setback_m, plot_depth_m, road_half_width_m : [m].
    probe_length_m : probe length where no depth limit applies [m].
    min_probe_length_m : shortest probe kept under a depth limit [m].
    tile_m : side of a processing tile [m].
    """
    footprints = np.asarray(footprints, dtype=object)
    n = len(footprints)
    reach = plot_depth_m - boundary_setback_m
    restrictions = restrictions if restrictions is not None and len(restrictions) else None
    foot_sev = (restrictions_at(restrictions, footprints)[0] if restrictions is not None
                else np.zeros(n, np.int8))
    cand_sev = foot_sev.copy()
    out_x, out_y, out_b, out_d = [], [], [], []
    if n and reach > building_setback_m:
        tree = shapely.STRtree(footprints)
        road_tree = shapely.STRtree(roads) if roads is not None and len(roads) else None
        ix0, iy0, ix1, iy1 = _lattice_ranges(shapely.bounds(footprints), reach, spacing_m)
        per_tile = max(1, math.ceil(tile_m / spacing_m))
        tx0, ty0, tx1, ty1 = ix0 // per_tile, iy0 // per_tile, ix1 // per_tile, iy1 // per_tile
        spans = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
        b_rep = np.repeat(np.arange(n), spans)
        k = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
        w = (tx1 - tx0 + 1)[b_rep]
        tiles = np.stack([tx0[b_rep] + k % w, ty0[b_rep] + k // w], axis=1)
        order = np.lexsort((tiles[:, 1], tiles[:, 0]))
        tiles, b_rep = tiles[order], b_rep[order]
        breaks = np.flatnonzero(np.any(np.diff(tiles, axis=0) != 0, axis=1)) + 1
        for start, stop in zip(np.r_[0, breaks], np.r_[breaks, len(tiles)]):
            tx, ty = tiles[start]
            b = b_rep[start:stop]
            lo_x, lo_y = tx * per_tile, ty * per_tile
            nix, niy = _tile_nodes(np.maximum(ix0[b], lo_x), np.maximum(iy0[b], lo_y),
                                   np.minimum(ix1[b], lo_x + per_tile - 1), np.minimum(iy1[b], lo_y + per_tile - 1))
            if not len(nix):
                continue
            res = _sites_in_tile(nix * spacing_m, niy * spacing_m, footprints, tree, road_tree, restrictions,
                                 building_setback_m, boundary_setback_m, reach, road_half_width_m, probe_length_m,
                                 min_probe_length_m)
            x, y, owner, depth, sev_owner, sev = res
            np.maximum.at(cand_sev, sev_owner, sev)
            out_x.append(x), out_y.append(y), out_b.append(owner), out_d.append(depth)
    x = np.concatenate(out_x) if out_x else np.zeros(0)
    y = np.concatenate(out_y) if out_y else np.zeros(0)
    owner = np.concatenate(out_b) if out_b else np.zeros(0, np.int64)
    depth = np.concatenate(out_d) if out_d else np.zeros(0)
    probes = np.bincount(owner, minlength=n).astype(np.int64)
    b_depth = np.full(n, np.inf)
    np.minimum.at(b_depth, owner, depth)
    b_depth = np.where(probes > 0, b_depth, np.nan)
    kept_sev = np.zeros(n, np.int8)
    if restrictions is not None and len(x):
        np.maximum.at(kept_sev, owner, restrictions_at(restrictions, shapely.points(x, y))[0])
    severity = np.where(probes > 0, kept_sev, cand_sev).astype(np.int8)
    return ProbeSites(x, y, owner, depth, probes, b_depth, severity)


def _sites_in_tile(x, y, footprints, tree, road_tree, restrictions, building_setback, boundary_setback, reach,
                   road_half_width, probe_length, min_probe_length):
    pts = shapely.points(x, y)
    # every building within reach + 2 × setback: the nearest owns the node, the next one bounds the plot
    q_p, q_b = tree.query(pts, predicate="dwithin", distance=reach + 2.0 * boundary_setback)
    dist = shapely.distance(pts[q_p], footprints[q_b])
    order = np.lexsort((dist, q_p))
    q_p, q_b, dist = q_p[order], q_b[order], dist[order]
    first = np.flatnonzero(np.r_[True, q_p[1:] != q_p[:-1]]) if len(q_p) else np.zeros(0, np.int64)
    p_idx, b_idx, d_a = q_p[first], q_b[first], dist[first]
    nxt = np.minimum(first + 1, max(len(q_p) - 1, 0))
    d_b = np.where((first + 1 < len(q_p)) & (q_p[nxt] == p_idx), dist[nxt] if len(q_p) else 0.0, np.inf)
    keep = (d_a >= building_setback) & (d_a <= reach) & (d_b - d_a >= 2.0 * boundary_setback)
    if road_tree is not None and keep.any():
        sel = np.flatnonzero(keep)
        near, _ = road_tree.query(pts[p_idx[sel]], predicate="dwithin", distance=road_half_width + boundary_setback)
        keep[sel[near]] = False
        sel = np.flatnonzero(keep)
        if len(sel):
            links = shapely.shortest_line(footprints[b_idx[sel]], pts[p_idx[sel]])
            crossing, _ = road_tree.query(links, predicate="intersects")
            keep[sel[crossing]] = False
    p_idx, b_idx = p_idx[keep], b_idx[keep]
    depth = np.full(len(p_idx), float(probe_length))
    sev = np.zeros(len(p_idx), np.int8)
    if restrictions is not None and len(p_idx):
        sev, limit = restrictions_at(restrictions, pts[p_idx])
        depth = np.minimum(depth, limit)
    ok = (sev != SEVERITY["forbidden"]) & (depth >= min_probe_length)
    return x[p_idx[ok]], y[p_idx[ok]], b_idx[ok], depth[ok], b_idx, sev
