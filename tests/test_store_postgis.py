"""The PostGIS store's cold-tile path: one round trip per tile, the registry row remembered for
``CURRENT_TTL_S`` (and refreshed by ``current()`` and by a publish), tiles of an explicit version, a dropped
pooled connection retried once, rows stored in spatial order with their feature ids intact, and the
simplification rule both backends share (``tiles.SIMPLIFY_MAX_ZOOM``).

References: the published GeoDataFrames themselves (ids and counts), and for the spatial order a brute-force
check of what the Hilbert order promises (neighbours in space are neighbours in storage).
"""

from __future__ import annotations

import itertools

import mapbox_vector_tile
import numpy as np
import psycopg
import pytest
import shapely
import sqlalchemy as sa

from geoservice.store import tiles
from geoservice.store.postgis import PostGISStore, spatial_order
from layers.errors import LayerNotFound, StoreUnavailable
from tests.test_store import X0, Y0, communes, corridor_paths, provenance, tile_of


def _tile_ids(store, layer_id: str, z: int, x: int, y: int, **kwargs) -> set[int]:
    data = store.vector_tile(layer_id, z, x, y, "mvt", **kwargs)
    return {f["id"] for f in mapbox_vector_tile.decode(data)[layer_id]["features"]} if data else set()


def _statements(engine: sa.Engine) -> list[str]:
    """Every statement SQLAlchemy sends from now on (appended as they run)."""
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: seen.append(sql))
    return seen


def _terminate_other_backends(url: str) -> int:
    """Kill every other connection to the store's database (what a PostgreSQL restart does to a pool)."""
    params = sa.make_url(url)
    with psycopg.connect(host=params.host or params.query.get("host"), port=params.port, user=params.username,
                         password=params.password, dbname=params.database, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                "current_database() AND pid <> pg_backend_pid()").fetchall())


@pytest.mark.postgis
def test_cold_tile_is_one_statement_without_pre_ping(make_store):
    store = make_store("postgis")
    store.publish_layers({"corridor_paths": corridor_paths()}, provenance())
    t = tile_of(X0 + 3000, Y0 + 2000, 14)
    assert _tile_ids(store, "corridor_paths", t.z, t.x, t.y)  # first tile: registry row + tile
    assert not store.engine.pool._pre_ping
    seen = _statements(store.engine)
    for dx in (1, 2):  # other tiles of the same version: the tile statement alone
        store.vector_tile("corridor_paths", t.z, t.x + dx, t.y, "mvt")
    assert len(seen) == 2 and all("ST_AsMVT" in sql for sql in seen)
    assert not any(line.lstrip().startswith("--") for line in seen[0].splitlines())  # comments stay in the file


@pytest.mark.postgis
def test_tile_of_an_explicit_version(make_store):
    """Reference: the tiles the store served while each version was the current one."""
    store = make_store("postgis")
    t = tile_of(X0 + 3000, Y0 + 2000, 13)
    served = {}
    for version, seed in ((1, 0), (2, 5)):
        store.publish_layers({"corridor_paths": corridor_paths(60, seed=seed)}, provenance(f"k{version}"))
        served[version] = {fmt: store.vector_tile("corridor_paths", t.z, t.x, t.y, fmt) for fmt in ("mvt", "geojson")}
    assert served[1] != served[2]
    for version in (1, 2):
        for fmt in ("mvt", "geojson"):
            assert store.vector_tile("corridor_paths", t.z, t.x, t.y, fmt, version=version) == served[version][fmt]
    seen = _statements(store.engine)
    store.vector_tile("corridor_paths", t.z, t.x + 1, t.y, "mvt", version=1)  # the row is remembered for good
    assert len(seen) == 1
    with pytest.raises(LayerNotFound, match="no published version 3"):
        store.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt", version=3)


@pytest.mark.postgis
def test_remembered_current_row_follows_publishes_and_current(make_store, monkeypatch):
    """Another process's publish is seen once the remembered row expires, or at once after ``current()`` (what
    the API's version cache calls); this process's own publish is seen at once."""
    reader, writer = make_store("postgis"), make_store("postgis")
    writer.publish_layers({"corridor_paths": corridor_paths(60)}, provenance("k1"))
    t = tile_of(X0 + 3000, Y0 + 2000, 12)
    first = _tile_ids(reader, "corridor_paths", t.z, t.x, t.y)
    assert len(first) > 3
    writer.publish_layers({"corridor_paths": corridor_paths(3)}, provenance("k2"))
    assert _tile_ids(reader, "corridor_paths", t.z, t.x, t.y) == first  # within CURRENT_TTL_S: still v1
    assert reader.current("corridor_paths").version == 2
    assert _tile_ids(reader, "corridor_paths", t.z, t.x, t.y) <= {1, 2, 3}
    writer.publish_layers({"corridor_paths": corridor_paths(60)}, provenance("k3"))
    monkeypatch.setattr("geoservice.store.postgis.time.monotonic", lambda: float("inf"))  # every row expired
    assert _tile_ids(reader, "corridor_paths", t.z, t.x, t.y) == first
    assert reader.query_features("corridor_paths", limit=1).number_matched == 60
    monkeypatch.undo()
    reader.publish_layers({"corridor_paths": corridor_paths(3)}, provenance("k4"))
    assert _tile_ids(reader, "corridor_paths", t.z, t.x, t.y) <= {1, 2, 3}
    assert reader.query_features("corridor_paths", limit=1).number_matched == 3


