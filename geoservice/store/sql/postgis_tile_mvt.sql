-- One MVT tile of a layer version table ({table}); {fields} lists its catalog fields (", t."f"...").
-- One statement, one round trip:
-- - the GIST index on geom_3857 selects the features meeting the tile grown by the buffer (margin, in tile
--   widths); the envelopes are computed once (MATERIALIZED keeps them out of the per-row expressions, also
--   in a generic prepared plan);
-- - only features reaching out of the buffered tile are clipped (ST_ClipByBox2D; "@" is a bounding-box test,
--   and most features of a detailed layer lie inside): ST_AsMVTGeom then snaps the same clipped geometry to
--   the tile grid as the embedded store does, and drops what collapses;
-- - Douglas-Peucker simplification (ST_Simplify, tolerance in metres) only when the tolerance is > 0, that
--   is at low zooms (see tiles.SIMPLIFY_MAX_ZOOM);
-- - ST_AsMVT skips rows whose geometry is NULL, so there is no WHERE on the geometry (PostgreSQL would push
--   it down and evaluate ST_AsMVTGeom twice per row).
WITH bounds AS MATERIALIZED (
    SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env,
           ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                           margin => CAST(:margin AS double precision)) AS benv
)
SELECT ST_AsMVT(tile.*, CAST(:layer AS text), CAST(:extent AS integer), 'geom', 'fid')
FROM (
    SELECT t.fid,
           ST_AsMVTGeom(
               CASE WHEN CAST(:tolerance AS double precision) > 0
                    THEN ST_Simplify(CASE WHEN t.geom_3857 @ bounds.benv THEN t.geom_3857
                                          ELSE ST_ClipByBox2D(t.geom_3857, bounds.benv) END,
                                     CAST(:tolerance AS double precision))
                    ELSE CASE WHEN t.geom_3857 @ bounds.benv THEN t.geom_3857
                              ELSE ST_ClipByBox2D(t.geom_3857, bounds.benv) END
               END,
               bounds.env, CAST(:extent AS integer), CAST(:buffer AS integer), true) AS geom{fields}
    FROM bounds, {table} AS t
    WHERE t.geom_3857 && bounds.benv
) AS tile
