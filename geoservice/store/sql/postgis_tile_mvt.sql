-- One MVT tile of a layer version table ({table}); {fields} lists its catalog fields (", t."f"...").
-- Clip to the buffered tile, simplify for the zoom, then let ST_AsMVTGeom snap to the tile grid.
WITH bounds AS (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env,
           ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                           margin => CAST(:margin AS double precision)) AS benv
),
rows AS (
    SELECT t.fid,
           ST_AsMVTGeom(ST_Simplify(ST_ClipByBox2D(t.geom_3857, bounds.benv), CAST(:tolerance AS double precision)),
                        bounds.env, CAST(:extent AS integer), CAST(:buffer AS integer), true) AS geom{fields}
    FROM {table} AS t, bounds
    WHERE t.geom_3857 && bounds.benv
)
SELECT ST_AsMVT(rows.*, CAST(:layer AS text), CAST(:extent AS integer), 'geom', 'fid')
FROM rows
WHERE rows.geom IS NOT NULL
