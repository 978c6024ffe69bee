"""Data never exposed, no 500s (issue 19, defects 2-7 and 9), on both stores where a store is involved:
the read token on every path including /maps/ (and the browser sign-in), feature ids and numbers of other
scripts' digits, LIKE patterns ending in an escape, deeply nested geometries, a large body without a token,
a registry locked from a second connection, Range errors, long URLs, the public base URL, and
``geoservice serve`` started with the database down.

Each expectation is the HTTP rule it enforces (RFC 9110 status codes, RFC 7807 bodies); the inputs are the
ones the fault trial reported as 500s, hangs or leaks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from geoservice.api import create_app
from geoservice.api.auth import SESSION_COOKIE
from geoservice.api.guard import MAX_URL_BYTES
from geoservice.settings import Settings
from tests.test_api_fixtures import *
from tests.test_api_fixtures import API_TOKEN, publish_demo

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PROBLEM = "application/problem+json"


def _problem(r, status: int, match: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body = r.json()
    assert body["status"] == status
    if match:
        assert match in body["detail"], body["detail"]
    return body


# --- defect 2: the read token covers /maps/; browsers sign in ------------------------------------------------


@pytest.fixture
def guarded(api_store, api_settings):
    settings = api_settings.model_copy(update={"read_token": Settings(read_token="reader").read_token})
    settings.maps_dir.mkdir(parents=True, exist_ok=True)
    (settings.maps_dir / "solar.html").write_text("<html>yields of 11,049 roofs</html>", encoding="utf-8")
    with TestClient(create_app(settings, store=api_store), raise_server_exceptions=False) as client:
        yield client


def test_read_token_covers_the_maps(guarded):
    for path in ("/maps/solar.html", "/maps/", "/collections", "/api", "/collections/buildings/items/1"):
        _problem(guarded.get(path), 401, "GEOSERVICE_READ_TOKEN")
    r = guarded.get("/maps/solar.html", headers={"Authorization": "Bearer reader"})
    assert r.status_code == 200 and "11,049" in r.text
    assert guarded.get("/maps/solar.html", headers=AUTH).status_code == 200  # the execute token reads too
    assert guarded.get("/healthz").status_code == 200 and guarded.get("/readyz").status_code == 200


def test_browser_signs_in_with_an_httponly_cookie(guarded):
    r = guarded.get("/maps/solar.html", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fmaps%2Fsolar.html"
    form = guarded.get(r.headers["location"])
    assert form.status_code == 200 and "name='token'" in form.text and "/maps/solar.html" in form.text
    bad = guarded.post("/login", data={"token": "wrong", "next": "/maps/solar.html"}, follow_redirects=False)
    assert bad.status_code == 401 and SESSION_COOKIE not in bad.cookies
    ok = guarded.post("/login", data={"token": "reader", "next": "/maps/solar.html"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/maps/solar.html"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "reader" not in cookie
    session = ok.cookies[SESSION_COOKIE]
    page = guarded.get("/maps/solar.html", cookies={SESSION_COOKIE: session})
    assert page.status_code == 200 and "11,049" in page.text
    assert guarded.get("/collections", cookies={SESSION_COOKIE: session}).status_code == 200
    _problem(guarded.get("/collections", cookies={SESSION_COOKIE: session + "0"}), 401)
    # the cookie reads, it never executes
    _problem(guarded.post("/processes/run/execution", json={"inputs": {}}, cookies={SESSION_COOKIE: session}), 401)
    # an off-site "next" is not followed
    elsewhere = guarded.post("/login", data={"token": "reader", "next": "//evil.example/x"}, follow_redirects=False)
    assert elsewhere.headers["location"] == "/maps/"
    out = guarded.get("/logout", follow_redirects=False)
    assert out.status_code == 303 and f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]


# --- defect 3: ids and numbers in other scripts' digits --------------------------------------------------------


@pytest.mark.parametrize("fid", ["%C2%B2", "%E2%91%A0", "%D9%A3", "%EF%BC%93", "+3", " 3", "3.0"])
def test_feature_ids_are_ascii_digits(api_client, fid):
    _problem(api_client.get(f"/collections/buildings/items/{fid}"), 404, "ASCII digits")


def test_ascii_feature_id_is_served(api_client):
    assert api_client.get("/collections/buildings/items/3").json()["id"] == 3


@pytest.mark.parametrize("params", [{"limit": "١٠"}, {"offset": "٣"}, {"levels": "٣"}, {"height_m": "٣"},
                                    {"filter": "levels = ٣"}, {"filter": "height_m > ３"}])
def test_numbers_in_other_scripts_are_refused(api_client, params):
    _problem(api_client.get("/collections/buildings/items", params=params), 400)


# --- defect 4: LIKE patterns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("collection, text", [("buildings", "use LIKE 'res\\'"),
                                              ("buildings", "use LIKE 'res\\x%'"),
                                              ("buildings", "use NOT LIKE '\\'"),
                                              ("transit_stops", "name LIKE 'Stop 1\\'")])
def test_malformed_like_pattern_is_400(api_client, collection, text):
    _problem(api_client.get(f"/collections/{collection}/items", params={"filter": text}), 400, "backslash")


def test_escaped_like_patterns_match_literally(api_client):
    r = api_client.get("/collections/buildings/items", params={"filter": "use LIKE 'res%'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 50
    r = api_client.get("/collections/buildings/items", params={"filter": "use LIKE 'res\\%'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0  # a literal %: no use has one
    r = api_client.get("/collections/buildings/items", params={"filter": "use LIKE 'residential\\\\'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0


def test_malformed_like_pattern_on_a_table_is_400():
    import pandas as pd

    from geoservice.api.tables import filter_mask
    from geoservice.query import Like
    from layers.errors import InvalidRequest

    frame = pd.DataFrame({"name": ["a%b", "ab", "a\\"]})
    assert filter_mask(frame, Like("name", "a\\%b")).tolist() == [True, False, False]
    assert filter_mask(frame, Like("name", "a\\\\")).tolist() == [False, False, True]
    with pytest.raises(InvalidRequest, match="backslash"):
        filter_mask(frame, Like("name", "a\\"))


# --- defect 5: nested and huge geometries --------------------------------------------------------------------


def test_deeply_nested_geometry_collection_is_400(api_client):
    nested = "GEOMETRYCOLLECTION(" * 600 + "POINT(6.0 49.5)" + ")" * 600
    _problem(api_client.get("/collections/buildings/items",
                            params={"filter": f"S_INTERSECTS(geometry, {nested})"}), 400, "nests deeper")
    shallow = "GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(6.0 49.5)))"
    r = api_client.get("/collections/buildings/items", params={"filter": f"S_INTERSECTS(geometry, {shallow})"})
    assert r.status_code == 200


def asgi_get(app, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``target`` (path?query, sent as is) straight through the ASGI app: httpx refuses URLs longer
    than 64 KB, which the tests of long URLs need."""
    import asyncio

    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_geometry_with_too_many_vertices_is_400(api_client):
    from geoservice.api.cql2 import MAX_WKT_VERTICES

    points = ",".join(["1 1"] * (MAX_WKT_VERTICES + 1))
    text = quote(f"S_INTERSECTS(geometry, LINESTRING({points}))", safe="")
    status, headers, body = asgi_get(api_client.app, f"/collections/buildings/items?filter={text}")
    assert status == 400 and headers["content-type"].startswith(PROBLEM) and b"vertices" in body, body[:300]


