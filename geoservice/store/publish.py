"""The publish sequence and the retention rule, written once for both stores.

A backend supplies only its primitives (:class:`PublishTx`): a context that takes the publish lock and opens
one transaction (the GeoPackage's ``flock`` + ``BEGIN IMMEDIATE``; PostgreSQL's advisory lock inside its
transaction), and inside it how to read the registry, write a vector or table version, register versions
and drop them. The sequence is the same everywhere:

1. lock and begin; delete raster files (and, defensively, tables) no registry row points to — left by a
   killed or failed publish;
2. re-check the cache key under the lock: when every layer's current version already carries this
   publish's cache key (an identical job finished first), reuse those versions instead of writing
   duplicates;
3. write every layer's new version (rasters as COG files under a fresh name, vectors and tables in the
   transaction), calling the publish hook after each;
4. register the versions (the flip) and commit. A failure or a kill before the commit leaves nothing
   visible; the raster files already written are deleted now or, after a kill, by the next publish.

Registry rows carry the scenario of the store that publishes them (``baseline`` by default); "current" is per
(layer, scenario). A scenario *adopts* a baseline version (:func:`adopt`) by registering a row of its own that
points to the same table or COG file: a table or file is deleted only when no row points to it any more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from geoservice.store.common import (
    BASELINE,
    epsg_of,
    layer_kind,
    layer_version_from_row,
    now_utc,
    provenance_json,
    raster_file_name,
    remove_orphan_rasters,
    write_cog,
)
from layers.catalog import LayerSpec, get_layer

log = logging.getLogger(__name__)

#: Default age [s] below which a superseded version is never pruned: clients and command-line runs (which
#: the job queue does not see) may still read the version that was current a moment ago.
PRUNE_GRACE_S = 3600.0

Row = dict[str, Any]


class PublishTx(Protocol):
    """A backend's primitives inside the publish lock and transaction."""

    raster_root: Path

    def rows(self) -> list[Row]:
        """Every registry row (``layer_id``, ``version``, ``created_at``, ``table_name``, ``raster_path``, …)."""

    def current_row(self, layer_id: str, scenario: str | None = None) -> Row | None:
        """The registry row of the current version of ``layer_id`` in ``scenario`` (default: the store's)."""

    def max_version(self, layer_id: str) -> int:
        """The highest version number ever registered for ``layer_id`` (0 when none)."""

    def raster_file(self, row: Mapping[str, Any]) -> Path:
        """The COG file of a raster registry row."""

    def raster_row(self, layer_id: str, version: int, dest: Path, crs: str, cells: int,
                   extent: Sequence[float], created: datetime, prov: Mapping[str, Any]) -> Row:
        """The registry row of a raster version written to ``dest``."""

    def write_vector(self, spec: LayerSpec, version: int, data: Any, created: datetime,
                     prov: Mapping[str, Any]) -> Row:
        """Create and fill the table of a vector version; return its registry row."""

    def write_table(self, spec: LayerSpec, version: int, data: Any, created: datetime,
                    prov: Mapping[str, Any]) -> Row:
        """Create and fill the table of a table version; return its registry row."""

    def register(self, rows: list[Row]) -> None:
        """Add registry rows (the flip, visible at commit)."""

    def drop(self, rows: list[Row]) -> None:
        """Remove registry rows and the tables they point to that no remaining row points to (not raster
        files)."""

    def drop_orphan_tables(self) -> None:
        """Drop version tables no registry row points to."""


class TxBase:
    """What both backends' primitives share: the store and the publishing connection, and the registry row
    of a raster (built by the store's ``_registry_row``, whose encoding is the backend's)."""

    def __init__(self, store: Any, conn: Any, raster_root: Path):
        self.store, self.conn, self.raster_root = store, conn, raster_root

    def raster_row(self, layer_id: str, version: int, dest: Path, crs: str, cells: int, extent: Sequence[float],
                   created: datetime, prov: Mapping[str, Any]) -> Row:
        return self.store._registry_row(layer_id, version, "raster", None, dest, crs, epsg_of(crs, layer_id), cells,
                                        extent, created, prov)


class Publisher(Protocol):
    def publishing(self) -> Any:
        """A context manager: take the publish lock, begin, yield a :class:`PublishTx`, commit."""

    def hook(self, stage: str, **detail: Any) -> None: ...


def remove_orphans(tx: PublishTx) -> None:
    """Delete raster files and tables no registry row points to (under the publish lock)."""
    rows = tx.rows()
    remove_orphan_rasters(tx.raster_root, [str(tx.raster_file(r)) for r in rows if r.get("raster_path")])
    tx.drop_orphan_tables()


