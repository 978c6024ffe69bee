"""``geoservice worker``: execute the processing jobs queued over HTTP (OGC API – Processes).

The loop requeues jobs whose worker was lost (an expired lease, see :mod:`geoservice.store.jobs`), claims the
oldest ``accepted`` job under a lease (several workers may share one store), runs it with
:func:`geoservice.runner.run_region` while a heartbeat thread renews the lease, and records status,
progress, log lines and the layer versions the job published. A failing job is marked ``failed`` with its
reason; the worker itself keeps going. While the database is unreachable it waits and retries with a
growing delay; the final status write is retried the same way until it is recorded.

SIGTERM and SIGINT stop the worker: a running job is interrupted where it is (a publish in progress rolls
back), given back to the queue without counting the attempt, and its scratch folder removed. A worker
killed outright (SIGKILL, a lost machine) stops renewing its lease; the next worker requeues the job when
the lease expires and removes the killed run's scratch folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from geoservice.comparison import COMPARE_PROCESS, SCENARIOS_PATH
from geoservice.settings import Settings
from geoservice.store.base import Job, Store
from geoservice.store.jobs import JobQueue
from layers.errors import GeoserviceError, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

#: Longest wait between two attempts while the store is unavailable [s].
MAX_BACKOFF_S = 60.0
#: Smallest change of progress worth writing to the store [fraction of the job].
PROGRESS_STEP = 0.01

Runner = Callable[..., Any]


class WorkerStopping(BaseException):
    """Raised in the worker's main thread by SIGTERM/SIGINT while a job runs (a BaseException, so that no
    ``except Exception`` of an analysis swallows it)."""


class JobInterrupted(BaseException):
    """The job is no longer this worker's (dismissed, or requeued after its lease expired); raised from the
    progress callback, a BaseException so the run stops at once instead of being reported as a failed step."""


def new_worker_id() -> str:
    """``host:pid:random``: unique among the workers sharing a store."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def remove_scratch(settings: Settings, job_id: str) -> None:
    """Remove the scratch folder of a job (left by a killed run, or after the run)."""
    path = settings.job_scratch_dir(job_id)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
        log.info("job %s: scratch folder %s removed", job_id, path)


def _default_runner() -> Runner:
    from geoservice.runner import run_region

    return run_region


def _results(store: Store, summary: Any, base: str = "") -> dict[str, Any]:
    """The layer versions this run published (or, for a step whose inputs were unchanged, reused):
    ``{"layers": {id: {"version", "href", "features"}}, "summary"}``. Versions come from the run itself, never
    from "the current version", which another job may have published meanwhile."""
    layers: dict[str, Any] = {}
    for report in summary.steps:
        versions = dict(report.versions)
        if report.status == "cached" and report.cache_key:  # reused: the version published with that key
            for layer_id in report.outputs:
                keyed = [v for v in store.versions(layer_id) if v.provenance.get("cache_key") == report.cache_key]
                if keyed:
                    versions[layer_id] = keyed[-1].version
        for layer_id, version in versions.items():
            layers[layer_id] = {"version": version, "step": report.step, "status": report.status,
                                "features": report.outputs.get(layer_id),
                                "href": f"{base}/collections/{layer_id}?v={version}"}
    return {"layers": layers, "summary": summary.to_dict()}


def _compare(store: Store, inputs: dict[str, Any], job_id: str) -> dict[str, Any]:
    """Run a ``compare`` job: publish the comparison of ``inputs["b"]`` against ``inputs["a"]``; its results
    name the comparison layers' versions and carry the readable summary."""
    from geoservice.comparison import compare_scenarios, summary_lines

    result = compare_scenarios(store, inputs["a"], inputs["b"], job_id=job_id)
    base = f"{SCENARIOS_PATH}/{result.tag}"
    layers = {v.layer_id: {"version": v.version, "features": v.feature_count,
                           "href": f"{base}/collections/{v.layer_id}"} for v in result.versions}
    return {"layers": layers, "scenario": result.tag, "summary": summary_lines(result)}


def _planned_steps(steps: list[str] | None) -> int:
    """How many steps a run of ``steps`` executes, dependencies included."""
    try:
        from processing.pipeline import plan
        from processing.steps import all_steps

        return max(1, len(plan(all_steps(), steps or None)))
    except GeoserviceError:
        return max(1, len(steps or []))