@pytest.mark.postgis
def test_dropped_connections_are_retried_once(make_store, postgis_url):
    """PostgreSQL closing every pooled connection (as a restart does): reads succeed on a fresh connection;
    a write is not repeated (it may have committed) and says StoreUnavailable once."""
    store = make_store("postgis")
    store.publish_layers({"communes": communes()}, provenance())
    t = tile_of(X0 + 750, Y0 + 750, 14)
    tile = store.vector_tile("communes", t.z, t.x, t.y, "mvt")
    for read in (lambda: store.vector_tile("communes", t.z, t.x, t.y, "mvt") == tile,
                 lambda: store.query_features("communes").number_matched == 12,
                 lambda: store.current("communes").version == 1,
                 lambda: store.ping() is None,
                 lambda: store.jobs.list() == []):
        assert _terminate_other_backends(postgis_url) >= 1
        assert read()
    assert _terminate_other_backends(postgis_url) >= 1
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.jobs.create("run", {})
    assert store.jobs.create("run", {}).status == "accepted"  # the pool recovered


def test_unreachable_database_is_not_retried_forever(tmp_path):
    store = PostGISStore("postgresql://geo@127.0.0.1:1/geodb", tmp_path)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.vector_tile("communes", 0, 0, 0, "mvt")
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.query_features("communes")


@pytest.mark.postgis
def test_rows_are_stored_in_spatial_order_with_input_fids(make_store, postgis_url):
    store = make_store("postgis")
    data = communes(12).sample(frac=1.0, random_state=3)  # shuffled: input order is not spatial
    store.publish_layers({"communes": data}, provenance())
    assert list(store.read_vector("communes")["name"]) == list(data["name"])  # fid = input row + 1
    with psycopg.connect(postgis_url) as conn:
        stored = [r[0] for r in conn.execute('SELECT fid FROM geoservice."communes__v1" ORDER BY ctid')]
    order = spatial_order(np.asarray(data.geometry.values, dtype=object))
    assert stored == [int(i) + 1 for i in order] and stored != sorted(stored)


def test_spatial_order_keeps_neighbours_together():
    """Reference: on a 16 x 16 grid of cells, consecutive cells of a Hilbert order are always edge neighbours,
    and empty or missing geometries go last."""
    rng = np.random.default_rng(0)
    cells = [(i, j) for i in range(16) for j in range(16)]
    rng.shuffle(cells)
    geoms = np.array([shapely.box(i, j, i + 1, j + 1) for i, j in cells] + [shapely.Polygon(), None], dtype=object)
    order = spatial_order(geoms)
    assert sorted(order) == list(range(len(geoms))) and list(order[-2:]) == [256, 257]
    steps = [abs(cells[a][0] - cells[b][0]) + abs(cells[a][1] - cells[b][1]) for a, b in itertools.pairwise(order[:256])]
    assert steps == [1] * 255
    assert list(spatial_order(np.array([], dtype=object))) == []


@pytest.mark.parametrize("z, simplified", [(0, True), (tiles.SIMPLIFY_MAX_ZOOM, True),
                                           (tiles.SIMPLIFY_MAX_ZOOM + 1, False), (22, False)])
def test_simplification_stops_at_simplify_max_zoom(z, simplified):
    """Half a pixel of a 256-px tile [m]: 40075016.686 / 256 / 2**z / 2 (EPSG:3857 world width, exact)."""
    expected = 40075016.68557849 / 256 / 2**z / 2 if simplified else 0.0
    assert tiles.simplify_tolerance_m(z) == pytest.approx(expected, rel=1e-12)


def test_python_tiles_repair_self_intersecting_polygons():
    """A bow tie (invalid) is made valid before clipping, at zooms with and without simplification, as
    ST_AsMVTGeom does: both lobes survive. Reference: the two lobes (triangles) in EPSG:3857 cut by the
    buffered tile, area to 0.5 % (the simplification below SIMPLIFY_MAX_ZOOM moves vertices)."""
    gdf = communes(1)
    gdf.loc[0, "geometry"] = shapely.Polygon([(X0, Y0), (X0 + 1500, Y0 + 1500), (X0 + 1500, Y0), (X0, Y0 + 1500)])
    corners = gdf.to_crs(3857).geometry.iloc[0].exterior.coords
    centre = shapely.LineString([corners[0], corners[1]]).intersection(shapely.LineString([corners[2], corners[3]]))
    lobes = shapely.MultiPolygon([shapely.Polygon([corners[0], centre, corners[3]]),
                                  shapely.Polygon([corners[1], centre, corners[2]])])
    for z in (tiles.SIMPLIFY_MAX_ZOOM, tiles.SIMPLIFY_MAX_ZOOM + 2):
        t = tile_of(X0 + 750, Y0 + 750, z)
        out = tiles.prepare_tile_geometries(gdf, t.z, t.x, t.y)
        assert len(out) == 1 and out.geometry.iloc[0].is_valid
        want = lobes.intersection(shapely.box(*tiles.buffered_bounds(tiles.tile_bounds_3857(t.z, t.x, t.y))))
        assert out.geometry.iloc[0].area == pytest.approx(want.area, rel=0.005)
        assert tiles.encode_mvt(out, "communes", ["name"], t.z, t.x, t.y)


@pytest.mark.postgis
def test_busy_pool_gives_store_unavailable(postgis_url, tmp_path, monkeypatch):
    """The pool does not overflow: with every connection taken, a request waits POOL_TIMEOUT_S and then says
    the database is overloaded (503), instead of opening a short-lived connection."""
    monkeypatch.setattr("geoservice.store.postgis.POOL_TIMEOUT_S", 0.2)
    store = PostGISStore(postgis_url, tmp_path, pool_size=1)
    try:
        store.ping()
        with store.engine.connect(), pytest.raises(StoreUnavailable, match="all 1 connections .* stayed busy for 0.2 s"):
            store.ping()
        store.ping()
    finally:
        store.close()
