"""Roof faces: planar segmentation of each building's roof in a surface model, or faces from the building's
roof attributes (shape, height, tilt, azimuth) when there is no surface model.

Both return a label raster (0 = no face, k = face k) over a box of cells and one row per face with its
building, fitted plane, tilt and azimuth (degrees from north, clockwise, downslope).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components

from processing.solar.terrain import gradient_horn, plane_tilt_azimuth

#: Codes of the attribute roof shapes (layers.catalog.inputs.ROOF_SHAPES).
SHAPE_CODES = {"flat": 0, "gable": 1, "hip": 2, "shed": 3}


@dataclass(frozen=True)
class Faces:
    """Roof faces found in one box of cells.

    ``labels``: (rows, cols) int32, 0 = no face, k ≥ 1 = row k − 1 of the arrays. ``building``: building index
    per face. ``tilt``/``azimuth`` [deg]. ``from_dsm``: True for faces segmented from the surface model.
    ``cells``: planimetric size of each face in cells, a cell on the edge between two faces being shared by
    sub-cells (so areas do not depend on how the edge crosses the grid, although each cell carries one label).
    """

    labels: np.ndarray
    building: np.ndarray
    tilt: np.ndarray
    azimuth: np.ndarray
    from_dsm: np.ndarray
    cells: np.ndarray

    @property
    def count(self) -> int:
        return int(self.building.size)

    @staticmethod
    def empty(shape: tuple[int, int]) -> Faces:
        return Faces(np.zeros(shape, np.int32), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool),
                     np.zeros(0))


def _neighbours_same(label: np.ndarray) -> np.ndarray:
    """True where all 8 neighbours carry the same non-zero label (cells at the box edge: False)."""
    padded = np.pad(label, 1)
    ok = label > 0
    rows, cols = label.shape
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                ok &= padded[1 + dr:1 + dr + rows, 1 + dc:1 + dc + cols] == label
    return ok


def _fit_planes(seg: np.ndarray, n_seg: int, x: np.ndarray, y: np.ndarray, z: np.ndarray):
    """Least-squares planes z = a·x + b·y + c per segment (seg in 0..n_seg-1); returns a, b, x̄, ȳ, z̄, count."""
    cnt = np.bincount(seg, minlength=n_seg).astype(float)
    safe = np.maximum(cnt, 1.0)
    mx, my, mz = (np.bincount(seg, v, n_seg) / safe for v in (x, y, z))
    dx, dy, dz = x - mx[seg], y - my[seg], z - mz[seg]
    sxx, sxy, syy = (np.bincount(seg, v, n_seg) for v in (dx * dx, dx * dy, dy * dy))
    sxz, syz = (np.bincount(seg, v, n_seg) for v in (dx * dz, dy * dz))
    det = sxx * syy - sxy * sxy
    det = np.where(np.abs(det) < 1e-9, np.nan, det)
    a = (sxz * syy - syz * sxy) / det
    b = (syz * sxx - sxz * sxy) / det
    return np.nan_to_num(a), np.nan_to_num(b), mx, my, mz, cnt


def segment_roofs(z: np.ndarray, building: np.ndarray, res: float, *, max_normal_angle_deg: float = 8.0,
                  max_roughness_m: float = 0.3, min_seed_cells: int = 4, merge_angle_deg: float = 5.0,
                  merge_offset_m: float = 0.3, ground: np.ndarray | None = None,
                  min_roof_height_m: float = 1.5) -> Faces:
    """Split each building's roof cells into planar faces.

    Parameters
    ----------
    z : surface elevation [m] over the box (NaN unknown).
    building : building index + 1 per cell (0 = not a building).
    res : cell size [m].
    max_normal_angle_deg : largest angle between the normals of two adjacent cells of one face [deg].
    max_roughness_m : largest |4-neighbour Laplacian| of a seed cell [m] (ridges, hips, eaves and edges fail).
    min_seed_cells : smallest number of seed cells a face needs.
    merge_angle_deg, merge_offset_m : two faces of one building whose planes differ by less than this angle
        [deg] and offset [m] become one.
    ground : ground elevation [m] over the box (DEM), or None. Cells less than ``min_roof_height_m`` [m] above
        it (a footprint spilling over the DSM's roof edge) seed no face; they still join one.

    Notes
    -----
    1. Seed cells: interior roof cells (all 8 neighbours in the same building) whose 3 × 3 neighbourhood is
       planar (|∇²z| small); their normals come from Horn's gradient.
    2. Region growing: 4-adjacent seeds with normals within ``max_normal_angle_deg`` are connected; each
       connected component with ≥ ``min_seed_cells`` cells is a face; a least-squares plane is fitted to it.
    3. Coplanar faces of a building merge. Every other roof cell (ridges, hips, eaves) joins the face of its
       building whose plane fits its elevation best among the faces whose seeds lie within
       ``ASSIGN_REACH_CELLS``; a cell on the line where two planes meet (residuals within ``TIE_M``) goes to one
       of them by a hash of its position, so such cells split evenly between the two. The faces tile the
       footprint.
    4. Cells that no face's plane explains (residual > ``max_roughness_m``) and that form a connected group of
       ≥ 2 × ``min_seed_cells`` in one building (e.g. a hip roof's end triangle too narrow for a planar 3 × 3
       seed) become faces of their own, with their own fitted plane; the assignment of step 3 is redone.
    5. Face areas: a cell next to another face of its building is split into 4 × 4 sub-cells, each going to
       the face whose plane lies closest to the bilinearly interpolated surface there. At a convex (or a
       concave) roof edge that choice is exact (the interpolated surface lies below the lower envelope of the
       planes), so areas do not depend on how the edge crosses the grid.
    """
    shape = building.shape
    finite = np.isfinite(z)
    zf = np.where(finite, z, 0.0)
    lap = np.abs(ndimage.laplace(zf, mode="nearest"))
    interior = _neighbours_same(building) & (ndimage.minimum_filter(finite.astype(np.uint8), 3) > 0)
    seed = interior & (lap <= max_roughness_m)
    above = np.ones(shape, bool) if ground is None else ~(zf < ground + min_roof_height_m)
    seed &= above
    if not seed.any():
        return Faces.empty(shape)
    p, q = gradient_horn(zf, res)
    norm = np.sqrt(p * p + q * q + 1.0)
    nx, ny, nz = -p / norm, -q / norm, 1.0 / norm
    idx = np.full(shape, -1, np.int64)
    rr, cc = np.nonzero(seed)
    idx[rr, cc] = np.arange(rr.size)
    cos_max = np.cos(np.radians(max_normal_angle_deg))
    edges_i, edges_j = [], []
    for a_sl, b_sl in (((slice(None), slice(0, -1)), (slice(None), slice(1, None))),
                       ((slice(0, -1), slice(None)), (slice(1, None), slice(None)))):
        both = seed[a_sl] & seed[b_sl] & (building[a_sl] == building[b_sl])
        dot = nx[a_sl] * nx[b_sl] + ny[a_sl] * ny[b_sl] + nz[a_sl] * nz[b_sl]
        ok = both & (dot >= cos_max)
        edges_i.append(idx[a_sl][ok])
        edges_j.append(idx[b_sl][ok])
    ei, ej = np.concatenate(edges_i), np.concatenate(edges_j)
    graph = sparse.coo_matrix((np.ones(ei.size), (ei, ej)), shape=(rr.size, rr.size))
    n_comp, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    keep = sizes[comp] >= min_seed_cells
    rr, cc, comp = rr[keep], cc[keep], comp[keep]
    if rr.size == 0:
        return Faces.empty(shape)
    _, comp = np.unique(comp, return_inverse=True)
    n_seg = int(comp.max()) + 1
    x, y, zs = cc * res, -rr * res, z[rr, cc]
    seg_building = np.zeros(n_seg, np.int64)
    seg_building[comp] = building[rr, cc]
    comp = _merge_coplanar(comp, n_seg, seg_building, x, y, zs, merge_angle_deg, merge_offset_m)
    n_seg = int(comp.max()) + 1
    a, b, mx, my, mz, _ = _fit_planes(comp, n_seg, x, y, zs)
    seg_building = np.zeros(n_seg, np.int64)
    seg_building[comp] = building[rr, cc]
    seed_label = np.zeros(shape, np.int32)
    seed_label[rr, cc] = comp + 1
    planes = (a, b, mx, my, mz)
    labels = _assign_cells(seed_label, building, z, res, comp, rr, cc, seg_building, planes)
    extra = _misfit_groups(labels, seed_label, np.where(above, building, 0), z, res, planes, max_roughness_m,
                           2 * min_seed_cells)
    if extra is not None:  # faces too narrow to seed: grow them from the cells no plane explains
        er, ec, ecomp = extra
        rr, cc = np.concatenate([rr, er]), np.concatenate([cc, ec])
        comp = np.concatenate([comp, ecomp + n_seg])
        n_seg = int(comp.max()) + 1
        x, y, zs = cc * res, -rr * res, z[rr, cc]
        a, b, mx, my, mz, _ = _fit_planes(comp, n_seg, x, y, zs)
        seg_building = np.zeros(n_seg, np.int64)
        seg_building[comp] = building[rr, cc]
        seed_label[rr, cc] = comp + 1
        planes = (a, b, mx, my, mz)
        labels = _assign_cells(seed_label, building, z, res, comp, rr, cc, seg_building, planes)
    cells = _subcell_counts(labels, building, z, res, planes)
    tilt, azimuth = plane_tilt_azimuth(a, b)
    return Faces(labels, seg_building - 1, tilt, azimuth, np.ones(n_seg, bool), cells)


#: How far a face's seed bounding box reaches to claim non-seed cells [cells].
ASSIGN_REACH_CELLS = 3
#: Residual difference below which a cell lies on the intersection of two planes [m].
TIE_M = 0.02


def _assign_cells(seed_label, building, z, res, comp, rr, cc, seg_building, planes) -> np.ndarray:
    """Face label of every roof cell: seeds keep theirs; other cells take the best-fitting nearby face (ties:
    see :func:`segment_roofs`)."""
    a, b, mx, my, mz = planes
    n_seg = a.size
    labels = np.where(building > 0, seed_label, 0).astype(np.int32)
    # nearest seed of the same building: the fallback when no face plane is near enough
    _, (ir, ic) = ndimage.distance_transform_edt(seed_label == 0, return_indices=True)
    fr, fc = np.nonzero((building > 0) & (seed_label == 0))
    if fr.size == 0:
        return labels
    nearest = np.where(building[ir[fr, fc], ic[fr, fc]] == building[fr, fc], seed_label[ir[fr, fc], ic[fr, fc]], 0)
    # candidate faces of the cell's building: padded table building -> faces
    order = np.argsort(seg_building, kind="stable")
    counts = np.bincount(seg_building, minlength=int(building.max()) + 1)
    width = int(counts.max())
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    table = np.full((counts.size, width), -1, np.int64)
    pos = np.arange(n_seg) - start[seg_building[order]]
    table[seg_building[order], pos] = order
    cand = table[building[fr, fc]]  # (cells, width)
    r_lo = np.full(n_seg, np.iinfo(np.int64).max)
    r_hi = np.full(n_seg, -1)
    c_lo = np.full(n_seg, np.iinfo(np.int64).max)
    c_hi = np.full(n_seg, -1)
    np.minimum.at(r_lo, comp, rr)
    np.maximum.at(r_hi, comp, rr)
    np.minimum.at(c_lo, comp, cc)
    np.maximum.at(c_hi, comp, cc)
    safe = np.maximum(cand, 0)
    near = ((cand >= 0) & (fr[:, None] >= r_lo[safe] - ASSIGN_REACH_CELLS) & (fr[:, None] <= r_hi[safe] + ASSIGN_REACH_CELLS)
            & (fc[:, None] >= c_lo[safe] - ASSIGN_REACH_CELLS) & (fc[:, None] <= c_hi[safe] + ASSIGN_REACH_CELLS))
    xs, ys = fc * res, -fr * res
    zpred = mz[safe] + a[safe] * (xs[:, None] - mx[safe]) + b[safe] * (ys[:, None] - my[safe])
    resid = np.where(near, np.abs(zpred - z[fr, fc][:, None]), np.inf)
    resid = np.where(np.isnan(resid), np.inf, resid)
    best = np.argmin(resid, axis=1)
    best_r = resid[np.arange(fr.size), best]
    # ties: another candidate within TIE_M of the best; pick by a position hash so ties split evenly
    tied = resid <= best_r[:, None] + TIE_M
    n_tied = tied.sum(axis=1)
    mixed = (fr.astype(np.uint64) * np.uint64(2654435761)) ^ (fc.astype(np.uint64) * np.uint64(2246822519))
    pick = ((mixed >> np.uint64(16)) % np.maximum(n_tied, 1).astype(np.uint64)).astype(np.int64)
    rank = np.cumsum(tied, axis=1) - 1
    chosen = np.argmax(tied & (rank == pick[:, None]), axis=1)
    labels[fr, fc] = np.where(np.isfinite(best_r), cand[np.arange(fr.size), chosen] + 1, nearest)
    return labels


def _misfit_groups(labels, seed_label, building, z, res, planes, tol_m, min_cells):
    """Connected groups (per building) of non-seed roof cells whose face plane misses them by > ``tol_m``,
    with ≥ ``min_cells`` cells and a planar fit: (rows, cols, group index) or None."""
    a, b, mx, my, mz = planes
    fr, fc = np.nonzero((labels > 0) & (building > 0) & (seed_label == 0) & np.isfinite(z))
    if fr.size == 0:
        return None
    f = labels[fr, fc] - 1
    resid = np.abs(mz[f] + a[f] * (fc * res - mx[f]) + b[f] * (-fr * res - my[f]) - z[fr, fc])
    bad = np.zeros(labels.shape, bool)
    bad[fr[resid > tol_m], fc[resid > tol_m]] = True
    if bad.sum() < min_cells:
        return None
    groups, _ = ndimage.label(bad, structure=np.ones((3, 3)))
    gr, gc = np.nonzero(groups)
    key = groups[gr, gc].astype(np.int64) * (int(building.max()) + 1) + building[gr, gc]
    _, comp = np.unique(key, return_inverse=True)
    sizes = np.bincount(comp)
    keep = sizes[comp] >= min_cells
    if not keep.any():
        return None
    gr, gc = gr[keep], gc[keep]
    _, comp = np.unique(comp[keep], return_inverse=True)
    n = int(comp.max()) + 1
    ga, gb, gmx, gmy, gmz, _ = _fit_planes(comp, n, gc * res, -gr * res, z[gr, gc])
    fit = np.abs(gmz[comp] + ga[comp] * (gc * res - gmx[comp]) + gb[comp] * (-gr * res - gmy[comp]) - z[gr, gc])
    rms = np.sqrt(np.bincount(comp, fit * fit, n) / np.bincount(comp, minlength=n))
    planar = rms[comp] <= tol_m / 2.0
    if not planar.any():
        return None
    _, comp = np.unique(comp[planar], return_inverse=True)
    return gr[planar], gc[planar], comp


#: Sub-cell offsets [cells] of the 4 × 4 split of an edge cell.
_SUB = (np.arange(4) + 0.5) / 4.0 - 0.5
#: Edge cells split at once (memory ≈ 16 × 9 × 8 B × 3 per cell).
_EDGE_CELLS_PER_CHUNK = 20_000


def _subcell_counts(labels, building, z, res, planes) -> np.ndarray:
    """Planimetric size of each face in cells, edge cells split into 4 × 4 sub-cells (see :func:`segment_roofs`)."""
    a, b, mx, my, mz = planes
    n_seg = a.size
    padded = np.pad(labels, 1)
    rows, cols = labels.shape
    neigh = np.stack([padded[1 + dr:1 + dr + rows, 1 + dc:1 + dc + cols]
                      for dr in (-1, 0, 1) for dc in (-1, 0, 1)], axis=-1)  # (rows, cols, 9)
    bpad = np.pad(building, 1)
    bneigh = np.stack([bpad[1 + dr:1 + dr + rows, 1 + dc:1 + dc + cols]
                       for dr in (-1, 0, 1) for dc in (-1, 0, 1)], axis=-1)
    other = (neigh > 0) & (neigh != labels[..., None]) & (bneigh == building[..., None])
    edge = (labels > 0) & other.any(axis=-1)
    whole = np.where(edge, 0, labels)
    counts = np.bincount(whole[whole > 0] - 1, minlength=n_seg).astype(float)
    er, ec = np.nonzero(edge)
    if er.size == 0:
        return counts
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    dr, dc = (g.ravel() for g in np.meshgrid(_SUB, _SUB, indexing="ij"))
    for start in range(0, er.size, _EDGE_CELLS_PER_CHUNK):  # bounded memory: cells × 16 × 9 per chunk
        r, c = er[start:start + _EDGE_CELLS_PER_CHUNK], ec[start:start + _EDGE_CELLS_PER_CHUNK]
        cand = np.where(bneigh[r, c] == building[r, c][:, None], neigh[r, c], 0)  # (cells, 9), 0 = none
        cand = np.where(cand > 0, cand, labels[r, c][:, None]) - 1
        sr = r[:, None] + dr[None, :]  # (cells, 16)
        sc = c[:, None] + dc[None, :]
        zi = ndimage.map_coordinates(filled, [sr.ravel(), sc.ravel()], order=1, mode="nearest").reshape(sr.shape)
        x, y = sc * res, -sr * res
        zp = (mz[cand][:, None, :] + a[cand][:, None, :] * (x[..., None] - mx[cand][:, None, :])
              + b[cand][:, None, :] * (y[..., None] - my[cand][:, None, :]))  # (cells, 16, 9)
        best = np.argmin(np.abs(zp - zi[..., None]), axis=-1)
        face = np.take_along_axis(cand, best, axis=1)  # (cells, 16)
        np.add.at(counts, face.ravel(), 1.0 / _SUB.size ** 2)
    return counts


def _merge_coplanar(comp, n_seg, seg_building, x, y, z, angle_deg, offset_m):
    """Relabel segments so that coplanar segments of one building share a label (consecutive from 0)."""
    a, b, mx, my, mz, _ = _fit_planes(comp, n_seg, x, y, z)
    parent = np.arange(n_seg)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    normals = np.stack([-a, -b, np.ones_like(a)], axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    cos_max = np.cos(np.radians(angle_deg))
    order = np.argsort(seg_building, kind="stable")
    bounds = np.flatnonzero(np.diff(seg_building[order])) + 1
    for group in np.split(order, bounds):
        if group.size < 2:
            continue
        for i_pos, i in enumerate(group):
            for j in group[i_pos + 1:]:
                if normals[i] @ normals[j] < cos_max:
                    continue
                # height of each plane at the other's centroid
                off_ij = abs(mz[i] + a[i] * (mx[j] - mx[i]) + b[i] * (my[j] - my[i]) - mz[j])
                off_ji = abs(mz[j] + a[j] * (mx[i] - mx[j]) + b[j] * (my[i] - my[j]) - mz[i])
                if max(off_ij, off_ji) <= offset_m:
                    parent[find(j)] = find(i)
    roots = np.array([find(i) for i in range(n_seg)])
    _, relabel = np.unique(roots, return_inverse=True)
    return relabel[comp]


@dataclass(frozen=True)
class RoofAttributes:
    """Per-building roof geometry derived from attributes and the footprint (arrays indexed by building).

    ``shape``: code of :data:`SHAPE_CODES`; ``tilt`` [deg]; ``azimuth`` [deg] downslope of the main face;
    ``cx``, ``cy``: footprint centre [m]; ``half_u``, ``half_v``: half extents of the oriented footprint rectangle
    along the main face's downslope direction u and along the ridge v [m]; ``height``: ridge height above
    ground [m]; ``ground``: ground elevation [m].
    """

    shape: np.ndarray
    tilt: np.ndarray
    azimuth: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    half_u: np.ndarray
    half_v: np.ndarray
    height: np.ndarray
    ground: np.ndarray


def roof_attributes(buildings: gpd.GeoDataFrame, ground: np.ndarray, *, default_pitch_deg: float = 35.0,
                    default_shed_pitch_deg: float = 10.0) -> RoofAttributes:
    """Roof geometry from ``roof_shape``, ``height_m``, ``roof_tilt_deg``, ``roof_azimuth_deg`` and the footprint.

    Without ``roof_azimuth_deg`` the ridge runs along the footprint's long axis (gable, hip) and a shed roof
    faces the long side nearer to south; without ``roof_tilt_deg`` pitched roofs get ``default_pitch_deg`` and
    shed roofs ``default_shed_pitch_deg`` [deg].
    """
    n = len(buildings)
    geoms = buildings.geometry.to_numpy()
    shape = np.array([SHAPE_CODES.get(str(s), 0) for s in buildings["roof_shape"].to_numpy()], np.int64)
    rect = shapely.oriented_envelope(geoms)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(rect)) if n else np.zeros((0, 2))
    counts = shapely.get_num_coordinates(shapely.get_exterior_ring(rect)) if n else np.zeros(0, int)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    p0 = coords[starts]
    p1 = coords[np.minimum(starts + 1, len(coords) - 1)]
    p2 = coords[np.minimum(starts + 2, len(coords) - 1)]
    e1, e2 = p1 - p0, p2 - p1
    l1, l2 = np.linalg.norm(e1, axis=1), np.linalg.norm(e2, axis=1)
    long_vec = np.where((l1 >= l2)[:, None], e1, e2)
    long_az = np.degrees(np.arctan2(long_vec[:, 0], long_vec[:, 1])) % 180.0  # ridge direction
    across = (long_az + 90.0) % 360.0  # perpendicular to the ridge, in [90, 270)
    across = np.where(np.cos(np.radians(across - 180.0)) >= 0.0, across, (across + 180.0) % 360.0)  # nearer south
    attr_az = _column(buildings, "roof_azimuth_deg", n)
    azimuth = np.where(np.isfinite(attr_az), attr_az % 360.0, across)
    attr_tilt = _column(buildings, "roof_tilt_deg", n)
    default_tilt = np.where(shape == SHAPE_CODES["shed"], default_shed_pitch_deg, default_pitch_deg)
    tilt = np.where(np.isfinite(attr_tilt), attr_tilt, default_tilt)
    tilt = np.where(shape == SHAPE_CODES["flat"], 0.0, np.clip(tilt, 0.0, 75.0))
    centre = shapely.get_coordinates(shapely.centroid(rect)) if n else np.zeros((0, 2))
    u = np.stack([np.sin(np.radians(azimuth)), np.cos(np.radians(azimuth))], axis=1)
    v = np.stack([u[:, 1], -u[:, 0]], axis=1)
    rel = coords - np.repeat(centre, counts, axis=0)
    owner = np.repeat(np.arange(n), counts)
    half_u = np.zeros(n)
    half_v = np.zeros(n)
    np.maximum.at(half_u, owner, np.abs((rel * u[owner]).sum(axis=1)))
    np.maximum.at(half_v, owner, np.abs((rel * v[owner]).sum(axis=1)))
    height = np.nan_to_num(_column(buildings, "height_m", n), nan=6.0)
    return RoofAttributes(shape, tilt, azimuth, centre[:, 0] if n else np.zeros(0), centre[:, 1] if n else np.zeros(0),
                          half_u, half_v, np.maximum(height, 0.5), np.asarray(ground, float))


def _column(frame: gpd.GeoDataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame.columns:
        return np.full(n, np.nan)
    return np.asarray(frame[name].to_numpy(dtype=float, na_value=np.nan), float)


def attribute_roof(attrs: RoofAttributes, building: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Roof elevation [m] and face number (0-3 within the building) at cells of known building.

    Parameters
    ----------
    building : building index per cell (≥ 0); x, y : cell centres [m].

    Notes
    -----
    Each face is a plane through the ridge descending at tan β along its azimuth; the roof is the lower
    envelope of the planes (z = ground + H − tan β · d, d the horizontal distance from the ridge along the
    face's direction). Gable: faces ±u; hip: ±u and the two ends ±v with a ridge of half length
    max(half_v − half_u, 0); shed: one face rising to the back edge; flat: z = ground + H.
    """
    b = building
    t = np.tan(np.radians(attrs.tilt[b]))
    az = np.radians(attrs.azimuth[b])
    du = (x - attrs.cx[b]) * np.sin(az) + (y - attrs.cy[b]) * np.cos(az)
    dv = (x - attrs.cx[b]) * np.cos(az) - (y - attrs.cy[b]) * np.sin(az)
    shape = attrs.shape[b]
    top = attrs.ground[b] + attrs.height[b]
    face = np.zeros(b.shape, np.int64)
    drop = np.zeros(b.shape)
    gable = (shape == SHAPE_CODES["gable"]) | (shape == SHAPE_CODES["hip"])
    face = np.where(gable & (du < 0), 1, face)
    drop = np.where(gable, np.abs(du), drop)
    hip = shape == SHAPE_CODES["hip"]
    end = np.abs(dv) - np.maximum(attrs.half_v[b] - attrs.half_u[b], 0.0)
    use_end = hip & (end > np.abs(du))
    face = np.where(use_end, np.where(dv >= 0, 2, 3), face)
    drop = np.where(use_end, end, drop)
    shed = shape == SHAPE_CODES["shed"]
    drop = np.where(shed, du + attrs.half_u[b], drop)
    z = top - t * np.maximum(drop, 0.0)
    return z, face


def face_orientation(attrs: RoofAttributes, building: np.ndarray, face: np.ndarray):
    """Tilt [deg] and azimuth [deg from north] of attribute face ``face`` (0-3) of ``building``."""
    az = attrs.azimuth[building]
    offset = np.select([face == 1, face == 2, face == 3], [180.0, 90.0, 270.0], 0.0)
    azimuth = (az + offset) % 360.0
    azimuth = np.where(attrs.shape[building] == SHAPE_CODES["flat"], 180.0, azimuth)
    return attrs.tilt[building], azimuth
