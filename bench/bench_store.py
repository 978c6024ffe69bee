"""Publish and tile throughput of both stores on a generated layer of polygons.

Each backend runs in its own child process (``bench/harness.py``) so peak memory (max RSS) is per backend. Prints, per backend:
publish time and rate, peak RSS and the peak of Python allocations during the publish, then per zoom the
MVT and GeoJSON tile rate and mean latency (one client, cold: every tile rendered, no cache), and the time
of a bbox page of items.

    python bench/bench_store.py                          # 100k polygons, both backends
    python bench/bench_store.py --features 20000 --backend gpkg
    python bench/bench_store.py --admin-url postgresql://postgres@127.0.0.1:5432/postgres

PostGIS: a throw-away database is created with the admin URL (default: GEOSERVICE_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from harness import peak_rss_mb, run_child

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: Lower-left corner [m] and size [m] of the generated area (the Minett, EPSG:2169).
ORIGIN = (60_000.0, 60_000.0)
SIZE = (8_000.0, 6_000.0)
ZOOMS = (12, 14, 16)
#: Largest number of tiles rendered per zoom.
MAX_TILES = 150


def buildings(n: int, seed: int = 0):
    """``n`` rotated rectangles with the ``buildings`` layer's fields."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from layers.catalog.inputs import BUILDING_USES, ROOF_SHAPES

    rng = np.random.default_rng(seed)
    cx = ORIGIN[0] + rng.uniform(0, SIZE[0], n)
    cy = ORIGIN[1] + rng.uniform(0, SIZE[1], n)
    w, h, a = rng.uniform(6, 30, n), rng.uniform(6, 20, n), rng.uniform(0, np.pi, n)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float) / 2
    xs = corners[:, 0][None, :] * w[:, None]
    ys = corners[:, 1][None, :] * h[:, None]
    px = cx[:, None] + xs * np.cos(a)[:, None] - ys * np.sin(a)[:, None]
    py = cy[:, None] + xs * np.sin(a)[:, None] + ys * np.cos(a)[:, None]
    rings = shapely.linearrings(np.stack([px, py], axis=-1))
    return gpd.GeoDataFrame({
        "building_id": [f"B{i:07d}" for i in range(n)],
        "height_m": rng.uniform(3, 30, n), "levels": rng.integers(1, 9, n),
        "use": np.array(BUILDING_USES)[rng.integers(0, len(BUILDING_USES), n)],
        "year_built": rng.integers(1850, 2024, n),
        "roof_shape": np.array(ROOF_SHAPES)[rng.integers(0, len(ROOF_SHAPES), n)],
        "roof_tilt_deg": rng.uniform(0, 45, n), "roof_azimuth_deg": rng.uniform(0, 360, n),
    }, geometry=shapely.polygons(rings), crs="EPSG:2169")


