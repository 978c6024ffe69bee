"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: the store answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from geoservice.api.common import json_response, store_of
from geoservice.api.problems import problem_for
from layers.errors import StoreUnavailable

router = APIRouter(tags=["Health"])


@router.get("/healthz", summary="Liveness", response_class=Response)
def healthz():
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get("/readyz", summary="Readiness: the store can be reached", response_class=Response,
            responses={503: {"description": "The store is unreachable (Retry-After set)."}})
def readyz(request: Request):
    try:
        store_of(request).ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store means "not ready"
        response = problem_for(exc, request.url.path)
        if response.status_code != 503:
            response = problem_for(StoreUnavailable("the store cannot be reached"), request.url.path)
        response.headers["Cache-Control"] = "no-store"
        return response
    return json_response({"status": "ready"}, headers={"Cache-Control": "no-store"})
