"""The store contract, run against both backends (GeoPackage and PostGIS).

Reference for every query: the same selection computed with pandas/shapely on the published GeoDataFrame
(an independent implementation); the backends must match it exactly — same feature ids, same properties,
same geometries (WKB round trip, tolerance 0) — and therefore each other. ``test_backends_agree`` also
compares the two backends directly, tiles included.
"""

from __future__ import annotations

import json
import math
import threading
import time

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import shapely.geometry
from affine import Affine
from pyproj import Transformer

from geoservice.query import And, Between, Comparison, In, Intersects, IsNull, Like, Not, Or, SortKey
from geoservice.settings import Settings
from geoservice.store import open_store
from geoservice.store.gpkg import GeoPackageStore
from geoservice.store.postgis import PostGISStore
from layers.data import Provenance
from layers.errors import FeatureNotFound, InvalidRequest, LayerNotFound, StoreError, StoreUnavailable
from layers.raster import Raster, RasterFile

CRS = "EPSG:2169"
#: Lower-left corner [m] of the synthetic data, in the Minett (EPSG:2169).
X0, Y0 = 62_000.0, 62_000.0


def provenance(key: str = "key-1", job: str = "job-1") -> Provenance:
    return Provenance(job_id=job, step="corridors", params={"alpha": 1.5}, input_checksums={"dem": "abc"},
                      code_version="test", cache_key=key, synthetic=True)


def corridor_paths(n: int = 60, seed: int = 0) -> gpd.GeoDataFrame:
    """Lines with every field dtype (str, float, int, bool), deterministic."""
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(0, 6000, n)
    y = Y0 + rng.uniform(0, 4000, n)
    lines = [shapely.LineString([(a, b), (a + dx, b + dy), (a + 2 * dx, b)])
             for a, b, dx, dy in zip(x, y, rng.uniform(50, 400, n), rng.uniform(-200, 200, n))]
    networks = np.array(["green", "blue", "black"])[rng.integers(0, 3, n)]
    cost = np.round(rng.uniform(0, 100, n), 3)
    return gpd.GeoDataFrame({
        "network": networks,
        "link_id": [f"L{i:03d}" if i % 7 else f"l{i:03d}" for i in range(n)],  # mixed case for LIKE and sorting
        "core_a": [f"c{i % 9}" for i in range(n)],
        "core_b": [f"c{(i + 3) % 9}" for i in range(n)],
        "cost": cost,
        "dpc_link_pct": np.round(rng.uniform(0, 5, n), 3),
        "importance_rank": rng.integers(1, 20, n),
        "length_m": shapely.length(np.array(lines)),
        "euclidean_m": rng.uniform(10, 500, n),
        "cost_ratio": rng.uniform(1, 3, n),
        "certified": rng.random(n) < 0.4,
    }, geometry=lines, crs=CRS)


