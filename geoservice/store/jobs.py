"""Jobs shared by both stores: row conversion, status checks, and the embedded store's SQLite job table."""

from __future__ import annotations

import json
import sqlite3
import uuid
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
    return Job(job_id=row["job_id"], process_id=row["process_id"], status=row["status"],
               inputs=_json(row["inputs"]) or {}, created_at=_time(row["created_at"]),
               updated_at=_time(row["updated_at"]), progress=float(row["progress"]), message=row["message"] or "",
               log=list(_json(row["log"]) or []), results=_json(row["results"]) or {})


class SqliteJobs:
    """Jobs in a SQLite file (WAL mode). Claiming is one ``UPDATE ... RETURNING`` statement, which SQLite
    runs under its write lock, so two workers never claim the same job."""

    def __init__(self, path: Path):
        self.path = path
        conn = self._connect()
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'jobs'").fetchone():
                conn.executescript(load_sql("sqlite_jobs.sql"))
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

    def _one(self, sql: str, params: Mapping[str, Any], write: bool = True) -> Job | None:
        """Run one statement and return its row as a Job. Writes run in an immediate transaction: the write
        lock is taken before anything is read, so a claim's read and update cannot interleave with another."""
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
        return job_from_row(row) if row is not None else None

    def create(self, process_id: str, inputs: Mapping[str, Any]) -> Job:
        now = now_utc().isoformat()
        job = self._one("INSERT INTO jobs (job_id, process_id, status, inputs, created_at, updated_at) "
                        "VALUES (:id, :process, 'accepted', :inputs, :now, :now) RETURNING *",
                        {"id": new_job_id(), "process": process_id, "inputs": json.dumps(dict(inputs), default=str),
                         "now": now})
        if job is None:
            raise StoreError(f"job database {self.path}: the new job was not stored")
        return job

    def get(self, job_id: str) -> Job | None:
        return self._one("SELECT * FROM jobs WHERE job_id = :id", {"id": job_id}, write=False)

    def list(self, limit: int = 100) -> list[Job]:
        conn = self._connect()
        try:
            rows = conn.execute("SELECT * FROM jobs ORDER BY seq DESC LIMIT :limit",
                                {"limit": max(0, int(limit))}).fetchall()
        finally:
            conn.close()
        return [job_from_row(r) for r in rows]

    def update(self, job_id: str, *, status: str | None = None, progress: float | None = None,
               message: str | None = None, log_line: str | None = None,
               results: Mapping[str, Any] | None = None) -> Job:
        check_status(status)
        job = self._one(
            "UPDATE jobs SET status = coalesce(:status, status), progress = coalesce(:progress, progress), "
            "message = coalesce(:message, message), "
            "log = CASE WHEN :line IS NULL THEN log ELSE json_insert(log, '$[#]', :line) END, "
            "results = coalesce(:results, results), updated_at = :now WHERE job_id = :id RETURNING *",
            {"status": status, "progress": check_progress(progress), "message": message, "line": log_line,
             "results": None if results is None else json.dumps(dict(results), default=str),
             "now": now_utc().isoformat(), "id": job_id})
        if job is None:
            raise job_not_found(job_id)
        return job

    def claim_next(self) -> Job | None:
        return self._one(
            "UPDATE jobs SET status = 'running', updated_at = :now WHERE seq = "
            "(SELECT seq FROM jobs WHERE status = 'accepted' ORDER BY seq LIMIT 1) RETURNING *",
            {"now": now_utc().isoformat()})
