"""Raster download: each raster layer version as a Cloud-Optimised GeoTIFF with HTTP range requests, so
QGIS and GDAL (``/vsicurl/``) read only the blocks they need; with ``bbox`` (and ``bbox-crs``) a GeoTIFF of
just the cells of that box, read window by window, so a district needs no COG-aware client.

The collection's reader (:mod:`geoservice.api.readers`) says whether its kind has a coverage (a collection
without one is a 404 pointing to its items) and where each version's file is; these handlers keep the HTTP
concerns: version, bbox, ETags and byte ranges."""

from __future__ import annotations

import hashlib
import os
import re

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pyproj import CRS

from geoservice.api import crs as crsmod
from geoservice.api.common import COG, etag_matches, parse_bbox
from geoservice.api.problems import problem
from geoservice.api.rasters import subset_geotiff
from geoservice.api.readers import reader_for
from layers.errors import InvalidRequest, LayerNotFound

router = APIRouter(tags=["Rasters"])

_RANGE_RE = re.compile(r"\s*(?:(\d+)\s*-\s*(\d*)|-\s*(\d+))\s*", re.ASCII)

IMMUTABLE = "public, max-age=31536000, immutable"
GEOTIFF = "image/tiff; application=geotiff"


def range_satisfiable(header: str, size: int) -> bool:
    """Whether every range of a ``Range: bytes=...`` header (RFC 9110 §14.1.2) starts inside a file of
    ``size`` bytes (what the file response serves); a malformed header raises InvalidRequest (a 400)."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        raise InvalidRequest(f"Range {header[:80]!r} is not a byte range; use e.g. 'bytes=0-1023'")
    satisfiable = True
    for part in spec.split(","):
        match = _RANGE_RE.fullmatch(part)
        if match is None or (match[2] and int(match[2]) < int(match[1])):
            raise InvalidRequest(f"Range {header[:80]!r}: {part.strip()[:40]!r} is not first-last, first- or -suffix")
        first = int(match[1]) if match[1] is not None else max(size - int(match[3]), 0)
        satisfiable &= 0 <= first < size
    return satisfiable


def coverage(request: Request, collectionId: str = Path(..., max_length=200),
             v: int | None = Query(None, description="Layer version (default: current); makes the URL immutable."),
             f: str | None = Query(None, description="tif"),
             bbox: str | None = Query(None, description="minx,miny,maxx,maxy in bbox-crs (default CRS84): a GeoTIFF "
                                      "of the cells in this box instead of the whole COG."),
             bbox_crs: str | None = Query(None, alias="bbox-crs", description="CRS URI of bbox.")):
    if f not in (None, "tif", "tiff", "geotiff"):
        raise InvalidRequest(f"f={f!r} is not offered here; use tif")
    reader = reader_for(request, collectionId)
    reader.require_coverage()
    spec, current = reader.spec, reader.version
    version = current.version if v is None else v
    if not 1 <= version <= current.version:
        raise LayerNotFound(f"{collectionId!r} has no version {v}; the current one is {current.version}")
    box = None
    if bbox is not None:
        box_crs = crsmod.parse_crs(bbox_crs, reader.offered_crs(), "bbox-crs") if bbox_crs \
            else CRS.from_user_input("OGC:CRS84")
        box = crsmod.bbox_to_storage(parse_bbox(bbox), box_crs, reader.storage_crs).bounds
    elif bbox_crs is not None:
        raise InvalidRequest("bbox-crs needs a bbox")
    etag = f'"{spec.id}-v{version}-cog"' if box is None else \
        f'"{spec.id}-v{version}-{hashlib.sha1(repr(box).encode()).hexdigest()[:12]}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE if v is not None else "no-cache",
               "Access-Control-Expose-Headers": "ETag, Content-Range, Accept-Ranges"}
    if box is None:
        headers["Accept-Ranges"] = "bytes"
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    path = reader.coverage_path(version)
    if not path.exists():
        raise LayerNotFound(f"the file of {spec.id!r} version {version} is missing from the store")
    if box is not None:
        headers["Content-Disposition"] = f'inline; filename="{spec.id}-v{version}-subset.tif"'
        return Response(subset_geotiff(path, box), media_type=GEOTIFF, headers=headers)
    size = os.stat(path).st_size
    if "range" in request.headers and not range_satisfiable(request.headers["range"], size):
        return problem(416, "Range not satisfiable", f"the Range header asks for no byte of the file's {size}",
                       "range-not-satisfiable", request.url.path, headers={"Content-Range": f"bytes */{size}"})
    response = FileResponse(path, media_type=COG, filename=f"{spec.id}-v{version}.tif",
                            content_disposition_type="inline", stat_result=os.stat(path))
    response.headers.update(headers)
    return response


for _method in ("GET", "HEAD"):
    router.add_api_route("/collections/{collectionId}/coverage", coverage, methods=[_method],
                         operation_id=f"{_method.lower()}Coverage", response_class=Response,
                         summary="The raster as a Cloud-Optimised GeoTIFF (range requests supported), or with bbox "
                                 "a GeoTIFF of that box",
                         responses={200: {"content": {COG: {}}}, 206: {"description": "Partial content (Range)"}})