class Lease(threading.Thread):
    """Renews a claimed job's lease every third of its length until stopped; notes when the job is no longer
    this worker's. A database outage does not end the lease here: renewal is retried on the next beat."""

    def __init__(self, queue: JobQueue, job_id: str, worker_id: str):
        super().__init__(name=f"lease-{job_id[:8]}", daemon=True)
        self.queue, self.job_id, self.worker_id = queue, job_id, worker_id
        self.lost = threading.Event()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.queue.lease_s / 3):
            try:
                if not self.queue.heartbeat(self.job_id, self.worker_id):
                    log.warning("job %s is no longer this worker's (dismissed or requeued)", self.job_id)
                    self.lost.set()
                    return
            except GeoserviceError as exc:
                log.warning("job %s: lease not renewed (%s); retrying", self.job_id, exc)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)


def record(write: Callable[[], Job | None], what: str, stop: threading.Event | None = None) -> Job | None:
    """``write()`` retried with a growing delay while the store fails, until it succeeds. A worker told to
    stop (``stop`` set) gives up after about a minute: the job's lease then expires and requeues it."""
    delay, waited = 0.5, 0.0
    while True:
        try:
            return write()
        except (StoreUnavailable, StoreError) as exc:
            if stop is not None and stop.is_set() and waited > MAX_BACKOFF_S:
                log.error("%s: not recorded (%s); the job's lease will expire and requeue it", what, exc)
                return None
            log.warning("%s: not recorded yet (%s); retrying in %.1f s", what, exc, delay)
            time.sleep(delay)
            waited += delay
            delay = min(MAX_BACKOFF_S, delay * 2)


def process_job(store: Store, settings: Settings, job: Job, runner: Runner | None = None, *,
                worker_id: str | None = None, stop: threading.Event | None = None,
                interruptible: threading.Event | None = None) -> Job | None:
    """Run one claimed job to its end and record the outcome; never raises for a job's own failure.

    Returns the job as recorded, or ``None`` when it was no longer this worker's to record. ``interruptible``
    is set while the runner runs (the only time a stop signal may interrupt the job); a
    :class:`WorkerStopping` raised then releases the job and propagates.
    """
    runner = runner or _default_runner()
    queue = store.jobs
    worker_id = worker_id or job.worker_id or new_worker_id()
    inputs = dict(job.inputs)
    steps: list[str] | None = inputs.get("steps")
    n_steps = _planned_steps(steps)
    fractions: dict[str, float] = {}
    state = {"last": -1.0}
    lock = threading.Lock()
    lease = Lease(queue, job.job_id, worker_id)

    def on_progress(step: str, fraction: float, message: str = "") -> None:
        if lease.lost.is_set():
            raise JobInterrupted(f"job {job.job_id} was dismissed or requeued; this worker stops running it")
        if stop is not None and stop.is_set():  # a stop signal that came while the job could not be interrupted
            raise WorkerStopping("worker told to stop (SIGTERM/SIGINT)")
        with lock:
            fractions[step] = max(0.0, min(1.0, float(fraction)))
            overall = min(0.99, sum(fractions.values()) / max(n_steps, len(fractions)))
            if overall - state["last"] < PROGRESS_STEP and fraction < 1.0:
                return
            state["last"] = overall
        try:
            queue.update(job.job_id, progress=overall, message=f"{step}: {message}",
                         log_line=f"{step} {fraction:.0%} {message}".rstrip(), worker_id=worker_id)
        except GeoserviceError:  # progress is best effort; the outcome is written below
            log.warning("job %s: progress could not be recorded", job.job_id)

    def note(line: str) -> None:
        record(lambda: queue.update(job.job_id, log_line=line, worker_id=worker_id), f"job {job.job_id} log", stop)

    remove_scratch(settings, job.job_id)  # left by an earlier, killed attempt
    lease.start()
    try:
        note(f"started by worker {worker_id} (attempt {job.attempts}); region {inputs.get('region')}, "
             f"steps {steps or 'all'}")
        try:
            if interruptible is not None:
                interruptible.set()
            if stop is not None and stop.is_set():
                raise WorkerStopping("worker told to stop (SIGTERM/SIGINT) before the job started")
            try:
                if job.process_id == COMPARE_PROCESS:
                    outcome = _compare(store, inputs, job.job_id)
                    for line in outcome["summary"]:
                        note(line)
                    return record(lambda: queue.finish(job.job_id, worker_id, "successful", outcome["summary"][1][:2000],
                                                       progress=1.0, results=outcome), f"job {job.job_id} outcome", stop)
                scenario = {"scenario": inputs["scenario"]} if inputs.get("scenario") else {}
                summary = runner(settings, inputs.get("region") or settings.region, steps,
                                 inputs.get("params") or {}, job.job_id, on_progress, **scenario)
            finally:
                if interruptible is not None:
                    interruptible.clear()
        except WorkerStopping as exc:
            reason = str(exc)
            log.warning("job %s: %s; giving it back to the queue", job.job_id, reason)
            record(lambda: queue.release(job.job_id, worker_id, reason), f"job {job.job_id} release", stop)
            raise
        except JobInterrupted as exc:
            log.warning("%s", exc)
            return None
        except Exception as exc:  # noqa: BLE001 - any failure ends this job, not the worker
            log.error("job %s failed: %s", job.job_id, exc)
            detail = str(exc) if isinstance(exc, GeoserviceError) else f"{type(exc).__name__}: {exc}"
            for line in traceback.format_exception_only(type(exc), exc)[-1:]:
                note(line.strip())
            return record(lambda: queue.finish(job.job_id, worker_id, "failed", detail[:2000]),
                          f"job {job.job_id} outcome", stop)
        for report in summary.steps:
            line = f"step {report.step}: {report.status} in {report.seconds:.1f} s"
            if report.error:
                line += f" — {report.error}"
            note(line)
        scenario = inputs.get("scenario")
        results = _results(store.for_scenario(scenario) if scenario else store, summary,
                           f"{SCENARIOS_PATH}/{scenario}" if scenario else "")
        if summary.ok:
            outcome = ("successful", f"published {len(results['layers'])} layer(s)", 1.0)
        else:
            failed = next((s for s in summary.steps if s.status in ("failed", "blocked")), None)
            outcome = ("failed", f"step {failed.step} {failed.status}: {failed.error}" if failed
                       else "the run did not complete", None)
        status, message, progress = outcome
        final = record(lambda: queue.finish(job.job_id, worker_id, status, message[:2000], progress=progress,
                                            results=results), f"job {job.job_id} outcome", stop)
        if final is None:
            log.warning("job %s: outcome not recorded: the job is no longer this worker's", job.job_id)
        return final
    finally:
        lease.stop()
        remove_scratch(settings, job.job_id)


