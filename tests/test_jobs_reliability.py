"""Jobs are never stuck (issue 19, defect 1), on both stores: a worker in a child process killed with SIGKILL
(while working, and inside a publish) or stopped with SIGTERM; a job dismissed while it runs; the final
status written while the store fails; the attempt limit. Plus duplicate versions (defect 8): identical
publishes at once give one version, and a job's results name the versions it published.

Reference for every expectation: the lease protocol as documented in geoservice/store/jobs.py (a job whose
lease is not renewed for ``lease_s`` is requeued by the next worker, or failed after ``max_attempts``
claims) — the tests drive real processes and real signals, not mocks of them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from geoservice.settings import Settings
from geoservice.worker import process_job, requeue_lost_jobs, run_worker
from layers.errors import StoreUnavailable
from processing.pipeline import RunSummary, StepReport
from tests.test_store import communes, provenance

REPO = Path(__file__).resolve().parents[1]
#: Lease of the child worker [s]: short, so the tests wait for its expiry only briefly.
CHILD_LEASE_S = 1.5


def _location(store, backend: str) -> tuple[str, str]:
    if backend == "gpkg":
        return str(store.store_dir), ""
    return store.url.render_as_string(hide_password=False), str(store.raster_dir)


def _start_child(store, backend, tmp_path, mode):
    location, rasters = _location(store, backend)
    marker = tmp_path / f"marker-{mode}"
    proc = subprocess.Popen([sys.executable, "-m", "tests.job_fixtures", backend, location, rasters,
                             str(tmp_path / "data"), str(marker), mode, str(CHILD_LEASE_S)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the child worker exited early:\n{proc.stdout.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the child worker did not reach its marker within 120 s")
        time.sleep(0.05)
    return proc


def _killed_child(store, backend, tmp_path, mode):
    """A child worker that has claimed the queued job, killed with SIGKILL at ``mode``'s marker."""
    proc = _start_child(store, backend, tmp_path, mode)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return proc


def _wait_for_lease_expiry(store, job_id: str) -> None:
    while time.time() < store.jobs.get(job_id).lease_until + 0.05:
        time.sleep(0.05)


def _quick_runner(job_ids_seen: list[str] | None = None):
    def runner(settings, region, steps, params, job_id, on_progress):
        if job_ids_seen is not None:
            job_ids_seen.append(job_id)
        on_progress("inputs", 1.0, "done")
        return RunSummary(job_id, str(region), [StepReport("inputs", "done", 0.1, {"communes": 12},
                                                           versions={"communes": 1})])
    return runner


@pytest.mark.parametrize("mode", ["progress", "publish"])
def test_sigkilled_worker_job_is_requeued_and_finished(backend, make_store, tmp_path, mode):
    store = make_store(backend)
    settings = Settings(data_dir=tmp_path / "data")
    job = store.jobs.create("run", {"steps": ["inputs"]})
    _killed_child(store, backend, tmp_path, mode)
    killed_at = time.time()
    running = store.jobs.get(job.job_id)
    assert running.status == "running" and running.attempts == 1 and running.worker_id
    scratch = settings.job_scratch_dir(job.job_id)
    assert (scratch / "partial.tif").exists()
    if mode == "publish":  # the killed publish left nothing visible
        assert store.current("communes") is None
    _wait_for_lease_expiry(store, job.job_id)
    seen: list[str] = []
    assert run_worker(settings, once=True, store=store, runner=_quick_runner(seen)) == 1
    final = store.jobs.get(job.job_id)
    assert seen == [job.job_id]
    assert final.status == "successful" and final.attempts == 2, (final.status, final.message, final.log)
    assert any("requeued: worker" in line and "attempt 1 of 3" in line for line in final.log), final.log
    assert time.time() - killed_at < CHILD_LEASE_S + 30
    assert not scratch.exists()  # the killed run's scratch folder is removed


def test_lost_worker_fails_the_job_after_the_attempt_limit(backend, make_store, tmp_path):
    store = make_store(backend)
    settings = Settings(data_dir=tmp_path / "data")
    job = store.jobs.create("run", {})
    _killed_child(store, backend, tmp_path, "progress")
    strict = make_store(backend, max_attempts=1)
    _wait_for_lease_expiry(strict, job.job_id)
    [failed] = requeue_lost_jobs(strict, settings)
    assert failed.job_id == job.job_id and failed.status == "failed"
    assert "worker was lost" in failed.message and "giving up after 1" in failed.message
    assert not settings.job_scratch_dir(job.job_id).exists()


