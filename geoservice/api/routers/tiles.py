"""OGC API – Tiles for every published layer: vector layers as Mapbox Vector Tiles or GeoJSON, raster
layers as coloured PNG; the WebMercatorQuad tile matrix set; TileJSON for QGIS, MapLibre and Leaflet.

Paths:

- ``/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`` — the OGC template
  (z / y / x), format by ``f`` (``mvt``, ``geojson``, ``png``) or the Accept header;
- ``/collections/{id}/tiles/xyz/{z}/{x}/{y}.{ext}`` — the XYZ alias with ``{z}/{x}/{y}`` literally, as
  QGIS's "Vector Tiles" and XYZ connections want.

Caching: a strong ETag and a tile cache keyed on the layer *version*; ``?v=<version>`` (what TileJSON
hands out) makes a URL immutable for a year; an older ``v`` redirects to the current version.

The collection's reader (:mod:`geoservice.api.readers`) says which formats its kind offers, renders the
tiles and adds its kind's metadata; a kind without tiles (tables) is a 404. These handlers keep the HTTP
concerns: tile matrix set, format negotiation, versions, ETags and the tile cache.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from geoservice.api import crs as crsmod
from geoservice.api.common import (
    GEOJSON,
    JSON,
    MVT,
    PNG,
    base_url,
    etag_matches,
    json_response,
    link,
    url_with,
)
from geoservice.api.readers import CollectionReader, reader_for
from layers.errors import InvalidRequest, LayerNotFound
from layers.tiles import MAX_ZOOM, TMS_ID, TMS_URI, check_tile, tms

log = logging.getLogger(__name__)
router = APIRouter(tags=["Tiles"])

#: Seconds a tile without a version stamp may be reused before revalidating.
MUTABLE_MAX_AGE_S = 60
IMMUTABLE = "public, max-age=31536000, immutable"
_EXT = {"mvt": "mvt", "pbf": "mvt", "geojson": "geojson", "json": "geojson", "png": "png"}
_MEDIA = {"mvt": MVT, "geojson": GEOJSON, "png": PNG}

CollectionId = Path(..., description="Collection (layer) id.", max_length=200)


def _tms_doc() -> dict[str, Any]:
    return tms().model_dump(mode="json", exclude_none=True, by_alias=True)


@router.get("/tileMatrixSets", summary="Tile matrix sets", response_class=Response)
def tile_matrix_sets(request: Request, f: str | None = Query(None, description="json")):
    _json_only(f)
    base = base_url(request)
    return json_response({"tileMatrixSets": [{
        "id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI,
        "links": [link(f"{base}/tileMatrixSets/{TMS_ID}", "self", JSON, "WebMercatorQuad")]}]})


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="A tile matrix set", response_class=Response)
def tile_matrix_set(tileMatrixSetId: str = Path(..., max_length=100),
                    f: str | None = Query(None, description="json")):
    _json_only(f)
    _check_tms(tileMatrixSetId)
    return json_response(_tms_doc())


def _json_only(f: str | None) -> None:
    if f not in (None, "json"):
        raise InvalidRequest(f"f={f!r} is not offered here; use json")


def _check_tms(tms_id: str) -> None:
    if tms_id != TMS_ID:
        raise LayerNotFound(f"no tile matrix set {tms_id!r}; this service tiles in {TMS_ID}")


def _tileable(request: Request, collection_id: str) -> CollectionReader:
    """The reader of a collection with tiles; 404 for one without."""
    reader = reader_for(request, collection_id)
    reader.require_tiles()
    return reader


@router.get("/collections/{collectionId}/tiles", summary="Tilesets of a collection", response_class=Response)
def tilesets(request: Request, collectionId: str = CollectionId, f: str | None = Query(None, description="json")):
    _json_only(f)
    reader = _tileable(request, collectionId)
    return json_response({"tilesets": [_tileset_summary(request, reader)],
                          "links": [link(url_with(request), "self", JSON, "Tilesets")]})


def _tileset_summary(request: Request, reader: CollectionReader) -> dict[str, Any]:
    spec, version = reader.spec, reader.version
    here = f"{base_url(request)}/collections/{spec.id}/tiles/{TMS_ID}"
    links = [link(here, "self", JSON, f"{spec.title} tileset"),
             link(f"{base_url(request)}/tileMatrixSets/{TMS_ID}",
                  "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, TMS_ID),
             link(f"{here}/tilejson.json", "describedby", JSON, "TileJSON")]
    for fmt in reader.tile_formats:
        links.append(link(f"{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?f={fmt}&v={version.version}", "item",
                          _MEDIA[fmt], f"Tiles as {fmt}", templated=True))
    return {"title": spec.title, "dataType": reader.tile_data_type,
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "tileMatrixSetURI": TMS_URI, "links": links}


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", summary="Tileset metadata",
            response_class=Response)
def tileset(request: Request, collectionId: str = CollectionId, tileMatrixSetId: str = Path(..., max_length=100),
            f: str | None = Query(None, description="json")):
    _json_only(f)
    _check_tms(tileMatrixSetId)
    reader = _tileable(request, collectionId)
    doc = _tileset_summary(request, reader) | reader.tileset_metadata()
    return json_response(doc)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", summary="TileJSON",
            response_class=Response)
def tilejson(request: Request, collectionId: str = CollectionId, tileMatrixSetId: str = Path(..., max_length=100)):
    _check_tms(tileMatrixSetId)
    reader = _tileable(request, collectionId)
    spec, version = reader.spec, reader.version
    fmt = reader.tile_formats[0]
    ext = "mvt" if fmt == "mvt" else "png"
    url = f"{base_url(request)}/collections/{spec.id}/tiles/xyz/{{z}}/{{x}}/{{y}}.{ext}?v={version.version}"
    doc: dict[str, Any] = {"tilejson": "3.0.0", "name": spec.title, "description": spec.description,
                           "version": f"{version.version}.0.0", "scheme": "xyz", "tiles": [url],
                           "minzoom": 0, "maxzoom": MAX_ZOOM}
    if version.extent is not None:
        try:
            west, south, east, north = crsmod.bounds_to_crs84(version.extent, version.crs)
            doc["bounds"] = [west, south, east, north]
            doc["center"] = [round((west + east) / 2, 6), round((south + north) / 2, 6), 12]
        except Exception:  # noqa: BLE001 - leave bounds out rather than fail
            log.warning("extent of %s v%s cannot be expressed in CRS84", spec.id, version.version)
    doc |= reader.tilejson_metadata()
    if getattr(version, "provenance", {}).get("synthetic"):
        doc["attribution"] = "synthetic demo data"
    return json_response(doc, headers={"Cache-Control": "no-cache", "ETag": f'"{version.etag}-tilejson"'})


def _format_from(request: Request, f: str | None, reader: CollectionReader) -> str:
    offered = reader.tile_formats
    if f is not None:
        fmt = _EXT.get(f)
        if fmt not in offered:
            raise InvalidRequest(f"f={f!r} is not offered for {reader.spec.id!r}; use {' or '.join(offered)}")
        return fmt
    accept = request.headers.get("accept", "")
    if "geo+json" in accept and "geojson" in offered:
        return "geojson"
    return offered[0]


def _cached_tile(request: Request, collection_id: str, z: int, x: int, y: int, fmt: str | None,
                 v: int | None) -> Response | None:
    """A version-stamped tile straight from the cache (it never changes), without asking the store."""
    check_tile(z, x, y)
    fmt_key = _EXT.get(fmt) if fmt else None
    if v is None or fmt_key is None:
        return None
    cached = request.app.state.tile_cache.get((collection_id, v, z, x, y, fmt_key))
    if cached is None:
        return None
    etag = f'"{collection_id}-v{v}-{fmt_key}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "Access-Control-Expose-Headers": "ETag"}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    if not cached:
        return Response(status_code=204, headers=headers)
    return Response(cached, media_type=_MEDIA[fmt_key], headers=headers)


async def _tile(request: Request, collection_id: str, z: int, x: int, y: int, fmt: str | None,
                v: int | None) -> Response:
    """Cache hits answer on the event loop; misses render in the thread pool (store queries, GDAL)."""
    hit = _cached_tile(request, collection_id, z, x, y, fmt, v)
    if hit is not None:
        return hit
    return await run_in_threadpool(_tile_response, request, collection_id, z, x, y, fmt, v)


def _tile_response(request: Request, collection_id: str, z: int, x: int, y: int, fmt: str | None,
                   v: int | None) -> Response:
    check_tile(z, x, y)
    reader = _tileable(request, collection_id)
    spec, version = reader.spec, reader.version
    fmt = _format_from(request, fmt, reader)
    if v is not None and v != version.version:
        if v > version.version or v < 1:
            raise LayerNotFound(f"{collection_id!r} has no version {v}; the current one is {version.version}")
        return RedirectResponse(url_with(request, v=version.version), status_code=302,
                                headers={"Cache-Control": "no-cache"})
    etag = f'"{version.etag}-{fmt}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE if v is not None else
               f"public, max-age={MUTABLE_MAX_AGE_S}, must-revalidate",
               "Access-Control-Expose-Headers": "ETag"}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    cache = request.app.state.tile_cache
    key = (spec.id, version.version, z, x, y, fmt)
    data = cache.get(key)
    if data is None:
        data = reader.tile(z, x, y, fmt)
        cache.put(key, data)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=_MEDIA[fmt], headers=headers)


@router.get("/collections/{collectionId}/tiles/xyz/{z}/{x}/{y}.{ext}", summary="A tile (XYZ alias)",
            response_class=Response,
            responses={200: {"content": {MVT: {}, GEOJSON: {}, PNG: {}}}, 204: {"description": "Empty tile"},
                       304: {"description": "Not modified"}})
async def xyz_tile(request: Request, collectionId: str = CollectionId, z: int = Path(..., description="Zoom level."),
             x: int = Path(..., description="Column."), y: int = Path(..., description="Row."),
             ext: str = Path(..., description="mvt, pbf, geojson, json or png", max_length=10),
             v: int | None = Query(None, description="Layer version; makes the response immutable.")):
    if ext not in _EXT:
        raise InvalidRequest(f"tile extension {ext!r} is not offered; use mvt, pbf, geojson or png")
    return await _tile(request, collectionId, z, x, y, ext, v)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A tile (OGC template: zoom / row / column)", response_class=Response,
            responses={200: {"content": {MVT: {}, GEOJSON: {}, PNG: {}}}, 204: {"description": "Empty tile"},
                       304: {"description": "Not modified"}})
async def tile(request: Request, collectionId: str = CollectionId, tileMatrixSetId: str = Path(..., max_length=100),
         tileMatrix: int = Path(..., description="Zoom level."), tileRow: int = Path(..., description="Row (y)."),
         tileCol: int = Path(..., description="Column (x)."),
         f: str | None = Query(None, description="mvt, geojson (vector layers) or png (raster layers)"),
         v: int | None = Query(None, description="Layer version; makes the response immutable.")):
    _check_tms(tileMatrixSetId)
    return await _tile(request, collectionId, tileMatrix, tileCol, tileRow, f, v)


__all__ = ["router"]