def requeue_lost_jobs(store: Store, settings: Settings) -> list[Job]:
    """Requeue (or fail) the jobs whose worker stopped renewing its lease, and remove their scratch folders."""
    changed = store.jobs.expire_leases()
    for job in changed:
        log.warning("job %s: %s", job.job_id, job.message)
        remove_scratch(settings, job.job_id)
    return changed


def _install_stop_signals(stop: threading.Event, running: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT set ``stop`` and, while a job runs (``running``), interrupt it with WorkerStopping.
    Only in the main thread (where Python delivers signals); returns the function restoring the handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        stop.set()
        if running.is_set():
            running.clear()  # once: the release that follows is not interrupted again
            raise WorkerStopping(f"worker stopped by {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(sig, old) for sig, old in previous.items()]  # type: ignore[func-returns-value]


def run_worker(settings: Settings, *, once: bool = False, poll_s: float = 2.0, store: Store | None = None,
               stop: threading.Event | None = None, runner: Runner | None = None) -> int:
    """Process queued jobs until ``stop`` is set, SIGTERM/SIGINT arrive (or, with ``once``, until the queue
    is empty). Returns the number of jobs processed."""
    stop = stop or threading.Event()
    running = threading.Event()
    restore = _install_stop_signals(stop, running)
    own = store is None
    if own:
        from geoservice.store import open_store

        store = open_store(settings)
    worker_id = new_worker_id()
    log.info("worker %s started (lease %.0f s, up to %d attempts per job)", worker_id, store.jobs.lease_s,
             store.jobs.max_attempts)
    done = 0
    backoff = poll_s
    try:
        while not stop.is_set():
            try:
                requeue_lost_jobs(store, settings)
                job = store.jobs.claim(worker_id)
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
                final = process_job(store, settings, job, runner, worker_id=worker_id, stop=stop,
                                    interruptible=running)
                log.info("job %s %s", job.job_id, final.status if final else "handed over")
            except WorkerStopping:
                log.warning("worker %s stopping; job %s is queued again", worker_id, job.job_id)
                break
            except Exception:
                log.exception("job %s: the outcome could not be recorded", job.job_id)
            done += 1
    finally:
        restore()
        if own:
            store.close()
    return done
