"""The job queue: jobs queued over HTTP and claimed by workers under a lease.

One implementation (:class:`SqlJobQueue`) written once for both backends; each supplies only how to run a
statement (:class:`SqliteJobs` for the embedded store, ``PostgresJobs`` in :mod:`geoservice.store.postgis`).

Leases. A worker claims a job for ``lease_s`` seconds and renews the lease (a heartbeat) while it runs. A job
whose lease has expired — its worker was killed, lost its machine or the database — is requeued by the next
worker that looks for work (``attempts`` counts the claims), or failed with a clear message once it has been
claimed ``max_attempts`` times. Lease times are wall-clock seconds since the epoch from the workers' clocks
(keep them synchronised, e.g. with NTP). Every write that concludes a claim (finish, release, heartbeat)
names the worker, so a worker whose lease was taken over never overwrites the job's new run.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from geoservice.store.base import Job, JobStatus
from geoservice.store.common import now_utc
from layers.errors import InvalidRequest, StoreError

STATUSES = frozenset(get_args(JobStatus))
#: Seconds a SQLite connection waits for another writer before giving up.
BUSY_TIMEOUT_S = 30.0
#: Default lease of a claimed job [s]; the worker renews it every third of that.
LEASE_S = 60.0
#: Default number of claims of one job before a lost worker fails it instead of requeueing it.
MAX_ATTEMPTS = 3


@lru_cache(maxsize=32)
def load_sql(name: str) -> str:
    """Text of ``geoservice/store/sql/<name>`` (package data)."""
    return resources.files("geoservice.store").joinpath("sql", name).read_text(encoding="utf-8")


def new_job_id() -> str:
    return uuid.uuid4().hex


def check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"unknown job status {status!r}; use one of {', '.join(sorted(STATUSES))}")


def check_progress(progress: float | None) -> float | None:
    if progress is None:
        return None
    value = float(progress)
    if not 0.0 <= value <= 1.0:
        raise InvalidRequest(f"job progress must lie in [0, 1], got {progress}")
    return value


def job_not_found(job_id: str) -> StoreError:
    return StoreError(f"no job {job_id!r} in the store; list jobs to find its id")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def job_from_row(row: Mapping[str, Any]) -> Job:
    keys = row.keys()
    return Job(job_id=row["job_id"], process_id=row["process_id"], status=row["status"],
               inputs=_json(row["inputs"]) or {}, created_at=_time(row["created_at"]),
               updated_at=_time(row["updated_at"]), progress=float(row["progress"]), message=row["message"] or "",
               log=list(_json(row["log"]) or []), results=_json(row["results"]) or {},
               attempts=int(row["attempts"] or 0) if "attempts" in keys else 0,
               worker_id=row["worker_id"] if "worker_id" in keys else None,
               lease_until=float(row["lease_until"]) if "lease_until" in keys and row["lease_until"] else None,
               started_at=_time(row["started_at"]) if "started_at" in keys and row["started_at"] else None)


class JobQueue(ABC):
    """Jobs of one store, claimed by workers under a lease (see the module docstring)."""

    lease_s: float = LEASE_S
    max_attempts: int = MAX_ATTEMPTS

    @abstractmethod
    def create(self, process_id: str, inputs: Mapping[str, Any]) -> Job: ...

    @abstractmethod
    def get(self, job_id: str) -> Job | None: ...

    @abstractmethod
    def list(self, limit: int = 100) -> list[Job]: ...

    @abstractmethod
    def running(self) -> list[Job]:
        """The jobs running now (their leases may have expired)."""

    @abstractmethod
    def update(self, job_id: str, *, status: JobStatus | None = None, progress: float | None = None,
               message: str | None = None, log_line: str | None = None,
               results: Mapping[str, Any] | None = None, worker_id: str | None = None) -> Job | None:
        """Change a job; with ``worker_id`` only while that worker holds it (``None`` otherwise)."""

    @abstractmethod
    def claim(self, worker_id: str) -> Job | None:
        """Move the oldest ``accepted`` job to ``running`` under a lease held by ``worker_id``."""

    @abstractmethod
    def heartbeat(self, job_id: str, worker_id: str) -> bool:
        """Renew the lease; ``False`` when the job is no longer this worker's (requeued, dismissed)."""

    @abstractmethod
    def finish(self, job_id: str, worker_id: str, status: JobStatus, message: str, *,
               progress: float | None = None, results: Mapping[str, Any] | None = None) -> Job | None:
        """Record the outcome of this worker's run; ``None`` when the job is no longer this worker's."""

    @abstractmethod
    def release(self, job_id: str, worker_id: str, reason: str) -> Job | None:
        """Give a running job back to the queue without counting the attempt (a worker told to stop)."""

    @abstractmethod
    def dismiss(self, job_id: str) -> Job | None:
        """Dismiss a queued or running job (a running one stops at its next progress report); ``None``
        when the job has already ended."""

    @abstractmethod
    def expire_leases(self) -> list[Job]:
        """Requeue (or, after ``max_attempts`` claims, fail) the running jobs whose lease has expired;
        return them as they are now."""


