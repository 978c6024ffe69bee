"""Helpers every router shares: the store and settings of the app, query-parameter checks, content
negotiation, links and JSON responses."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from geoservice.comparison import SCENARIOS_PATH
from geoservice.settings import Settings
from geoservice.store.base import LayerVersion, Store
from layers.catalog import CATALOG, LayerSpec
from layers.errors import InvalidRequest, LayerNotFound, StoreUnavailable

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"
MVT = "application/vnd.mapbox-vector-tile"
PNG = "image/png"
COG = "image/tiff; application=geotiff; profile=cloud-optimized"

#: Where the API serves the vendored Leaflet files (``maps/static``) its HTML feature pages load.
STATIC_PATH = "/static"
#: Routes whose handlers accept query parameters named after a collection's fields.
DYNAMIC_PARAM_ROUTES = {"get_items"}
#: Largest offset a client may page to; a bounded integer before it reaches a store.
MAX_OFFSET = 10**9

_open_lock = threading.Lock()


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def store_of(request: Request) -> Store:
    """The app's store (opened now if the database was unreachable at start-up), as a view of the scenario
    the request's path names (``/scenarios/{scenario}/...``); 404 for a scenario that was never published."""
    store = _base_store(request)
    scenario = request.path_params.get("scenario")
    if scenario is None or scenario == store.scenario:
        return store
    known = request.app.state.scenarios.get(store)
    if scenario not in known:
        raise LayerNotFound(f"no scenario {scenario!r} has been published; published: {', '.join(known) or 'none'} "
                            "(run one with `geoservice run --scenario NAME`, compare two with `geoservice compare "
                            "A B`; see /scenarios)")
    return store.for_scenario(scenario)


def _base_store(request: Request) -> Store:
    store = request.app.state.store
    if store is not None:
        return store
    with _open_lock:
        if request.app.state.store is None:
            from geoservice.store import open_store

            try:
                request.app.state.store = open_store(settings_of(request), serving=True)
            except StoreUnavailable:
                raise
            except Exception as exc:
                raise StoreUnavailable(f"the store cannot be opened: {type(exc).__name__}") from exc
    return request.app.state.store


# --- query parameters ------------------------------------------------------------------------------

_route_params: dict[int, frozenset[str]] = {}