def communes(n: int = 12) -> gpd.GeoDataFrame:
    """A grid of square communes; one has no area (nullable float)."""
    cols = 4
    squares = [shapely.box(X0 + (i % cols) * 1500, Y0 + (i // cols) * 1500, X0 + (i % cols + 1) * 1500,
                           Y0 + (i // cols + 1) * 1500) for i in range(n)]
    area: list[float | None] = [2.25] * n
    if n > 5:
        area[5] = None
    return gpd.GeoDataFrame({"name": [f"Commune {i}" for i in range(n)], "code": [f"{1000 + i}" for i in range(n)],
                             "area_km2": pd.array(area, dtype="float64")}, geometry=squares, crs=CRS)


def climate() -> pd.DataFrame:
    return pd.DataFrame({"month": np.arange(1, 13), "ghi_kwh_m2": np.linspace(20, 170, 12),
                         "temp_air_c": np.linspace(0, 18, 12)})


def dem(rows: int = 300, cols: int = 400) -> Raster:
    values = (300 + np.add.outer(np.arange(rows), np.arange(cols)) * 0.1).astype("float32")
    values[0, 0] = np.nan
    return Raster(values, Affine(5.0, 0, X0, 0, -5.0, Y0 + rows * 5.0), CRS, None, "m")


def assert_same_features(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame, fields: list[str]) -> None:
    """Same ids (in order), same properties, same geometries."""
    assert list(got.index) == list(want.index)
    assert [c for c in got.columns if c != got.geometry.name] == fields
    for name in fields:
        a, b = got[name].tolist(), want[name].tolist()
        for u, v in zip(a, b):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                assert u is None or u is pd.NA or (isinstance(u, float) and math.isnan(u))
            else:
                assert u == v, (name, u, v)
    assert all(shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=0))


def reference(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The published data as the store numbers it: feature ids 1..N in row order."""
    out = gdf.copy()
    out.index = pd.RangeIndex(1, len(gdf) + 1, name="id")
    return out


# --- publish and read back --------------------------------------------------------------------------------


def test_vector_round_trip(store):
    data = corridor_paths()
    [version] = store.publish_layers({"corridor_paths": data}, provenance())
    assert (version.layer_id, version.version, version.kind, version.feature_count) == ("corridor_paths", 1, "vector", 60)
    assert version.crs == CRS
    assert version.extent == pytest.approx(tuple(data.total_bounds))
    got = store.read_vector("corridor_paths")
    assert got.crs.to_epsg() == 2169
    assert got["importance_rank"].dtype == np.int64 and got["certified"].dtype == bool
    assert_same_features(got, reference(data), list(data.columns.drop("geometry")))
    assert isinstance(store.current_layer("corridor_paths"), gpd.GeoDataFrame)


def test_vector_with_missing_values_and_bbox(store):
    data = communes()
    store.publish_layers({"communes": data}, provenance())
    got = store.read_vector("communes")
    assert math.isnan(got.loc[6, "area_km2"])
    box = (X0 + 100, Y0 + 100, X0 + 1400, Y0 + 1400)  # inside commune 0, touching no other
    assert list(store.read_vector("communes", bbox=box).index) == [1]


def test_table_round_trip(store):
    data = climate()
    [version] = store.publish_layers({"climate": data}, provenance())
    assert version.kind == "table" and version.feature_count == 12 and version.extent is None
    got = store.read_table("climate")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), data, check_dtype=True)


@pytest.mark.parametrize("as_file", [False, True], ids=["Raster", "RasterFile"])
def test_raster_round_trip(store, as_file, tmp_path):
    raster = dem()
    data: Raster | RasterFile = raster
    if as_file:
        path = tmp_path / "dem-in.tif"
        with rasterio.open(path, "w", driver="GTiff", width=400, height=300, count=1, dtype="float32", crs=CRS,
                           transform=raster.transform, nodata=np.nan) as dst:
            dst.write(raster.array, 1)
        data = RasterFile(str(path), unit="m")
    [version] = store.publish_layers({"dem": data}, provenance())
    assert version.feature_count == 300 * 400 and version.extent == pytest.approx(raster.bounds)
    path = store.raster_path("dem")
    with rasterio.open(path) as src:
        assert src.driver == "GTiff" and src.crs.to_epsg() == 2169 and src.transform == raster.transform
        assert src.profile["tiled"] and src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        np.testing.assert_array_equal(src.read(1), raster.array)
        assert src.units == ("m",) and src.tags(1)["unit"] == "m"  # the catalog's unit, in the band
    current = store.current_layer("dem")
    assert isinstance(current, RasterFile) and current.unit == "m" and current.path == str(path)


def test_versions_and_provenance(store):
    store.publish_layers({"communes": communes(), "climate": climate()}, provenance("k1", "job-1"))
    store.publish_layers({"communes": communes(8)}, provenance("k2", "job-2"))
    versions = store.versions("communes")
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].provenance == provenance("k2", "job-2").to_dict()
    assert versions[0].provenance["job_id"] == "job-1" and versions[1].created_at >= versions[0].created_at
    assert store.current("communes").version == 2 and store.current("communes").feature_count == 8
    assert store.current("communes").etag == "communes-v2"
    assert len(store.read_vector("communes", version=1)) == 12
    assert {v.layer_id: v.version for v in store.published()} == {"climate": 1, "communes": 2}
    assert store.current("corridor_paths") is None


def test_cached_layers_by_cache_key(store):
    store.publish_layers({"communes": communes(), "climate": climate()}, provenance("k1"))
    cached = store.cached_layers(["communes", "climate"], "k1")
    assert set(cached) == {"communes", "climate"} and len(cached["communes"]) == 12
    assert store.cached_layers(["communes", "climate"], "other") is None
    assert store.cached_layers(["communes", "corridor_paths"], "k1") is None  # one never published
    store.publish_layers({"climate": climate()}, provenance("k2"))
    assert store.cached_layers(["communes", "climate"], "k1") is None  # climate moved on


def test_unknown_and_unpublished_layers(store):
    with pytest.raises(LayerNotFound, match="unknown layer 'nope'"):
        store.read_vector("nope")
    with pytest.raises(LayerNotFound, match="no published any version"):
        store.current_layer("communes")
    with pytest.raises(LayerNotFound, match="no published"):
        store.query_features("communes")
    with pytest.raises(InvalidRequest, match="not a vector layer"):
        store.query_features("dem")


# --- queries ----------------------------------------------------------------------------------------------

QUERY_CASES = {
    "eq-str": (Comparison("=", "network", "green"), lambda d: d.network == "green"),
    "ne-str": (Comparison("<>", "network", "green"), lambda d: d.network != "green"),
    "lt-float": (Comparison("<", "cost", 30), lambda d: d.cost < 30),
    "le-int": (Comparison("<=", "importance_rank", 5), lambda d: d.importance_rank <= 5),
    "gt-int-as-str": (Comparison(">", "importance_rank", "15"), lambda d: d.importance_rank > 15),
    "ge-float": (Comparison(">=", "cost", 70.5), lambda d: d.cost >= 70.5),
    "eq-bool": (Comparison("=", "certified", True), lambda d: d.certified),
    "between": (Between("cost", 20, 40), lambda d: d.cost.between(20, 40)),
    "in": (In("core_a", ("c1", "c2", "c8")), lambda d: d.core_a.isin(["c1", "c2", "c8"])),
    "in-empty": (In("core_a", ()), lambda d: d.core_a != d.core_a),
    "like-prefix": (Like("link_id", "L01%"), lambda d: d.link_id.str.startswith("L01")),
    "like-case-sensitive": (Like("link_id", "l%"), lambda d: d.link_id.str.startswith("l")),
    "like-underscore": (Like("link_id", "L_2_"), lambda d: d.link_id.str.match(r"^L.2.$")),
    "isnull": (IsNull("network"), lambda d: d.network.isna()),
    "not-isnull": (Not(IsNull("network")), lambda d: d.network.notna()),
    "and": (And((Comparison("=", "network", "blue"), Comparison(">", "cost", 50))),
            lambda d: (d.network == "blue") & (d.cost > 50)),
    "or": (Or((Comparison("=", "network", "blue"), Comparison("<", "importance_rank", 3))),
           lambda d: (d.network == "blue") | (d.importance_rank < 3)),
    "not": (Not(Comparison("=", "certified", True)), lambda d: ~d.certified),
    "intersects-box": (Intersects(shapely.box(X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 2500)),
                       lambda d: d.intersects(shapely.box(X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 2500))),
    "intersects-polygon": (Intersects(shapely.Point(X0 + 3000, Y0 + 2000).buffer(1200)),
                           lambda d: d.intersects(shapely.Point(X0 + 3000, Y0 + 2000).buffer(1200))),
    "not-intersects": (Not(Intersects(shapely.box(X0, Y0, X0 + 3000, Y0 + 4000))),
                       lambda d: ~d.intersects(shapely.box(X0, Y0, X0 + 3000, Y0 + 4000))),
    "nested": (Or((And((Intersects(shapely.box(X0, Y0, X0 + 3000, Y0 + 4000)), Comparison("=", "network", "black"))),
                   Between("importance_rank", 18, 19))),
               lambda d: (d.intersects(shapely.box(X0, Y0, X0 + 3000, Y0 + 4000)) & (d.network == "black"))
               | d.importance_rank.between(18, 19)),
}


@pytest.mark.parametrize("case", list(QUERY_CASES))
def test_query_filters(store, case):
    data = corridor_paths()
    store.publish_layers({"corridor_paths": data}, provenance())
    node, select = QUERY_CASES[case]
    want = reference(data)[select(reference(data)).to_numpy(dtype=bool)]
    page = store.query_features("corridor_paths", filter=node, limit=1000)
    assert page.number_matched == len(want)
    assert_same_features(page.features, want, list(data.columns.drop("geometry")))


def test_query_null_semantics(store):
    """SQL's three-valued logic on both backends: NOT (x = v) skips features where x is missing."""
    store.publish_layers({"communes": communes()}, provenance())
    page = store.query_features("communes", filter=Not(Comparison("=", "area_km2", 1.0)))
    assert 6 not in page.features.index and page.number_matched == 11
    assert list(store.query_features("communes", filter=IsNull("area_km2")).features.index) == [6]


def test_query_sort_properties_paging(store):
    data = corridor_paths()
    store.publish_layers({"corridor_paths": data}, provenance())
    ref = reference(data)
    # code-point order of text (uppercase before lowercase) on both backends; ties broken by feature id
    want = ref.assign(fid=ref.index).sort_values(["link_id", "fid"], kind="stable")
    page = store.query_features("corridor_paths", sortby=[SortKey("link_id")], properties=["link_id"], limit=1000)
    assert list(page.features.index) == list(want.index)
    assert list(page.features.columns) == ["link_id", "geometry"]
    want = ref.assign(fid=ref.index).sort_values(["importance_rank", "cost", "fid"], ascending=[False, True, True])
    pages = [store.query_features("corridor_paths", sortby=[SortKey("importance_rank", True), SortKey("cost")],
                                  properties=["importance_rank", "cost"], limit=7, offset=o) for o in range(0, 63, 7)]
    assert all(p.number_matched == 60 for p in pages)
    assert [len(p.features) for p in pages] == [7] * 8 + [4]
    assert list(pd.concat([p.features for p in pages]).index) == list(want.index)
    assert len(store.query_features("corridor_paths", limit=0).features) == 0
    assert store.query_features("corridor_paths", offset=1000).features.empty


def test_query_feature_id(store):
    data = corridor_paths()
    store.publish_layers({"corridor_paths": data}, provenance())
    page = store.query_features("corridor_paths", feature_id=17)
    assert page.number_matched == 1
    assert_same_features(page.features, reference(data).loc[[17]], list(data.columns.drop("geometry")))
    with pytest.raises(FeatureNotFound, match="no feature 61"):
        store.query_features("corridor_paths", feature_id=61)


@pytest.mark.parametrize("kwargs, message", [
    ({"filter": Comparison("=", "nope", 1)}, "has no property 'nope'"),
    ({"filter": Comparison("=", "cost", "cheap")}, "'cheap' is not a valid value"),
    ({"sortby": [SortKey("nope")]}, r"has no properties \['nope'\]"),
    ({"properties": ["cost", "nope"]}, r"has no properties \['nope'\]"),
    ({"limit": -1}, "must not be negative"),
])
def test_query_bad_requests(store, kwargs, message):
    store.publish_layers({"corridor_paths": corridor_paths(10)}, provenance())
    with pytest.raises(InvalidRequest, match=message):
        store.query_features("corridor_paths", **kwargs)


def test_query_values_are_bound_not_spliced(store):
    """A value that is SQL text is compared as a value, not executed."""
    store.publish_layers({"corridor_paths": corridor_paths(10)}, provenance())
    evil = "green' OR '1'='1"
    assert store.query_features("corridor_paths", filter=Comparison("=", "network", evil)).number_matched == 0
    assert store.query_features("corridor_paths", filter=Like("network", "%' OR 1=1 --")).number_matched == 0
    assert store.query_features("corridor_paths").number_matched == 10


# --- tiles ------------------------------------------------------------------------------------------------


def tile_of(x: float, y: float, z: int) -> morecantile.Tile:
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    return morecantile.tms.get("WebMercatorQuad").tile(lon, lat, z)


def test_mvt_tile(store):
    data = corridor_paths()
    store.publish_layers({"corridor_paths": data}, provenance())
    t = tile_of(X0 + 3000, Y0 + 2000, 14)
    tile = store.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt")
    decoded = mapbox_vector_tile.decode(tile)
    assert list(decoded) == ["corridor_paths"]
    layer = decoded["corridor_paths"]
    assert layer["extent"] == 4096
    # reference: features whose geometry meets the tile (a 256/4096 buffer may add a few near its edge)
    b = morecantile.tms.get("WebMercatorQuad").bounds(t)
    bbox = gpd.GeoSeries([shapely.box(b.left, b.bottom, b.right, b.top)], crs="EPSG:4326").to_crs(CRS)[0]
    inside = set(reference(data).index[reference(data).intersects(bbox)])
    ids = {f["id"] for f in layer["features"]}
    assert inside <= ids and len(ids) < len(data)
    feature = next(f for f in layer["features"] if f["id"] == min(inside))
    row = reference(data).loc[feature["id"]]
    assert feature["properties"] == {k: (row[k].item() if hasattr(row[k], "item") else row[k])
                                     for k in data.columns.drop("geometry")}
    assert feature["geometry"]["type"] == "LineString"
    coords = np.array(feature["geometry"]["coordinates"])
    assert coords.min() >= -256 and coords.max() <= 4096 + 256


def test_geojson_tile(store):
    data = corridor_paths()
    store.publish_layers({"corridor_paths": data}, provenance())
    t = tile_of(X0 + 3000, Y0 + 2000, 13)
    doc = json.loads(store.vector_tile("corridor_paths", t.z, t.x, t.y, "geojson"))
    assert doc["type"] == "FeatureCollection" and doc["features"]
    feature = doc["features"][0]
    assert set(feature["properties"]) == set(data.columns.drop("geometry"))
    lon, lat = feature["geometry"]["coordinates"][0]
    assert 5.7 < lon < 6.6 and 49.3 < lat < 50.3  # CRS84, in Luxembourg


def test_empty_and_invalid_tiles(store):
    store.publish_layers({"corridor_paths": corridor_paths()}, provenance())
    assert store.vector_tile("corridor_paths", 10, 0, 0, "mvt") == b""  # far away
    assert store.vector_tile("corridor_paths", 0, 0, 0, "geojson") != b""
    with pytest.raises(InvalidRequest, match="does not exist"):
        store.vector_tile("corridor_paths", 3, 8, 0, "mvt")
    with pytest.raises(InvalidRequest, match="zoom"):
        store.vector_tile("corridor_paths", 31, 0, 0, "mvt")


# --- jobs -------------------------------------------------------------------------------------------------


def test_jobs_lifecycle(store):
    first = store.jobs.create("solar", {"region": "minett-demo"})
    second = store.jobs.create("wind", {})
    assert first.status == "accepted" and first.inputs == {"region": "minett-demo"}
    assert [j.job_id for j in store.jobs.list()] == [second.job_id, first.job_id]
    claimed = store.jobs.claim("w1")
    assert claimed.job_id == first.job_id and claimed.status == "running"
    assert (claimed.worker_id, claimed.attempts) == ("w1", 1) and claimed.lease_until > time.time()
    job = store.jobs.update(first.job_id, progress=0.5, message="half", log_line="step 1")
    assert store.jobs.update(first.job_id, progress=0.6, worker_id="w2") is None  # not w2's job
    job = store.jobs.update(first.job_id, log_line="step 2")
    job = store.jobs.finish(first.job_id, "w1", "successful", "done", progress=1.0, results={"solar_roofs": 3})
    assert (job.status, job.progress, job.message, job.log[1:], job.results) == (
        "successful", 1.0, "done", ["step 1", "step 2"], {"solar_roofs": 3})
    assert store.jobs.get(first.job_id).log[0] == "claimed by worker w1"
    assert store.jobs.finish(first.job_id, "w1", "failed", "again") is None  # recorded once
    assert store.jobs.claim("w1").job_id == second.job_id
    assert store.jobs.claim("w1") is None
    assert store.jobs.get("missing") is None
    with pytest.raises(InvalidRequest, match="unknown job status"):
        store.jobs.update(first.job_id, status="exploded")
    with pytest.raises(StoreError, match="no job 'missing'"):
        store.jobs.update("missing", progress=0.1)


def test_claim_is_atomic(backend, make_store):
    """Workers claiming concurrently (separate store objects, as in separate processes) never get the same
    job twice, and every job is claimed once."""
    stores = [make_store(backend) for _ in range(4)]
    ids = {stores[0].jobs.create("run", {"n": i}).job_id for i in range(20)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(s):
        while (job := s.jobs.claim(f"w{id(s)}")) is not None:
            with lock:
                claimed.append(job.job_id)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)


# --- health and bad configuration -------------------------------------------------------------------------


def test_ping(store):
    store.ping()


def test_unreachable_database_raises_store_unavailable(tmp_path):
    store = PostGISStore("postgresql://geo:secret@127.0.0.1:1/geodb", tmp_path)
    with pytest.raises(StoreUnavailable, match=r"postgresql://geo:\*\*\*@127.0.0.1:1/geodb cannot be reached") as err:
        store.ping()
    assert "secret" not in str(err.value) and "GEOSERVICE_DATABASE_URL" in str(err.value)
    with pytest.raises(StoreUnavailable):
        store.current("communes")


def test_unwritable_data_dir_raises_store_error(tmp_path):
    import os

    if os.geteuid() == 0:
        target = "/proc/geoservice-store"  # root writes anywhere but in /proc
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "store")
    with pytest.raises(StoreError, match="not writable.*GEOSERVICE_DATA_DIR"):
        GeoPackageStore(target)
    with pytest.raises(StoreError, match="not writable.*GEOSERVICE_DATA_DIR"):
        open_store(Settings(data_dir=target))


def test_open_store_picks_backend(tmp_path):
    store = open_store(Settings(data_dir=tmp_path))
    assert isinstance(store, GeoPackageStore) and store.store_dir == tmp_path / "store"
    remote = open_store(Settings(data_dir=tmp_path, database_url="postgresql://u@127.0.0.1:1/db"))
    assert isinstance(remote, PostGISStore)
    remote.close()


def test_geopackage_opens_in_gdal(make_store):
    """The embedded store is a real GeoPackage: GDAL reads the published tables."""
    import pyogrio

    store = make_store("gpkg")
    data = corridor_paths(20)
    store.publish_layers({"corridor_paths": data, "climate": climate()}, provenance())
    layers = dict(pyogrio.list_layers(store.gpkg_path))
    assert "corridor_paths__v1" in layers and "climate__v1" in layers
    read = pyogrio.read_dataframe(store.gpkg_path, layer="corridor_paths__v1")
    assert read.crs.to_epsg() == 2169 and list(read["link_id"]) == list(data["link_id"])
    assert all(shapely.equals_exact(read.geometry.values, data.geometry.values, tolerance=0))


@pytest.mark.postgis
def test_backends_agree(make_store):
    """The same publish on both backends answers every query and tile identically."""
    gpkg, pg = make_store("gpkg"), make_store("postgis")
    data = corridor_paths(200, seed=3)
    for s in (gpkg, pg):
        s.publish_layers({"corridor_paths": data}, provenance())
    fields = list(data.columns.drop("geometry"))
    for node, _ in QUERY_CASES.values():
        a = gpkg.query_features("corridor_paths", filter=node, sortby=[SortKey("cost", True)], limit=50, offset=5)
        b = pg.query_features("corridor_paths", filter=node, sortby=[SortKey("cost", True)], limit=50, offset=5)
        assert a.number_matched == b.number_matched
        assert_same_features(a.features, b.features, fields)
    for z in (11, 13, 15):
        t = tile_of(X0 + 3000, Y0 + 2000, z)
        a = mapbox_vector_tile.decode(gpkg.vector_tile("corridor_paths", z, t.x, t.y, "mvt"))["corridor_paths"]
        b = mapbox_vector_tile.decode(pg.vector_tile("corridor_paths", z, t.x, t.y, "mvt"))["corridor_paths"]
        assert {f["id"]: f["properties"] for f in a["features"]} == {f["id"]: f["properties"] for f in b["features"]}
        ga = json.loads(gpkg.vector_tile("corridor_paths", z, t.x, t.y, "geojson"))
        gb = json.loads(pg.vector_tile("corridor_paths", z, t.x, t.y, "geojson"))
        assert [f["id"] for f in ga["features"]] == [f["id"] for f in gb["features"]]
        for fa, fb in zip(ga["features"], gb["features"]):
            assert fa["properties"] == fb["properties"]
            # same clipped, simplified geometry up to the coordinate rounding (1e-7 deg)
            assert shapely.geometry.shape(fa["geometry"]).hausdorff_distance(shapely.geometry.shape(fb["geometry"])) < 1e-6


# --- bad input --------------------------------------------------------------------------------------------


def test_empty_layer(store):
    empty = corridor_paths(0)
    [version] = store.publish_layers({"corridor_paths": empty}, provenance())
    assert version.feature_count == 0 and version.extent is None
    assert len(store.read_vector("corridor_paths")) == 0
    assert store.query_features("corridor_paths").number_matched == 0
    assert store.query_features("corridor_paths", filter=Intersects(shapely.box(0, 0, 1e6, 1e6))).features.empty
    assert store.vector_tile("corridor_paths", 12, 2116, 1397, "mvt") == b""


def test_self_intersecting_polygon_is_stored_and_served(store):
    """A bow-tie polygon (invalid) does not break queries or tiles on either backend."""
    data = communes(4)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 1500, Y0 + 1500), (X0 + 1500, Y0), (X0, Y0 + 1500), (X0, Y0)])
    data.loc[0, "geometry"] = bowtie
    store.publish_layers({"communes": data}, provenance())
    page = store.query_features("communes", filter=Intersects(shapely.box(X0 + 100, Y0 + 700, X0 + 200, Y0 + 800)))
    assert 1 in page.features.index
    t = tile_of(X0 + 750, Y0 + 750, 14)
    ids = {f["id"] for f in mapbox_vector_tile.decode(
        store.vector_tile("communes", t.z, t.x, t.y, "mvt"))["communes"]["features"]}
    assert 1 in ids
    assert json.loads(store.vector_tile("communes", t.z, t.x, t.y, "geojson"))["features"]


