"""Coordinate reference systems by reference (OGC API – Features Part 2): parse ``crs`` / ``bbox-crs`` URIs,
transform geometries and bounding boxes, honour each CRS's axis order.

Axis order follows the CRS definition, as Part 2 requires: CRS84 and EPSG:3857 are (x=east, y=north),
EPSG:4326 is (lat, lon) and EPSG:2169 (Luxembourg 1930 / Gauss) is (northing, easting). Storage and
GeoDataFrames always use the traditional GIS order (east, north); the swap happens here only.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup
from shapely.geometry.base import BaseGeometry

from layers.crs import epsg_code, same_crs
from layers.errors import InvalidRequest

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
#: EPSG codes every collection offers besides CRS84 and its storage CRS (the region's own CRS).
OFFERED_EPSG = (4326, 3857)

_URI_RE = re.compile(r"^https?://www\.opengis\.net/def/crs/(EPSG|OGC)/[0-9.]+/([A-Za-z0-9]+)$")
_CURIE_RE = re.compile(r"^\[?(EPSG|OGC):([A-Za-z0-9]+)\]?$", re.IGNORECASE)


def uri_for(crs: CRS | str) -> str:
    """The OGC URI of a CRS (``http://www.opengis.net/def/crs/EPSG/0/2169``)."""
    crs = CRS.from_user_input(crs)
    if crs.equals(CRS.from_user_input("OGC:CRS84")) and crs.axis_info[0].direction == "east":
        return CRS84
    code = epsg_code(crs)
    if code is None:
        raise InvalidRequest(f"CRS {crs.name!r} has no EPSG code")
    return _EPSG_URI.format(code=code)


def offered_uris(storage_crs: str | None) -> list[str]:
    """CRS URIs offered by a collection stored in ``storage_crs``: CRS84 first, then the EPSG codes."""
    uris = [CRS84] + [_EPSG_URI.format(code=c) for c in OFFERED_EPSG]
    if storage_crs:
        storage = uri_for(storage_crs)
        if storage not in uris:
            uris.append(storage)
    return uris


@lru_cache(maxsize=64)
def _parse(uri: str) -> CRS:
    m = _URI_RE.match(uri) or _CURIE_RE.match(uri)
    if not m:
        raise ValueError(uri)
    authority, code = m.group(1).upper(), m.group(2)
    if authority == "OGC":
        if code.upper() not in ("CRS84", "CRS84H"):
            raise ValueError(uri)
        return CRS.from_user_input("OGC:CRS84")
    return CRS.from_epsg(int(code))


def parse_crs(uri: str, allowed: list[str], param: str = "crs") -> CRS:
    """The CRS named by ``uri`` if the collection offers it; :class:`InvalidRequest` otherwise."""
    try:
        crs = _parse(uri.strip())
    except (ValueError, Exception) as exc:  # pyproj raises CRSError for unknown codes
        raise InvalidRequest(f"{param}={uri!r} is not a CRS URI; use one of {', '.join(allowed)}") from exc
    if uri_for(crs) not in allowed:
        raise InvalidRequest(f"{param}={uri!r} is not offered here; use one of {', '.join(allowed)}")
    return crs


def lat_first(crs: CRS) -> bool:
    """Whether the CRS's first axis is northing/latitude (EPSG:4326, EPSG:2169)."""
    return crs.axis_info[0].direction.lower() in ("north", "south")


_local = threading.local()
_pipelines: dict[tuple[str, str], str | None] = {}
_pipelines_lock = threading.Lock()


def _pipeline(src: CRS, dst: CRS, key: tuple[str, str]) -> str | None:
    """The PROJ pipeline of the most accurate operation from ``src`` to ``dst`` (GIS axis order), found once
    per process: searching the operations costs ~100 ms, instantiating a known pipeline under 1 ms."""
    with _pipelines_lock:
        if key not in _pipelines:
            try:
                group = TransformerGroup(src, dst, always_xy=True)
                _pipelines[key] = group.transformers[0].definition if group.transformers else None
            except Exception:  # noqa: BLE001 - fall back to a per-thread Transformer.from_crs
                _pipelines[key] = None
        return _pipelines[key]


def transformer(src: CRS, dst: CRS) -> Transformer:
    """A GIS-order (east, north) transformer, cached per thread (pyproj gives each thread its own PROJ
    object) and built from the pipeline found once per process, so a new worker thread pays < 1 ms."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (src.to_wkt(), dst.to_wkt())
    t = cache.get(key)
    if t is None:
        definition = _pipeline(src, dst, key)
        t = Transformer.from_pipeline(definition) if definition else Transformer.from_crs(src, dst, always_xy=True)
        cache[key] = t
    return t


def transform_box(t: Transformer, xmin: float, ymin: float, xmax: float, ymax: float,
                  densify: int = 21) -> tuple[float, float, float, float]:
    """Bounds of a box after transformation, its edges densified with ``densify`` points each (a straight
    edge becomes a curve in the other CRS)."""
    steps = np.linspace(0.0, 1.0, densify)
    xs = np.concatenate([xmin + (xmax - xmin) * steps, np.full(densify, xmax), xmax - (xmax - xmin) * steps,
                         np.full(densify, xmin)])
    ys = np.concatenate([np.full(densify, ymin), ymin + (ymax - ymin) * steps, np.full(densify, ymax),
                         ymax - (ymax - ymin) * steps])
    tx, ty = t.transform(xs, ys, errcheck=False)
    tx, ty = np.asarray(tx), np.asarray(ty)
    ok = np.isfinite(tx) & np.isfinite(ty)
    if not ok.any():
        return (float("inf"),) * 4  # type: ignore[return-value]
    return float(tx[ok].min()), float(ty[ok].min()), float(tx[ok].max()), float(ty[ok].max())


def _swap(coords: np.ndarray) -> np.ndarray:
    return coords[:, ::-1].copy()


def to_request_order(geoms: np.ndarray | BaseGeometry, src: CRS, dst: CRS):
    """Geometries in GIS order in ``src`` → coordinates in ``dst`` in ``dst``'s axis order."""
    out = geoms
    if not same_crs(src, dst):
        t = transformer(src, dst)
        out = shapely.transform(out, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    if lat_first(dst):
        out = shapely.transform(out, _swap)
    return out


def from_request_order(geom: BaseGeometry, src: CRS, dst: CRS) -> BaseGeometry:
    """A geometry given in ``src``'s axis order → GIS order in ``dst``."""
    if lat_first(src):
        geom = shapely.transform(geom, _swap)
    if not same_crs(src, dst):
        t = transformer(src, dst)
        geom = shapely.transform(geom, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    if not shapely.is_valid(geom) or not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InvalidRequest("the geometry cannot be expressed in the layer's CRS (outside its area of use?)")
    return geom


def bbox_to_storage(bbox: tuple[float, ...], bbox_crs: CRS, storage: CRS) -> BaseGeometry:
    """A request bbox (in ``bbox_crs`` axis order) as a polygon in the storage CRS, densified so a
    reprojected edge stays close to the true one."""
    if len(bbox) == 6:
        bbox = (bbox[0], bbox[1], bbox[3], bbox[4])
    a0, a1, b0, b1 = bbox
    if lat_first(bbox_crs):
        a0, a1, b0, b1 = a1, a0, b1, b0
    xmin, ymin, xmax, ymax = a0, a1, b0, b1
    if bbox_crs.is_geographic:
        ymin, ymax = max(ymin, -90.0), min(ymax, 90.0)
        if xmin > xmax:  # crosses the antimeridian: our layers never do; take the whole longitude range
            xmin, xmax = -180.0, 180.0
    if xmin > xmax or ymin > ymax:
        raise InvalidRequest("bbox: the lower corner must come before the upper corner")
    if same_crs(bbox_crs, storage):
        return shapely.box(xmin, ymin, xmax, ymax)
    t = transformer(bbox_crs, storage)
    try:
        bounds = transform_box(t, xmin, ymin, xmax, ymax)
    except Exception as exc:
        raise InvalidRequest("bbox cannot be transformed into the layer's CRS") from exc
    if not np.isfinite(bounds).all():
        # far outside the storage CRS's area of use: clamp to a huge box rather than fail
        return shapely.box(-1e12, -1e12, 1e12, 1e12)
    return shapely.box(*bounds)


def bounds_to_crs84(extent: tuple[float, float, float, float], src: str) -> list[float]:
    """An extent in ``src`` as a CRS84 bbox [lon_min, lat_min, lon_max, lat_max]."""
    t = transformer(CRS.from_user_input(src), CRS.from_user_input("OGC:CRS84"))
    return [round(v, 7) for v in transform_box(t, *extent)]