def _query_names(dependant) -> set[str]:
    names = {getattr(p, "alias", None) or p.name for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_params(request: Request) -> None:
    """400 for a query parameter the route does not declare (the OGC suite expects it)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.name in DYNAMIC_PARAM_ROUTES:
        return
    allowed = _route_params.get(id(route))
    if allowed is None:
        allowed = _route_params[id(route)] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        raise InvalidRequest(f"unknown query parameter(s) {', '.join(unknown)}; this resource accepts: "
                             f"{', '.join(sorted(allowed)) or 'none'}")
    for key in allowed:
        if len(request.query_params.getlist(key)) > 1:
            raise InvalidRequest(f"query parameter {key!r} is given more than once")


def parse_int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\s*[+-]?[0-9]{1,12}\s*", raw):
        raise InvalidRequest(f"{name}={raw!r} is not an integer between {low} and {high}")
    value = int(raw)
    if not low <= value <= high:
        raise InvalidRequest(f"{name}={value} is out of range; use an integer between {low} and {high}")
    return value


def parse_bbox(raw: str) -> tuple[float, ...]:
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidRequest(f"bbox={raw!r} needs 4 or 6 comma-separated numbers: minx,miny,maxx,maxy")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidRequest(f"bbox={raw!r} holds something that is not a number") from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidRequest(f"bbox={raw!r} holds a non-finite number")
    n = len(values) // 2
    if any(values[i] > values[i + n] for i in range(1, n)):  # the first axis may wrap (antimeridian)
        raise InvalidRequest(f"bbox={raw!r}: a lower bound is above its upper bound")
    return values


_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?"
_INSTANT_RE = re.compile(rf"^(?:{_DATETIME}|\.\.|)$", re.ASCII)


def check_datetime(raw: str | None) -> None:
    """Validate ``datetime`` (an instant or an interval); the layers carry no time, so nothing is filtered."""
    if raw is None:
        return
    from datetime import datetime

    parts = raw.split("/")
    if len(parts) > 2 or (len(parts) == 1 and parts[0] in ("", "..")) or \
            not all(_INSTANT_RE.match(p) for p in parts) or parts == ["..", ".."] or parts == ["", ""]:
        raise InvalidRequest(f"datetime={raw!r} is not an RFC 3339 instant or interval (a/b, ../b, a/..)")
    for p in parts:
        if p and p != "..":
            try:
                datetime.fromisoformat(p.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
            except ValueError:
                raise InvalidRequest(f"datetime={raw!r}: {p!r} is not a valid date or time") from None


# --- content negotiation ---------------------------------------------------------------------------

def wants_html(request: Request, f: str | None, json_values: tuple[str, ...] = ("json",)) -> bool:
    """``f=html``, or a browser's Accept header without ``f``; ``f`` outside json/html is a 400."""
    if f is not None:
        if f == "html":
            return True
        if f in json_values:
            return False
        raise InvalidRequest(f"f={f!r} is not offered here; use one of {', '.join((*json_values, 'html'))}")
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


# --- links and responses ---------------------------------------------------------------------------

def root_url(request: Request) -> str:
    """The service's absolute root: ``GEOSERVICE_PUBLIC_BASE_URL`` when set (behind a reverse proxy, and so
    that a forged ``Host`` header never reaches a link), else taken from the request."""
    return settings_of(request).public_base_url or str(request.base_url).rstrip("/")


def base_url(request: Request) -> str:
    """The root of the OGC API the request is in, for links: the service root, or under it
    ``/scenarios/{scenario}`` (a scenario's or a comparison's layers, served as an API of their own)."""
    scenario = request.path_params.get("scenario")
    return root_url(request) + (f"{SCENARIOS_PATH}/{scenario}" if scenario is not None else "")


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """An absolute URL of ``path`` (a path of the service, scenario prefix included; default: this request's)
    with the current query changed by ``changes``."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    target = root_url(request) + (path if path is not None else request.url.path)
    return target + ("?" + urlencode(params) if params else "")


def link(href: str, rel: str, type_: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    out.update(extra)
    return out


def json_response(body: Any, media_type: str = JSON, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    try:
        content = json.dumps(body, separators=(",", ":"), allow_nan=False, default=json_default)
    except ValueError:  # a NaN or infinity somewhere (e.g. in provenance): JSON has no such number
        content = json.dumps(_finite(body), separators=(",", ":"), allow_nan=False, default=json_default)
    return Response(content, status_code=status_code, media_type=media_type, headers=headers)


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


# --- collections -----------------------------------------------------------------------------------

#: Seconds a layer's current version is remembered per process: a new publish is served at most this late.
VERSION_TTL_S = 1.0


class VersionCache:
    """The current :class:`LayerVersion` of each layer, remembered for :data:`VERSION_TTL_S` so hot requests
    (cached tiles, item pages) skip a database round trip."""

    def __init__(self, ttl_s: float = VERSION_TTL_S):
        self.ttl_s = ttl_s
        self._data: dict[tuple[str, str], tuple[float, LayerVersion | None]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, layer_id: str) -> LayerVersion | None:
        """The current version of ``layer_id`` in the store's scenario."""
        now = time.monotonic()
        key = (store.scenario, layer_id)
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        version = store.current(layer_id)
        with self._lock:
            self._data[key] = (now + self.ttl_s, version)
        return version

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class ScenarioCache:
    """The scenario tags with published versions, remembered for :data:`VERSION_TTL_S`."""

    def __init__(self, ttl_s: float = VERSION_TTL_S):
        self.ttl_s = ttl_s
        self._data: tuple[float, list[str]] | None = None

    def get(self, store: Store) -> list[str]:
        hit = self._data
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        names = store.scenarios()
        self._data = (time.monotonic() + self.ttl_s, names)
        return names


def collection(request: Request, collection_id: str) -> tuple[LayerSpec, LayerVersion]:
    """The catalog declaration and current version of a published collection; 404 otherwise."""
    spec = CATALOG.get(collection_id)
    if spec is None:
        raise LayerNotFound(f"no collection {collection_id!r}; see /collections for the published ones")
    version = request.app.state.versions.get(store_of(request), collection_id)
    if version is None:
        if spec.role == "comparison":
            raise LayerNotFound(f"collection {collection_id!r} belongs to a comparison of two scenarios: publish it "
                                f"with `geoservice compare A B` and read it under {SCENARIOS_PATH}/A..B/collections")
        raise LayerNotFound(f"collection {collection_id!r} has not been published yet; run the pipeline "
                            f"step {spec.produced_by!r}")
    return spec, version


def etag_matches(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match")
    if not given:
        return False
    return given.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in given.split(",")]
