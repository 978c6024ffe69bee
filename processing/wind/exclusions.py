"""Exclusion rasterisation with exact setbacks, and the polygons that say which rules exclude each part.

Each rule is rasterised window by window on the analysis grid. A cell is excluded when the distance from its
centre to the nearest selected feature is at most the rule's buffer ``b``. The distance is computed in two
stages so that the result is exact, not "exact to a cell":

1. the features are burnt into a padded window (``all_touched``: every cell holding a piece of a feature)
   and a Euclidean distance transform gives, for every cell centre, the distance ``d`` to the nearest burnt
   cell centre. The true distance lies within ``d ± h`` with ``h = res·√2/2`` (half a cell diagonal);
2. cells with ``d <= b - h`` are surely excluded, cells with ``d > b + h`` surely not, and only the thin
   band in between is decided exactly: a k-d tree of the features' densified vertices bounds the distance
   to within a few millimetres at large setbacks, and GEOS (``STRtree.query_nearest``) gives the exact
   distance of the few points left undecided. Band cells lie outside every polygon (a cell a polygon
   covers is burnt, so ``d = 0``) when ``b >= 2h``; for smaller setbacks every band cell goes to GEOS.

The padded window grows the core by ``ceil((b + h) / res) + 1`` cells on every side (the halo), also beyond
the grid, so that features just outside the region still exclude the land inside it.

When a window holds few features (an airport, a few power lines) the distance transform of a padded window
(5,100 m of halo for an airport) costs more than rasterising the features' polygon buffers: then two GEOS
buffers that bracket the true one (inscribed at ``b - δ``, circumscribed at ``b + δ``) decide every cell
but a thin ring, which again gets exact distances. Both methods give the same cells.

Rules on the DEM (``slope_deg``, ``elevation_m``) are raster rules: the condition is evaluated per cell and
the buffer is a distance transform between cell centres (exact on the raster).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features
from rasterio.enums import Resampling
from rasterio.windows import Window
from scipy import ndimage
from scipy.spatial import cKDTree

from layers.errors import InputDataError
from layers.grid import Grid
from layers.raster import RasterFile
from layers.rasterize import burn
from layers.resample import read_on_grid
from processing.wind.rules import ExclusionRule
from processing.windows import SERIAL, WindowExecutor

log = logging.getLogger(__name__)

#: Most rules one run can combine (bits of the exclusion code).
MAX_RULES = 63
#: Tolerance on the setback distance [m] (floating point of coordinates in metres).
DISTANCE_EPS_M = 1e-6
#: Segments per quarter circle of the polygon buffers, and the cosine that scales them to enclose the circle.
BUFFER_QUAD_SEGS = 16
_COS_HALF_SEGMENT = math.cos(math.pi / (4 * BUFFER_QUAD_SEGS))
#: GEOS BufferParameters::DEFAULT_SIMPLIFY_FACTOR: input concavities shallower than this fraction of the
#: buffer distance are filled before buffering.
GEOS_SIMPLIFY_FACTOR = 0.01
#: Margin added to the half cell diagonal bounding the distance-transform error [cells] (rasteriser rounding).
SEED_MARGIN_CELLS = 0.05
#: Cost model of the choice between the two methods [s] (orders of magnitude measured on the demo regions).
EDT_S_PER_CELL = 1.0e-7
BURN_S_PER_CELL = 1.3e-8
BUFFER_S_PER_VERTEX = 1.0e-6


def _within_exact(xs: np.ndarray, ys: np.ndarray, geoms: np.ndarray, tree: shapely.STRtree, buffer_m: float,
                  spacing_m: float) -> np.ndarray:
    """Whether each point lies within ``buffer_m`` of ``geoms`` (points outside every polygon).

    A k-d tree of the features' vertices, densified to ``spacing_m``, decides almost every point: the
    nearest-vertex distance ``dv`` bounds the true distance ``d`` by ``sqrt(dv² - s²/4) <= d <= dv``. Only
    points with ``b < dv <= sqrt(b² + s²/4)`` go to GEOS for the exact distance.
    """
    vertices = shapely.get_coordinates(shapely.segmentize(geoms, spacing_m))
    upper = math.sqrt(buffer_m ** 2 + spacing_m ** 2 / 4.0) + DISTANCE_EPS_M
    dv, _ = cKDTree(vertices).query(np.column_stack([xs, ys]), k=1, distance_upper_bound=upper)
    hit = dv <= buffer_m + DISTANCE_EPS_M
    unsure = np.flatnonzero(~hit & (dv <= upper))
    if len(unsure):
        _, exact = tree.query_nearest(shapely.points(xs[unsure], ys[unsure]), return_distance=True,
                                      all_matches=False)
        hit[unsure] = exact <= buffer_m + DISTANCE_EPS_M
    return hit


def _vector_rule_window(tree: shapely.STRtree, geoms: np.ndarray, buffer_m: float, grid: Grid, row0: int,
                        col0: int, rows: int, cols: int) -> np.ndarray:
    """Boolean mask [rows × cols] of the core window at (row0, col0): cell centre within ``buffer_m``."""
    res = grid.res
    h = res * (math.sqrt(2.0) / 2.0 + SEED_MARGIN_CELLS)
    halo = math.ceil((buffer_m + h) / res) + 1
    t = grid.transform
    x0 = t.c + (col0 - halo) * res
    y1 = t.f - (row0 - halo) * res
    prow, pcol = rows + 2 * halo, cols + 2 * halo
    hits = tree.query(shapely.box(x0, y1 - prow * res, x0 + pcol * res, y1))
    out = np.zeros((rows, cols), dtype=bool)
    if len(hits) == 0:
        return out
    seeds = burn(geoms[hits], out_shape=(prow, pcol), transform=Affine(res, 0.0, x0, 0.0, -res, y1),
                 all_touched=True)
    if not seeds.any():
        return out
    dist = ndimage.distance_transform_edt(seeds == 0, sampling=res)[halo:halo + rows, halo:halo + cols]
    out = dist <= buffer_m - h
    band = (dist <= buffer_m + h) & ~out
    if buffer_m < 2 * h and band.any():
        # small setback: cells wholly inside a polygon (centre inside, no boundary through the cell) are in
        polys = geoms[hits][np.isin(shapely.get_type_id(geoms[hits]), (3, 6))]
        if len(polys):
            core_t = Affine(res, 0.0, t.c + col0 * res, 0.0, -res, t.f - row0 * res)
            inside = burn(polys, out_shape=(rows, cols), transform=core_t).astype(bool)
            edges = burn(shapely.boundary(polys), out_shape=(rows, cols), transform=core_t,
                         all_touched=True).astype(bool)
            inner = inside & ~edges
            out |= inner
            band &= ~inner
    _decide_band(out, band, geoms[hits], tree, buffer_m, grid, row0, col0, outside=buffer_m >= 2 * h)
    return out


def _decide_band(out: np.ndarray, band: np.ndarray, geoms: np.ndarray, tree: shapely.STRtree, buffer_m: float,
                 grid: Grid, row0: int, col0: int, outside: bool) -> None:
    """Set ``out`` on the undecided ``band`` cells from exact distances (``outside``: the band cells are known
    to lie outside every polygon, so the vertex k-d tree may decide them)."""
    if not band.any():
        return
    res, t = grid.res, grid.transform
    r, c = np.nonzero(band)
    xs = t.c + (col0 + c + 0.5) * res
    ys = t.f - (row0 + r + 0.5) * res
    if buffer_m == 0:  # distance 0: the centre lies in or on a feature (GEOS prepared predicate)
        hit = np.zeros(len(xs), dtype=bool)
        hit[tree.query(shapely.points(xs, ys), predicate="intersects")[0]] = True
        out[r, c] = hit
    elif outside:
        out[r, c] = _within_exact(xs, ys, geoms, tree, buffer_m, res / 2.0)
    else:
        _, exact = tree.query_nearest(shapely.points(xs, ys), return_distance=True, all_matches=False)
        out[r, c] = exact <= buffer_m + DISTANCE_EPS_M


def _buffer_rule_window(tree: shapely.STRtree, geoms: np.ndarray, buffer_m: float, grid: Grid, row0: int,
                        col0: int, rows: int, cols: int, cache: dict | None = None) -> np.ndarray:
    """Same as :func:`_vector_rule_window` from two rasterised polygon buffers that bracket the true one.

    GEOS buffers with ``quad_segs`` segments per quarter circle are inscribed in the true buffer; scaled by
    ``1 / cos(π / (4 quad_segs))`` they enclose it. Cells whose centre lies in the inner buffer (of
    ``(b - δ) / 1.01``, allowing for GEOS's input simplification) are in, cells outside the outer buffer
    (of ``b + δ``) are out, and the thin ring between them is decided exactly. Cheaper than the distance
    transform when the features are few.
    """
    res = grid.res
    delta = 1e-3 * res
    t = grid.transform
    x0, y1 = t.c + col0 * res, t.f - row0 * res
    reach = (buffer_m + delta) / _COS_HALF_SEGMENT + res
    hits = tree.query(shapely.box(x0 - reach, y1 - rows * res - reach, x0 + cols * res + reach, y1 + reach))
    out = np.zeros((rows, cols), dtype=bool)
    if len(hits) == 0:
        return out
    core_t = Affine(res, 0.0, x0, 0.0, -res, y1)
    near = geoms[hits]
    inner_geoms, outer_geoms = _bracketing_buffers(geoms, hits, buffer_m, delta, {} if cache is None else cache)
    out = burn(inner_geoms, out_shape=(rows, cols), transform=core_t).astype(bool)
    outer = burn(outer_geoms, out_shape=(rows, cols), transform=core_t).astype(bool)
    _decide_band(out, outer & ~out, near, tree, buffer_m, grid, row0, col0, outside=buffer_m > delta)
    return out


def _bracketing_buffers(geoms: np.ndarray, hits: np.ndarray, buffer_m: float, delta: float,
                        cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """Inscribed (``b - δ``) and enclosing (``b + δ``) GEOS buffers of the features ``hits``, each computed once
    and kept in the rule's ``cache`` (neighbouring windows share features)."""
    if "inner" not in cache:
        cache["inner"] = np.empty(len(geoms), dtype=object)
        cache["outer"] = np.empty(len(geoms), dtype=object)
        cache["done"] = np.zeros(len(geoms), dtype=bool)
    todo = hits[~cache["done"][hits]]
    if len(todo):
        # GEOS fills concavities shallower than 1 % of the distance before buffering (its simplify factor),
        # which may enlarge a buffer by that much: the inscribed buffer is shrunk by as much again
        inner_m = buffer_m - delta
        inner_m = inner_m / (1.0 + GEOS_SIMPLIFY_FACTOR) if inner_m >= 0 else inner_m * (1.0 + GEOS_SIMPLIFY_FACTOR)
        cache["inner"][todo] = shapely.buffer(geoms[todo], inner_m, quad_segs=BUFFER_QUAD_SEGS)
        cache["outer"][todo] = shapely.buffer(geoms[todo], (buffer_m + delta) / _COS_HALF_SEGMENT,
                                              quad_segs=BUFFER_QUAD_SEGS)
        cache["done"][todo] = True
    return cache["inner"][hits], cache["outer"][hits]


def _prefer_buffers(geoms: np.ndarray, buffer_m: float, res: float, rows: int, cols: int) -> bool:
    """Whether rasterising polygon buffers is estimated to cost less than a distance transform in a window.

    Costs (seconds, measured on the demo regions): a distance-transform cell ``EDT_S_PER_CELL`` over the
    padded window; a burnt cell ``BURN_S_PER_CELL`` over the buffers' areas (at most the window each), twice; and GEOS buffering,
    twice, ``BUFFER_S_PER_VERTEX`` per vertex times the number of offset segments each overlaps
    (``min(vertices, b / mean edge length + 1)`` per feature: a stair-step polygon from a raster is costly).
    """
    # Steiner's formula: area of a buffer ≈ area + perimeter · b + π b² (a line's "perimeter" is twice its length)
    line = np.isin(shapely.get_type_id(geoms), (1, 2, 5))
    perimeter = shapely.length(geoms) * np.where(line, 2.0, 1.0)
    area = shapely.area(geoms) + perimeter * buffer_m + math.pi * buffer_m ** 2
    burnt = np.sum(np.minimum(area, rows * cols * res ** 2))
    vertices = shapely.get_num_coordinates(geoms).astype("float64")
    edge = np.maximum(shapely.length(geoms) / np.maximum(vertices, 1.0), res / 10.0)
    overlap = np.minimum(vertices, buffer_m / edge + 1.0)
    halo = buffer_m / res + 2
    edt = EDT_S_PER_CELL * (rows + 2 * halo) * (cols + 2 * halo)
    buffers = 2 * BURN_S_PER_CELL * burnt / res ** 2 + 2 * BUFFER_S_PER_VERTEX * float(np.sum(vertices * overlap))
    return buffers < edt


def slope_deg(dem: np.ndarray, res: float) -> np.ndarray:
    """Terrain slope [deg] from elevations [m] on square cells of ``res`` [m] (central differences)."""
    gy, gx = np.gradient(dem.astype("float64"), res)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def _raster_rule_window(rule: ExclusionRule, dem: RasterFile, grid: Grid, core, padded) -> np.ndarray:
    z = read_on_grid(dem, grid, padded, Resampling.bilinear)
    seeds = np.ones(z.shape, dtype=bool)
    for name, cond in rule.where.items():
        values = z if name == "elevation_m" else slope_deg(z, grid.res)
        seeds &= cond.test(values) & np.isfinite(values)
    r0, c0 = core.row_off - padded.row_off, core.col_off - padded.col_off
    if rule.buffer_m > 0 and seeds.any():
        seeds = ndimage.distance_transform_edt(~seeds, sampling=grid.res) <= rule.buffer_m + DISTANCE_EPS_M
    return seeds[r0:r0 + core.height, c0:c0 + core.width]


@dataclass(frozen=True)
class RuleWindow:
    """One rule on one core window: the picklable task :func:`rule_window_mask` runs in-process or on a worker.

    A vector rule carries ``geoms``, the selected features within ``window_margin_m`` of the window (the
    nearest feature to any cell that a rule could exclude is among them, so the mask equals the one computed
    against every feature); a raster rule carries the ``dem`` file and the ``padded`` window it reads.
    """

    index: int
    core: Window
    grid: Grid
    buffer_m: float
    method: str = "auto"
    geoms: np.ndarray | None = None
    rule: ExclusionRule | None = None
    dem: RasterFile | None = None
    padded: Window | None = None


def window_margin_m(buffer_m: float, res: float) -> float:
    """Distance [m] around a core window within which a vector rule's features can matter: more than the
    distance-transform halo (``ceil((b + h) / res) + 1`` cells), the enclosing buffer's reach
    (``(b + δ) / cos(π / (4 quad_segs)) + res``) and the feature query's ``b + 2 res``."""
    return buffer_m / _COS_HALF_SEGMENT + 4.0 * res


def rule_window_mask(task: RuleWindow) -> np.ndarray:
    """Boolean mask of ``task.core``: cells the rule excludes (see the module docstring for the methods)."""
    core, grid = task.core, task.grid
    if task.rule is not None:
        return _raster_rule_window(task.rule, task.dem, grid, core, task.padded)
    geoms = task.geoms
    tree = shapely.STRtree(geoms)
    reach = task.buffer_m + 2 * grid.res
    x0, y1 = grid.transform @ (core.col_off, core.row_off)
    near = np.sort(tree.query(shapely.box(x0 - reach, y1 - core.height * grid.res - reach,
                                          x0 + core.width * grid.res + reach, y1 + reach)))
    if len(near) == 0:
        return np.zeros((core.height, core.width), dtype=bool)
    buffers = (task.method == "buffer" or task.method == "auto" and _prefer_buffers(
        geoms[near], task.buffer_m, grid.res, core.height, core.width))
    args = (tree, geoms, task.buffer_m, grid, core.row_off, core.col_off, core.height, core.width)
    return _buffer_rule_window(*args, cache={}) if buffers else _vector_rule_window(*args)


def exclusion_codes(rules: Sequence[ExclusionRule], layers: Mapping[str, gpd.GeoDataFrame | RasterFile | None],
                    grid: Grid, window: int = 1024,
                    progress: Callable[[float, str], None] = lambda f, m: None,
                    method: str = "auto", executor: WindowExecutor = SERIAL) -> tuple[np.ndarray, list[ExclusionRule]]:
    """Rasterise ``rules`` on ``grid``: a bit per rule in an integer code per cell.

    Parameters
    ----------
    rules : the exclusion rules, in order (bit ``i`` is ``rules_used[i]``).
    layers : input layer id → GeoDataFrame (vector rules) or RasterFile (``dem``); ``None`` when missing.
    grid : the analysis grid.
    window : core window size [cells].
    method : ``auto`` (per window, the cheaper of the two), ``edt`` (distance transform) or ``buffer``
        (bracketing polygon buffers); all give the same cells.
    executor : where the (rule, window) tasks run (:func:`rule_window_mask`); in-process by default.

    Returns
    -------
    codes : unsigned integers (the narrowest of uint8 … uint64 holding one bit per rule) of the grid's shape;
        bit ``i`` set where ``rules_used[i]`` excludes the cell.
    rules_used : the rules that were applied (a rule whose optional layer is missing is skipped, with a warning;
        a missing layer of a required rule raises :class:`InputDataError`).

    Notes
    -----
    Halo: a vector rule's window reads the features within :func:`window_margin_m` of it (its distance
    transform pads the window by ``ceil((b + h) / res) + 1`` cells); a DEM rule reads a padded window of
    ``ceil(b / res) + 1`` cells (the buffer) and its slope a further cell inside that. Every (rule, window)
    pair is one task, so all of them spread over the workers; the codes are OR-ed in as masks arrive.
    """
    used: list[ExclusionRule] = []
    for rule in rules:
        if layers.get(rule.layer) is None:
            if rule.required:
                raise InputDataError(f"exclusion rule {rule.id!r} needs input layer {rule.layer!r}, which is missing; "
                                     f"add [inputs.{rule.layer}] to the region file or disable the rule "
                                     f"(params.wind.disabled_rules = [\"{rule.id}\"])")
            log.warning("wind: input %r is missing, exclusion rule %r is not applied", rule.layer, rule.id)
            continue
        used.append(rule)
    if len(used) > MAX_RULES:
        raise InputDataError(f"{len(used)} exclusion rules; at most {MAX_RULES} can be combined")
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= max(len(used), 1))
    codes = np.zeros(grid.shape, dtype=dtype)
    cores = [core for core, _ in grid.windows(window)]

    def tasks():
        for i, rule in enumerate(used):
            data = layers[rule.layer]
            if rule.is_raster:
                halo = math.ceil(rule.buffer_m / grid.res) + 1
                for core, padded in grid.windows(window, halo):
                    yield RuleWindow(i, core, grid, rule.buffer_m, method, rule=rule, dem=data, padded=padded)
                continue
            selected = rule.select(data)
            geoms = selected.geometry.to_numpy()
            geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
            if not len(geoms):
                log.info("wind: rule %r selects no feature of %r", rule.id, rule.layer)
                continue
            tree = shapely.STRtree(geoms)
            margin = window_margin_m(rule.buffer_m, grid.res)
            for core in cores:
                x0, y1 = grid.transform @ (core.col_off, core.row_off)
                x1, y0 = x0 + core.width * grid.res, y1 - core.height * grid.res
                reach = rule.buffer_m + 2 * grid.res
                if len(tree.query(shapely.box(x0 - reach, y0 - reach, x1 + reach, y1 + reach))) == 0:
                    continue
                nearby = np.sort(tree.query(shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)))
                yield RuleWindow(i, core, grid, rule.buffer_m, method, geoms=geoms[nearby])

    most = max(len(used) * len(cores), 1)  # vector rules skip the windows no feature reaches
    for done, (task, mask) in enumerate(executor.imap(rule_window_mask, tasks()), 1):
        core = task.core
        codes[core.row_off:core.row_off + core.height, core.col_off:core.col_off + core.width][mask] |= \
            dtype(1 << task.index)
        progress(done / most, f"exclusion rule {used[task.index].id}")
    progress(1.0, f"{len(used)} exclusion rules")
    return codes, used


