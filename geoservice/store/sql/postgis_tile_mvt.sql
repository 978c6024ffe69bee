-- One MVT tile of a layer version table ({table}); {fields} lists its catalog fields (", t."f"...").
-- One statement, one round trip:
-- - the GIST index on geom_3857 selects the features meeting the tile grown by the buffer (:margin, in tile
--   widths); the envelopes are computed once (MATERIALIZED keeps them out of the per-row expressions, also
--   in a generic prepared plan);
-- - ST_AsMVTGeom clips to the buffer, moves to the tile grid and drops what collapses; ST_Simplify (Douglas-
--   Peucker, :tolerance in metres) runs only when :tolerance > 0 (low zooms, see tiles.simplify_tolerance_m);
-- - ST_AsMVT skips rows whose geometry is NULL, so no WHERE on the geometry (a filter on it would be pushed
--   down and make PostgreSQL evaluate ST_AsMVTGeom twice per row).
WITH bounds AS MATERIALIZED (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env,
           ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                           margin => CAST(:margin AS double precision)) AS benv
)
SELECT ST_AsMVT(tile.*, CAST(:layer AS text), CAST(:extent AS integer), 'geom', 'fid')
FROM (
    SELECT t.fid,
           ST_AsMVTGeom(CASE WHEN CAST(:tolerance AS double precision) > 0
                             THEN ST_Simplify(t.geom_3857, CAST(:tolerance AS double precision))
                             ELSE t.geom_3857 END,
                        bounds.env, CAST(:extent AS integer), CAST(:buffer AS integer), true) AS geom{fields}
    FROM bounds, {table} AS t
    WHERE t.geom_3857 && bounds.benv
) AS tile