def _tiles(z: int):
    import morecantile
    from pyproj import Transformer

    to_wgs = Transformer.from_crs("EPSG:2169", "EPSG:4326", always_xy=True)
    west, south = to_wgs.transform(*ORIGIN)
    east, north = to_wgs.transform(ORIGIN[0] + SIZE[0], ORIGIN[1] + SIZE[1])
    tiles = list(morecantile.tms.get("WebMercatorQuad").tiles(west, south, east, north, [z]))
    step = max(1, len(tiles) // MAX_TILES)
    return tiles[::step][:MAX_TILES]


def run_backend(backend: str, features: int, url: str | None) -> dict:
    """Publish and tile on one backend (in this process); return the figures."""
    import shapely

    from geoservice.query import Intersects
    from layers.data import Provenance

    data = buildings(features)
    work = Path(tempfile.mkdtemp(prefix="bench-store-"))
    if backend == "gpkg":
        from geoservice.store.gpkg import GeoPackageStore

        store = GeoPackageStore(work / "store")
    else:
        from geoservice.store.postgis import PostGISStore

        store = PostGISStore(url, work / "rasters")
    prov = Provenance("bench", "inputs", {}, {}, "bench", "bench")
    rss_before = peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    store.publish_layers({"buildings": data}, prov)
    publish_s = time.perf_counter() - started
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {"backend": backend, "features": features, "publish_s": publish_s,
              "publish_features_per_s": features / publish_s, "python_peak_mib": py_peak / 2**20,
              "rss_before_mib": rss_before, "rss_peak_mib": peak_rss_mb(),
              "tiles": {}}
    for z in ZOOMS:
        for fmt in ("mvt", "geojson"):
            tiles = _tiles(z)
            sizes = []
            started = time.perf_counter()
            for t in tiles:
                sizes.append(len(store.vector_tile("buildings", t.z, t.x, t.y, fmt)))
            elapsed = time.perf_counter() - started
            result["tiles"][f"z{z}-{fmt}"] = {"tiles": len(tiles), "tiles_per_s": len(tiles) / elapsed,
                                               "mean_ms": 1000 * elapsed / len(tiles),
                                               "mean_kib": sum(sizes) / len(sizes) / 1024}
    box = shapely.box(ORIGIN[0] + 3000, ORIGIN[1] + 2000, ORIGIN[0] + 3500, ORIGIN[1] + 2500)
    started = time.perf_counter()
    for _ in range(20):
        page = store.query_features("buildings", filter=Intersects(box), limit=100)
    result["items_bbox_page_ms"] = 1000 * (time.perf_counter() - started) / 20
    result["items_bbox_matched"] = page.number_matched
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return result


def run_raster(size: int) -> dict:
    """Publish a ``size`` x ``size`` float32 RasterFile (written window by window first) and report how much
    the process grew: the COG copy works block by block, so RSS should not grow with the raster."""
    import numpy as np
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    from geoservice.store.gpkg import GeoPackageStore
    from layers.data import Provenance
    from layers.raster import RasterFile

    work = Path(tempfile.mkdtemp(prefix="bench-store-raster-"))
    src = work / "dsm.tif"
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "float32", "crs": "EPSG:2169",
               "transform": Affine(1.0, 0, ORIGIN[0], 0, -1.0, ORIGIN[1] + size), "tiled": True, "blockxsize": 512,
               "blockysize": 512, "nodata": float("nan")}
    rng = np.random.default_rng(0)
    with rasterio.open(src, "w", **profile) as dst:
        for row in range(0, size, 512):
            h = min(512, size - row)
            dst.write((300 + rng.random((h, size)) * 50).astype("float32"), 1, window=Window(0, row, size, h))
    store = GeoPackageStore(work / "store")
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    store.publish_layers({"dsm": RasterFile(str(src), unit="m")}, Provenance("bench", "inputs", {}, {}, "b", "b"))
    elapsed = time.perf_counter() - started
    rss_after = peak_rss_mb()
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return {"size": size, "raster_mib": size * size * 4 / 2**20, "publish_s": elapsed,
            "rss_before_mib": rss_before, "rss_peak_mib": rss_after}


def _print(result: dict) -> None:
    if "raster_mib" in result:
        print(f"\n== raster: {result['size']} x {result['size']} float32 ({result['raster_mib']:.0f} MiB) as a "
              f"RasterFile → COG in {result['publish_s']:.1f} s; peak RSS {result['rss_peak_mib']:.0f} MiB "
              f"(before publish {result['rss_before_mib']:.0f} MiB)")
        return
    print(f"\n== {result['backend']}: {result['features']:,} polygons")
    print(f"publish      {result['publish_s']:7.2f} s  ({result['publish_features_per_s']:,.0f} features/s); "
          f"peak RSS {result['rss_peak_mib']:.0f} MiB (before publish {result['rss_before_mib']:.0f} MiB), "
          f"Python allocations peak {result['python_peak_mib']:.0f} MiB")
    for key, t in result["tiles"].items():
        print(f"tiles {key:12s} {t['tiles']:4d} tiles  {t['tiles_per_s']:8.1f} tiles/s  {t['mean_ms']:7.1f} ms/tile  "
              f"{t['mean_kib']:7.1f} KiB")
    print(f"items page (bbox, limit 100) {result['items_bbox_page_ms']:.1f} ms "
          f"({result['items_bbox_matched']} matched)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--backend", choices=["gpkg", "postgis", "both"], default="both")
    parser.add_argument("--admin-url", default=os.environ.get("GEOSERVICE_TEST_DATABASE_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--raster-size", type=int, default=6000, help="side [cells] of the raster publish (0: skip)")
    args = parser.parse_args()
    print("command: python bench/bench_store.py " + " ".join(sys.argv[1:]))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
          "(figures are wall-clock times; compare runs made under similar load)")
    backends = ["gpkg", "postgis"] if args.backend == "both" else [args.backend]
    for backend in backends:
        url = None
        if backend == "postgis":
            import psycopg
            import sqlalchemy as sa

            dbname = f"geoservice_bench_{uuid.uuid4().hex[:6]}"
            admin = sa.make_url(args.admin_url)
            connect = {"host": admin.host, "port": admin.port, "user": admin.username, "password": admin.password,
                           "dbname": admin.database, "autocommit": True}
            with psycopg.connect(**connect) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            url = admin.set(database=dbname).render_as_string(hide_password=False)
        try:
            done = run_child(run_backend, backend, args.features, url)
            if done.ok:
                _print(done.value)
            else:
                print(f"{backend} failed:\n{done.error}", file=sys.stderr)
        finally:
            if url:
                with psycopg.connect(**connect) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    if args.raster_size:
        done = run_child(run_raster, args.raster_size)
        if not done.ok:
            sys.exit(f"raster failed:\n{done.error}")
        _print(done.value)


if __name__ == "__main__":
    main()
