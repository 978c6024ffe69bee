"""WebMercatorQuad tiles in Python (the embedded store's tiles; PostGIS builds its own in SQL).

Both backends follow the same rules so their tiles agree: features are selected by the tile envelope
grown by :data:`TILE_BUFFER` tile units, clipped to it, simplified up to zoom :data:`SIMPLIFY_MAX_ZOOM` with a
tolerance of :data:`SIMPLIFY_PIXELS` of a 256-pixel tile's pixel at the zoom, encoded with extent
:data:`TILE_EXTENT` (which snaps MVT geometries to a grid of 1/16 pixel at every zoom); MVT's layer name is the
layer id and its properties are the layer's catalog fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geoservice.store import mvt
from layers.crs import crs_ref
from layers.tiles import tile_bounds_3857

#: MVT coordinate extent of one tile.
TILE_EXTENT = 4096
#: Buffer around the tile [tile units out of TILE_EXTENT] kept when clipping, so strokes join across tiles:
#: 64 units = 4 px of a 256-px tile is enough for the catalog's line widths and 27 % cheaper than 256.
TILE_BUFFER = 64
#: Simplification tolerance in pixels of a 256-px tile at the zoom.
SIMPLIFY_PIXELS = 0.5
#: Deepest zoom simplified (Douglas-Peucker) before encoding; deeper tiles are only snapped to the MVT grid.
#: Simplification pays where a tile spans much more detail than it can show (regions, networks at low
#: zoom). From zoom 13 the tolerance (<= 9.6 m at the equator, about 6 m at 50 deg N) is at the scale of the
#: vertices of building and parcel outlines: measured on 1 million generated buildings (bench/bench_api.py,
#: z13-z15) it shrank tiles by < 0.5 % and cost 4 % of PostGIS's time per tile. The same idea as tegola's
#: ``tile_simplification_max_zoom``.
SIMPLIFY_MAX_ZOOM = 12
#: Circumference of the Web Mercator world [m] (EPSG:3857, 2 * pi * 6378137).
WORLD_SIZE_M = 2 * math.pi * 6378137.0
#: Decimal digits of GeoJSON tile coordinates [deg]; 7 digits ≈ 1 cm.
GEOJSON_DIGITS = 7


def simplify_tolerance_m(z: int) -> float:
    """Simplification tolerance [m] in EPSG:3857 at zoom ``z``; 0 (no simplification) beyond
    :data:`SIMPLIFY_MAX_ZOOM`."""
    if z > SIMPLIFY_MAX_ZOOM:
        return 0.0
    return WORLD_SIZE_M / (256 * 2**z) * SIMPLIFY_PIXELS


def buffered_bounds(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = bounds
    pad = (xmax - xmin) * TILE_BUFFER / TILE_EXTENT
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def query_bounds_in_layer_crs(z: int, x: int, y: int, layer_crs: str,
                              layer_extent: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    """The part of the (buffered) tile that can hold features, as a box in the layer CRS; ``None`` when the
    tile misses the layer's extent. Intersecting with the extent first keeps low-zoom tiles from being
    projected far outside the layer CRS's area of use."""
    if not layer_extent:
        return None
    tile = buffered_bounds(tile_bounds_3857(z, x, y))
    to_3857 = _transformer(layer_crs, "EPSG:3857")
    ext = to_3857.transform_bounds(*layer_extent, densify_pts=21)
    xmin, ymin = max(tile[0], ext[0]), max(tile[1], ext[1])
    xmax, ymax = min(tile[2], ext[2]), min(tile[3], ext[3])
    if xmin > xmax or ymin > ymax:
        return None
    return _transformer("EPSG:3857", layer_crs).transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)


def reproject(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    """``geoms`` transformed from CRS ``src`` to ``dst`` (a cached pyproj Transformer, vectorised)."""
    transformer = _transformer(src, dst)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def prepare_tile_geometries(gdf: gpd.GeoDataFrame, z: int, x: int, y: int) -> gpd.GeoDataFrame:
    """``gdf``'s features in EPSG:3857 clipped to the buffered tile and simplified for zoom ``z`` (up to
    :data:`SIMPLIFY_MAX_ZOOM`); invalid polygons (self-intersecting rings) are made valid first, as
    ST_AsMVTGeom does; features that vanish are dropped."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if len(geoms):
        geoms = reproject(geoms, crs_ref(gdf.crs), "EPSG:3857")
        invalid = np.flatnonzero(np.isin(shapely.get_type_id(geoms), [3, 6]) & ~shapely.is_valid(geoms))
        if len(invalid):
            geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms = shapely.clip_by_rect(geoms, *buffered_bounds(tile_bounds_3857(z, x, y)))
        tolerance = simplify_tolerance_m(z)
        if tolerance > 0:
            geoms = shapely.simplify(geoms, tolerance, preserve_topology=False)
    keep = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms)) if len(geoms) else np.zeros(0, dtype=bool)
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).iloc[np.flatnonzero(keep)]
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms[keep], index=out.index, crs="EPSG:3857"),
                            crs="EPSG:3857")


def to_tile_coordinates(geoms: np.ndarray, z: int, x: int, y: int) -> np.ndarray:
    """EPSG:3857 geometries in the tile's integer grid (0-TILE_EXTENT, y pointing down, as MVT stores them)."""
    xmin, ymin, xmax, ymax = tile_bounds_3857(z, x, y)
    sx, sy = TILE_EXTENT / (xmax - xmin), TILE_EXTENT / (ymax - ymin)

    def affine(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - xmin) * sx, (ymax - xy[:, 1]) * sy))

    return shapely.transform(geoms, affine)


def _plain(value):
    """``value`` as a plain Python scalar; ``None`` for a missing one (None, NaN, or pandas' NA of a nullable
    int or bool column)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def encode_mvt(gdf: gpd.GeoDataFrame, layer_id: str, fields: Sequence[str], z: int, x: int, y: int) -> bytes:
    """An MVT tile of ``gdf`` (EPSG:3857, already clipped) with one layer named ``layer_id`` whose properties
    are ``fields`` (missing values left out); ``b""`` when no feature is left."""
    if len(gdf) == 0:
        return b""
    geoms = to_tile_coordinates(np.asarray(gdf.geometry.values, dtype=object), z, x, y)
    columns = [[_plain(v) for v in gdf[f].tolist()] for f in fields]
    properties = [dict(zip(fields, row)) for row in zip(*columns)] if fields else [{}] * len(gdf)
    return mvt.encode_layer(layer_id, [int(i) for i in gdf.index], geoms, properties, TILE_EXTENT)


def encode_geojson(gdf: gpd.GeoDataFrame, fields: Sequence[str]) -> bytes:
    """A GeoJSON FeatureCollection (CRS84) of ``gdf`` (EPSG:3857, already clipped and simplified)."""
    if len(gdf) == 0:
        return b""
    geoms = reproject(np.asarray(gdf.geometry.values, dtype=object), "EPSG:3857", "EPSG:4326")
    scale = 10.0**GEOJSON_DIGITS
    geoms = shapely.transform(geoms, lambda xy: np.round(xy * scale) / scale)
    geojson = shapely.to_geojson(geoms)
    features = []
    for fid, geom, props in zip(gdf.index, geojson, gdf[list(fields)].itertuples(index=False)):
        if geom is None:
            continue
        properties = {k: _plain(v) for k, v in zip(fields, props)}
        features.append(f'{{"type":"Feature","id":{int(fid)},"geometry":{geom},'
                        f'"properties":{json.dumps(properties, separators=(",", ":"))}}}')
    if not features:
        return b""
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()
