"""The web service: OGC API – Features, Tiles and Processes over the store, plus the generated web maps.

``create_app(settings, store=None)`` builds the FastAPI app; the store is opened in the lifespan (unless one
is handed in, as tests do) and kept on ``app.state``. See ``README_API.md`` for the endpoints and for adding
the service in QGIS.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from geoservice import __version__
from geoservice.api import problems
from geoservice.api.common import MVT, STATIC_PATH, ScenarioCache, VersionCache, reject_unknown_params
from geoservice.api.guard import RequestGuard
from geoservice.api.routers import collections, coverage, health, landing, login, processes, scenarios, tiles
from geoservice.api.tilecache import TileCache
from geoservice.comparison import SCENARIOS_PATH
from geoservice.settings import Settings
from geoservice.store.base import Store
from maps.assets import VENDORED

log = logging.getLogger(__name__)

#: Responses smaller than this [bytes] are sent as they are; gzip level 5 compresses a page of 100 features
#: (36 kB) about 6.6 times in about 1 ms, level 9 hardly smaller in 3.5 times the time.
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 5

DESCRIPTION = ("Spatial-potential layers (solar roofs, wind, geothermal, ecological corridors, test districts) as "
               "OGC API – Features, vector and raster tiles, and processes to rerun the analyses.")


class MapFiles(StaticFiles):
    """The generated web maps; a 404 problem (not a 500) while none has been generated yet."""

    async def check_config(self) -> None:
        if self.directory is not None and not Path(self.directory).is_dir():
            return  # checked again on the next request: the maps may have been generated meanwhile
        await super().check_config()

    async def get_response(self, path: str, scope):
        if self.directory is not None and not Path(self.directory).is_dir():
            raise HTTPException(404, "no web maps have been generated yet; run `geoservice run` first")
        return await super().get_response(path, scope)


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The FastAPI app serving ``store`` (opened from ``settings`` in the lifespan when not given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = app.state.store is None
        if owned:
            from geoservice.store import open_store

            try:
                app.state.store = await run_in_threadpool(open_store, settings, serving=True)
                await run_in_threadpool(app.state.store.ping)
            except Exception as exc:  # noqa: BLE001 - start anyway: /readyz says 503 until the store answers
                log.warning("store not available at start-up (%s); serving 503 + Retry-After until it answers",
                            exc)
        try:
            yield
        finally:
            if owned and app.state.store is not None:
                await run_in_threadpool(app.state.store.close)
                app.state.store = None

    app = FastAPI(title="geoservice", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  openapi_url=None, docs_url=None, redoc_url=None, dependencies=[Depends(reject_unknown_params)])
    app.state.settings = settings
    app.state.store = store
    app.state.tile_cache = TileCache(settings.tile_cache_size)
    app.state.versions = VersionCache()
    app.state.scenarios = ScenarioCache()
    app.state.openapi_doc = None
    problems.install(app)
    # JSON, GeoJSON and HTML gzipped when the client accepts it; tiles, PNG and COG (range requests) never
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL,
                       exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "image/*", MVT))
    app.add_middleware(RequestGuard, settings=settings)  # inside CORS: preflights are answered before it
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD", "POST",
                           "DELETE", "OPTIONS"], allow_headers=["Authorization", "Content-Type", "If-None-Match",
                           "Range", "Accept"], expose_headers=["ETag", "Content-Crs", "Location", "Content-Range"])
    for module in (health, login, landing, collections, tiles, coverage, processes, scenarios):
        app.include_router(module.router)  # tokens: geoservice.api.guard, for every path
    for module in (landing, collections, tiles, coverage):  # each scenario and comparison: an API of its own
        app.include_router(module.router, prefix=f"{SCENARIOS_PATH}/{{scenario}}", include_in_schema=False)
    app.mount("/maps", MapFiles(directory=settings.maps_dir, html=True, check_dir=False), name="maps")
    app.mount(STATIC_PATH, StaticFiles(directory=VENDORED), name="static")
    return app


__all__ = ["create_app"]


def app_from_env() -> FastAPI:
    """An app configured from the ``GEOSERVICE_*`` environment (uvicorn's factory for several workers)."""
    return create_app(Settings())


__all__ += ["app_from_env"]