def publish(store: Publisher, layers: Mapping[str, Any], provenance: Any, *, reuse: bool = True) -> list:
    """Publish one step's outputs as new versions, all or none (see the module docstring); with ``reuse``,
    the current versions when they already carry ``provenance.cache_key``. Returns the LayerVersions."""
    specs = {layer_id: get_layer(layer_id) for layer_id in layers}
    for layer_id, data in layers.items():
        layer_kind(specs[layer_id], data)
    prov = provenance.to_dict()
    created = now_utc()
    written: list[Path] = []
    registry: list[Row] = []
    try:
        with store.publishing() as tx:
            remove_orphans(tx)
            if reuse and provenance.cache_key and layers:
                current = [tx.current_row(layer_id) for layer_id in layers]
                if all(row is not None and row["cache_key"] == provenance.cache_key for row in current):
                    log.info("reusing %s: published meanwhile with the same inputs and parameters",
                             ", ".join(f"{r['layer_id']} v{r['version']}" for r in current))  # type: ignore[index]
                    return [layer_version_from_row(r) for r in current]  # type: ignore[arg-type]
            for layer_id, data in layers.items():
                spec = specs[layer_id]
                version = tx.max_version(layer_id) + 1
                if spec.kind == "raster":
                    dest = tx.raster_root / layer_id / raster_file_name(version)
                    written.append(dest)
                    cells, extent, crs = write_cog(data, dest, layer_id)
                    registry.append(tx.raster_row(layer_id, version, dest, crs, cells, extent, created, prov))
                elif spec.kind == "vector":
                    registry.append(tx.write_vector(spec, version, data, created, prov))
                else:
                    registry.append(tx.write_table(spec, version, data, created, prov))
                store.hook("layer", layer=layer_id)
            tx.register(registry)
            store.hook("commit")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    log.info("published %s", ", ".join(f"{r['layer_id']} v{r['version']}" for r in registry))
    return [layer_version_from_row(r) for r in registry]


def adopt(store: Any, layer_ids: Sequence[str], cache_key: str, source: str) -> bool:
    """Register the current versions of ``layer_ids`` in scenario ``source`` as new versions of
    ``store.scenario`` when every one carries ``cache_key`` (same tables and files, same provenance); return
    whether they did. Under the publish lock, so a concurrent publish of ``source`` is either before or after."""
    with store.publishing() as tx:
        found = [tx.current_row(layer_id, source) for layer_id in layer_ids]
        if not all(row is not None and row["cache_key"] == cache_key for row in found):
            return False
        created = now_utc().isoformat()
        rows = []
        for row in found:
            prov = row["provenance"]  # type: ignore[index]
            rows.append({**row, "version": tx.max_version(row["layer_id"]) + 1, "scenario": store.scenario,  # type: ignore[index]
                         "created_at": created, "provenance": prov if isinstance(prov, str) else provenance_json(prov)})
        tx.register(rows)
    if rows:
        log.info("scenario %s adopts %s from %s (inputs and parameters unchanged)", store.scenario,
                 ", ".join(f"{r['layer_id']} v{r['version']}" for r in rows), source)
    return True


def _created(row: Mapping[str, Any]) -> datetime:
    return layer_version_from_row(row).created_at


def prunable(rows: Sequence[Mapping[str, Any]], keep: int, protect_after: datetime) -> list[Row]:
    """The registry rows the retention rule deletes: every version of a layer in a scenario beyond its ``keep``
    newest,
    except one that was still current at ``protect_after`` or later (a running job or a recent reader may
    be reading it; a version stops being current when its successor is created). The current version is
    always among the kept ones (``keep`` ≥ 1)."""
    keep = max(1, int(keep))
    by_layer: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_layer.setdefault((row["layer_id"], row.get("scenario") or BASELINE), []).append(row)
    doomed: list[Row] = []
    for versions in by_layer.values():
        newest_first = sorted(versions, key=lambda r: int(r["version"]), reverse=True)
        for successor, row in zip(newest_first[keep - 1:], newest_first[keep:]):
            if _created(successor) < protect_after:
                doomed.append(dict(row))
    return doomed


def prune(store: Publisher, keep: int, running_since: datetime | None = None, grace_s: float = PRUNE_GRACE_S,
          *, dry_run: bool = False) -> list:
    """Delete old layer versions by :func:`prunable` under the publish lock; ``running_since`` is the start
    of the oldest running job. Returns the deleted versions (LayerVersion), or with ``dry_run`` those it would
    delete."""
    protect_after = now_utc() - timedelta(seconds=grace_s)
    if running_since is not None:
        protect_after = min(protect_after, running_since)
    with store.publishing() as tx:
        doomed = prunable(tx.rows(), keep, protect_after)
        if dry_run:
            return [layer_version_from_row(r) for r in doomed]
        tx.drop(doomed)
        shared = {r["raster_path"] for r in tx.rows() if r.get("raster_path")}  # adopted by another scenario
        files = [tx.raster_file(r) for r in doomed if r.get("raster_path") and r["raster_path"] not in shared]
    for path in files:  # after the commit; a kill here leaves orphans the next publish deletes
        path.unlink(missing_ok=True)
    if doomed:
        log.info("pruned %s", ", ".join(f"{r['layer_id']} v{r['version']}" for r in doomed))
    return [layer_version_from_row(r) for r in doomed]
