"""Never a 500, never an injection, and a clean 503 while the database is down.

- Injection: hostile text through every query parameter, path segment and process input; each request
  gets a 4xx (or a 200 for values that are merely unusual), and afterwards the published data is intact.
- Schemathesis generates requests from the app's own OpenAPI 3.0 document (a bounded number of examples
  per operation) and checks that none is answered with a 5xx.
- Database down: a real PostgreSQL cluster the test creates (initdb on a free port) is stopped and started
  again; the API answers 503 with Retry-After and /readyz follows, then recovers by itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from geoservice.api import create_app
from geoservice.settings import Settings
from tests.test_api_fixtures import *
from tests.test_api_fixtures import API_TOKEN, build_layers, publish_demo

PAYLOADS = [
    "'; DROP TABLE gs_layer_versions; --",
    "\" OR 1=1 --",
    "1) OR (1=1",
    "name\"; DELETE FROM geoservice.gs_layer_versions; --",
    "x' UNION SELECT * FROM pg_user --",
    "%00", "\x00", "../../../../etc/passwd", "${jndi:ldap://x}", "<script>alert(1)</script>",
    "ü" * 500, "9" * 400, "-1e309", "NaN", "{}", "[]", "",
]
ITEM_PARAMS = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs",
               "sortby", "properties", "f", "use", "levels", "height_m"]


def _row_counts(client) -> dict[str, int]:
    return {c["id"]: c["featureCount"] for c in client.get("/collections").json()["collections"]}


def test_injection_through_every_parameter(api_client, api_data):
    before = _row_counts(api_client)
    statuses = set()
    for payload in PAYLOADS:
        for name in ITEM_PARAMS:
            r = api_client.get("/collections/buildings/items", params={name: payload})
            assert r.status_code < 500, (name, payload, r.text)
            statuses.add(r.status_code)
        # parameter *names* are identifiers: anything but a declared field is refused
        r = api_client.get("/collections/buildings/items", params={payload or "x": "1"})
        assert r.status_code == 400, (payload, r.text)
        seg = quote(payload, safe="")
        for path in (f"/collections/{seg}", f"/collections/{seg}/items",
                     f"/collections/buildings/items/{seg}", f"/collections/{seg}/tiles/WebMercatorQuad/0/0/0",
                     f"/collections/buildings/tiles/{seg}/0/0/0", f"/jobs/{seg}", f"/processes/{seg}",
                     f"/collections/{seg}/queryables", f"/collections/dem/coverage?v={seg}",
                     f"/collections/buildings/tiles/xyz/1/1/{seg}.mvt"):
            r = api_client.get(path)
            assert r.status_code < 500, (path, r.text)
        for body in ({"inputs": {"region": payload}}, {"inputs": {"steps": [payload]}},
                     {"inputs": {"params": {payload: {}}}}, {"inputs": {payload: 1}}):
            r = api_client.post("/processes/run/execution", json=body,
                                headers={"Authorization": f"Bearer {API_TOKEN}"})
            assert r.status_code == 400, (body, r.text)
        for text in (f"use = '{payload}'", f"{payload} = 1", f"use LIKE '{payload}%'",
                     f"S_INTERSECTS(geometry, {payload})"):
            r = api_client.get("/collections/buildings/items", params={"filter": text})
            assert r.status_code < 500, (text, r.text)
    assert 400 in statuses
    assert _row_counts(api_client) == before
    # the features themselves are still all there
    assert api_client.get("/collections/buildings/items?limit=1").json()["numberMatched"] == api_data.n_buildings


def test_quoted_values_are_bound_not_spliced(api_client):
    """A value with quotes is compared literally (0 matches), not interpreted."""
    r = api_client.get("/collections/buildings/items", params={"use": "x' OR '1'='1"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0
    r = api_client.get("/collections/buildings/items", params={"filter": "use = 'x'' OR ''1''=''1'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0
    r = api_client.get("/collections/buildings/items", params={"filter": "building_id LIKE '%'' OR 1=1 --'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0


# --- schemathesis ----------------------------------------------------------------------------------

def test_schemathesis_no_server_errors(api_client, api_data):
    """Bounded property-based run over every operation of /api: no 5xx, ever. Path parameters are steered to
    real collections, the real tile matrix set and the execute token half of the time, so generated queries
    reach the stores instead of stopping at a 404."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    schema = schemathesis.openapi.from_asgi("/api", api_client.app)
    failures = []
    calls = []
    examples = int(os.environ.get("GEOSERVICE_SCHEMATHESIS_EXAMPLES", "25"))
    operations = list(schema.get_all_operations())
    assert len(operations) >= 20
    collection_ids = sorted(api_data.layers)
    for result in operations:
        operation = result.ok()

        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), cid=st.sampled_from(collection_ids), steer=st.booleans(),
               token=st.booleans())
        def run(case, cid, steer, token):
            params = case.path_parameters or {}
            if steer:
                if "collectionId" in params:
                    params["collectionId"] = cid
                if "tileMatrixSetId" in params:
                    params["tileMatrixSetId"] = "WebMercatorQuad"
                if "processId" in params:
                    params["processId"] = "run"
            headers = {"Authorization": f"Bearer {API_TOKEN}"} if token else {}
            response = case.call(headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, case.body, response.status_code,
                                 response.text[:200]))

        run()
    assert not failures, failures[:10]
    assert sum(1 for c in calls if c == 200) > 50  # the run reached real data, not only errors


