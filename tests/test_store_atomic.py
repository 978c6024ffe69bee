"""Atomic publish, on both backends: a publisher SIGKILLed half way through writing a large layer, and an
exception injected half way through a multi-layer publish, leave the previous versions complete and
served (features, tiles, rasters); readers and job updates are not blocked while a publish runs; the next
publish works and removes what the interrupted one left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mapbox_vector_tile
import pytest
import rasterio

from tests.test_store import X0, Y0, climate, communes, corridor_paths, dem, provenance, tile_of

REPO = Path(__file__).resolve().parents[1]
#: Features in the layer the killed publisher writes (several write batches, so the kill lands mid-table).
LARGE_LAYER_FEATURES = 60_000

PUBLISHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    from tests.test_store import corridor_paths, dem, provenance

    backend, location, rasters, marker = sys.argv[1:5]

    def hook(stage, detail):
        # pause for good once half of the large layer's rows are written: the parent kills us here
        if stage == "rows" and detail["layer"] == "corridor_paths" and detail["rows"] >= detail["total"] / 2:
            Path(marker).write_text(f"{detail['rows']}/{detail['total']}")
            time.sleep(600)

    if backend == "gpkg":
        from geoservice.store.gpkg import GeoPackageStore
        store = GeoPackageStore(location, publish_hook=hook)
    else:
        from geoservice.store.postgis import PostGISStore
        store = PostGISStore(location, rasters, publish_hook=hook)
    small = corridor_paths(100, seed=1)
    big = small.iloc[np.arange(__N__) % 100].reset_index(drop=True)
    store.publish_layers({"dem": dem(), "corridor_paths": big}, provenance("killed", "job-killed"))
""").replace("__N__", str(LARGE_LAYER_FEATURES))


def _location(store, backend: str) -> tuple[str, str]:
    if backend == "gpkg":
        return str(store.store_dir), ""
    return store.url.render_as_string(hide_password=False), str(store.raster_dir)


def _raster_files(store, backend: str) -> set[Path]:
    root = store.raster_root if backend == "gpkg" else store.raster_dir
    return {p for p in root.rglob("*") if p.is_file()}


def _assert_v1_served(store, v1_paths, v1_dem):
    assert [v.version for v in store.versions("corridor_paths")] == [1]
    assert store.current("corridor_paths").feature_count == 50
    features = store.read_vector("corridor_paths")
    assert list(features.index) == list(range(1, 51))
    assert list(features["link_id"]) == list(v1_paths["link_id"])
    assert store.query_features("corridor_paths", limit=5).number_matched == 50
    t = tile_of(X0 + 3000, Y0 + 2000, 12)
    assert mapbox_vector_tile.decode(store.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt"))["corridor_paths"]
    assert [v.version for v in store.versions("dem")] == [1]
    with rasterio.open(store.raster_path("dem")) as src:
        assert src.read(1).shape == v1_dem.shape


def test_killed_publish_leaves_previous_version(backend, make_store, tmp_path):
    store = make_store(backend)
    v1_paths, v1_dem = corridor_paths(50), dem()
    store.publish_layers({"dem": v1_dem, "corridor_paths": v1_paths}, provenance("v1"))
    registered = _raster_files(store, backend)

    marker = tmp_path / "halfway"
    location, rasters = _location(store, backend)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", PUBLISHER, backend, location, rasters, str(marker)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the publisher exited early:\n{proc.stdout.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail("the publisher did not reach the middle of its publish within 120 s")
            time.sleep(0.1)
        # mid-publish: readers see the previous version, job updates go through, a new process can open it
        _assert_v1_served(store, v1_paths, v1_dem)
        _assert_v1_served(make_store(backend), v1_paths, v1_dem)
        job = store.jobs.create("run", {})
        assert store.jobs.update(job.job_id, progress=0.5).progress == 0.5
        assert len(_raster_files(store, backend) - registered) >= 1  # the new raster is already on disk
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # after the kill: a fresh store object (another process's view) still serves v1, completely
    reopened = make_store(backend)
    _assert_v1_served(reopened, v1_paths, v1_dem)
    if backend == "gpkg":
        import sqlite3

        with sqlite3.connect(reopened.gpkg_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'corridor_paths__v2%'").fetchall()

    # the next publish works, numbers its version 2 and removes the orphaned raster
    versions = reopened.publish_layers({"dem": dem(), "corridor_paths": corridor_paths(70)}, provenance("v2"))
    assert [(v.layer_id, v.version) for v in versions] == [("dem", 2), ("corridor_paths", 2)]
    assert len(reopened.read_vector("corridor_paths")) == 70
    leftover = _raster_files(reopened, backend)
    assert leftover == registered | {reopened.raster_path("dem")}


@pytest.mark.parametrize("fail_at", ["layer", "rows", "commit"])
def test_exception_mid_publish_changes_nothing(backend, make_store, fail_at):
    store = make_store(backend)
    v1_paths, v1_dem = corridor_paths(50), dem()
    store.publish_layers({"dem": v1_dem, "corridor_paths": v1_paths, "climate": climate()}, provenance("v1"))
    registered = _raster_files(store, backend)
    seen = []

    def hook(stage, detail):
        seen.append(stage)
        # "layer": after the second layer; "rows": in the first table; "commit": just before the flip
        if stage == fail_at and (stage != "layer" or seen.count("layer") == 2):
            raise RuntimeError(f"injected failure at {stage}")

    failing = make_store(backend, publish_hook=hook)
    with pytest.raises(RuntimeError, match="injected failure"):
        failing.publish_layers({"dem": dem(), "communes": communes(), "corridor_paths": corridor_paths(80),
                                "climate": climate()}, provenance("v2"))
    _assert_v1_served(store, v1_paths, v1_dem)
    assert store.current("communes") is None and [v.version for v in store.versions("climate")] == [1]
    assert _raster_files(store, backend) == registered  # the failed publish removed its raster
    failing.publish_hook = None
    versions = failing.publish_layers({"communes": communes(), "corridor_paths": corridor_paths(80)}, provenance("v2"))
    assert [(v.layer_id, v.version) for v in versions] == [("communes", 1), ("corridor_paths", 2)]
    assert len(store.read_vector("corridor_paths")) == 80
