"""A worker in a child process, for the tests that kill or stop one (``python -m tests.job_fixtures ...``).

It runs the real worker loop (:func:`geoservice.worker.run_worker`, signal handlers included) over a store
with a short lease, with a stand-in runner that writes into the job's scratch folder, reports 21 % and then
either keeps working (``mode=progress``) or publishes a layer and stops inside the publish just before the
commit (``mode=publish``). It writes ``marker`` when it has reached that point, so the parent knows when to
signal it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from geoservice.settings import Settings
from geoservice.worker import run_worker
from processing.pipeline import RunSummary, StepReport
from tests.test_store import communes, provenance


def open_test_store(backend: str, location: str, rasters: str, lease_s: float, hook=None):
    if backend == "gpkg":
        from geoservice.store.gpkg import GeoPackageStore

        return GeoPackageStore(location, publish_hook=hook, lease_s=lease_s)
    from geoservice.store.postgis import PostGISStore

    return PostGISStore(location, rasters, publish_hook=hook, lease_s=lease_s)


def main(argv: list[str]) -> None:
    backend, location, rasters, data_dir, marker, mode, lease_s = argv
    marker_path = Path(marker)

    def hook(stage, detail):
        if mode == "publish" and stage == "commit":
            marker_path.write_text("publishing")
            time.sleep(600)

    store = open_test_store(backend, location, rasters, float(lease_s), hook)
    settings = Settings(data_dir=Path(data_dir))

    def runner(settings, region, steps, params, job_id, on_progress):
        scratch = settings.job_scratch_dir(job_id)
        scratch.mkdir(parents=True, exist_ok=True)
        (scratch / "partial.tif").write_bytes(b"half a raster")
        on_progress("inputs", 0.21, "working")
        if mode == "publish":
            store.publish_layers({"communes": communes()}, provenance("killed-run", job_id))
        else:
            marker_path.write_text("21%")
            for _ in range(6000):
                time.sleep(0.1)
        return RunSummary(job_id, str(region), [StepReport("inputs", "done", 1.0, {"communes": 12})])

    run_worker(settings, store=store, runner=runner, poll_s=0.1)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
