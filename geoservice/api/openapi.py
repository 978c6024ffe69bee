"""The OpenAPI 3.0 document served at ``/api``.

FastAPI emits OpenAPI 3.1 (JSON Schema 2020-12); the OGC test suite and QGIS read 3.0. This module
rewrites the few 3.1 constructs FastAPI produces (``anyOf`` with ``null``, ``const``, numeric
``exclusiveMinimum``, ``examples`` arrays, type lists) into their 3.0 spelling, and declares the reusable
``limit`` parameter (``components.parameters.limit`` with default and maximum) that QGIS pages by.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from geoservice.settings import Settings

_DROP = {"$schema", "$id", "contentMediaType", "contentEncoding", "prefixItems", "$defs", "unevaluatedProperties",
         "dependentRequired", "propertyNames", "if", "then", "else", "$comment"}


def _schema_30(node: Any) -> Any:
    """Convert a JSON Schema 2020-12 fragment (as FastAPI writes it) to an OpenAPI 3.0 schema object."""
    if isinstance(node, list):
        return [_schema_30(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        out[key] = _schema_30(value) if key not in ("example", "default", "enum") else value
    for combiner in ("anyOf", "oneOf"):
        options = out.get(combiner)
        if isinstance(options, list) and any(o == {"type": "null"} for o in options):
            rest = [o for o in options if o != {"type": "null"}]
            del out[combiner]
            out["nullable"] = True
            if len(rest) == 1:
                merged = dict(rest[0])
                if "$ref" in merged:
                    out["allOf"] = [merged]
                else:
                    out.update(merged)
            elif rest:
                out[combiner] = rest
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        if len(types) < len(out["type"]):
            out["nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        else:
            del out["type"]
            out["anyOf"] = [{"type": t} for t in types]
    if out.get("type") == "null":
        del out["type"]
        out["nullable"] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), (int, float)) and not isinstance(out.get(bound), bool):
            out[flag] = out.pop(bound)
            out[bound] = True
    if "examples" in out and isinstance(out["examples"], list):
        examples = out.pop("examples")
        if examples:
            out.setdefault("example", examples[0])
    if "$ref" in out and len(out) > 1:  # 3.0 ignores siblings of $ref: keep them through allOf
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}]
    return out


def _walk_schemas(doc: dict[str, Any]) -> None:
    for path_item in doc.get("paths", {}).values():
        for op in path_item.values():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                if "schema" in param:
                    param["schema"] = _schema_30(param["schema"])
                if "examples" in param and isinstance(param["examples"], list):
                    param["example"] = param.pop("examples")[0]
            for section in [op.get("requestBody", {})] + list(op.get("responses", {}).values()):
                for media in section.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = _schema_30(media["schema"])
    schemas = doc.get("components", {}).get("schemas", {})
    for name in list(schemas):
        schemas[name] = _schema_30(schemas[name])


def build_openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document of ``app``."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      openapi_version="3.0.3")
    doc = copy.deepcopy(doc)
    doc["openapi"] = "3.0.3"
    _walk_schemas(doc)
    params = doc.setdefault("components", {}).setdefault("parameters", {})
    params["limit"] = {
        "name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
        "description": f"Number of features per page (default {settings.default_limit}, at most "
                       f"{settings.max_limit}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": settings.max_limit,
                   "default": settings.default_limit},
    }
    for path_item in doc.get("paths", {}).values():
        for op in path_item.values():
            if isinstance(op, dict) and "parameters" in op:
                op["parameters"] = [{"$ref": "#/components/parameters/limit"} if p.get("name") == "limit"
                                    and p.get("in") == "query" else p for p in op["parameters"]]
    # FastAPI's 422 validation responses never happen here: every validation error is a 400 problem
    for path_item in doc.get("paths", {}).values():
        for op in path_item.values():
            if isinstance(op, dict):
                responses = op.get("responses", {})
                if "422" in responses:
                    del responses["422"]
                    responses.setdefault("400", {"description": "Invalid request (application/problem+json)."})
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if not schemas:
        doc["components"].pop("schemas", None)
    return doc