# --- defect 6: the token before the body; a size limit ------------------------------------------------------


class CountingBody:
    """A request body streamed in 1 MB chunks (no Content-Length: chunked) that counts what was read."""

    def __init__(self, megabytes: int):
        self.megabytes, self.sent = megabytes, 0

    def __iter__(self):
        for _ in range(self.megabytes):
            self.sent += 1
            yield b"[" * (1 << 20)


def test_large_body_without_token_is_refused_unread(api_client):
    body = CountingBody(200)
    _problem(api_client.post("/processes/solar/execution", content=body,
                             headers={"Content-Type": "application/json"}), 401)
    assert body.sent <= 1  # the 200 MB body was not read (at most the chunk in flight)
    _problem(api_client.post("/processes/solar/execution", content=b"{" * 10,
                             headers={"Content-Type": "application/json", "Authorization": "Bearer wrong"}), 401)


def test_body_over_the_limit_is_413(api_client, api_settings):
    limit = api_settings.max_body_bytes
    declared = api_client.post("/processes/solar/execution", content=b" " * (limit + 1),
                               headers={**AUTH, "Content-Type": "application/json"})
    _problem(declared, 413, "GEOSERVICE_MAX_BODY_BYTES")
    _problem(api_client.post("/processes/solar/execution", content=CountingBody(3),
                             headers={**AUTH, "Content-Type": "application/json"}), 413)  # chunked
    r = api_client.post("/processes/inputs/execution", json={"inputs": {}}, headers=AUTH)
    assert r.status_code == 201  # a normal body still works


# --- defect 7: a lock held from a second connection ---------------------------------------------------------


