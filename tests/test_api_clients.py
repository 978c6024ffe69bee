"""Real clients against a real server: uvicorn on a free loopback port serving each store.

- GDAL's OAPIF driver (Debian's ``ogrinfo``) lists every collection and reads each one completely with a
  small page size (so it must follow ``next`` links), and with a spatial filter (``-spat``, sent as bbox);
  the counts are checked against the fixture data (shapely).
- OWSLib's OGC API Features client lists collections, reads items with a bbox, a CQL2 filter and sorting.
- GDAL reads a raster collection's COG remotely through ``/vsicurl/`` (HTTP range requests).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoservice.api import create_app
from tests.test_api_fixtures import *

pytestmark = pytest.mark.gdal_cli
OGRINFO = shutil.which("ogrinfo")
TO_84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)


class RequestLog:
    """ASGI middleware recording request paths and queries (to prove clients page)."""

    def __init__(self, app):
        self.app = app
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests.append((scope["path"], scope.get("query_string", b"").decode()))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def server(api_backend, api_settings):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = RequestLog(create_app(api_settings, store=api_backend[1]))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)


def _ogr(*args: str) -> str:
    if not OGRINFO:
        pytest.skip("GDAL's ogrinfo is not installed (apt-get install gdal-bin)")
    out = subprocess.run([OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=120, check=False,
                         env={"CPL_DEBUG": "OFF", "GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr + out.stdout
    assert "ERROR" not in out.stderr, out.stderr
    return out.stdout


def _feature_count(output: str) -> int:
    return len(re.findall(r"^OGRFeature\(", output, flags=re.MULTILINE))


def test_gdal_lists_every_collection(server, api_data):
    url, _ = server
    out = _ogr(f"OAPIF:{url}")
    listed = set(re.findall(r"^\d+: (\w+)", out, flags=re.MULTILINE))
    assert listed == set(api_data.layers)  # vectors, the table, and the raster (as its footprint)


@pytest.mark.parametrize("layer", ["communes", "buildings", "transit_stops", "roads", "climate"])
def test_gdal_reads_each_collection_with_paging(server, api_data, layer):
    url, log = server
    before = len(log.requests)
    out = _ogr("-al", "-q", "-oo", "PAGE_SIZE=7", f"OAPIF:{url}/collections/{layer}")
    assert _feature_count(out) == len(api_data.layers[layer])
    pages = [q for p, q in log.requests[before:] if p == f"/collections/{layer}/items"]
    assert len(pages) >= len(api_data.layers[layer]) // 7  # it followed the next links page by page
    assert any("offset=" in q for q in pages)


def test_gdal_bbox(server, api_data):
    url, log = server
    b = api_data.layers["buildings"]
    (lon0, lon1), (lat0, lat1) = TO_84.transform([65000.0, 67000.0], [63000.0, 64500.0])
    before = len(log.requests)
    out = _ogr("-al", "-q", "-oo", "PAGE_SIZE=50", "-spat", str(lon0), str(lat0), str(lon1), str(lat1),
               f"OAPIF:{url}/collections/buildings")
    # GDAL also filters client-side in CRS84: the reference is the CRS84 geometries against the CRS84 box
    expected = int(b.to_crs("OGC:CRS84").intersects(shapely.box(lon0, lat0, lon1, lat1)).sum())
    assert _feature_count(out) == expected and expected > 10
    assert any("bbox=" in q for p, q in log.requests[before:] if p.endswith("/items"))


def test_gdal_attribute_filter_goes_to_the_server(server, api_data):
    url, _ = server
    out = _ogr("-al", "-q", "-where", "levels > 8", f"OAPIF:{url}/collections/buildings")
    assert _feature_count(out) == int((api_data.layers["buildings"].levels > 8).sum())


def test_owslib_lists_and_queries(server, api_data):
    from owslib.ogcapi.features import Features

    url, _ = server
    client = Features(url)
    assert set(client.feature_collections()) == set(api_data.layers)
    ids = {c["id"] for c in client.collections()["collections"]}
    assert {"communes", "buildings"} <= ids
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    items = client.collection_items("communes", limit=5)
    assert items["numberMatched"] == api_data.n_communes and len(items["features"]) == 5
    lon, lat = TO_84.transform(64000 + 3 * 1500 + 750, 62000 + 750)
    hit = client.collection_items("communes", bbox=[lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4])
    assert [f["properties"]["name"] for f in hit["features"]] == ["Esch-sur-Alzette"]
    filtered = client.collection_items("buildings", filter="use = 'public' AND levels >= 5", limit=1000)
    b = api_data.layers["buildings"]
    assert filtered["numberMatched"] == int(((b.use == "public") & (b.levels >= 5)).sum())
    ranked = client.collection_items("buildings", sortby=("height_m", "desc"), limit=3)
    assert [f["properties"]["height_m"] for f in ranked["features"]] == pytest.approx(
        sorted(b.height_m, reverse=True)[:3])
    queryables = client.collection_queryables("buildings")
    assert "levels" in queryables["properties"]


def test_gdal_reads_the_cog_remotely(server, api_store):
    import rasterio

    url, log = server
    before = len(log.requests)
    with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"), \
            rasterio.open(f"/vsicurl/{url}/collections/dem/coverage") as src:
        assert src.crs.to_epsg() == 2169
        window = src.read(1, window=((50, 60), (50, 60)))
    with rasterio.open(api_store.raster_path("dem")) as local:
        expected = local.read(1, window=((50, 60), (50, 60)))
    np.testing.assert_array_equal(window, expected)
    assert sum(1 for p, _ in log.requests[before:] if p == "/collections/dem/coverage") >= 1
