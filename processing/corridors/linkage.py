"""Linkage Mapper's method: neighbouring cores, least-cost paths and corridors (NLCC cut-off) between them.

McRae, B.H. & Kavanagh, D.M. (2011). Linkage Mapper Connectivity Analysis Software. The Nature Conservancy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio.features
from affine import Affine
from scipy import ndimage
from shapely import unary_union
from shapely.geometry import LineString, shape

from processing.corridors.costdist import LinkSolver, PairLink
from processing.windows import SERIAL, WindowExecutor


def neighbour_pairs(labels: np.ndarray, res: float, core_geoms, max_distance_m: float) -> list[tuple[int, int]]:
    """Pairs of labels whose Euclidean allocation zones touch (Linkage Mapper's Euclidean adjacency) and whose
    edge-to-edge distance is at most ``max_distance_m`` [m]; label ``i`` is ``core_geoms[i - 1]``.

    The allocation is a distance transform over the whole grid (it is global by nature): two index arrays
    (8 or 16 bytes per cell) on top of the labels, freed before the cost runs.
    """
    if labels.max() < 2:
        return []
    ri, ci = ndimage.distance_transform_edt(labels == 0, return_distances=False, return_indices=True)
    alloc = labels[ri, ci]
    del ri, ci
    pairs: set[tuple[int, int]] = set()
    for x, y in ((alloc[:, :-1], alloc[:, 1:]), (alloc[:-1, :], alloc[1:, :])):
        diff = x != y
        lo, hi = np.minimum(x[diff], y[diff]), np.maximum(x[diff], y[diff])
        pairs.update(zip(lo.tolist(), hi.tolist()))
    return sorted((a, b) for a, b in pairs if core_geoms[a - 1].distance(core_geoms[b - 1]) <= max_distance_m)


@dataclass(frozen=True)
class Link:
    """A least-cost link kept in the network: cores (labels), cost [effective m], path line, corridor polygon."""

    a: int
    b: int
    cost: float
    path: LineString
    corridor: object
    certified: bool
    window_margin_m: float


def path_line(path: np.ndarray, transform: Affine) -> LineString:
    """Line through the centres of the path's cells (region CRS)."""
    xs, ys = transform @ (path[:, 1] + 0.5, path[:, 0] + 0.5)
    if len(path) == 1:  # touching cores: a zero-length step
        return LineString([(xs[0], ys[0]), (xs[0], ys[0])])
    return LineString(np.column_stack([xs, ys]))


def corridor_polygon(link: PairLink, labels: np.ndarray, cutoff: float, transform: Affine):
    """Cells with ``NLCC <= cutoff`` [effective m] outside every core, as a polygon (region CRS)."""
    r0, c0, r1, c1 = link.box
    mask = link.corridor_mask(cutoff) & (labels[r0:r1, c0:c1] == 0)
    if not mask.any():
        return None
    sub_t = transform @ Affine.translation(c0, r0)
    polys = [shape(g) for g, v in rasterio.features.shapes(mask.astype(np.uint8), mask=mask, transform=sub_t) if v]
    return unary_union(polys)


def build_links(resistance: np.ndarray, labels: np.ndarray, transform: Affine, res: float, pairs, *,
                cutoff: float, margin_m: float, max_margin_m: float, drop_through_cores: bool,
                progress=lambda f: None, executor: WindowExecutor = SERIAL) -> list[Link]:
    """Least-cost link and corridor of each pair; links whose path crosses a third core are dropped
    (Linkage Mapper's default: that connection is the sum of the two shorter links).

    Pairs are solved in a west-to-east sweep and a core's cost runs are released after its last link, so the
    runs held at once follow the sweep front. The cores' first cost runs are computed on ``executor`` in the
    order the sweep needs them (:meth:`LinkSolver.prefetch`).
    """
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    solver = LinkSolver(resistance, labels, res, neighbours, margin_m=margin_m, max_margin_m=max_margin_m)
    west = {k: s[1].start for k, s in solver.slices.items()}
    order = sorted(pairs, key=lambda p: (min(west[p[0]], west[p[1]]), p))
    remaining = {k: len(v) for k, v in neighbours.items()}
    solver.prefetch(list(dict.fromkeys(core for pair in order for core in pair)), executor)
    links = []
    try:
        for n, (a, b) in enumerate(order):
            pl = solver.link(a, b)
            for core in (a, b):
                remaining[core] -= 1
                if remaining[core] == 0:
                    solver.release(core)
            progress((n + 1) / len(order))
            on_path = labels[pl.path[:, 0], pl.path[:, 1]]
            if drop_through_cores and np.any((on_path != 0) & (on_path != a) & (on_path != b)):
                continue
            links.append(Link(a, b, pl.lcd, path_line(pl.path, transform),
                              corridor_polygon(pl, labels, cutoff, transform), pl.certified, pl.margin_m))
    finally:
        solver.close()
    return sorted(links, key=lambda lk: (lk.a, lk.b))
