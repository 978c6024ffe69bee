-- One GeoJSON tile (CRS84) of a layer version table ({table}); {fields} lists its catalog fields and
-- {properties} the json_build_object arguments for them.
WITH bounds AS (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                           margin => CAST(:margin AS double precision)) AS benv
),
rows AS (
    SELECT t.fid,
           ST_Transform(ST_Simplify(ST_ClipByBox2D(t.geom_3857, bounds.benv),
                                    CAST(:tolerance AS double precision)), 4326) AS geom{fields}
    FROM {table} AS t, bounds
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
