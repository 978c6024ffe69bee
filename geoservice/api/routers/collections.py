"""OGC API – Features: ``/collections``, ``/collections/{id}``, queryables, items and single features.

Collection metadata comes from the layer catalog (title, description, fields with units) and the store's
current version (extent, feature count, provenance). What differs by layer kind — the kind's part of the
collection document, its CRSs, its pages of features and single features — comes from the collection's
reader (:mod:`geoservice.api.readers`); these handlers keep the HTTP concerns (parameters, ETags, links,
paging, HTML). Handlers are plain ``def``: FastAPI runs them in its thread pool, so store queries never
block the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pyproj import CRS

from geoservice.api import crs as crsmod
from geoservice.api import html
from geoservice.api.common import (
    GEOJSON,
    HTML,
    JSON,
    MAX_OFFSET,
    STATIC_PATH,
    base_url,
    check_datetime,
    etag_matches,
    json_response,
    link,
    parse_bbox,
    parse_int,
    root_url,
    settings_of,
    store_of,
    url_with,
    wants_html,
)
from geoservice.api.cql2 import check_text, coerce_query_value, parse_cql2_text
from geoservice.api.readers import JSON_TYPES, SCHEMA_JSON, CollectionReader, ItemsQuery, reader_for, reader_of
from geoservice.query import And, Comparison, Filter, Intersects, SortKey
from layers.catalog import CATALOG, LayerSpec
from layers.errors import FeatureNotFound, InvalidRequest

log = logging.getLogger(__name__)
router = APIRouter(tags=["Features"])

#: Query parameters of /items besides the collection's field names.
ITEMS_PARAMS = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
                "filter-crs", "sortby", "properties"}

#: A feature id: ASCII digits only (str.isdigit and int() also accept "²", "①" and other scripts' digits).
FEATURE_ID_RE = re.compile(r"[0-9]{1,19}")

CollectionId = Path(..., description="Collection (layer) id, as listed by /collections.", max_length=200)


def collection_doc(reader: CollectionReader) -> dict[str, Any]:
    """The collection description of a published layer."""
    spec, version, here = reader.spec, reader.version, reader.here
    links = [link(here, "self", JSON, "This collection"), link(f"{here}?f=html", "alternate", HTML, "As HTML")]
    doc: dict[str, Any] = {"id": spec.id, "title": spec.title, "description": spec.description}
    if version.extent is not None and reader.spatial:
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
    part, kind_links = reader.describe()
    doc |= part
    links += kind_links
    doc["layerKind"] = reader.kind
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
    store = store_of(request)
    versions = {v.layer_id: v for v in store.published()}
    docs = [collection_doc(reader_of(spec, versions[lid], store, base)) for lid, spec in CATALOG.items()
            if lid in versions]
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
    doc = collection_doc(reader_for(request, collectionId))
    if html_out:
        return Response(html.collection(doc), media_type=HTML)
    return json_response(doc)


def _property_schema(reader: CollectionReader, with_geometry: bool, what: str) -> dict[str, Any]:
    spec = reader.spec
    props: dict[str, Any] = {}
    if with_geometry and reader.spatial:
        props["geometry"] = {"x-ogc-role": "primary-geometry",
                             "format": f"geometry-{(spec.geometry or 'polygon').lower().removeprefix('multi')}"}
    for f in spec.fields:
        entry: dict[str, Any] = {"type": JSON_TYPES[f.dtype], "title": f.name,
                                 "description": f.description + (f" [{f.unit}]" if f.unit else "")}
        if f.unit:
            entry["x-ogc-unit"] = f.unit
        if f.values:
            entry["enum"] = list(f.values)
        props[f.name] = entry
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{reader.here}/{what}", "type": "object",
            "title": spec.title, "properties": props, "additionalProperties": False}


@router.get("/collections/{collectionId}/queryables", summary="Queryable properties", response_class=Response,
            responses={200: {"content": {SCHEMA_JSON: {}}}})
def get_queryables(request: Request, collectionId: str = CollectionId,
                   f: str | None = Query(None, description="json")):
    wants_html(request, f)
    reader = reader_for(request, collectionId)
    return json_response(_property_schema(reader, True, "queryables"), media_type=SCHEMA_JSON)


@router.get("/collections/{collectionId}/sortables", summary="Sortable properties", response_class=Response,
            responses={200: {"content": {SCHEMA_JSON: {}}}})
def get_sortables(request: Request, collectionId: str = CollectionId,
                  f: str | None = Query(None, description="json")):
    wants_html(request, f)
    reader = reader_for(request, collectionId)
    return json_response(_property_schema(reader, False, "sortables"), media_type=SCHEMA_JSON)


# --- parameter parsing -----------------------------------------------------------------------------

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


def build_filter(request: Request, reader: CollectionReader) -> Filter | None:
    """The filter tree of an items request: bbox, field equality parameters and a CQL2 text filter."""
    q = request.query_params
    spec = reader.spec
    storage = reader.storage_crs
    offered = reader.offered_crs()
    parts: list[Filter] = []
    if "bbox" in q:
        reader.check_bbox()
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
        reader.check_filter(tree)
        parts.append(tree)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


# --- features --------------------------------------------------------------------------------------

def coordinate_decimals(request: Request, out_crs: CRS) -> int:
    """Decimals of the coordinates written in ``out_crs``: a setting per unit (degrees or metres), so a page
    carries no digits below a centimetre (15 decimals of a degree are below a nanometre)."""
    settings = settings_of(request)
    return settings.decimals_degrees if out_crs.is_geographic else settings.decimals_metres


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
    reader = reader_for(request, collectionId)
    spec, version = reader.spec, reader.version
    limit_value = parse_int(request.query_params.get("limit"), "limit", settings.default_limit, 1, settings.max_limit)
    offset_value = offset or 0
    check_datetime(datetime_)
    out_crs, out_uri = _out_crs(request, crs, reader.offered_crs())
    tree = build_filter(request, reader)
    sort_keys = _sortby(sortby, spec)
    columns = _properties(properties, spec)
    digest = hashlib.sha1(f"{request.url.path}?{request.url.query}|{html_out}".encode()).hexdigest()[:16]
    etag = f'"{version.etag}-{digest}"'
    headers = _cache_headers(etag, out_uri if reader.spatial else None)
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    feats, matched = reader.items(ItemsQuery(tree, sort_keys, columns, limit_value, offset_value, out_crs, out_uri,
                                             coordinate_decimals(request, out_crs)))
    returned = len(feats)
    path = request.url.path
    links = [link(url_with(request, path), "self", GEOJSON, "This page"),
             link(url_with(request, path, f="html"), "alternate", HTML, "This page as HTML"),
             link(reader.here, "collection", JSON, "The collection")]
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
    reader = reader_for(request, collectionId)
    spec, version = reader.spec, reader.version
    out_crs, out_uri = _out_crs(request, crs, reader.offered_crs())
    if not FEATURE_ID_RE.fullmatch(featureId) or int(featureId) > 2**63 - 1:
        raise FeatureNotFound(f"no feature {featureId!r} in {spec.id!r}; feature ids are integers (ASCII digits)")
    fid = int(featureId)
    etag = f'"{version.etag}-{fid}-{hashlib.sha1(out_uri.encode()).hexdigest()[:8]}{"-h" if html_out else ""}"'
    headers = _cache_headers(etag, out_uri if reader.spatial else None)
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    text = reader.feature(fid, out_crs, coordinate_decimals(request, out_crs))
    if text is None:
        raise FeatureNotFound(f"no feature {fid} in the current version of {spec.id!r}")
    here = reader.here
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
