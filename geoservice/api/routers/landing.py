"""The landing page, the conformance declaration and the API description (OpenAPI 3.0)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import Response

from geoservice.api import html
from geoservice.api.common import (
    GEOJSON,
    HTML,
    JSON,
    OPENAPI_JSON,
    base_url,
    json_response,
    link,
    root_url,
    wants_html,
)
from geoservice.api.openapi import build_openapi

router = APIRouter(tags=["Capabilities"])

_FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_CRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_FILTER = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
_PROCESSES = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"

#: Only what the test suite proves (tests/test_api_*.py).
CONFORMANCE = [
    _FEATURES + "core", _FEATURES + "oas30", _FEATURES + "html", _FEATURES + "geojson",
    _CRS + "crs",
    _FILTER + "queryables", _FILTER + "queryables-query-parameters", _FILTER + "filter",
    _FILTER + "features-filter",
    _CQL2 + "cql2-text", _CQL2 + "basic-cql2", _CQL2 + "advanced-comparison-operators",
    _CQL2 + "basic-spatial-functions", _CQL2 + "basic-spatial-functions-plus",
    _TILES + "core", _TILES + "tileset", _TILES + "tilesets-list", _TILES + "geodata-tilesets",
    _TILES + "mvt", _TILES + "geojson", _TILES + "png", _TILES + "oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset", "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    _PROCESSES + "core", _PROCESSES + "json", _PROCESSES + "oas30", _PROCESSES + "job-list",
    _PROCESSES + "dismiss",
]


@router.get("/", summary="Landing page", response_class=Response,
            responses={200: {"content": {JSON: {}, HTML: {}}}})
def landing(request: Request, f: str | None = Query(None, description="json or html")):
    base, root = base_url(request), root_url(request)
    doc = {
        "title": request.app.title,
        "description": request.app.description,
        "links": [
            link(f"{base}/", "self", JSON, "This document"),
            link(f"{base}/?f=html", "alternate", HTML, "This document as HTML"),
            link(f"{base}/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/api.html", "service-doc", HTML, "The API documentation"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "Collections"),
            link(f"{base}/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON,
                 "Tile matrix sets"),
            link(f"{root}/processes", "http://www.opengis.net/def/rel/ogc/1.0/processes", JSON, "Processes"),
            link(f"{root}/jobs", "http://www.opengis.net/def/rel/ogc/1.0/job-list", JSON, "Jobs"),
            link(f"{root}/scenarios", "related", JSON, "Scenarios and comparisons, each an API of its own"),
            link(f"{root}/maps/", "related", HTML, "Web maps"),
        ],
    }
    if wants_html(request, f):
        return Response(html.landing(doc), media_type=HTML)
    return json_response(doc)


@router.get("/conformance", summary="Conformance classes", response_class=Response)
def conformance(request: Request, f: str | None = Query(None, description="json or html")):
    doc = {"conformsTo": CONFORMANCE}
    if wants_html(request, f):
        body = "<ul>" + "".join(f"<li><code>{c}</code></li>" for c in CONFORMANCE) + "</ul>"
        return Response(html.page("Conformance", body), media_type=HTML)
    return json_response(doc)


@router.get("/api", summary="The API definition (OpenAPI 3.0)", response_class=Response,
            responses={200: {"content": {OPENAPI_JSON: {}}}})
def api(request: Request, f: str | None = Query(None, description="json or html")):
    if wants_html(request, f):
        return get_swagger_ui_html(openapi_url=f"{request.scope.get('root_path', '')}/api?f=json",
                                   title=f"{request.app.title} – API")
    doc = request.app.state.openapi_doc
    if doc is None:
        doc = request.app.state.openapi_doc = build_openapi(request.app, request.app.state.settings)
    return json_response(doc, media_type=OPENAPI_JSON)


@router.get("/api.html", summary="The API documentation (Swagger UI)", response_class=Response)
def api_html(request: Request):
    return get_swagger_ui_html(openapi_url=f"{request.scope.get('root_path', '')}/api?f=json",
                               title=f"{request.app.title} – API")


__all__ = ["CONFORMANCE", "GEOJSON", "router"]
