"""OGC API – Processes and the worker over both stores: process descriptions from the step registry,
execution behind a bearer token (constant-time compare), jobs with status / progress / log / results, the
worker's loop (a failing job never stops it), and reading behind an optional read token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geoservice.api import create_app
from geoservice.settings import Settings
from geoservice.worker import process_job, run_worker
from processing.pipeline import RunSummary, StepReport
from processing.steps import all_steps
from tests.test_api_fixtures import *
from tests.test_api_fixtures import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def test_process_list_and_description(api_client):
    doc = api_client.get("/processes").json()
    ids = [p["id"] for p in doc["processes"]]
    assert ids[:2] == ["run", "compare"] and set(ids[2:]) == {s.name for s in all_steps()}
    run = api_client.get("/processes/run").json()
    assert set(run["inputs"]) == {"region", "steps", "params", "scenario"}
    assert set(api_client.get("/processes/compare").json()["inputs"]) == {"a", "b"}
    assert run["inputs"]["steps"]["schema"]["items"]["enum"] == [s.name for s in all_steps()]
    assert "async-execute" in run["jobControlOptions"]
    for step in all_steps():
        desc = api_client.get(f"/processes/{step.name}").json()
        assert set(step.params.model_fields) <= set(desc["inputs"])
        for name, field in step.params.model_fields.items():
            assert desc["inputs"][name]["description"] == (field.description or "")
    assert api_client.get("/processes/nope").status_code == 404


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                             ({"Authorization": "Basic abc"}, 401),
                                             ({"Authorization": f"Bearer {API_TOKEN}x"}, 401)])
def test_execution_needs_the_token(api_client, headers, status):
    r = api_client.post("/processes/run/execution", json={"inputs": {}}, headers=headers)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_execution_disabled_without_configured_token(api_store, api_settings):
    settings = api_settings.model_copy(update={"api_token": None})
    with TestClient(create_app(settings, store=api_store)) as client:
        r = client.post("/processes/run/execution", json={"inputs": {}}, headers=AUTH)
    assert r.status_code == 403 and "GEOSERVICE_API_TOKEN" in r.json()["detail"]


@pytest.mark.parametrize("pid, body, match", [
    ("run", {"inputs": {"steps": ["nope"]}}, "unknown step"),
    ("run", {"inputs": {"region": "../../etc/passwd"}}, "region"),
    ("run", {"inputs": {"what": 1}}, "unknown input"),
    ("run", {"inputs": {"params": {"inputs": {"x": 1}}}}, "unknown parameter"),
    ("run", {"inputs": {"steps": "inputs"}}, "list"),
    ("inputs", {"inputs": {"bogus": 3}}, "unknown parameter"),
    ("run", {"inputz": {}}, "inputz"),
])
def test_invalid_execution_inputs_are_400(api_client, pid, body, match):
    r = api_client.post(f"/processes/{pid}/execution", json=body, headers=AUTH)
    assert r.status_code == 400, r.text
    assert match in r.json()["detail"]


def test_invalid_json_body_is_400(api_client):
    r = api_client.post("/processes/run/execution", content=b"{not json", headers={**AUTH,
                        "Content-Type": "application/json"})
    assert r.status_code == 400


def _fake_runner(outputs, fail=None, versions=None):
    def runner(settings, region, steps, params, job_id, on_progress):
        on_progress("inputs", 0.5, "half way")
        if fail == "raise":
            raise RuntimeError("disk full")
        on_progress("inputs", 1.0, "done")
        status = "failed" if fail == "step" else "done"
        return RunSummary(job_id, str(region), [StepReport("inputs", status, 0.1, outputs,
                                                           "bad input" if fail else None, versions or {})])
    return runner


def test_job_lifecycle_with_worker(api_client, api_store, api_settings):
    r = api_client.post("/processes/run/execution", json={"inputs": {"steps": ["inputs"]}}, headers=AUTH)
    assert r.status_code == 201, r.text
    job_id = r.json()["jobID"]
    assert r.headers["location"].endswith(f"/jobs/{job_id}")
    status = api_client.get(f"/jobs/{job_id}").json()
    assert status["status"] == "accepted" and status["processID"] == "run"
    assert api_client.get(f"/jobs/{job_id}/results").status_code == 409
    # the worker claims and runs it (with a stand-in runner: the real one is exercised in test_worker_real_run)
    n = run_worker(api_settings, once=True, store=api_store,
                   runner=_fake_runner({"communes": 12}, versions={"communes": 1}))
    assert n >= 1
    status = api_client.get(f"/jobs/{job_id}").json()
    assert status["status"] == "successful", status
    assert status["progress"] == 100
    assert any("inputs 50% half way" in line for line in status["log"])
    results = api_client.get(f"/jobs/{job_id}/results").json()
    communes = results["layers"]["communes"]
    assert communes["version"] == 1 and communes["features"] == 12  # what the run reported, not the current
    assert communes["href"].endswith(f"/collections/communes?v={communes['version']}")
    assert any(j["jobID"] == job_id for j in api_client.get("/jobs").json()["jobs"])


@pytest.mark.parametrize("fail", ["raise", "step"])
def test_failed_jobs_are_reported_and_the_worker_goes_on(api_client, api_store, api_settings, fail):
    ids = [api_client.post("/processes/inputs/execution", json={"inputs": {}}, headers=AUTH).json()["jobID"]
           for _ in range(2)]
    run_worker(api_settings, once=True, store=api_store, runner=_fake_runner({}, fail=fail))
    for job_id in ids:
        status = api_client.get(f"/jobs/{job_id}").json()
        assert status["status"] == "failed"
        assert ("disk full" if fail == "raise" else "bad input") in status["message"]
        r = api_client.get(f"/jobs/{job_id}/results")
        assert r.status_code == 409 and "failed" in r.json()["detail"]


def test_dismiss_a_queued_job(api_client):
    job_id = api_client.post("/processes/run/execution", json={"inputs": {}}, headers=AUTH).json()["jobID"]
    assert api_client.delete(f"/jobs/{job_id}").status_code == 401
    r = api_client.delete(f"/jobs/{job_id}", headers=AUTH)
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert api_client.delete(f"/jobs/{job_id}", headers=AUTH).status_code == 409


@pytest.mark.parametrize("job_id, status", [("nope", 404), ("0" * 32, 404), ("x' OR '1'='1", 404),
                                            ("a" * 200, 400)])
def test_unknown_job(api_client, job_id, status):
    r = api_client.get(f"/jobs/{job_id}")
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_read_token(api_store, api_settings):
    settings = api_settings.model_copy(update={"read_token": Settings(read_token="reader").read_token})
    with TestClient(create_app(settings, store=api_store)) as client:
        assert client.get("/collections").status_code == 401
        assert client.get("/collections", headers={"Authorization": "Bearer reader"}).status_code == 200
        assert client.get("/collections", headers=AUTH).status_code == 200  # the execute token reads too
        assert client.get("/collections", headers={"Authorization": "Bearer readerx"}).status_code == 401
        assert client.get("/healthz").status_code == 200  # probes need no token


def test_cors(api_store, api_settings):
    settings = api_settings.model_copy(update={"cors_origins": ["https://maps.example"]})
    with TestClient(create_app(settings, store=api_store)) as client:
        r = client.get("/collections", headers={"Origin": "https://maps.example"})
        assert r.headers["access-control-allow-origin"] == "https://maps.example"
        r = client.get("/collections", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_worker_real_run(tmp_path):
    """The worker runs a real job through geoservice.runner.run_region on a small demo region."""
    runner = pytest.importorskip("geoservice.runner", reason="the runner is not importable yet")
    from geoservice.store import open_store
    from tests.pipeline_fixtures import SMALL_DEMO_TOML

    region = tmp_path / "small-demo.toml"
    region.write_text(SMALL_DEMO_TOML, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", region=str(region), api_token=API_TOKEN)
    store = open_store(settings)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            r = client.post("/processes/inputs/execution", json={"inputs": {}}, headers=AUTH)
            assert r.status_code == 201, r.text
            job = store.jobs.claim("test-worker")
            final = process_job(store, settings, job, runner.run_region)
            assert final.status == "successful", (final.message, final.log)
            status = client.get(f"/jobs/{job.job_id}").json()
            assert status["progress"] == 100
            results = client.get(f"/jobs/{job.job_id}/results").json()
            assert results["layers"]["communes"]["version"] == store.current("communes").version
            assert client.get("/collections/communes/items?limit=1").json()["numberMatched"] >= 11
    finally:
        store.close()


def test_worker_waits_while_the_store_is_unavailable(api_settings):
    """An unreachable database makes the worker back off and retry, never exit."""
    import threading

    from layers.errors import StoreUnavailable

    stop = threading.Event()

    class FlakyStore:
        calls = 0

        jobs = property(lambda self: self)

        def expire_leases(self):
            return []

        lease_s, max_attempts = 60.0, 3

        def claim(self, worker_id):
            self.calls += 1
            if self.calls < 3:
                raise StoreUnavailable("database down")
            stop.set()

    store = FlakyStore()
    assert run_worker(api_settings, store=store, stop=stop, poll_s=0.01) == 0
    assert store.calls == 3
