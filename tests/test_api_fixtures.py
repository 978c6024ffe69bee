"""Fixtures of the API tests: a small published data set in a real store — the embedded GeoPackage store
and a throw-away PostGIS database — and an app over it.

Other ``tests/test_api_*.py`` modules import these fixtures (``from tests.test_api_fixtures import *``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from fastapi.testclient import TestClient
from pyproj import CRS

from geoservice.api import create_app
from geoservice.settings import Settings
from geoservice.store.base import Store
from layers.data import Provenance
from layers.raster import Raster
from tests.conftest import pg_connect

__all__ = ["API_TOKEN", "DemoData", "api_backend", "api_client", "api_data", "api_settings",
           "api_store", "build_layers", "pg_database", "publish_demo"]

API_TOKEN = "execute-secret-token"
LUX = CRS.from_epsg(2169)
#: South-west corner of the test data in EPSG:2169 [m] (Esch-sur-Alzette area).
ORIGIN = (64000.0, 62000.0)


@dataclass(frozen=True)
class DemoData:
    layers: dict
    n_communes: int
    n_buildings: int
    n_stops: int


def build_layers() -> DemoData:
    """Deterministic layers: 12 communes, 300 buildings, 40 stops, 30 roads, a climate table and a DEM."""
    rng = np.random.default_rng(42)
    x0, y0 = ORIGIN
    communes = []
    for i in range(12):
        cx, cy = x0 + (i % 4) * 1500.0, y0 + (i // 4) * 1500.0
        communes.append({"name": f"Commune {i:02d}" if i != 3 else "Esch-sur-Alzette", "code": f"C{i:03d}",
                         "area_km2": 2.25, "geometry": shapely.box(cx, cy, cx + 1500.0, cy + 1500.0)})
    communes_gdf = gpd.GeoDataFrame(communes, crs=LUX)
    uses = ["residential", "commercial", "industrial", "public", "mixed", "agricultural"]
    shapes = ["flat", "gable", "hip", "shed"]
    b = []
    for i in range(300):
        bx, by = x0 + rng.uniform(0, 5900), y0 + rng.uniform(0, 4400)
        w, h = rng.uniform(8, 30), rng.uniform(8, 20)
        b.append({"building_id": f"B{i:04d}", "height_m": round(float(rng.uniform(3, 40)), 2),
                  "levels": int(rng.integers(1, 12)), "use": uses[i % 6], "year_built": int(1900 + i % 120),
                  "roof_shape": shapes[i % 4], "roof_tilt_deg": None if i % 10 == 0 else float(i % 45),
                  "roof_azimuth_deg": float((i * 37) % 360), "geometry": shapely.box(bx, by, bx + w, by + h)})
    buildings = gpd.GeoDataFrame(b, crs=LUX)
    for f in ("roof_tilt_deg",):
        buildings[f] = buildings[f].astype(float)
    stops = gpd.GeoDataFrame(
        [{"mode": ["rail", "bus", "tram"][i % 3], "name": None if i % 5 == 0 else f"Stop {i}",
          "geometry": shapely.Point(x0 + 100 + 140.0 * i, y0 + 100 + 100.0 * i)} for i in range(40)], crs=LUX)
    roads = gpd.GeoDataFrame(
        [{"road_class": ["primary", "secondary", "residential"][i % 3], "name": f"Rue {i}",
          "geometry": shapely.LineString([(x0 + 200.0 * i, y0), (x0 + 200.0 * i + 50, y0 + 4400.0)])}
         for i in range(30)], crs=LUX)
    climate = pd.DataFrame({"month": np.arange(1, 13), "ghi_kwh_m2": np.linspace(20.0, 160.0, 12).round(1),
                            "temp_air_c": np.linspace(-1.0, 19.0, 12).round(1)})
    yy, xx = np.mgrid[0:120, 0:160]
    dem = (300.0 + xx * 0.5 + yy * 0.3).astype("float32")
    dem[:10, :10] = np.nan
    raster = Raster(dem, Affine(40.0, 0, x0, 0, -40.0, y0 + 4800.0), LUX, nodata=float("nan"), unit="m")
    layers = {"communes": communes_gdf, "buildings": buildings, "transit_stops": stops, "roads": roads,
              "climate": climate, "dem": raster}
    return DemoData(layers, len(communes_gdf), len(buildings), len(stops))


def publish_demo(store: Store, data: DemoData) -> None:
    prov = Provenance(job_id="api-test", step="inputs", params={}, input_checksums={}, code_version="test",
                      cache_key="api-test", synthetic=True)
    store.publish_layers(data.layers, prov)


@pytest.fixture(scope="session")
def api_data() -> DemoData:
    return build_layers()


@pytest.fixture(scope="session")
def pg_database(postgis_admin_url) -> Iterator[str]:
    """A throw-away PostGIS database of the API tests (the server comes from tests/conftest.py, which skips —
    or fails under CI — when none is reachable); its URL."""
    name = f"gs_api_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with pg_connect(postgis_admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _url_with_db(postgis_admin_url, name)
    try:
        with pg_connect(url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            assert conn.execute("SELECT postgis_version()").fetchone()[0]
        yield url
    finally:
        with pg_connect(postgis_admin_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url_with_db(url: str, db: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(database=db).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def api_backend(request, tmp_path_factory, api_data) -> Iterator[tuple[str, Store, Path]]:
    """(backend name, store with the demo layers published, data dir), once per backend."""
    root = tmp_path_factory.mktemp(f"api-{request.param}")
    if request.param == "gpkg":
        from geoservice.store.gpkg import GeoPackageStore

        store: Store = GeoPackageStore(root / "store")
    else:
        from geoservice.store.postgis import PostGISStore

        url = request.getfixturevalue("pg_database")
        store = PostGISStore(url, root / "store" / "rasters")
    publish_demo(store, api_data)
    yield request.param, store, root
    store.close()


@pytest.fixture(scope="session")
def api_store(api_backend) -> Store:
    return api_backend[1]


@pytest.fixture(scope="session")
def api_settings(api_backend) -> Settings:
    return Settings(data_dir=api_backend[2], api_token=API_TOKEN, default_limit=10, max_limit=1000,
                    tile_cache_size=256)


@pytest.fixture(scope="session")
def api_client(api_backend, api_settings) -> Iterator[TestClient]:
    app = create_app(api_settings, store=api_backend[1])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