def test_wrong_data_kind_is_refused(store):
    from layers.errors import SchemaError

    with pytest.raises(SchemaError, match="declared raster but got GeoDataFrame"):
        store.publish_layers({"dem": communes()}, provenance())
    assert store.current("dem") is None


def test_missing_fields_are_refused(store):
    from layers.errors import SchemaError

    with pytest.raises(SchemaError, match=r"lacks the declared fields \['code'\]"):
        store.publish_layers({"communes": communes().drop(columns=["code"])}, provenance())
    assert store.current("communes") is None


@pytest.mark.postgis
def test_backends_agree_on_polygon_tiles(make_store):
    """Polygons (one with a hole, one crossing tile edges): the GeoPackage's Python tiles decode to the same
    geometries as PostGIS's ST_AsMVT ones (tolerance: 1 % of a feature's area, for grid-snapping
    differences)."""
    gpkg, pg = make_store("gpkg"), make_store("postgis")
    data = communes(8)
    data.loc[2, "geometry"] = data.loc[2, "geometry"].difference(shapely.box(X0 + 3300, Y0 + 300, X0 + 4200, Y0 + 1200))
    for s in (gpkg, pg):
        s.publish_layers({"communes": data}, provenance())
    for z in (12, 14, 15):
        t = tile_of(X0 + 3700, Y0 + 700, z)
        a = mapbox_vector_tile.decode(gpkg.vector_tile("communes", z, t.x, t.y, "mvt"))["communes"]["features"]
        b = mapbox_vector_tile.decode(pg.vector_tile("communes", z, t.x, t.y, "mvt"))["communes"]["features"]
        assert sorted(f["id"] for f in a) == sorted(f["id"] for f in b) and 3 in {f["id"] for f in a}
        shapes = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in b}
        for f in a:
            mine, theirs = shapely.geometry.shape(f["geometry"]), shapes[f["id"]]
            assert mine.geom_type == theirs.geom_type and len(mine.interiors if hasattr(mine, "interiors") else []) \
                == len(theirs.interiors if hasattr(theirs, "interiors") else [])
            assert mine.symmetric_difference(theirs).area <= 0.01 * theirs.area
