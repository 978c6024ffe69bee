-- Jobs of the embedded store, in their own SQLite file so job updates never wait for a publish.
-- worker_id / lease_until [s since the epoch] / attempts: the lease of a running job (geoservice/store/jobs.py).
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    process_id TEXT NOT NULL,
    status TEXT NOT NULL,
    inputs TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    log TEXT NOT NULL DEFAULT '[]',
    results TEXT NOT NULL DEFAULT '{}',
    worker_id TEXT,
    lease_until REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, seq);