def rules_of_code(code: int, rules: Sequence[ExclusionRule]) -> list[ExclusionRule]:
    """The rules whose bits are set in ``code``."""
    return [r for i, r in enumerate(rules) if int(code) >> i & 1]


def exclusion_polygons(codes: np.ndarray, rules: Sequence[ExclusionRule], grid: Grid,
                       region: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """Excluded cells as polygons, one (multi)polygon per combination of rules.

    Fields: ``rules`` (comma-separated rule ids), ``reasons`` (their descriptions), ``area_ha`` [ha].
    """
    mask = codes > 0
    if region is not None:
        mask &= region
    columns = {"rules": [], "reasons": [], "area_ha": []}
    if not mask.any():
        return gpd.GeoDataFrame(columns, geometry=[], crs=grid.crs)
    labels, values = pd.factorize(codes.ravel())  # hash-based: O(cells), unlike np.unique's sort
    labels = labels.reshape(codes.shape).astype("int32")
    cells = np.bincount(labels[mask], minlength=len(values))
    parts: dict[int, list] = {}
    for geom, label in features.shapes(labels, mask=mask, transform=grid.transform, connectivity=4):
        parts.setdefault(int(label), []).append(shapely.geometry.shape(geom))
    geoms = []
    for label, polys in sorted(parts.items()):
        applied = rules_of_code(values[label], rules)
        columns["rules"].append(",".join(r.id for r in applied))
        columns["reasons"].append("; ".join(f"{r.id}: {r.reason()}" for r in applied))
        geom = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        geoms.append(geom)
        columns["area_ha"].append(float(cells[label]) * grid.res ** 2 / 1e4)
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=grid.crs)


