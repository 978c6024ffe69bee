"""Which catalog fields a layer version's table holds.

A version's table is written with the fields its layer declared when it was published and never changes; a
field added to the catalog later (``commune_indicators.green_roof_stepping_stone_m2``, issue 17) is missing
from the older versions. Readers select only the columns a table holds and give the catalog fields it lacks
as nulls: in frames (typed by :func:`geoservice.store.common.build_frame`), in GeoJSON, and in filters, where
the field compiles to SQL ``NULL`` (a comparison matches nothing, ``IS NULL`` every row, a sort on it changes
nothing). The next run republishes the layer with every field.

The columns of a table are looked up once per store object and remembered by table name: a version's table is
immutable, and its name is never reused (version numbers only grow, and the newest version is never pruned).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from layers.catalog import LayerSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VersionFields:
    """The catalog fields of ``layer_id`` split by whether a version's table holds them (catalog order)."""

    present: tuple[str, ...]
    missing: tuple[str, ...]

    def selected(self, fields: Sequence[str]) -> list[str]:
        """The ones of ``fields`` the table holds (what a reader selects), in the given order."""
        return [f for f in fields if f not in self.missing]


class TableColumns:
    """The column names of version tables, looked up with ``lookup(conn, table)`` once per table.

    Shared by a store and its scenario views (tables are shared across scenarios). Logs one warning per
    (layer, version) that predates catalog fields.
    """

    def __init__(self, lookup: Callable[[Any, str], Iterable[str]]):
        self._lookup = lookup
        self._columns: dict[str, frozenset[str]] = {}
        self._warned: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def fields(self, conn: Any, spec: LayerSpec, row: Mapping[str, Any]) -> VersionFields:
        """The fields of ``spec`` that the table of registry ``row`` holds and lacks (looked up on ``conn``
        the first time)."""
        table = row["table_name"]
        columns = self._columns.get(table)
        if columns is None:
            columns = frozenset(self._lookup(conn, table))
            self._columns[table] = columns
        present = tuple(f for f in spec.field_names if f in columns)
        missing = tuple(f for f in spec.field_names if f not in columns)
        if missing:
            self._warn(spec.id, int(row["version"]), missing)
        return VersionFields(present, missing)

    def _warn(self, layer_id: str, version: int, missing: Sequence[str]) -> None:
        with self._lock:
            if (layer_id, version) in self._warned:
                return
            self._warned.add((layer_id, version))
        log.warning("%s v%d predates the catalog fields %s: they read as null until a rerun of the step that "
                    "produces the layer (geoservice run) republishes it", layer_id, version, ", ".join(missing))


def with_nulls(fields: Sequence[str], columns: Mapping[str, list[Any]], rows: int) -> dict[str, list[Any]]:
    """The values of each of ``fields``: those read (``columns``), ``rows`` nulls for a field not read (one the
    version's table lacks)."""
    return {f: columns[f] if f in columns else [None] * rows for f in fields}
