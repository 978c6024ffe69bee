-- One GeoJSON tile (CRS84) of a layer version table ({table}); {fields} lists its catalog fields and
-- {properties} the json_build_object arguments for them. GeoJSON has no tile grid to clip to, so the
-- geometries are clipped to the buffered tile here (ST_ClipByBox2D) and simplified when :tolerance > 0
-- (low zooms, see tiles.simplify_tolerance_m), as the embedded store does in Python. MATERIALIZED keeps
-- the envelope and each geometry computed once (an inlined CTE would repeat the expressions in the WHERE).
WITH bounds AS MATERIALIZED (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                           margin => CAST(:margin AS double precision)) AS benv
),
rows AS MATERIALIZED (
    SELECT t.fid,
           ST_Transform(CASE WHEN CAST(:tolerance AS double precision) > 0
                             THEN ST_Simplify(ST_ClipByBox2D(t.geom_3857, bounds.benv),
                                              CAST(:tolerance AS double precision))
                             ELSE ST_ClipByBox2D(t.geom_3857, bounds.benv) END, 4326) AS geom{fields}
    FROM bounds, {table} AS t
    WHERE t.geom_3857 && bounds.benv
)
SELECT CAST(json_build_object(
    'type', 'FeatureCollection',
    'features', json_agg(json_build_object(
        'type', 'Feature',
        'id', rows.fid,
        'geometry', CAST(ST_AsGeoJSON(rows.geom, CAST(:digits AS integer)) AS json),
        'properties', json_build_object({properties})
    ) ORDER BY rows.fid)
) AS text)
FROM rows
WHERE rows.geom IS NOT NULL AND NOT ST_IsEmpty(rows.geom)
HAVING count(*) > 0
