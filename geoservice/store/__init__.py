"""Layer stores: the embedded GeoPackage store (default) and PostGIS (when a database URL is configured).

``open_store(settings)`` picks the backend; both implement :class:`geoservice.store.base.Store` and behave
the same way (one test suite, ``tests/test_store*.py``, runs against both and compares them):

- Feature ids are 1..N in the order of the published GeoDataFrame's rows, stable within a version.
- ``query_features(feature_id=...)`` raises FeatureNotFound when the current version lacks that id; a
  filter naming an unknown property or a value that does not fit the field's dtype raises InvalidRequest.
- Filters follow SQL's three-valued logic (a comparison with a missing value matches neither it nor its
  negation); LIKE is case-sensitive; text sorts in code-point order; missing values sort last ascending.
- ``number_matched`` without a filter is the version's registered feature count; with one it is counted up
  to ``common.COUNT_LIMIT`` and ``None`` above.
- Tiles (rules in :mod:`geoservice.store.tiles`): features are clipped to the tile plus a buffer of
  ``TILE_BUFFER`` of ``TILE_EXTENT`` units and, up to zoom ``SIMPLIFY_MAX_ZOOM``, simplified by
  ``SIMPLIFY_PIXELS`` of a 256-px pixel at the zoom, so features smaller than that vanish at low zooms; an
  empty tile is ``b""``.
- Publishing ``{layer_id: data}`` with data of the wrong kind or lacking declared fields raises SchemaError
  before anything is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geoservice.store.base import FeaturePage, Job, LayerVersion, Store
from geoservice.store.common import ensure_writable_dir

if TYPE_CHECKING:
    from geoservice.settings import Settings

__all__ = ["FeaturePage", "Job", "LayerVersion", "Store", "open_store"]


def open_store(settings: Settings, *, serving: bool = False) -> Store:
    """The store ``settings`` ask for: PostGIS when ``database_url`` is set (rasters under
    ``store_dir/rasters``), else the GeoPackage store in ``store_dir``. Its job queue uses the settings'
    lease and attempt limit; ``serving`` (the API) bounds every PostGIS statement by
    ``db_statement_timeout_s`` (pipelines read whole layers and are not bounded).

    Raises StoreError when the data directory is not writable. The PostGIS store connects lazily, so an
    unreachable database surfaces as StoreUnavailable on first use (and ``ping()``), not here.
    """
    ensure_writable_dir(settings.store_dir, "store")
    if settings.database_url:
        from geoservice.store.postgis import PostGISStore

        return PostGISStore(settings.database_url, settings.store_dir / "rasters", lease_s=settings.job_lease_s,
                            max_attempts=settings.job_max_attempts,
                            statement_timeout_s=settings.db_statement_timeout_s if serving else 0.0,
                            lock_timeout_s=settings.db_lock_timeout_s)
    from geoservice.store.gpkg import GeoPackageStore

    return GeoPackageStore(settings.store_dir, lease_s=settings.job_lease_s, max_attempts=settings.job_max_attempts)
