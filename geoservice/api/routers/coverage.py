"""Raster download: each raster layer version as a Cloud-Optimised GeoTIFF with HTTP range requests, so
QGIS and GDAL (``/vsicurl/``) read only the blocks they need."""

from __future__ import annotations

import os

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response

from geoservice.api.common import COG, collection, etag_matches, store_of
from layers.errors import LayerNotFound

router = APIRouter(tags=["Rasters"])

IMMUTABLE = "public, max-age=31536000, immutable"


def coverage(request: Request, collectionId: str = Path(..., max_length=200),
             v: int | None = Query(None, description="Layer version (default: current); makes the URL immutable."),
             f: str | None = Query(None, description="tif")):
    if f not in (None, "tif", "tiff", "geotiff"):
        from layers.errors import InvalidRequest

        raise InvalidRequest(f"f={f!r} is not offered here; use tif")
    spec, current = collection(request, collectionId)
    if spec.kind != "raster":
        raise LayerNotFound(f"{collectionId!r} is not a raster collection; read its features at "
                            f"/collections/{collectionId}/items")
    version = current.version if v is None else v
    if not 1 <= version <= current.version:
        raise LayerNotFound(f"{collectionId!r} has no version {v}; the current one is {current.version}")
    etag = f'"{spec.id}-v{version}-cog"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE if v is not None else "no-cache",
               "Accept-Ranges": "bytes", "Access-Control-Expose-Headers": "ETag, Content-Range, Accept-Ranges"}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    path = store_of(request).raster_path(spec.id, version)
    if not path.exists():
        raise LayerNotFound(f"the file of {spec.id!r} version {version} is missing from the store")
    response = FileResponse(path, media_type=COG, filename=f"{spec.id}-v{version}.tif",
                            content_disposition_type="inline", stat_result=os.stat(path))
    response.headers.update(headers)
    return response


for _method in ("GET", "HEAD"):
    router.add_api_route("/collections/{collectionId}/coverage", coverage, methods=[_method],
                         operation_id=f"{_method.lower()}Coverage", response_class=Response,
                         summary="The raster as a Cloud-Optimised GeoTIFF (range requests supported)",
                         responses={200: {"content": {COG: {}}}, 206: {"description": "Partial content (Range)"}})