def test_sigterm_releases_the_job_at_once(backend, make_store, tmp_path):
    store = make_store(backend)
    settings = Settings(data_dir=tmp_path / "data")
    job = store.jobs.create("run", {})
    proc = _start_child(store, backend, tmp_path, "progress")
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode()
    released = store.jobs.get(job.job_id)
    assert released.status == "accepted" and released.attempts == 0 and released.worker_id is None
    assert any("SIGTERM" in line and "queued again" in line for line in released.log), released.log
    assert not settings.job_scratch_dir(job.job_id).exists()
    assert run_worker(settings, once=True, store=store, runner=_quick_runner()) == 1  # no lease to wait for
    assert store.jobs.get(job.job_id).status == "successful"


def test_dismissing_a_running_job_stops_its_worker(backend, make_store, tmp_path):
    store = make_store(backend, lease_s=0.3)
    settings = Settings(data_dir=tmp_path / "data")
    job = store.jobs.create("run", {})
    claimed = store.jobs.claim("w-dismiss")
    steps = []

    def runner(settings, region, steps_, params, job_id, on_progress):
        for i in range(200):
            on_progress("inputs", i / 200, "working")
            steps.append(i)
            if i == 5:
                assert store.jobs.dismiss(job_id).status == "dismissed"
            time.sleep(0.02)
        raise AssertionError("the run was not interrupted")

    assert process_job(store, settings, claimed, runner, worker_id="w-dismiss") is None
    final = store.jobs.get(job.job_id)
    assert final.status == "dismissed" and final.message == "dismissed by a client"
    assert 5 < len(steps) < 200


def test_final_status_is_retried_until_recorded(backend, make_store, tmp_path):
    store = make_store(backend)
    settings = Settings(data_dir=tmp_path / "data")
    job = store.jobs.create("run", {})
    claimed = store.jobs.claim("w-flaky")
    real_finish, calls = store.jobs.finish, []

    def flaky_finish(*args, **kwargs):
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise StoreUnavailable("the database cannot be reached (injected)")
        return real_finish(*args, **kwargs)

    store.jobs.finish = flaky_finish
    final = process_job(store, settings, claimed, _quick_runner(), worker_id="w-flaky")
    assert len(calls) == 3 and final.status == "successful"
    assert store.jobs.get(job.job_id).results["layers"]["communes"]["version"] == 1


def test_a_worker_whose_lease_was_taken_over_records_nothing(backend, make_store):
    store = make_store(backend, lease_s=0.2)
    job = store.jobs.create("run", {})
    store.jobs.claim("old")
    time.sleep(0.3)
    [requeued] = store.jobs.expire_leases()
    assert requeued.status == "accepted"
    assert store.jobs.claim("new").worker_id == "new"
    assert store.jobs.heartbeat(job.job_id, "old") is False
    assert store.jobs.finish(job.job_id, "old", "failed", "stale") is None
    assert store.jobs.update(job.job_id, progress=0.9, worker_id="old") is None
    assert store.jobs.get(job.job_id).status == "running"


# --- defect 8: duplicate versions --------------------------------------------------------------------------


def test_identical_publishes_at_once_give_one_version(backend, make_store):
    """Two jobs with the same cache key publishing concurrently (separate store objects, as separate
    processes): the cache key is re-checked under the publish lock, so the second reuses the first's version."""
    stores = [make_store(backend) for _ in range(2)]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def publish(i):
        barrier.wait()
        results[i] = stores[i].publish_layers({"communes": communes()}, provenance("same-key", f"job-{i}"))

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [v.version for v in stores[0].versions("communes")] == [1]
    assert [r[0].version for r in results] == [1, 1]
    # a different key, or reuse switched off (geoservice run --no-cache), publishes a new version
    assert stores[0].publish_layers({"communes": communes()}, provenance("same-key"), reuse=False)[0].version == 2
    assert stores[0].publish_layers({"communes": communes()}, provenance("other-key"))[0].version == 3