# --- database down ---------------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql")


def _pg_bin(name: str) -> str | None:
    versions = sorted(PG_BIN.glob("*/bin/" + name)) if PG_BIN.exists() else []
    return str(versions[-1]) if versions else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of our own (initdb), started and stopped with pg_ctl."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "pgdata"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off", "start")

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


@pytest.fixture()
def cluster(tmp_path_factory):
    if not _pg_bin("initdb") or not _pg_bin("pg_ctl"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    root = Path("/tmp") / f"gs-api-pg-{uuid.uuid4().hex[:8]}"
    c = Cluster(root)
    c.init()
    c.start()
    yield c
    try:
        c.stop()
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.postgis
@pytest.mark.slow
def test_database_down_gives_503_and_recovers(cluster, tmp_path):
    import psycopg

    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    from geoservice.store.postgis import PostGISStore

    store = PostGISStore(cluster.url, tmp_path / "rasters")
    publish_demo(store, build_layers())
    settings = Settings(data_dir=tmp_path, database_url=cluster.url)
    try:
        with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/collections/communes/items?limit=1").status_code == 200
            cluster.stop()
            time.sleep(client.app.state.versions.ttl_s + 0.2)  # let the remembered layer versions expire
            for path in ("/collections", "/collections/communes", "/collections/communes/items?limit=1",
                         "/collections/communes/tiles/WebMercatorQuad/5/16/16", "/jobs", "/readyz"):
                r = client.get(path)
                assert r.status_code == 503, (path, r.status_code, r.text)
                assert r.headers["retry-after"].isdigit()
                assert r.headers["content-type"].startswith("application/problem+json")
                assert "password" not in r.text.lower()
            assert client.get("/healthz").status_code == 200  # the process itself is alive
            cluster.start()
            deadline = time.monotonic() + 30
            while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert client.get("/readyz").status_code == 200
            r = client.get("/collections/communes/items?limit=1")
            assert r.status_code == 200 and r.json()["numberMatched"] == 12
    finally:
        store.close()


@pytest.mark.postgis
@pytest.mark.slow
def test_app_starts_while_database_is_down_and_recovers(cluster, tmp_path):
    """The lifespan opens the store lazily: the app starts, says 503, and serves once PostgreSQL is up."""
    import psycopg

    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    cluster.stop()
    settings = Settings(data_dir=tmp_path, database_url=cluster.url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.headers["retry-after"]
        assert client.get("/collections").status_code == 503
        cluster.start()
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get("/readyz").status_code == 200
        assert client.get("/collections").json()["collections"] == []
