"""RFC 7807 problem responses: the ONE table mapping domain errors to HTTP status codes.

The domain raises the errors of :mod:`layers.errors`; routes never raise ``HTTPException`` for them. A 5xx
never echoes an exception's text: the client gets a generic detail, the log gets the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from layers.errors import (
    ConfigError,
    FeatureNotFound,
    GeoserviceError,
    InputDataError,
    InvalidRequest,
    LayerNotFound,
    SchemaError,
    StepFailed,
    StoreError,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_S = 5


class Unauthorized(GeoserviceError):
    """No bearer token, or a wrong one, for a resource that needs one."""


class Forbidden(GeoserviceError):
    """The operation is disabled by configuration (e.g. execution without a configured api_token)."""


class NotAcceptable(GeoserviceError):
    """No representation matches the request's ``f`` parameter or Accept header."""


class Conflict(GeoserviceError):
    """The resource is in a state that does not allow the request (e.g. results of a running job)."""


class PayloadTooLarge(GeoserviceError):
    """The request body exceeds the configured limit."""


#: domain error → (status, problem type slug, title, echo the message to the client?)
#: The first matching class in this order wins (subclasses before their bases).
PROBLEM_TABLE: tuple[tuple[type[BaseException], int, str, str, bool], ...] = (
    (LayerNotFound, 404, "not-found", "Collection not found", True),
    (FeatureNotFound, 404, "not-found", "Feature not found", True),
    (InvalidRequest, 400, "invalid-parameter", "Invalid request", True),
    (ConfigError, 400, "invalid-input", "Invalid process input", True),
    (Unauthorized, 401, "unauthorized", "Unauthorized", True),
    (Forbidden, 403, "forbidden", "Forbidden", True),
    (NotAcceptable, 406, "not-acceptable", "Not acceptable", True),
    (Conflict, 409, "conflict", "Conflict", True),
    (PayloadTooLarge, 413, "too-large", "Request body too large", True),
    (InputDataError, 422, "input-data", "Input data cannot be used", True),
    (StoreUnavailable, 503, "unavailable", "Service unavailable", False),
    (SchemaError, 500, "internal", "Internal error", False),
    (StepFailed, 500, "internal", "Internal error", False),
    (StoreError, 500, "internal", "Internal error", False),
)

_TYPE_BASE = "https://geoservice.example/problems/"


def _unavailable_classes() -> tuple[type[BaseException], ...]:
    """Driver errors meaning "the database is unreachable" when a store let one through."""
    classes: list[type[BaseException]] = []
    try:
        from sqlalchemy import exc as sa_exc

        classes += [sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError]
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        pass
    try:
        import psycopg

        classes += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(classes)


UNAVAILABLE = _unavailable_classes()


def problem(status: int, title: str, detail: str, slug: str = "error", instance: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": _TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_for(exc: BaseException, instance: str | None = None) -> JSONResponse:
    """The problem response for any exception, following :data:`PROBLEM_TABLE`."""
    if isinstance(exc, UNAVAILABLE):
        exc = StoreUnavailable("the database cannot be reached")
    for cls, status, slug, title, echo in PROBLEM_TABLE:
        if isinstance(exc, cls):
            if status >= 500 and status != 503:
                log.error("internal error on %s", instance, exc_info=exc)
            detail = str(exc) if echo else (
                "the database is unreachable or too busy to answer in time; retry shortly" if status == 503
                else "an internal error occurred; it has been logged")
            headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
            if status == 401:
                headers = {"WWW-Authenticate": 'Bearer realm="geoservice"'}
            return problem(status, title, detail, slug, instance, headers)
    log.error("unexpected error on %s", instance, exc_info=exc)
    return problem(500, "Internal error", "an internal error occurred; it has been logged", "internal", instance)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(GeoserviceError)
    async def _domain(request: Request, exc: GeoserviceError) -> JSONResponse:
        return problem_for(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(400, "Invalid request", _validation_detail(exc), "invalid-parameter", request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed"}
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}; start from the landing page /"
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), detail, "http", request.url.path,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_for(exc, request.url.path)
