"""Shared fixtures: a throw-away PostGIS database for the session, and a ``store`` fixture parametrised over
both backends (embedded GeoPackage, PostGIS) so one test body checks that they agree.

The demo fixtures live in :mod:`tests.demo_fixtures` (a small generated region) and :mod:`tests.pipeline_fixtures`
(the whole pipeline on the bundled demo, and its maps), the headless Chromium in :mod:`tests.browser_fixtures`;
registered here as plugins, every test module uses them by name without importing them.

PostGIS: the admin URL is GEOSERVICE_TEST_DATABASE_URL, else ``postgresql://postgres@127.0.0.1:5432/postgres``,
else the calling user over the local Unix socket (what ``scripts/ensure-postgis.sh`` sets up on Debian).
Without a reachable server with PostGIS the PostGIS tests skip, naming the reason — except when the
environment variable CI is set, where they fail: CI must exercise PostGIS.
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.browser_fixtures", "tests.demo_fixtures", "tests.pipeline_fixtures"]

#: Tried in order when GEOSERVICE_TEST_DATABASE_URL is unset.
DEFAULT_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    f"postgresql://{getpass.getuser()}@/postgres?host=/var/run/postgresql",
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    message = (f"PostGIS is not available: {reason}. Run scripts/ensure-postgis.sh as root, or set "
               "GEOSERVICE_TEST_DATABASE_URL to an admin URL of a server with PostGIS")
    if _in_ci():
        pytest.fail(message + " (CI is set, so PostGIS tests must run)", pytrace=False)
    pytest.skip(message)


def _safe(url: str) -> str:
    """``url`` without its password, for messages."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def _with_database(url: str, dbname: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(database=dbname).render_as_string(hide_password=False)


def pg_connect(url: str):
    """A psycopg connection (autocommit) to ``url``, for creating and dropping throw-away test databases."""
    import psycopg

    from geoservice.store.postgis import sqlalchemy_url

    params = sqlalchemy_url(url)
    return psycopg.connect(host=params.host or params.query.get("host"), port=params.port,
                           user=params.username, password=params.password, dbname=params.database,
                           connect_timeout=5, autocommit=True)


@pytest.fixture(scope="session")
def postgis_admin_url() -> str:
    """An admin URL of a reachable PostgreSQL server whose PostGIS extension can be created."""
    import psycopg

    configured = os.environ.get("GEOSERVICE_TEST_DATABASE_URL")
    candidates = (configured,) if configured else DEFAULT_ADMIN_URLS
    errors = []
    for url in candidates:
        try:
            with pg_connect(url) as conn:
                available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
        except psycopg.Error as exc:
            errors.append(f"{_safe(url)}: {str(exc).strip().splitlines()[0]}")
            continue
        if not available:
            errors.append(f"{_safe(url)}: the server has no PostGIS extension installed")
            continue
        return url
    _unavailable("; ".join(errors))
    raise AssertionError("unreachable")  # _unavailable skips or fails


@pytest.fixture(scope="session")
def postgis_url(postgis_admin_url: str) -> Iterator[str]:
    """URL of a throw-away database with PostGIS, dropped at the end of the session."""
    dbname = f"geoservice_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with pg_connect(postgis_admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    url = _with_database(postgis_admin_url, dbname)
    try:
        with pg_connect(url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
        if not version:
            _unavailable(f"CREATE EXTENSION postgis did not install it in {dbname}")
        yield url
    finally:
        with pg_connect(postgis_admin_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _reset_postgis(url: str) -> None:
    with pg_connect(url) as conn:
        conn.execute("DROP SCHEMA IF EXISTS geoservice CASCADE")


@pytest.fixture
def make_store(request, tmp_path: Path):
    """``make_store(backend)`` → an empty store of ``backend`` ("gpkg" or "postgis"); a second call with the
    same backend opens the same store (another process's view)."""
    opened = []
    reset = set()

    def factory(backend: str, **kwargs):
        if backend == "gpkg":
            from geoservice.store.gpkg import GeoPackageStore

            store = GeoPackageStore(tmp_path / "store", **kwargs)
        elif backend == "postgis":
            from geoservice.store.postgis import PostGISStore

            url = request.getfixturevalue("postgis_url")
            if url not in reset:
                _reset_postgis(url)
                reset.add(url)
            store = PostGISStore(url, tmp_path / "rasters", **kwargs)
        else:
            raise ValueError(f"unknown backend {backend!r}")
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def backend(request) -> str:
    """The name of a store backend: every test using it runs once per backend."""
    return request.param


@pytest.fixture
def store(backend: str, make_store):
    """An empty store, once per backend."""
    return make_store(backend)