class SqlJobQueue(JobQueue):
    """The queue in SQL, written once: subclasses name the table, the dialect's few expressions, and how a
    statement runs (:meth:`_one`, :meth:`_all`)."""

    table = "jobs"
    #: SQL appending the text parameter ``:line`` to the JSON array ``log``.
    log_append = "json_insert(log, '$[#]', :line)"
    #: SQL casting the text parameter ``:{name}`` to the JSON type of the table.
    json_param = "CAST(:{name} AS text)"
    #: Clause making concurrent claims skip each other's row (PostgreSQL); SQLite serialises writers.
    skip_locked = ""

    def __init__(self, lease_s: float = LEASE_S, max_attempts: int = MAX_ATTEMPTS):
        if lease_s <= 0 or max_attempts < 1:
            raise StoreError(f"a job lease must be positive ({lease_s} s) and a job be tried at least once "
                             f"({max_attempts}); fix GEOSERVICE_JOB_LEASE_S / GEOSERVICE_JOB_MAX_ATTEMPTS")
        self.lease_s = float(lease_s)
        self.max_attempts = int(max_attempts)

    @abstractmethod
    def _one(self, sql: str, params: Mapping[str, Any], write: bool = True) -> Mapping[str, Any] | None:
        """Run one statement (in its own transaction when ``write``) and return its first row."""

    @abstractmethod
    def _all(self, sql: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Run one read and return its rows."""

    def _stamp(self, when: datetime) -> Any:
        """A time as the table stores it."""
        return when

    def _job(self, sql: str, params: Mapping[str, Any], write: bool = True) -> Job | None:
        row = self._one(sql.format(jobs=self.table, append=self.log_append), params, write)
        return job_from_row(row) if row is not None else None

    def create(self, process_id: str, inputs: Mapping[str, Any]) -> Job:
        job = self._job("INSERT INTO {jobs} (job_id, process_id, status, inputs, created_at, updated_at) "
                        f"VALUES (:id, :process, 'accepted', {self.json_param.format(name='inputs')}, :now, :now) "
                        "RETURNING *",
                        {"id": new_job_id(), "process": process_id, "inputs": json.dumps(dict(inputs), default=str),
                         "now": self._stamp(now_utc())})
        if job is None:
            raise StoreError("the new job was not stored")
        return job

    def get(self, job_id: str) -> Job | None:
        return self._job("SELECT * FROM {jobs} WHERE job_id = :id", {"id": job_id}, write=False)

    def list(self, limit: int = 100) -> list[Job]:
        rows = self._all(f"SELECT * FROM {self.table} ORDER BY seq DESC LIMIT :limit", {"limit": max(0, int(limit))})
        return [job_from_row(r) for r in rows]

    def running(self) -> list[Job]:
        return [job_from_row(r) for r in self._all(f"SELECT * FROM {self.table} WHERE status = 'running'", {})]

    def update(self, job_id: str, *, status: JobStatus | None = None, progress: float | None = None,
               message: str | None = None, log_line: str | None = None,
               results: Mapping[str, Any] | None = None, worker_id: str | None = None) -> Job | None:
        check_status(status)
        mine = " AND worker_id = :worker AND status = 'running'" if worker_id is not None else ""
        job = self._job(
            "UPDATE {jobs} SET status = coalesce(CAST(:status AS text), status), "
            "progress = coalesce(CAST(:progress AS double precision), progress), "
            "message = coalesce(CAST(:message AS text), message), "
            "log = CASE WHEN CAST(:line AS text) IS NULL THEN log ELSE {append} END, "
            f"results = coalesce({self.json_param.format(name='results')}, results), updated_at = :now "
            f"WHERE job_id = :id{mine} RETURNING *",
            {"status": status, "progress": check_progress(progress), "message": message, "line": log_line,
             "results": None if results is None else json.dumps(dict(results), default=str),
             "now": self._stamp(now_utc()), "id": job_id, "worker": worker_id})
        if job is None and worker_id is None:
            raise job_not_found(job_id)
        return job

    def claim(self, worker_id: str) -> Job | None:
        now = now_utc()
        return self._job(
            "UPDATE {jobs} SET status = 'running', worker_id = :worker, lease_until = :until, "
            "attempts = attempts + 1, started_at = :now, updated_at = :now, progress = 0, "
            "message = :line, log = {append} WHERE job_id = "
            f"(SELECT job_id FROM {self.table} WHERE status = 'accepted' ORDER BY seq LIMIT 1{self.skip_locked}) "
            "RETURNING *",
            {"worker": worker_id, "until": time.time() + self.lease_s, "now": self._stamp(now),
             "line": f"claimed by worker {worker_id}"})

    def heartbeat(self, job_id: str, worker_id: str) -> bool:
        row = self._one(f"UPDATE {self.table} SET lease_until = :until WHERE job_id = :id AND worker_id = :worker "
                        "AND status = 'running' RETURNING job_id",
                        {"until": time.time() + self.lease_s, "id": job_id, "worker": worker_id})
        return row is not None

    def finish(self, job_id: str, worker_id: str, status: JobStatus, message: str, *,
               progress: float | None = None, results: Mapping[str, Any] | None = None) -> Job | None:
        check_status(status)
        return self._job(
            "UPDATE {jobs} SET status = :status, message = :message, "
            "progress = coalesce(CAST(:progress AS double precision), progress), "
            f"results = coalesce({self.json_param.format(name='results')}, results), lease_until = NULL, "
            "updated_at = :now WHERE job_id = :id AND worker_id = :worker AND status = 'running' RETURNING *",
            {"status": status, "message": message, "progress": check_progress(progress),
             "results": None if results is None else json.dumps(dict(results), default=str),
             "now": self._stamp(now_utc()), "id": job_id, "worker": worker_id})

    def release(self, job_id: str, worker_id: str, reason: str) -> Job | None:
        return self._job(
            "UPDATE {jobs} SET status = 'accepted', worker_id = NULL, lease_until = NULL, "
            "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, message = :line, log = {append}, "
            "updated_at = :now WHERE job_id = :id AND worker_id = :worker AND status = 'running' RETURNING *",
            {"line": f"released by worker {worker_id}: {reason}; queued again", "now": self._stamp(now_utc()),
             "id": job_id, "worker": worker_id})

    def dismiss(self, job_id: str) -> Job | None:
        return self._job(
            "UPDATE {jobs} SET status = 'dismissed', message = :line, log = {append}, lease_until = NULL, "
            "updated_at = :now WHERE job_id = :id AND status IN ('accepted', 'running') RETURNING *",
            {"line": "dismissed by a client", "now": self._stamp(now_utc()), "id": job_id})

    def expire_leases(self) -> list[Job]:
        now = time.time()
        expired = [job_from_row(r) for r in self._all(
            f"SELECT * FROM {self.table} WHERE status = 'running' AND (lease_until IS NULL OR lease_until < :now)",
            {"now": now})]
        changed = []
        for job in expired:
            worker = job.worker_id or "of an earlier version"
            if job.attempts < self.max_attempts:
                status, line = "accepted", (f"requeued: worker {worker} stopped renewing its lease (killed, stopped "
                                            f"or cut off); attempt {job.attempts} of {self.max_attempts}")
            else:
                status, line = "failed", (f"failed: the job's worker was lost on each of its {job.attempts} "
                                          f"attempt(s) (last: worker {worker}); giving up after "
                                          f"{self.max_attempts}. Check the workers' logs, then run the job again")
            moved = self._job(
                "UPDATE {jobs} SET status = :status, worker_id = NULL, lease_until = NULL, message = :line, "
                "log = {append}, updated_at = :stamp WHERE job_id = :id AND status = 'running' "
                "AND coalesce(worker_id, '') = :worker AND (lease_until IS NULL OR lease_until < :now) RETURNING *",
                {"status": status, "line": line, "stamp": self._stamp(now_utc()), "id": job.job_id,
                 "worker": job.worker_id or "", "now": now})
            if moved is not None:
                changed.append(moved)
        return changed


class SqliteJobs(SqlJobQueue):
    """Jobs in a SQLite file (WAL mode). Every write runs in an immediate transaction, so a claim's read and
    update cannot interleave with another's and two workers never claim the same job."""

    def __init__(self, path: Path, lease_s: float = LEASE_S, max_attempts: int = MAX_ATTEMPTS):
        super().__init__(lease_s, max_attempts)
        self.path = path
        conn = self._connect()
        try:
            conn.executescript(load_sql("sqlite_jobs.sql"))
            columns = {r[1] for r in conn.execute("PRAGMA table_info(jobs)")}
            for column, decl in (("worker_id", "TEXT"), ("lease_until", "REAL"),
                                 ("attempts", "INTEGER NOT NULL DEFAULT 0"), ("started_at", "TEXT")):
                if column not in columns:  # a job file of an earlier version
                    conn.execute(f"ALTER TABLE jobs ADD COLUMN {column} {decl}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot initialise the job database {self.path}: {exc}; check the directory's "
                             "permissions or set GEOSERVICE_DATA_DIR") from exc
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.row_factory = sqlite3.Row
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return conn
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the job database {self.path}: {exc}; check the directory's "
                             "permissions or set GEOSERVICE_DATA_DIR") from exc

    def _stamp(self, when: datetime) -> Any:
        return when.isoformat()

    def _one(self, sql: str, params: Mapping[str, Any], write: bool = True) -> Mapping[str, Any] | None:
        conn = self._connect()
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(sql, params).fetchone()
            if write:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"job database {self.path}: {exc}; another process may hold it locked for longer "
                             f"than {BUSY_TIMEOUT_S:.0f} s") from exc
        finally:
            conn.close()
        return row

    def _all(self, sql: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"job database {self.path}: {exc}") from exc
        finally:
            conn.close()