def exclusions_vector(rules: Sequence[ExclusionRule], layers: Mapping[str, gpd.GeoDataFrame | None],
                      region: shapely.Geometry, quad_segs: int = 64) -> dict[str, shapely.Geometry]:
    """Reference overlay: per vector rule the union of its buffered features, clipped to ``region``.

    The straightforward vector method (buffer, union, intersection) that the raster method is checked and
    benchmarked against. Raster rules (DEM) are left out. ``quad_segs`` segments per quarter circle keep the
    buffer within ``b·(1 - cos(π / (4·quad_segs)))`` of the true circle (0.03 m at 300 m for 64).
    """
    out: dict[str, shapely.Geometry] = {}
    for rule in rules:
        data = layers.get(rule.layer)
        if rule.is_raster or data is None:
            continue
        geoms = rule.select(data).geometry.to_numpy()
        if rule.buffer_m > 0:
            geoms = shapely.buffer(geoms, rule.buffer_m, quad_segs=quad_segs)
        else:
            geoms = np.array([g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")], dtype=object)
        out[rule.id] = shapely.intersection(shapely.union_all(geoms), region) if len(geoms) else shapely.Polygon()
    return out


def exclusion_overlay_vector(rules: Sequence[ExclusionRule], layers: Mapping[str, gpd.GeoDataFrame | None],
                             region: shapely.Geometry, quad_segs: int = 64
                             ) -> tuple[dict[tuple[str, ...], shapely.Geometry], shapely.Geometry]:
    """Reference overlay with reasons: the region cut into parts by every vector rule's buffer union.

    Returns ``{rule ids: excluded part}`` (ids in rule order; the same grouping as
    :func:`exclusion_polygons`) and the eligible remainder (the region minus every buffer). The vector
    equivalent of :func:`exclusion_codes` + :func:`exclusion_polygons`, for checks and benchmarks.
    """
    pieces: dict[tuple[str, ...], shapely.Geometry] = {(): region}
    for rule_id, geom in exclusions_vector(rules, layers, region, quad_segs).items():
        if geom.is_empty:
            continue
        shapely.prepare(geom)
        cut: dict[tuple[str, ...], shapely.Geometry] = {}
        for ids, part in pieces.items():
            for key, piece in (((*ids, rule_id), shapely.intersection(part, geom)), (ids, shapely.difference(part, geom))):
                if not piece.is_empty and piece.area > 0:
                    cut[key] = piece
        pieces = cut
    eligible = pieces.pop((), shapely.Polygon())
    return pieces, eligible
