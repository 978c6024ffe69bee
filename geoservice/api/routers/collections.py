"""OGC API – Features: ``/collections``, ``/collections/{id}``, queryables, items and single features.

Collection metadata comes from the layer catalog (title, description, fields with units) and the store's
current version (extent, feature count, provenance). Handlers are plain ``def``: FastAPI runs them in its
thread pool, so store queries never block the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pyproj import CRS

from geoservice.api import crs as crsmod
from geoservice.api import html
from geoservice.api.common import (
    COG,
    GEOJSON,
    HTML,
    JSON,
    MAX_OFFSET,
    STATIC_PATH,
    base_url,
    root_url,
    check_datetime,
    collection,
    etag_matches,
    json_default,
    json_response,
    link,
    parse_bbox,
    parse_int,
    settings_of,
    store_of,
    url_with,
    wants_html,
)
from geoservice.api.cql2 import check_text, coerce_query_value, parse_cql2_text
from geoservice.api.tables import table_page
from geoservice.query import And, Comparison, Filter, Intersects, SortKey
from geoservice.store.base import GeoJSONOptions, LayerVersion
from layers.catalog import CATALOG, LayerSpec
from layers.errors import FeatureNotFound, InvalidRequest

log = logging.getLogger(__name__)
router = APIRouter(tags=["Features"])

SCHEMA_JSON = "application/schema+json"
_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean"}
#: Query parameters of /items besides the collection's field names.
ITEMS_PARAMS = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
                "filter-crs", "sortby", "properties"}

#: A feature id: ASCII digits only (str.isdigit and int() also accept "²", "①" and other scripts' digits).
FEATURE_ID_RE = re.compile(r"[0-9]{1,19}")

CollectionId = Path(..., description="Collection (layer) id, as listed by /collections.", max_length=200)


def _fields(spec: LayerSpec) -> list[dict[str, Any]]:
    return [{"name": f.name, "type": _TYPES[f.dtype], "unit": f.unit, "description": f.description,
             **({"values": list(f.values)} if f.values else {})} for f in spec.fields]


def collection_doc(request: Request, spec: LayerSpec, version: LayerVersion) -> dict[str, Any]:
    """The collection description of a published layer."""
    base = base_url(request)
    here = f"{base}/collections/{spec.id}"
    links = [link(here, "self", JSON, "This collection"), link(f"{here}?f=html", "alternate", HTML, "As HTML")]
    doc: dict[str, Any] = {"id": spec.id, "title": spec.title, "description": spec.description}
    if version.extent is not None and spec.kind != "table":
        try:
            doc["extent"] = {"spatial": {"bbox": [crsmod.bounds_to_crs84(version.extent, version.crs)],
                                         "crs": crsmod.CRS84}}
        except Exception:  # noqa: BLE001 - an extent that does not transform is left out, not fatal
            log.warning("extent of %s v%s cannot be expressed in CRS84", spec.id, version.version)
    doc["itemType"] = "feature"  # a raster's single item is its footprint, linking to the COG
    links += [
        link(f"{here}/items", "items", GEOJSON, "Features as GeoJSON"),
        link(f"{here}/items?f=html", "items", HTML, "Features as HTML"),
    ]
    if spec.kind in ("vector", "table"):
        links += [
            link(f"{here}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
                 "Queryable properties"),
            link(f"{here}/sortables", "http://www.opengis.net/def/rel/ogc/1.0/sortables", SCHEMA_JSON,
                 "Sortable properties"),
        ]
        doc["fields"] = _fields(spec)
    if spec.kind == "vector":
        doc["crs"] = crsmod.offered_uris(version.crs)
        doc["storageCrs"] = crsmod.uri_for(version.crs)
        doc["geometryType"] = spec.geometry
        links += [
            link(f"{here}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON, "Vector tiles"),
            link(f"{here}/tiles/WebMercatorQuad/tilejson.json", "describedby", JSON, "TileJSON"),
        ]
    elif spec.kind == "table":
        doc["crs"] = [crsmod.CRS84]
    else:  # raster
        doc["crs"] = crsmod.offered_uris(version.crs)
        doc["storageCrs"] = crsmod.uri_for(version.crs)
        doc["unit"] = spec.unit
        links += [
            link(f"{here}/coverage?v={version.version}", "http://www.opengis.net/def/rel/ogc/1.0/coverage", COG,
                 "Cloud-optimised GeoTIFF of this version (HTTP range requests)"),
            link(f"{here}/coverage?v={version.version}&bbox={{minx}},{{miny}},{{maxx}},{{maxy}}",
                 "http://www.opengis.net/def/rel/ogc/1.0/coverage", "image/tiff; application=geotiff",
                 "GeoTIFF of the cells in a bbox (CRS84, or the CRS named by bbox-crs), read window by window",
                 templated=True),
            link(f"{here}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map", JSON, "Coloured PNG tiles"),
            link(f"{here}/tiles/WebMercatorQuad/tilejson.json", "describedby", JSON, "TileJSON"),
        ]
        doc["coverageSubset"] = ("Add bbox=minx,miny,maxx,maxy (CRS84, or in the CRS of bbox-crs: one of crs) to "
                                 "the coverage URL for a GeoTIFF of just those cells, on the raster's grid")
        doc["style"] = {"stops": list(spec.style.stops), "colors": list(spec.style.colors), "unit": spec.style.unit}
    doc["layerKind"] = spec.kind
    doc["version"] = version.version
    doc["featureCount"] = version.feature_count
    doc["created"] = version.created_at.isoformat() if hasattr(version.created_at, "isoformat") else None
    doc["provenance"] = dict(version.provenance)
    doc["synthetic"] = bool(version.provenance.get("synthetic", False))
    doc["links"] = links
    return doc


@router.get("/collections", summary="Published collections", response_class=Response,
            responses={200: {"content": {JSON: {}, HTML: {}}}})
def get_collections(request: Request, f: str | None = Query(None, description="json or html")):
    html_out = wants_html(request, f)
    base = base_url(request)
    versions = {v.layer_id: v for v in store_of(request).published()}
    docs = [collection_doc(request, spec, versions[lid]) for lid, spec in CATALOG.items() if lid in versions]
    doc = {"links": [link(f"{base}/collections", "self", JSON, "This document"),
                     link(f"{base}/collections?f=html", "alternate", HTML, "As HTML")],
           "collections": docs}
    if html_out:
        return Response(html.collections(doc), media_type=HTML)
    return json_response(doc)


@router.get("/collections/{collectionId}", summary="A collection", response_class=Response,
            responses={200: {"content": {JSON: {}, HTML: {}}}})
def get_collection(request: Request, collectionId: str = CollectionId,
                   f: str | None = Query(None, description="json or html")):
    html_out = wants_html(request, f)
    spec, version = collection(request, collectionId)
    doc = collection_doc(request, spec, version)
    if html_out:
        return Response(html.collection(doc), media_type=HTML)
    return json_response(doc)


def _property_schema(spec: LayerSpec, with_geometry: bool, request: Request, what: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if with_geometry and spec.kind != "table":
        props["geometry"] = {"x-ogc-role": "primary-geometry",
                             "format": f"geometry-{(spec.geometry or 'polygon').lower().removeprefix('multi')}"}
    for f in spec.fields:
        entry: dict[str, Any] = {"type": _TYPES[f.dtype], "title": f.name,
                                 "description": f.description + (f" [{f.unit}]" if f.unit else "")}
        if f.unit:
            entry["x-ogc-unit"] = f.unit
        if f.values:
            entry["enum"] = list(f.values)
        props[f.name] = entry
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{base_url(request)}/collections/{spec.id}/{what}", "type": "object",
            "title": spec.title, "properties": props, "additionalProperties": False}


@router.get("/collections/{collectionId}/queryables", summary="Queryable properties", response_class=Response,
            responses={200: {"content": {SCHEMA_JSON: {}}}})
def get_queryables(request: Request, collectionId: str = CollectionId,
                   f: str | None = Query(None, description="json")):
    wants_html(request, f)
    spec, _ = _feature_collection(request, collectionId)
    return json_response(_property_schema(spec, True, request, "queryables"), media_type=SCHEMA_JSON)


@router.get("/collections/{collectionId}/sortables", summary="Sortable properties", response_class=Response,
            responses={200: {"content": {SCHEMA_JSON: {}}}})
def get_sortables(request: Request, collectionId: str = CollectionId,
                  f: str | None = Query(None, description="json")):
    wants_html(request, f)
    spec, _ = _feature_collection(request, collectionId)
    return json_response(_property_schema(spec, False, request, "sortables"), media_type=SCHEMA_JSON)


def _feature_collection(request: Request, collection_id: str) -> tuple[LayerSpec, LayerVersion]:
    """A collection with items: vector layers, tables, and rasters (one footprint feature each)."""
    return collection(request, collection_id)


def _raster_footprint(request: Request, spec: LayerSpec, version: LayerVersion) -> gpd.GeoDataFrame:
    """A raster collection's single item: its footprint (storage CRS) with version, unit and COG link, so
    clients that read every collection as features (GDAL's OAPIF driver, QGIS) get an answer, not an error."""
    extent = version.extent or (0.0, 0.0, 0.0, 0.0)
    href = f"{base_url(request)}/collections/{spec.id}/coverage?v={version.version}"
    return gpd.GeoDataFrame({"version": [version.version], "unit": [spec.unit], "cells": [version.feature_count],
                             "coverage": [href]}, geometry=[shapely.box(*extent)], crs=version.crs or None,
                            index=pd.Index([1]))


RASTER_PROPERTIES = ["version", "unit", "cells", "coverage"]


def _geometry_matches(geom, tree: Filter) -> bool:
    from geoservice.query import Not, Or

    if isinstance(tree, Intersects):
        return bool(geom.intersects(tree.geometry))
    if isinstance(tree, And):
        return all(_geometry_matches(geom, a) for a in tree.args)
    if isinstance(tree, Or):
        return any(_geometry_matches(geom, a) for a in tree.args)
    if isinstance(tree, Not):
        return not _geometry_matches(geom, tree.arg)
    raise InvalidRequest("a raster footprint has no properties to filter on")


# --- parameter parsing -----------------------------------------------------------------------------

def _storage_crs(spec: LayerSpec, version: LayerVersion) -> CRS:
    return CRS.from_user_input(version.crs) if spec.kind != "table" else CRS.from_user_input("OGC:CRS84")


def _sortby(raw: str | None, spec: LayerSpec) -> list[SortKey]:
    if raw is None:
        return []
    keys = []
    for part in raw.split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in spec.field_names:
            raise InvalidRequest(f"sortby: {name!r} is not a sortable of this collection; sortables: "
                                 f"{', '.join(spec.field_names) or 'none'}")
        keys.append(SortKey(name, descending))
    return keys


def _properties(raw: str | None, spec: LayerSpec) -> list[str] | None:
    if raw is None:
        return None
    names = [p.strip() for p in raw.split(",") if p.strip()]
    unknown = [n for n in names if n not in spec.field_names]
    if unknown:
        raise InvalidRequest(f"properties: {', '.join(map(repr, unknown))} not in this collection; fields: "
                             f"{', '.join(spec.field_names)}")
    return names


def _out_crs(request: Request, raw: str | None, offered: list[str]) -> tuple[CRS, str]:
    if raw is None:
        return CRS.from_user_input("OGC:CRS84"), crsmod.CRS84
    check_text(raw, "crs")
    crs = crsmod.parse_crs(raw, offered, "crs")
    return crs, crsmod.uri_for(crs)


def build_filter(request: Request, spec: LayerSpec, version: LayerVersion) -> Filter | None:
    """The filter tree of an items request: bbox, field equality parameters and a CQL2 text filter."""
    q = request.query_params
    storage = _storage_crs(spec, version)
    offered = crsmod.offered_uris(version.crs if spec.kind != "table" else None)
    parts: list[Filter] = []
    if "bbox" in q:
        if spec.kind == "table":
            raise InvalidRequest(f"bbox: {spec.id!r} has no geometry")
        bbox = parse_bbox(q["bbox"])
        bbox_crs = crsmod.parse_crs(q["bbox-crs"], offered, "bbox-crs") if "bbox-crs" in q \
            else CRS.from_user_input("OGC:CRS84")
        parts.append(Intersects(crsmod.bbox_to_storage(bbox, bbox_crs, storage)))
    elif "bbox-crs" in q:
        crsmod.parse_crs(q["bbox-crs"], offered, "bbox-crs")
    for name in q:
        if name in ITEMS_PARAMS:
            if len(q.getlist(name)) > 1:
                raise InvalidRequest(f"query parameter {name!r} is given more than once")
            continue
        if name not in spec.field_names:
            raise InvalidRequest(f"unknown query parameter {name!r}; use one of {', '.join(sorted(ITEMS_PARAMS))} "
                                 f"or a queryable ({', '.join(spec.field_names) or 'none'})")
        if len(q.getlist(name)) > 1:
            raise InvalidRequest(f"query parameter {name!r} is given more than once")
        parts.append(Comparison("=", name, coerce_query_value(spec.get_field(name), q[name])))
    lang = q.get("filter-lang", "cql2-text")
    if lang != "cql2-text":
        raise InvalidRequest(f"filter-lang={lang!r} is not supported; use cql2-text")
    filter_crs = crsmod.parse_crs(q["filter-crs"], offered, "filter-crs") if "filter-crs" in q \
        else CRS.from_user_input("OGC:CRS84")
    if "filter" in q:
        tree = parse_cql2_text(q["filter"], spec, filter_crs, storage)
        if spec.kind == "table" and _has_spatial(tree):
            raise InvalidRequest(f"filter: {spec.id!r} has no geometry for S_INTERSECTS")
        parts.append(tree)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _has_spatial(tree: Filter) -> bool:
    if isinstance(tree, Intersects):
        return True
    return any(_has_spatial(a) for a in getattr(tree, "args", ())) or (
        hasattr(tree, "arg") and _has_spatial(tree.arg))  # type: ignore[union-attr]


# --- features --------------------------------------------------------------------------------------

def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    sub = frame[columns] if columns else pd.DataFrame(index=frame.index)
    sub = sub.replace([np.inf, -np.inf], np.nan)  # JSON has no infinity: such values read as null
    sub = sub.astype(object).where(sub.notna(), None)
    return sub.to_dict("records")


def coordinate_decimals(request: Request, out_crs: CRS) -> int:
    """Decimals of the coordinates written in ``out_crs``: a setting per unit (degrees or metres), so a page
    carries no digits below a centimetre (15 decimals of a degree are below a nanometre)."""
    settings = settings_of(request)
    return settings.decimals_degrees if out_crs.is_geographic else settings.decimals_metres


def features_json(frame: pd.DataFrame, spec: LayerSpec, columns: list[str], storage: CRS | None,
                  out_crs: CRS | None, decimals: int) -> list[str]:
    """GeoJSON Feature texts of ``frame`` (index = feature id), geometries in ``out_crs``'s axis order with
    ``decimals`` decimals."""
    ids = [int(i) for i in frame.index]
    if storage is not None and "geometry" in frame:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        geoms = crsmod.to_request_order(geoms, storage, out_crs)
        texts = shapely.to_geojson(shapely.transform(geoms, lambda c: np.round(c, decimals)))
    else:
        texts = [None] * len(ids)
    records = _records(frame, columns)
    dumps = json.dumps
    return [f'{{"type":"Feature","id":{fid},"geometry":{g or "null"},"properties":'
            f'{dumps(p, separators=(",", ":"), allow_nan=False, default=json_default)}}}'
            for fid, g, p in zip(ids, texts, records)]


def _html_context(request: Request, spec: LayerSpec, out_uri: str) -> dict[str, Any]:
    """What a feature page needs besides the document: where Leaflet is served, the feature URL prefix, and
    whether the geometries are CRS84 (the map is drawn only then)."""
    base = base_url(request)
    return {"assets": f"{root_url(request)}{STATIC_PATH}", "item_url": f"{base}/collections/{spec.id}/items/",
            "lonlat": out_uri == crsmod.CRS84}


def _cache_headers(etag: str, content_crs: str | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if content_crs:
        headers["Content-Crs"] = f"<{content_crs}>"
    return headers


@router.get("/collections/{collectionId}/items", name="get_items", summary="Features of a collection",
            response_class=Response, responses={200: {"content": {GEOJSON: {}, HTML: {}}}})
def get_items(
    request: Request,
    collectionId: str = CollectionId,
    f: str | None = Query(None, description="json, geojson or html"),
    limit: int | None = Query(None, description="Features per page."),
    offset: int | None = Query(None, ge=0, le=MAX_OFFSET, description="Features to skip (the next link sets it)."),
    bbox: str | None = Query(None, description="minx,miny,maxx,maxy in bbox-crs (default CRS84)."),
    bbox_crs: str | None = Query(None, alias="bbox-crs", description="CRS URI of bbox."),
    crs: str | None = Query(None, description="CRS URI of the returned geometries (default CRS84)."),
    datetime_: str | None = Query(None, alias="datetime", description="RFC 3339 instant or interval; the "
                                  "layers carry no time, so it selects every feature."),
    filter_: str | None = Query(None, alias="filter", description="CQL2 text filter, e.g. "
                                "area_m2 > 50 AND S_INTERSECTS(geometry, BBOX(6.0,49.5,6.1,49.55))."),
    filter_lang: str | None = Query(None, alias="filter-lang", description="cql2-text"),
    filter_crs: str | None = Query(None, alias="filter-crs", description="CRS URI of filter geometries."),
    sortby: str | None = Query(None, description="Comma-separated fields, '-' prefix for descending."),
    properties: str | None = Query(None, description="Comma-separated fields to return."),
):
    settings = settings_of(request)
    html_out = wants_html(request, f, ("json", "geojson"))
    spec, version = _feature_collection(request, collectionId)
    limit_value = parse_int(request.query_params.get("limit"), "limit", settings.default_limit, 1, settings.max_limit)
    offset_value = offset or 0
    check_datetime(datetime_)
    vector = spec.kind == "vector"
    spatial = spec.kind != "table"
    offered = crsmod.offered_uris(version.crs if spatial else None)
    out_crs, out_uri = _out_crs(request, crs, offered)
    tree = build_filter(request, spec, version)
    sort_keys = _sortby(sortby, spec)
    columns = _properties(properties, spec)
    digest = hashlib.sha1(f"{request.url.path}?{request.url.query}|{html_out}".encode()).hexdigest()[:16]
    etag = f'"{version.etag}-{digest}"'
    headers = _cache_headers(etag, out_uri if spatial else None)
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    store = store_of(request)
    decimals = coordinate_decimals(request, out_crs)
    feats: list[str] | None = None
    if vector and store.builds_geojson:
        options = GeoJSONOptions(4326 if out_uri == crsmod.CRS84 else out_crs.to_epsg(), crsmod.lat_first(out_crs),
                                 decimals)
        geojson = store.query_geojson(spec.id, options, filter=tree, sortby=sort_keys, properties=columns,
                                      limit=limit_value, offset=offset_value)
        feats, matched = geojson.features, geojson.number_matched
    elif vector:
        page = store.query_features(spec.id, filter=tree, sortby=sort_keys, properties=columns, limit=limit_value,
                                    offset=offset_value)
        frame, matched = page.features, page.number_matched
    elif spec.kind == "raster":
        frame = _raster_footprint(request, spec, version)
        if tree is not None and not _geometry_matches(frame.geometry.iloc[0], tree):
            frame = frame.iloc[0:0]
        matched = len(frame)
        frame = frame.iloc[offset_value:offset_value + limit_value]
        columns = RASTER_PROPERTIES
    else:
        frame, matched = table_page(store.read_table(spec.id), spec, tree, sort_keys, limit_value, offset_value)
    if feats is None:
        names = [c for c in (columns if columns is not None else spec.field_names) if c in frame.columns]
        feats = features_json(frame, spec, names, _storage_crs(spec, version) if spatial else None, out_crs,
                              decimals)
    returned = len(feats)
    path = request.url.path
    links = [link(url_with(request, path), "self", GEOJSON, "This page"),
             link(url_with(request, path, f="html"), "alternate", HTML, "This page as HTML"),
             link(f"{base_url(request)}/collections/{spec.id}", "collection", JSON, "The collection")]
    # numberMatched is None when more than COUNT_LIMIT match: then a full page has a next one
    more = returned == limit_value if matched is None else offset_value + returned < matched
    if more and returned > 0:
        links.append(link(url_with(request, path, offset=offset_value + returned), "next", GEOJSON, "Next page"))
    if offset_value > 0:
        prev = max(0, offset_value - limit_value)
        links.append(link(url_with(request, path, offset=prev or None), "prev", GEOJSON, "Previous page"))
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if matched is not None:
        head["numberMatched"] = int(matched)
    head |= {"numberReturned": returned,
             "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), "links": links}
    if html_out:
        doc = dict(head, features=[json.loads(t) for t in feats])
        return Response(html.features(doc, spec, f"{spec.title}: features", **_html_context(request, spec, out_uri)),
                        media_type=HTML)
    body = json.dumps(head, separators=(",", ":"))[:-1] + ',"features":[' + ",".join(feats) + "]}"
    return Response(body, media_type=GEOJSON, headers=headers)


@router.get("/collections/{collectionId}/items/{featureId}", summary="One feature", response_class=Response,
            responses={200: {"content": {GEOJSON: {}, HTML: {}}}})
def get_item(
    request: Request,
    collectionId: str = CollectionId,
    featureId: str = Path(..., description="Feature id (an integer).", max_length=40),
    f: str | None = Query(None, description="json, geojson or html"),
    crs: str | None = Query(None, description="CRS URI of the returned geometry (default CRS84)."),
):
    html_out = wants_html(request, f, ("json", "geojson"))
    spec, version = _feature_collection(request, collectionId)
    vector = spec.kind == "vector"
    spatial = spec.kind != "table"
    out_crs, out_uri = _out_crs(request, crs, crsmod.offered_uris(version.crs if spatial else None))
    if not FEATURE_ID_RE.fullmatch(featureId) or int(featureId) > 2**63 - 1:
        raise FeatureNotFound(f"no feature {featureId!r} in {spec.id!r}; feature ids are integers (ASCII digits)")
    fid = int(featureId)
    etag = f'"{version.etag}-{fid}-{hashlib.sha1(out_uri.encode()).hexdigest()[:8]}{"-h" if html_out else ""}"'
    headers = _cache_headers(etag, out_uri if spatial else None)
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    names = list(spec.field_names)
    if vector:
        frame = store_of(request).query_features(spec.id, feature_id=fid, limit=1).features
    elif spec.kind == "raster":
        frame = _raster_footprint(request, spec, version)
        frame = frame if fid == 1 else frame.iloc[0:0]
        names = RASTER_PROPERTIES
    else:
        table = store_of(request).read_table(spec.id)
        frame = table.loc[[fid]] if fid in table.index else table.iloc[0:0]
    if len(frame) == 0:
        raise FeatureNotFound(f"no feature {fid} in the current version of {spec.id!r}")
    names = [c for c in names if c in frame.columns]
    text = features_json(frame.iloc[:1], spec, names, _storage_crs(spec, version) if spatial else None, out_crs,
                         coordinate_decimals(request, out_crs))[0]
    here = f"{base_url(request)}/collections/{spec.id}"
    links = [link(f"{here}/items/{fid}", "self", GEOJSON, "This feature"),
             link(f"{here}/items/{fid}?f=html", "alternate", HTML, "As HTML"),
             link(here, "collection", JSON, "The collection")]
    if html_out:
        doc = json.loads(text)
        doc["links"] = links
        return Response(html.features(doc, spec, f"{spec.title}: feature {fid}", **_html_context(request, spec, out_uri)),
                        media_type=HTML)
    body = text[:-1] + ',"links":' + json.dumps(links, separators=(",", ":")) + "}"
    return Response(body, media_type=GEOJSON, headers=headers)


__all__ = ["collection_doc", "router"]
