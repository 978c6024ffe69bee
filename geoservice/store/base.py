"""The layer store interface: versioned layers with provenance, feature queries and tiles; each store
carries its job queue (:class:`geoservice.store.jobs.JobQueue`) as ``store.jobs``.

Two backends implement it: :mod:`geoservice.store.gpkg` (embedded GeoPackage + COG files, the default)
and :mod:`geoservice.store.postgis` (PostGIS through SQLAlchemy + GeoAlchemy2). The same test suite runs
against both.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd

from geoservice.query import Filter, SortKey
from geoservice.store import publish as sequence
from geoservice.store.common import BASELINE, check_scenario_tag
from layers.data import LayerData, Provenance

if TYPE_CHECKING:
    from geoservice.store.jobs import JobQueue
    from geoservice.store.publish import PublishTx

JobStatus = Literal["accepted", "running", "successful", "failed", "dismissed"]


@dataclass(frozen=True)
class LayerVersion:
    """One published version of a layer.

    ``extent`` is (xmin, ymin, xmax, ymax) in ``crs``; ``feature_count`` counts features (vector, table)
    or cells (raster).
    """

    layer_id: str
    version: int
    kind: str
    crs: str
    feature_count: int
    extent: tuple[float, float, float, float] | None
    created_at: datetime
    provenance: Mapping[str, Any]
    #: the scenario the version belongs to (``baseline``, a scenario name, or ``A..B`` for a comparison)
    scenario: str = BASELINE

    @property
    def etag(self) -> str:
        """A strong validator for anything derived from this version."""
        return f"{self.layer_id}-v{self.version}"


@dataclass(frozen=True)
class FeaturePage:
    """A page of features and how many match in all (``None``: more than ``common.COUNT_LIMIT``, not
    counted)."""

    features: gpd.GeoDataFrame  # index = feature id (int)
    number_matched: int | None


@dataclass(frozen=True)
class GeoJSONPage:
    """A page of GeoJSON Feature texts built by the database, and how many match in all (as FeaturePage)."""

    features: list[str]
    number_matched: int | None


@dataclass(frozen=True)
class GeoJSONOptions:
    """How the database writes the geometries of a GeoJSON page: EPSG code, axis order, decimals."""

    srid: int
    lat_first: bool  # swap to (north, east), as EPSG:4326 and EPSG:2169 define their axes
    decimals: int


@dataclass
class Job:
    """A processing job as the API and the worker see it."""

    job_id: str
    process_id: str
    status: JobStatus
    inputs: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    progress: float = 0.0
    message: str = ""
    log: list[str] = field(default_factory=list)
    results: Mapping[str, Any] = field(default_factory=dict)
    #: claims so far; the worker holding the job and until when [s since the epoch]; when it was last claimed
    attempts: int = 0
    worker_id: str | None = None
    lease_until: float | None = None
    started_at: datetime | None = None


class Store(ABC):
    """Versioned layer storage. Every publish is atomic: readers see the previous version until the new
    one is complete, and a failed or killed publish leaves the previous version untouched.

    Every version is tagged with a scenario; "current" is per (layer, scenario). A store object reads and
    publishes the versions of its :attr:`scenario` (``baseline`` unless it is a view made by
    :meth:`for_scenario`). Version numbers count per layer across scenarios, so ``(layer, version)`` names one
    version everywhere (tile caches and ETags key on it).
    """

    #: The scenario whose versions this store object reads and publishes.
    scenario: str = BASELINE
    #: Whether this object is a view of another store (:meth:`for_scenario`): it shares its connections and
    #: does not close them.
    is_view: bool = False

    def for_scenario(self, scenario: str) -> Store:
        """A view of this store reading and publishing the versions of ``scenario`` (same connections)."""
        check_scenario_tag(scenario)
        if scenario == self.scenario:
            return self
        views = self.__dict__.setdefault("_views", {})  # shared by the store and its views
        view = views.get(scenario)
        if view is None:
            view = copy.copy(self)
            view.scenario, view.is_view = scenario, True
            view._view_created()
            views[scenario] = view
        return view

    def _view_created(self) -> None:
        """Give a new view its own per-scenario caches (a backend that keeps some overrides this)."""

    @abstractmethod
    def scenarios(self) -> list[str]:
        """Every scenario tag with at least one registered version, sorted (``baseline`` among them once run)."""

    # --- publishing (the pipeline's LayerSink): one sequence, geoservice.store.publish ---
    publish_hook: Any = None

    def publish_layers(self, layers: Mapping[str, LayerData], provenance: Provenance, *,
                       reuse: bool = True) -> list[LayerVersion]:
        """Publish one step's outputs as new versions, all or none; with ``reuse``, return the current
        versions instead when they already carry ``provenance.cache_key`` (checked under the publish lock)."""
        return sequence.publish(self, layers, provenance, reuse=reuse)

    def prune(self, keep: int, running_since: datetime | None = None, *, dry_run: bool = False
              ) -> list[LayerVersion]:
        """Delete all but the ``keep`` newest versions of each layer, never the current one nor one a job
        running since ``running_since`` may read (see :func:`geoservice.store.publish.prunable`); with
        ``dry_run`` only say which."""
        return sequence.prune(self, keep, running_since, dry_run=dry_run)

    @abstractmethod
    def publishing(self) -> AbstractContextManager[PublishTx]:
        """Take the publish lock, begin a transaction, yield this backend's primitives, commit."""

    def hook(self, stage: str, **detail: Any) -> None:
        """Call the publish hook (tests kill or fail a publish half way with it)."""
        if self.publish_hook is not None:
            self.publish_hook(stage, detail)

    def cached_layers(self, layer_ids: Sequence[str], cache_key: str) -> Mapping[str, LayerData] | None:
        """Current data of ``layer_ids`` when every one was published with ``cache_key``, else ``None``.

        In a scenario, outputs its overrides do not touch carry the baseline's cache key: the scenario adopts
        the baseline's current versions (registers them as its own, sharing their tables and files) instead
        of recomputing them, so a scenario rerun costs only the steps its parameters change."""
        own = self._cached(layer_ids, cache_key)
        if own is not None or self.scenario == BASELINE:
            return own
        if sequence.adopt(self, layer_ids, cache_key, BASELINE):
            return self._cached(layer_ids, cache_key)
        return None

    @abstractmethod
    def _cached(self, layer_ids: Sequence[str], cache_key: str) -> Mapping[str, LayerData] | None:
        """Data of the current versions (of this scenario) of ``layer_ids`` when every one carries
        ``cache_key``, else ``None``."""

    @abstractmethod
    def current_layer(self, layer_id: str) -> LayerData:
        """Data of the current version (GeoDataFrame, RasterFile or DataFrame); LayerNotFound if none."""

    # --- catalogue of versions ---
    @abstractmethod
    def current(self, layer_id: str) -> LayerVersion | None:
        """The current version of ``layer_id``, or ``None`` when never published."""

    @abstractmethod
    def versions(self, layer_id: str) -> list[LayerVersion]:
        """All versions of ``layer_id``, oldest first."""

    @abstractmethod
    def published(self) -> list[LayerVersion]:
        """The current version of every published layer."""

    # --- reading ---
    @abstractmethod
    def read_vector(self, layer_id: str, version: int | None = None,
                    bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        """Features of a vector layer (current version by default), optionally those intersecting ``bbox``
        (in the layer CRS)."""

    @abstractmethod
    def read_table(self, layer_id: str, version: int | None = None) -> pd.DataFrame:
        """Rows of a table layer."""

    @abstractmethod
    def raster_path(self, layer_id: str, version: int | None = None) -> Path:
        """The COG file of a raster layer version."""

    @abstractmethod
    def query_features(self, layer_id: str, *, filter: Filter | None = None, sortby: Sequence[SortKey] = (),
                       properties: Sequence[str] | None = None, limit: int = 100, offset: int = 0,
                       feature_id: int | None = None) -> FeaturePage:
        """A page of the current version's features matching ``filter`` (geometries in the layer CRS)."""

    #: Whether :meth:`query_geojson` is available (the database writes GeoJSON); otherwise the API encodes
    #: the frames of :meth:`query_features`.
    builds_geojson: bool = False

    def query_geojson(self, layer_id: str, options: GeoJSONOptions, *, filter: Filter | None = None,
                      sortby: Sequence[SortKey] = (), properties: Sequence[str] | None = None, limit: int = 100,
                      offset: int = 0) -> GeoJSONPage:
        """The page :meth:`query_features` would return, as GeoJSON Feature texts written by the database
        (geometries transformed, axis-ordered and rounded as ``options`` say; properties exact)."""
        raise NotImplementedError(f"{type(self).__name__} does not build GeoJSON; use query_features")

    @abstractmethod
    def vector_tile(self, layer_id: str, z: int, x: int, y: int, fmt: Literal["mvt", "geojson"]) -> bytes:
        """A WebMercatorQuad tile of the current version, clipped and simplified for zoom ``z``;
        ``b""`` when the tile holds no feature."""

    # --- jobs ---
    #: The job queue kept with this store's data (same file set or database).
    jobs: JobQueue

    # --- health ---
    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable when the backend cannot be reached."""

    def close(self) -> None:
        """Release connections."""