@pytest.mark.postgis
def test_locked_registry_gives_503_and_readiness_notices(pg_database, api_data, tmp_path):
    import psycopg

    from geoservice.store.postgis import PostGISStore

    store = PostGISStore(pg_database, tmp_path / "rasters", statement_timeout_s=5.0, lock_timeout_s=1.0)
    settings = Settings(data_dir=tmp_path, database_url=pg_database)
    if store.current("communes") is None:  # the database is shared with the other API tests
        publish_demo(store, api_data)
    try:
        with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
            assert client.get("/readyz").status_code == 200
            with psycopg.connect(pg_database) as locker:  # a second connection, in a transaction
                locker.execute("LOCK TABLE geoservice.layer_versions IN ACCESS EXCLUSIVE MODE")
                time.sleep(client.app.state.versions.ttl_s + 0.2)  # remembered versions expire
                for path in ("/collections/communes/items?limit=1", "/collections", "/readyz"):
                    started = time.monotonic()
                    r = client.get(path)
                    elapsed = time.monotonic() - started
                    body = _problem(r, 503)
                    assert r.headers["retry-after"].isdigit() and elapsed < 10, (path, elapsed)
                    assert "retry" in body["detail"]
                locker.rollback()
            assert client.get("/readyz").status_code == 200
            assert client.get("/collections/communes/items?limit=1").status_code == 200
    finally:
        store.close()


@pytest.mark.postgis
def test_statement_timeout_is_store_unavailable(pg_database, tmp_path):
    import sqlalchemy as sa

    from geoservice.store.postgis import PostGISStore
    from layers.errors import StoreUnavailable

    store = PostGISStore(pg_database, tmp_path / "rasters", statement_timeout_s=0.3)
    try:
        with pytest.raises(StoreUnavailable, match="did not answer in time"):
            store._read(lambda conn: conn.execute(sa.text("SELECT pg_sleep(2)")))
    finally:
        store.close()


# --- defect 9: Range errors, long URLs, public base URL, serve with the database down -----------------------


def test_range_errors_are_problem_json(api_client):
    size = len(api_client.get("/collections/dem/coverage").content)
    r = api_client.get("/collections/dem/coverage", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100
    for bad in ("bytes=abc", "items=0-1", "bytes=5-1", "bytes=1-2-3"):
        _problem(api_client.get("/collections/dem/coverage", headers={"Range": bad}), 400, "Range")
    r = api_client.get("/collections/dem/coverage", headers={"Range": f"bytes={size + 10}-"})
    _problem(r, 416)
    assert r.headers["content-range"] == f"bytes */{size}"


def test_long_url_is_414(api_client):
    status, headers, body = asgi_get(api_client.app, "/collections/buildings/items?filter=" + "x" * MAX_URL_BYTES)
    assert status == 414 and headers["content-type"].startswith(PROBLEM), body[:200]


def test_public_base_url_is_used_for_links(api_store, api_settings):
    settings = api_settings.model_copy(update={"public_base_url": "https://geo.example.org/api"})
    with TestClient(create_app(settings, store=api_store)) as client:
        r = client.get("/collections/buildings/items?limit=1", headers={"Host": "attacker.example"})
        hrefs = [link["href"] for link in r.json()["links"]]
        assert hrefs and all(h.startswith("https://geo.example.org/api/") for h in hrefs), hrefs
        landing = client.get("/", headers={"Host": "attacker.example"}).text
        assert "attacker" not in landing
    with pytest.raises(ValueError, match="absolute http"):
        Settings(public_base_url="geo.example.org")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_with_the_database_down_and_answers_414(tmp_path):
    """`geoservice serve` (the real uvicorn server): a database that is down is a warning, not an exit; the
    API says 503 until it answers; a 1 MB request line gets 414 problem+json, not a connection reset."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "GEOSERVICE_DATA_DIR": str(tmp_path),
           "GEOSERVICE_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{_free_port()}/none"}
    log = tmp_path / "serve.log"  # a file, not a pipe: the access log of a 1 MB URL would fill a pipe
    proc = subprocess.Popen([sys.executable, "-m", "geoservice.cli", "serve", "--port", str(port)], cwd=REPO,
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240  # imports alone take long on a loaded machine
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.headers["retry-after"]
        assert httpx.get(f"{base}/collections", timeout=30).status_code == 503
        # 200 KB reaches the app (503: no database), 1 MB is refused; neither is a reset (httpx refuses URLs
        # this long: raw request lines)
        for size, status in ((200_000, 503), (1_000_000, 414)):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                conn.sendall(f"GET /collections/buildings/items?filter={'x' * size} HTTP/1.1\r\n"
                             "Host: localhost\r\nConnection: close\r\n\r\n".encode())
                reply = b""
                while chunk := conn.recv(65536):
                    reply += chunk
            head, _, body = reply.partition(b"\r\n\r\n")
            assert head.startswith(f"HTTP/1.1 {status}".encode()) and b"application/problem+json" in head, reply[:300]
            assert f'"status":{status}'.encode() in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Serving anyway" in log.read_text(), log.read_text()[-2000:]


def test_cli_module_is_runnable():
    """``python -m geoservice.cli`` (used above) is the same command as the ``geoservice`` script."""
    r = subprocess.run([sys.executable, "-m", "geoservice.cli", "--help"], cwd=REPO, capture_output=True, check=False,
                       env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert r.returncode == 0 and b"prune" in r.stdout
