-- Move the oldest accepted job to running; SKIP LOCKED lets concurrent workers claim different jobs.
UPDATE geoservice.jobs
SET status = 'running', updated_at = now()
WHERE job_id = (
    SELECT job_id FROM geoservice.jobs
    WHERE status = 'accepted'
    ORDER BY seq
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *
