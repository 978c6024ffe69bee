UPDATE geoservice.jobs
SET status = coalesce(CAST(:status AS text), status),
    progress = coalesce(CAST(:progress AS double precision), progress),
    message = coalesce(CAST(:message AS text), message),
    log = CASE WHEN CAST(:line AS text) IS NULL THEN log ELSE log || jsonb_build_array(CAST(:line AS text)) END,
    results = coalesce(CAST(:results AS jsonb), results),
    updated_at = now()
WHERE job_id = :job_id
RETURNING *
