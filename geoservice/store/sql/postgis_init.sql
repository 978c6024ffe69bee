-- Schema of the PostGIS store. Idempotent; run under an advisory lock by the first connection of a process.
CREATE SCHEMA IF NOT EXISTS geoservice;

-- One row per published version; the current version of a layer is its highest version.
CREATE TABLE IF NOT EXISTS geoservice.layer_versions (
    layer_id text NOT NULL,
    version integer NOT NULL,
    kind text NOT NULL,
    table_name text,
    raster_path text,
    crs text,
    srid integer,
    feature_count bigint NOT NULL,
    extent double precision[],
    created_at timestamptz NOT NULL,
    provenance jsonb NOT NULL,
    cache_key text,
    PRIMARY KEY (layer_id, version)
);
-- the scenario a version belongs to; current = the highest version per (layer_id, scenario). Added to a
-- registry written before scenarios, whose versions are the baseline's.
-- Only when missing: ALTER TABLE locks the registry even when the column exists, and would wait for a publish.
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'geoservice' AND table_name = 'layer_versions' AND column_name = 'scenario') THEN ALTER TABLE geoservice.layer_versions ADD COLUMN scenario text NOT NULL DEFAULT 'baseline'; END IF; END $$;

CREATE TABLE IF NOT EXISTS geoservice.jobs (
    seq bigserial,
    job_id text PRIMARY KEY,
    process_id text NOT NULL,
    status text NOT NULL,
    inputs jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    progress double precision NOT NULL DEFAULT 0,
    message text NOT NULL DEFAULT '',
    log jsonb NOT NULL DEFAULT '[]',
    results jsonb NOT NULL DEFAULT '{}'
);

-- The lease of a running job (geoservice/store/jobs.py): its worker, until when [s since the epoch], claims.
ALTER TABLE geoservice.jobs ADD COLUMN IF NOT EXISTS worker_id text;
ALTER TABLE geoservice.jobs ADD COLUMN IF NOT EXISTS lease_until double precision;
ALTER TABLE geoservice.jobs ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE geoservice.jobs ADD COLUMN IF NOT EXISTS started_at timestamptz;

CREATE INDEX IF NOT EXISTS jobs_accepted ON geoservice.jobs (seq) WHERE status = 'accepted';
CREATE INDEX IF NOT EXISTS jobs_running ON geoservice.jobs (lease_until) WHERE status = 'running';
