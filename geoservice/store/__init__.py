"""Layer stores: the embedded GeoPackage store (default) and PostGIS (when a database URL is configured).

``open_store(settings)`` picks the backend; both implement :class:`geoservice.store.base.Store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geoservice.store.base import FeaturePage, Job, LayerVersion, Store
from geoservice.store.common import ensure_writable_dir

if TYPE_CHECKING:
    from geoservice.settings import Settings

__all__ = ["FeaturePage", "Job", "LayerVersion", "Store", "open_store"]


def open_store(settings: Settings) -> Store:
    """The store ``settings`` ask for: PostGIS when ``database_url`` is set (rasters under
    ``store_dir/rasters``), else the GeoPackage store in ``store_dir``.

    Raises StoreError when the data directory is not writable. The PostGIS store connects lazily, so an
    unreachable database surfaces as StoreUnavailable on first use (and ``ping()``), not here.
    """
    ensure_writable_dir(settings.store_dir, "store")
    if settings.database_url:
        from geoservice.store.postgis import PostGISStore

        return PostGISStore(settings.database_url, settings.store_dir / "rasters")
    from geoservice.store.gpkg import GeoPackageStore

    return GeoPackageStore(settings.store_dir)