def test_job_results_name_the_versions_the_job_published(backend, make_store, tmp_path):
    """Another job publishes after ours: our results still name our version, not the current one."""
    store = make_store(backend)
    settings = Settings(data_dir=tmp_path / "data")
    store.jobs.create("run", {})
    claimed = store.jobs.claim("w-results")

    def runner(settings, region, steps, params, job_id, on_progress):
        [mine] = store.publish_layers({"communes": communes()}, provenance("k-mine", job_id))
        store.publish_layers({"communes": communes(8)}, provenance("k-other", "another-job"))  # meanwhile
        return RunSummary(job_id, str(region), [StepReport("inputs", "done", 0.1, {"communes": 12},
                                                           versions={"communes": mine.version})])

    final = process_job(store, settings, claimed, runner, worker_id="w-results")
    assert store.current("communes").version == 2
    assert final.results["layers"]["communes"]["version"] == 1
    assert final.results["layers"]["communes"]["href"].endswith("/collections/communes?v=1")


def test_pipeline_reports_published_and_cached_versions(tmp_path):
    """The runner records in each step report the versions the store returned (or, cached, the key)."""
    from geoservice.runner import run_region
    from geoservice.store import open_store
    from tests.pipeline_fixtures import SMALL_DEMO_TOML

    region = tmp_path / "small-demo.toml"
    region.write_text(SMALL_DEMO_TOML, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data")
    store = open_store(settings)
    try:
        first = run_region(settings, region, ["inputs"], store=store)
        [report] = first.steps
        assert report.status == "done" and report.versions["communes"] == store.current("communes").version
        second = run_region(settings, region, ["inputs"], store=store)
        assert second.steps[0].status == "cached" and second.steps[0].cache_key == report.cache_key
    finally:
        store.close()


# --- retention: geoservice prune ----------------------------------------------------------------------------


def _publish_versions(store, n, layers=("communes", "dem")):
    from tests.test_store import dem

    for i in range(n):
        data = {"communes": communes(), "dem": dem()}
        store.publish_layers({k: data[k] for k in layers}, provenance(f"k{i}", f"job-{i}"))


def test_prune_keeps_the_newest_versions(backend, make_store):
    store = make_store(backend)
    _publish_versions(store, 4)
    old_raster = store.raster_path("dem", 1)
    assert store.prune(keep=2, running_since=None, dry_run=True) == []  # all superseded less than an hour ago
    from geoservice.store import publish

    rows_before = [(v.layer_id, v.version) for lid in ("communes", "dem") for v in store.versions(lid)]
    doomed = publish.prune(store, 2, grace_s=0.0, dry_run=True)
    assert sorted((v.layer_id, v.version) for v in doomed) == [("communes", 1), ("communes", 2), ("dem", 1),
                                                                ("dem", 2)]
    assert [(v.layer_id, v.version) for lid in ("communes", "dem") for v in store.versions(lid)] == rows_before
    pruned = publish.prune(store, 2, grace_s=0.0)
    assert len(pruned) == 4
    assert [v.version for v in store.versions("communes")] == [3, 4]
    assert [v.version for v in store.versions("dem")] == [3, 4]
    assert not old_raster.exists() and store.raster_path("dem").exists()
    assert len(store.read_vector("communes")) == 12  # the current version is untouched
    # version numbers keep counting up after a prune
    _publish_versions(store, 1, layers=("communes",))
    assert store.current("communes").version == 5


def test_prune_spares_what_a_running_job_may_read(backend, make_store):
    """A version that was still current when the oldest running job started may be read by it: kept."""
    from geoservice.store import publish
    from geoservice.store.common import now_utc

    store = make_store(backend)
    _publish_versions(store, 2, layers=("communes",))
    job_started = now_utc()
    time.sleep(0.05)
    _publish_versions(store, 2, layers=("communes",))  # v3, v4 published while the job runs
    kept = publish.prune(store, 1, running_since=job_started, grace_s=0.0)
    # v1 was superseded before the job started; v2 was current at its start and stays
    assert [v.version for v in kept] == [1]
    assert [v.version for v in store.versions("communes")] == [2, 3, 4]


def test_prune_command(tmp_path):
    from click.testing import CliRunner

    from geoservice.cli import cli
    from geoservice.store import open_store

    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)
    _publish_versions(store, 3, layers=("communes",))
    store.close()
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "prune", "--keep", "1", "--dry-run"])
    assert result.exit_code == 0 and "would delete 0 version(s)" in result.output  # within the hour's grace
