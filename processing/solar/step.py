"""The solar step: per-roof-face real-sky irradiation with terrain and building shading, PV capacity, yield,
suitability class, and the irradiation raster over roofs.

Work is windowed: buildings are grouped by the ``window_cells`` × ``window_cells`` window holding their
representative point; each group's box (the union of its footprints) is read from the surface model with a
halo of ``search_distance_m`` (:func:`processing.solar.horizon.halo_cells`) on every side, so memory is set by
the window size and the search distance, not by the region.

Each group is one task (:func:`solar_window`: surface read, roof faces, horizon ray marching, irradiation and
yield) mapped through ``ctx.executor`` — in-process or on Dask workers, with the sky model, parameters and
buildings sent to each worker once as the shared context. Results come back in group order and are written
as they arrive (irradiation block into the GeoTIFF, faces kept for the table), so the output is identical to
an in-process run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio import features
from scipy import ndimage

from layers.catalog import get_layer
from layers.catalog.solar import SOLAR_CLASSES
from layers.communes import commune_of
from layers.data import LayerData
from layers.errors import InputDataError
from layers.grid import Grid
from layers.raster import Raster, RasterFile
from layers.rasterize import burn
from layers.sample import sample_xy
from processing.emission_factors import default_factors_note
from processing.pipeline import StepContext, log_note
from processing.solar import classes, horizon, pv, racking, shading
from processing.solar import faces as roof_faces
from processing.solar.params import SolarParams
from processing.solar.rasters import IrradiationWriter, read_block
from processing.solar.sky import WH_PER_KWH, Sky, plane_components, representative_sky

log = logging.getLogger(__name__)

IRRADIATION_UNIT = get_layer("solar_irradiation").unit
#: Faces whose hourly arrays are held at once (memory ≈ faces × daylight steps × 8 B per array).
FACES_PER_CHUNK = 512
#: Default ridge height of a building without height_m [m] (two storeys).
DEFAULT_HEIGHT_M = 6.0
#: Kilowatt-hours per megawatt-hour.
KWH_PER_MWH = 1000.0


@dataclass(frozen=True)
class _Context:
    params: SolarParams
    grid: Grid
    sky: Sky
    bins: shading.SunBins
    optimum: pv.Optimum
    system: pv.SystemSpec
    buildings: gpd.GeoDataFrame
    attrs: roof_faces.RoofAttributes
    dsm: Raster | RasterFile | None
    dem: Raster | RasterFile
    module_azimuth_deg: float = 180.0
    flat_usable_share: float = classes.FLAT_USABLE_SHARE


def run(ctx: StepContext[SolarParams]) -> Mapping[str, LayerData]:
    """Solar roofs and irradiation raster for the region (see the package docstring)."""
    p = ctx.params
    crs = ctx.region.crs
    buildings = check_buildings(ctx.vector("buildings"))
    dem = check_raster(ctx.raster("dem"), "dem", buildings)
    dsm = ctx.raster("dsm")
    if dsm is not None:
        dsm = check_raster(dsm, "dsm", buildings)
    else:
        log.warning("solar: no DSM; roof faces come from building attributes (confidence low) and shading from "
                    "the DEM with buildings extruded from height_m")
    log_note(log, "solar", default_factors_note(p, ("grid_co2_t_mwh",), "[params.solar]"))
    climate = ctx.table("climate")
    communes = ctx.vector("communes")
    ctx.progress(0.02, "sky of the representative year")
    lat, lon = ctx.region.centre_latlon()
    ground = sample_xy(dem, *_points(buildings))
    altitude = float(np.nanmedian(ground)) if np.isfinite(ground).any() else 0.0
    sky = representative_sky(lat, lon, altitude, climate, transposition=p.transposition, year=p.year,
                             step_minutes=p.time_step_minutes, albedo=p.albedo, day_model=p.day_model,
                             hourly=ctx.table("climate_hourly"))
    system = pv.SystemSpec(p.system_losses_pct, p.gamma_pdc_per_k, p.inverter_efficiency)
    optimum = pv.regional_optimum(sky, system)
    log.info("solar: all-sky GHI %.0f kWh m-2 yr-1 (%s); regional optimum %.0f° / %.0f°: %.0f kWh m-2 yr-1, "
             "%.0f kWh kWp-1 yr-1", sky.ghi_kwh_m2_yr, sky.climate_source, optimum.tilt_deg, optimum.azimuth_deg,
             optimum.irradiation_kwh_m2_yr, optimum.specific_yield_kwh_kwp)
    ground = np.where(np.isfinite(ground), ground, altitude)
    attrs = roof_faces.roof_attributes(buildings, ground, default_pitch_deg=p.default_pitch_deg,
                                       default_shed_pitch_deg=p.default_shed_pitch_deg)
    res = ctx.resolution_m if dsm is None else dsm.res
    anchor = (dsm.transform.c, dsm.transform.f) if dsm is not None else (0.0, 0.0)
    extent = _union_extent(ctx.region.extent, buildings.total_bounds)
    grid = Grid(extent, res, crs, origin=anchor)
    module_azimuth = (racking.equator_azimuth(lat) if p.flat_module_azimuth_deg is None
                      else p.flat_module_azimuth_deg)
    flat_share = (racking.flat_usable_share(p.flat_module_tilt_deg, module_azimuth, lat, p.roof_edge_share)
                  if p.flat_usable_share is None else p.flat_usable_share)
    log.info("solar: flat roofs carry rows at %.0f° / %.0f°, usable share %.2f", p.flat_module_tilt_deg,
             module_azimuth, flat_share)
    work = _Context(p, grid, sky, shading.sun_bins(sky, p.n_sectors, p.elevation_bin_deg), optimum, system,
                    buildings, attrs, dsm, dem, module_azimuth, flat_share)
    writer = IrradiationWriter(ctx.workdir / "solar_irradiation.tif", grid)
    groups = _window_groups(buildings, grid, p.window_cells)
    pieces = []
    # in group order: where footprints overlap, the later group's cells win, as in a serial run
    for i, (_, done) in enumerate(ctx.executor.imap(solar_window, groups, context=work, ordered=True)):
        if done is not None:
            row0, col0, block, piece = done
            writer.write(row0, col0, block)
            pieces.append(piece)
        ctx.progress(0.05 + 0.9 * (i + 1) / max(len(groups), 1), f"window {i + 1}/{len(groups)}")
    roofs = _finish(work, pieces, communes, crs)
    ctx.progress(1.0, f"{len(roofs)} roof faces")
    return {"solar_roofs": roofs, "solar_irradiation": writer.result(IRRADIATION_UNIT)}


# ---------------------------------------------------------------------------------------------- input checks

def check_buildings(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The buildings (as checked against the catalog) with valid polygon footprints and a height; raise
    :class:`InputDataError` when none has a footprint."""
    if len(buildings) == 0:
        raise InputDataError("the buildings layer is empty: the solar step needs building footprints; check "
                             "[inputs.buildings] (path, layer, where filter) in the region file")
    polys = buildings[buildings.geometry.notna() & ~buildings.geometry.is_empty
                      & buildings.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(polys) < len(buildings):
        log.warning("solar: %d buildings without a polygon footprint are ignored", len(buildings) - len(polys))
    if len(polys) == 0:
        raise InputDataError("no building has a polygon footprint; the solar step needs footprints")
    polys = polys.copy()
    polys["geometry"] = shapely.make_valid(polys.geometry.to_numpy())
    if "height_m" not in polys.columns:
        polys["height_m"] = np.nan
    n_missing = int(polys["height_m"].isna().sum())
    if n_missing:
        log.warning("solar: %d buildings without height_m get %.0f m", n_missing, DEFAULT_HEIGHT_M)
        polys["height_m"] = polys["height_m"].fillna(DEFAULT_HEIGHT_M)
    return polys.reset_index(drop=True)


def check_raster(data: Raster | RasterFile, name: str, buildings: gpd.GeoDataFrame) -> Raster | RasterFile:
    """``data`` if it is north-up with square cells and overlaps the buildings."""
    t = data.transform
    if t.b != 0 or t.d != 0 or abs(abs(t.a) - abs(t.e)) > 1e-6 * abs(t.a):
        raise InputDataError(f"{name} must be north-up with square cells; warp it to the region grid")
    xmin, ymin, xmax, ymax = data.bounds
    bx = buildings.total_bounds
    if xmax <= bx[0] or xmin >= bx[2] or ymax <= bx[1] or ymin >= bx[3]:
        raise InputDataError(f"{name} covers ({xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}), which does not overlap "
                             f"the buildings ({bx[0]:.0f}, {bx[1]:.0f}, {bx[2]:.0f}, {bx[3]:.0f}); check that "
                             f"[inputs.{name}] is the right file and CRS")
    return data


def _points(buildings: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.get_coordinates(shapely.point_on_surface(buildings.geometry.to_numpy()))
    return pts[:, 0], pts[:, 1]


def _union_extent(a, b) -> tuple[float, float, float, float]:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _window_groups(buildings: gpd.GeoDataFrame, grid: Grid, size: int) -> list[np.ndarray]:
    xs, ys = _points(buildings)
    t = grid.transform
    cols = np.floor((xs - t.c) / t.a).astype(np.int64) // size
    rows = np.floor((ys - t.f) / t.e).astype(np.int64) // size
    key = rows * (grid.shape[1] // size + 2) + cols
    order = np.argsort(key, kind="stable")
    splits = np.flatnonzero(np.diff(key[order])) + 1
    return [g for g in np.split(order, splits) if g.size]


# ---------------------------------------------------------------------------------------------- one window

def solar_window(members: np.ndarray, work: _Context) -> tuple[int, int, np.ndarray, pd.DataFrame] | None:
    """Faces, horizons, irradiation and yield of the buildings ``members`` (indices into ``work.buildings``).

    The task of one window, run in-process or on a Dask worker (``work`` is the context shared by every
    window). The box is the union of the members' footprints; the surface is read over the box grown by the
    halo (search distance) so that every ray of every roof cell stays inside what was read. Returns the
    box's origin (row, col of the work grid), its irradiation block [kWh m-2 yr-1] (NaN off the faces) and
    the faces, or ``None`` when no face is found.
    """
    p, grid, res = work.params, work.grid, work.grid.res
    geoms = work.buildings.geometry.to_numpy()
    t = grid.transform
    bx = shapely.total_bounds(geoms[members])
    col0 = int(np.floor((bx[0] - t.c) / t.a)) - 1
    row0 = int(np.floor((bx[3] - t.f) / t.e)) - 1
    col1 = int(np.ceil((bx[2] - t.c) / t.a)) + 1
    row1 = int(np.ceil((bx[1] - t.f) / t.e)) + 1
    rows, cols = row1 - row0, col1 - col0
    halo = horizon.halo_cells(p.search_distance_m, res)
    pr0, pc0, prows, pcols = row0 - halo, col0 - halo, rows + 2 * halo, cols + 2 * halo
    box_transform = grid.block_transform(row0, col0)
    # building label over the box: local index + 1
    label = burn(geoms[members], np.arange(1, len(members) + 1), out_shape=(rows, cols), transform=box_transform,
                 dtype="int32")
    surface, dsm_valid = _surface(work, pr0, pc0, prows, pcols)
    core = (slice(halo, halo + rows), slice(halo, halo + cols))
    z_box = surface[core]
    found = _faces(work, members, label, z_box, dsm_valid[core] if dsm_valid is not None else None, box_transform,
                   row0, col0)
    if found.count == 0:
        return None
    rr, cc = np.nonzero(found.labels)
    face = found.labels[rr, cc] - 1
    tilt, azimuth = racking.module_plane(found.tilt, found.azimuth, flat_tilt_deg=p.flat_tilt_deg,
                                         module_tilt_deg=p.flat_module_tilt_deg,
                                         module_azimuth_deg=work.module_azimuth_deg)
    hz = horizon.horizon_angles(surface, rr + halo, cc + halo, res, n_sectors=p.n_sectors,
                                search_distance_m=p.search_distance_m, step_growth=p.step_growth,
                                near_distance_m=p.near_distance_m)
    dvf = horizon.diffuse_view_factor(hz, tilt[face], azimuth[face])
    cell_irr = np.empty(face.size)
    n = found.count
    dvf_mean = np.bincount(face, dvf, n) / np.maximum(np.bincount(face, minlength=n), 1)
    spec = np.empty(n)
    unshaded = np.empty(n)
    order = np.argsort(face, kind="stable")
    bounds = np.searchsorted(face[order], np.arange(0, n + FACES_PER_CHUNK, FACES_PER_CHUNK))
    for ci, start in enumerate(range(0, n, FACES_PER_CHUNK)):
        stop = min(start + FACES_PER_CHUNK, n)
        cells = order[bounds[ci]:bounds[ci + 1]]
        local = face[cells] - start
        comp = plane_components(work.sky, tilt[start:stop], azimuth[start:stop])
        table = shading.direct_tables(comp.direct, work.bins, work.sky.hours)
        sky_total = comp.sky.sum(axis=1) * work.sky.hours / WH_PER_KWH
        ground_total = comp.ground.sum(axis=1) * work.sky.hours / WH_PER_KWH
        cell_irr[cells] = (shading.cell_direct(table, local, hz[cells], p.elevation_bin_deg)
                           + sky_total[local] * dvf[cells] + ground_total[local])
        lit = shading.sunlit_share(local, hz[cells], stop - start, work.bins)
        spec[start:stop] = pv.specific_yield(work.sky, tilt[start:stop], comp.direct * lit,
                                             comp.sky * dvf_mean[start:stop, None], comp.ground, comp.cos_aoi,
                                             work.system)
        unshaded[start:stop] = comp.total.sum(axis=1) * work.sky.hours / WH_PER_KWH
    block = np.full((rows, cols), np.nan, np.float32)
    block[rr, cc] = cell_irr
    irr = np.bincount(face, cell_irr, n) / np.maximum(np.bincount(face, minlength=n), 1)
    polygons = _face_polygons(found, box_transform, geoms[members])
    # planimetric area: the face polygon clipped to the footprint (exact at the eaves), corrected for the
    # cells split between faces (sub-cell shares at ridges and hips instead of whole cells)
    whole_cells = np.bincount(face, minlength=n)
    planar = np.nan_to_num(shapely.area(polygons.astype(object))) + (found.cells - whole_cells) * res * res
    return row0, col0, block, pd.DataFrame({
        "building": members[found.building], "geometry": polygons, "planar_m2": planar, "tilt_deg": found.tilt,
        "azimuth_deg": found.azimuth, "module_tilt_deg": tilt, "module_azimuth_deg": azimuth,
        "irradiation_kwh_m2_yr": irr, "unshaded_kwh_m2_yr": unshaded,
        "specific_yield_kwh_kwp": spec, "sky_view_factor": dvf_mean, "from_dsm": found.from_dsm})


def _surface(work: _Context, row0: int, col0: int, rows: int, cols: int):
    """Surface elevation [m] over a block: the DSM, completed with DEM + attribute roofs where it has no data."""
    dsm_valid = None
    if work.dsm is not None:
        surface = read_block(work.dsm, work.grid, row0, col0, rows, cols)
        dsm_valid = np.isfinite(surface)
        if dsm_valid.all():
            return surface, dsm_valid
    pseudo = _pseudo_surface(work, row0, col0, rows, cols)
    if dsm_valid is None:
        return pseudo, None
    return np.where(dsm_valid, surface, pseudo), dsm_valid


def _pseudo_surface(work: _Context, row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
    """DEM with every building raised to its attribute roof [m]."""
    z = read_block(work.dem, work.grid, row0, col0, rows, cols)
    transform = work.grid.block_transform(row0, col0)
    x0, y1 = transform @ (0, 0)
    x1, y0 = transform @ (cols, rows)
    geoms = work.buildings.geometry.to_numpy()
    hits = work.buildings.sindex.query(shapely.box(x0, y0, x1, y1))
    if hits.size:
        bl = burn(geoms[hits], hits + 1, out_shape=(rows, cols), transform=transform, dtype="int32")
        rr, cc = np.nonzero(bl)
        if rr.size:
            xs, ys = transform @ (cc + 0.5, rr + 0.5)
            roof, _ = roof_faces.attribute_roof(work.attrs, bl[rr, cc] - 1, np.asarray(xs), np.asarray(ys))
            z[rr, cc] = roof
    return z


def _faces(work: _Context, members: np.ndarray, label: np.ndarray, z_box: np.ndarray,
           dsm_valid: np.ndarray | None, transform, row0: int, col0: int) -> roof_faces.Faces:
    """Faces of the box's buildings: segmented from the DSM where it covers them, else from attributes."""
    p = work.params
    n_local = members.size
    counts = np.bincount(label.ravel(), minlength=n_local + 1)[1:]
    use_dsm = np.zeros(n_local, bool)
    seg = roof_faces.Faces.empty(label.shape)
    if dsm_valid is not None:
        covered = np.bincount(label[dsm_valid], minlength=n_local + 1)[1:]
        use_dsm = covered >= p.min_dsm_coverage * np.maximum(counts, 1)
        seg_label = np.where(use_dsm[np.maximum(label - 1, 0)] & (label > 0), label, 0)
        ground = read_block(work.dem, work.grid, row0, col0, *label.shape)
        seg = roof_faces.segment_roofs(z_box, seg_label, work.grid.res, max_normal_angle_deg=p.max_normal_angle_deg,
                                       max_roughness_m=p.max_roughness_m, min_seed_cells=p.min_seed_cells,
                                       merge_angle_deg=p.merge_angle_deg, merge_offset_m=p.merge_offset_m,
                                       ground=ground, min_roof_height_m=p.min_roof_height_m)
        has_face = np.zeros(n_local, bool)
        has_face[seg.building] = True
        use_dsm &= has_face
    labels = np.where(np.isin(label - 1, np.flatnonzero(use_dsm)) & (label > 0), seg.labels, 0).astype(np.int32)
    keep = use_dsm[seg.building] if seg.count else np.zeros(0, bool)
    # renumber the kept DSM faces
    new_id = np.zeros(seg.count + 1, np.int32)
    new_id[1:][keep] = np.arange(1, keep.sum() + 1)
    labels = new_id[labels]
    building = [seg.building[keep]]
    tilt, azimuth, from_dsm = [seg.tilt[keep]], [seg.azimuth[keep]], [np.ones(int(keep.sum()), bool)]
    rr, cc = np.nonzero((label > 0) & ~use_dsm[np.maximum(label - 1, 0)])
    if rr.size:
        local_b = label[rr, cc] - 1
        xs, ys = transform @ (cc + 0.5, rr + 0.5)
        _, face_no = roof_faces.attribute_roof(work.attrs, members[local_b], np.asarray(xs), np.asarray(ys))
        key = local_b * 4 + face_no
        uniq, inv = np.unique(key, return_inverse=True)
        labels[rr, cc] = int(keep.sum()) + 1 + inv
        ub, uf = uniq // 4, uniq % 4
        t, a = roof_faces.face_orientation(work.attrs, members[ub], uf)
        building.append(ub)
        tilt.append(t)
        azimuth.append(a)
        from_dsm.append(np.zeros(uniq.size, bool))
    building = np.concatenate(building).astype(np.int64)
    n = building.size
    cells = np.bincount(labels[labels > 0] - 1, minlength=n).astype(float)
    cells[:int(keep.sum())] = seg.cells[keep]
    return roof_faces.Faces(labels, building, np.concatenate(tilt), np.concatenate(azimuth),
                            np.concatenate(from_dsm), cells)


def _face_polygons(found: roof_faces.Faces, transform, footprints: np.ndarray) -> np.ndarray:
    """Face polygons: the face cells, grown by two cells and clipped to their building's footprint."""

    labels = found.labels
    dist, (ir, ic) = ndimage.distance_transform_edt(labels == 0, return_distances=True, return_indices=True)
    grown = np.where(dist <= 2.0, labels[ir, ic], 0).astype(np.int32)
    parts: dict[int, list] = {}
    for geom, value in features.shapes(grown, mask=grown > 0, transform=transform):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    out = np.empty(found.count, dtype=object)
    for k in range(found.count):
        merged = shapely.union_all(parts.get(k + 1, []))
        clipped = shapely.intersection(merged, footprints[found.building[k]])
        out[k] = _polygonal(clipped)
    return out


def _polygonal(geom):
    """Only the polygon parts of a geometry (intersections may add lines or points); None when empty."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    return shapely.union_all(polys) if polys else None


# ---------------------------------------------------------------------------------------------- results

def _finish(work: _Context, pieces: list[pd.DataFrame], communes: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    p = work.params
    spec_fields = get_layer("solar_roofs").field_names
    if not pieces:
        log.warning("solar: no roof face found")
        return gpd.GeoDataFrame({f: [] for f in spec_fields}, geometry=[], crs=crs)
    frame = pd.concat(pieces, ignore_index=True)
    frame = frame[frame["geometry"].notna()].reset_index(drop=True)
    geom = gpd.GeoSeries(frame["geometry"].to_numpy(), crs=crs)
    area = frame["planar_m2"].to_numpy() / np.cos(np.radians(frame["tilt_deg"].to_numpy()))
    tilt = frame["tilt_deg"].to_numpy()
    azimuth = np.where(tilt < p.flat_tilt_deg / 2.0, 180.0, frame["azimuth_deg"].to_numpy())
    usable = classes.usable_area(area, tilt, azimuth, flat_tilt_deg=p.flat_tilt_deg,
                                 flat_usable_share=work.flat_usable_share, pitched_usable_share=p.pitched_usable_share,
                                 min_pitched_m2=p.min_module_area_pitched_m2, min_flat_m2=p.min_module_area_flat_m2,
                                 north_max_tilt_deg=p.north_max_tilt_deg, north_half_angle_deg=p.north_half_angle_deg)
    irr = frame["irradiation_kwh_m2_yr"].to_numpy()
    share = irr / work.optimum.irradiation_kwh_m2_yr
    kwp = usable * p.kwp_per_m2
    yield_kwh = kwp * frame["specific_yield_kwh_kwp"].to_numpy()
    b = frame["building"].to_numpy()
    building_ids = work.buildings["building_id"].astype(str).to_numpy()[b]
    rank = pd.Series(np.arange(len(frame))).groupby(b).cumcount().to_numpy() + 1
    commune = commune_of(work.buildings, communes, "representative_point")[b]
    from_dsm = frame["from_dsm"].to_numpy()
    face_class = classes.suitability_class(share, usable, very_good=p.very_good_share, good=p.good_share,
                                           conditional=p.conditional_share)
    out = gpd.GeoDataFrame({
        "building_id": building_ids,
        "face_id": [f"{bid}-{k}" for bid, k in zip(building_ids, rank, strict=True)],
        "commune": commune,
        "area_m2": area,
        "tilt_deg": tilt,
        "azimuth_deg": azimuth,
        "module_tilt_deg": frame["module_tilt_deg"].to_numpy(),
        "module_azimuth_deg": frame["module_azimuth_deg"].to_numpy(),
        "irradiation_kwh_m2_yr": irr,
        "usable_area_m2": usable,
        "kwp": kwp,
        "yield_kwh_yr": yield_kwh,
        "specific_yield_kwh_kwp": frame["specific_yield_kwh_kwp"].to_numpy(),
        "class": face_class,
        "co2_avoided_t_yr": yield_kwh * p.grid_co2_t_mwh / KWH_PER_MWH,
        "suitable": face_class != SOLAR_CLASSES[-1],
        "share_of_optimum": share,
        "shading_loss_pct": np.maximum(100.0 * (1.0 - irr / np.maximum(frame["unshaded_kwh_m2_yr"].to_numpy(), 1e-9)),
                                       0.0),
        "sky_view_factor": frame["sky_view_factor"].to_numpy(),
        "source": np.where(from_dsm, "dsm", "attributes").astype(object),
        "confidence": np.where(from_dsm, "high", "low").astype(object),
        "climate": np.full(len(frame), work.sky.climate_source, dtype=object),
    }, geometry=geom, crs=crs)
    return out[[*spec_fields, "geometry"]]
