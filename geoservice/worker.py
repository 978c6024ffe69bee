"""``geoservice worker``: execute the processing jobs queued over HTTP (OGC API – Processes).

The loop claims the oldest ``accepted`` job atomically (several workers may share one store), runs it with
:func:`geoservice.runner.run_region`, and writes status, progress, log lines and results back to the store.
A failing job is marked ``failed`` with its reason; the worker itself keeps going. While the database is
unreachable it waits and retries with a growing delay.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from geoservice.settings import Settings
from geoservice.store.base import Job, Store
from layers.errors import GeoserviceError, StoreUnavailable

log = logging.getLogger(__name__)

#: Longest wait between two attempts while the store is unavailable [s].
MAX_BACKOFF_S = 60.0
#: Smallest change of progress worth writing to the store [fraction of the job].
PROGRESS_STEP = 0.01

Runner = Callable[..., Any]


def _default_runner() -> Runner:
    from geoservice.runner import run_region

    return run_region


def _results(store: Store, summary: Any, base: str = "") -> dict[str, Any]:
    """Published layer versions of a run: ``{"layers": {id: {"version", "href", "features"}}, "summary"}``."""
    layers: dict[str, Any] = {}
    for report in summary.steps:
        for layer_id in report.outputs:
            version = store.current(layer_id)
            if version is None:
                continue
            layers[layer_id] = {"version": version.version, "step": report.step, "status": report.status,
                                "features": version.feature_count,
                                "href": f"{base}/collections/{layer_id}?v={version.version}"}
    return {"layers": layers, "summary": summary.to_dict()}


def _planned_steps(steps: list[str] | None) -> int:
    """How many steps a run of ``steps`` executes, dependencies included."""
    try:
        from processing.pipeline import plan
        from processing.steps import all_steps

        return max(1, len(plan(all_steps(), steps or None)))
    except GeoserviceError:
        return max(1, len(steps or []))


def process_job(store: Store, settings: Settings, job: Job, runner: Runner | None = None) -> Job:
    """Run one claimed job to its end and record the outcome; never raises for a job's own failure."""
    runner = runner or _default_runner()
    inputs = dict(job.inputs)
    steps: list[str] | None = inputs.get("steps")
    n_steps = _planned_steps(steps)
    fractions: dict[str, float] = {}
    state = {"last": -1.0}
    lock = threading.Lock()

    def on_progress(step: str, fraction: float, message: str = "") -> None:
        with lock:
            fractions[step] = max(0.0, min(1.0, float(fraction)))
            overall = min(0.99, sum(fractions.values()) / max(n_steps, len(fractions)))
            if overall - state["last"] < PROGRESS_STEP and fraction < 1.0:
                return
            state["last"] = overall
        try:
            store.update_job(job.job_id, progress=overall, message=f"{step}: {message}",
                             log_line=f"{step} {fraction:.0%} {message}".rstrip())
        except GeoserviceError:  # progress is best effort; the outcome is written below
            log.warning("job %s: progress could not be recorded", job.job_id)

    store.update_job(job.job_id, log_line=f"started by worker; region {inputs.get('region')}, "
                                           f"steps {steps or 'all'}")
    try:
        summary = runner(settings, inputs.get("region") or settings.region, steps, inputs.get("params") or {},
                         job.job_id, on_progress)
    except Exception as exc:  # noqa: BLE001 - any failure ends this job, not the worker
        log.error("job %s failed: %s", job.job_id, exc)
        detail = str(exc) if isinstance(exc, GeoserviceError) else f"{type(exc).__name__}: {exc}"
        for line in traceback.format_exception_only(type(exc), exc)[-1:]:
            store.update_job(job.job_id, log_line=line.strip())
        return store.update_job(job.job_id, status="failed", message=detail[:2000])
    for report in summary.steps:
        line = f"step {report.step}: {report.status} in {report.seconds:.1f} s"
        if report.error:
            line += f" — {report.error}"
        store.update_job(job.job_id, log_line=line)
    results = _results(store, summary)
    if summary.ok:
        return store.update_job(job.job_id, status="successful", progress=1.0, results=results,
                                message=f"published {len(results['layers'])} layer(s)")
    failed = next((s for s in summary.steps if s.status == "failed"), None)
    reason = f"step {failed.step} failed: {failed.error}" if failed else "the run did not complete"
    return store.update_job(job.job_id, status="failed", results=results, message=reason[:2000])


def run_worker(settings: Settings, *, once: bool = False, poll_s: float = 2.0, store: Store | None = None,
               stop: threading.Event | None = None, runner: Runner | None = None) -> int:
    """Process queued jobs until ``stop`` is set (or, with ``once``, until the queue is empty).

    Returns the number of jobs processed.
    """
    stop = stop or threading.Event()
    own = store is None
    if own:
        from geoservice.store import open_store

        store = open_store(settings)
    done = 0
    backoff = poll_s
    try:
        while not stop.is_set():
            try:
                job = store.claim_next_job()
            except StoreUnavailable as exc:
                if once:
                    raise
                log.warning("store unavailable (%s); retrying in %.0f s", exc, backoff)
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
                continue
            backoff = poll_s
            if job is None:
                if once:
                    break
                stop.wait(poll_s)
                continue
            log.info("job %s (%s) claimed", job.job_id, job.process_id)
            try:
                final = process_job(store, settings, job, runner)
                log.info("job %s %s", job.job_id, final.status)
            except Exception:
                log.exception("job %s: the outcome could not be recorded", job.job_id)
            done += 1
    finally:
        if own:
            store.close()
    return done
