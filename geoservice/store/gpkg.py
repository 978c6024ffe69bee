"""The embedded store: one GeoPackage for vector layers and tables, COG files for rasters, nothing to install.

Layout under ``store_dir``::

    layers.gpkg                   every version of every vector/table layer (``solar_roofs__v3``) and the
                                  registry ``gs_layer_versions``; a valid GeoPackage that GDAL and QGIS open
    rasters/<layer>/v<N>-<r>.tif  one COG per raster version
    jobs.sqlite                   processing jobs (a separate file: job updates never wait for a publish)
    .publish.lock                 held (flock) by the one process publishing at a time

Publishing is atomic. Raster files are written completely first (under a temporary name, then renamed);
then one SQLite transaction creates the new tables, fills them and adds the registry rows — the flip. A
failure or a kill before the commit rolls the transaction back (SQLite's WAL guarantees it even for a
killed process); the raster files it wrote are unregistered orphans that the next publish deletes.
Readers work in WAL mode and never wait for the writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoservice.query import Filter, Intersects, SortKey
from geoservice.store import tiles
from geoservice.store.base import FeaturePage, LayerVersion, Store
from geoservice.store.columns import TableColumns, VersionFields, with_nulls
from geoservice.store.common import (
    COUNT_LIMIT,
    WRITE_BATCH_ROWS,
    PublishHook,
    build_frame,
    capped_count,
    check_page,
    check_properties,
    column_values,
    ensure_writable_dir,
    epsg_of,
    geometry_extent,
    layer_data,
    layer_version_from_row,
    not_published,
    provenance_json,
    quote_ident,
    table_name,
    vector_spec,
)
from geoservice.store.filters_sql import render_filter, render_order
from geoservice.store.jobs import BUSY_TIMEOUT_S, LEASE_S, MAX_ATTEMPTS, SqliteJobs, load_sql
from geoservice.store.publish import TxBase
from layers.catalog import LayerSpec, get_layer
from layers.crs import crs_ref
from layers.data import LayerData
from layers.errors import FeatureNotFound, InvalidRequest, StoreError
from layers.tiles import check_tile

log = logging.getLogger(__name__)

GPKG_NAME = "layers.gpkg"
#: Adds the scenario tag to the registry of a store written before scenarios.
_ADD_SCENARIO = "ALTER TABLE gs_layer_versions ADD COLUMN scenario TEXT NOT NULL DEFAULT 'baseline'"
GEOM = "geom"
_SQL_TYPES = {"int": "INTEGER", "float": "DOUBLE", "str": "TEXT", "bool": "BOOLEAN"}
#: Size [bytes] of the GeoPackage geometry header's envelope by its indicator (flags bits 1-3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_HEADER = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("env", "<f8", (4,))])
#: Flags of the headers written here: little-endian, envelope [minx, maxx, miny, maxy].
_FLAGS_XY_LE = 0b0000_0011


def gpkg_blobs(geoms: np.ndarray, srid: int) -> list[bytes]:
    """GeoPackage geometry blobs (header with envelope + ISO WKB) of ``geoms``."""
    header = np.zeros(len(geoms), dtype=_HEADER)
    header["magic"] = b"GP"
    header["flags"] = _FLAGS_XY_LE
    header["srs_id"] = srid
    header["env"] = shapely.bounds(geoms)[:, [0, 2, 1, 3]]
    raw = header.tobytes()
    size = _HEADER.itemsize
    wkb = shapely.to_wkb(geoms, output_dimension=2, flavor="iso")
    return [raw[i * size:(i + 1) * size] + w for i, w in enumerate(wkb)]


def _wkb_of(blob: bytes) -> bytes:
    if blob[:2] != b"GP":
        raise StoreError("a geometry in the GeoPackage is not a GeoPackage geometry blob; the file was modified "
                         "by another program — republish the layer")
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]:]


def geometries_from_blobs(blobs: Sequence[bytes]) -> np.ndarray:
    return shapely.from_wkb([_wkb_of(b) for b in blobs])


@lru_cache(maxsize=256)
def _prepared(wkb: bytes):
    geom = shapely.from_wkb(wkb)
    shapely.prepare(geom)
    return geom


def _table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The column names of ``table``."""
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote_ident(table)})")]


def _sql_intersects(blob: bytes | None, wkb: bytes) -> int:
    """SQL function ``gs_intersects(geom_blob, wkb)``: 1 when the geometries intersect."""
    if blob is None:
        return 0
    geom = shapely.from_wkb(_wkb_of(blob))
    try:
        return int(shapely.intersects(_prepared(wkb), geom))
    except shapely.errors.GEOSException:  # an invalid stored geometry GEOS cannot test as it is
        return int(shapely.intersects(_prepared(wkb), shapely.make_valid(geom)))


class GeoPackageStore(Store):
    """Versioned layers in a GeoPackage + COG files under ``store_dir`` (see the module docstring)."""

    def __init__(self, store_dir: str | Path, *, publish_hook: PublishHook | None = None,
                 lease_s: float = LEASE_S, max_attempts: int = MAX_ATTEMPTS):
        self.store_dir = Path(store_dir)
        ensure_writable_dir(self.store_dir, "store")
        self.gpkg_path = self.store_dir / GPKG_NAME
        self.raster_root = self.store_dir / "rasters"
        self.publish_hook = publish_hook
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []  # every thread's reading connection, closed by close()
        self._readers_lock = threading.Lock()
        self._columns = TableColumns(_table_columns)  # the columns of each version table, looked up once
        conn = self._connect()
        try:
            # initialise only a new file: a publish in progress holds the write lock, and opening the store
            # (an API process starting) must not wait for it
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'gs_layer_versions'").fetchone():
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(load_sql("gpkg_init.sql"))
            elif "scenario" not in {r[1] for r in conn.execute("PRAGMA table_info(gs_layer_versions)")}:
                conn.execute(_ADD_SCENARIO)  # a store written before scenarios: every version is the baseline's
        except sqlite3.Error as exc:
            raise StoreError(f"cannot initialise the GeoPackage {self.gpkg_path}: {exc}; check the directory's "
                             "permissions and free space, or set GEOSERVICE_DATA_DIR") from exc
        finally:
            conn.close()
        self.jobs = SqliteJobs(self.store_dir / "jobs.sqlite", lease_s, max_attempts)

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.store_dir)!r})"

    # --- connections ---------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.gpkg_path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the GeoPackage {self.gpkg_path}: {exc}; check its permissions or set "
                             "GEOSERVICE_DATA_DIR") from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA case_sensitive_like = ON")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.create_function("gs_intersects", 2, _sql_intersects, deterministic=True)
        return conn

    def _reader(self) -> sqlite3.Connection:
        """This thread's reading connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement inside sees the same state of the store."""
        conn = self._reader()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the GeoPackage {self.gpkg_path}: {exc}") from exc
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def _publish_lock(self) -> Iterator[None]:
        """Exclusive while publishing; released by the OS if the process dies."""
        with open(self.store_dir / ".publish.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # --- registry ------------------------------------------------------------------------------------------
    _CURRENT = ("SELECT * FROM gs_layer_versions WHERE layer_id = :id AND scenario = :sc ORDER BY version DESC "
                "LIMIT 1")

    def _row(self, conn: sqlite3.Connection, layer_id: str, version: int | None) -> sqlite3.Row:
        get_layer(layer_id)  # unknown ids: LayerNotFound naming the catalog
        if version is None:
            row = conn.execute(self._CURRENT, {"id": layer_id, "sc": self.scenario}).fetchone()
        else:
            row = conn.execute("SELECT * FROM gs_layer_versions WHERE layer_id = :id AND version = :v",
                               {"id": layer_id, "v": int(version)}).fetchone()
        if row is None:
            raise not_published(layer_id, version)
        return row

    def current(self, layer_id: str) -> LayerVersion | None:
        get_layer(layer_id)
        row = self._reader().execute(self._CURRENT, {"id": layer_id, "sc": self.scenario}).fetchone()
        return layer_version_from_row(dict(row)) if row is not None else None

    def versions(self, layer_id: str) -> list[LayerVersion]:
        get_layer(layer_id)
        rows = self._reader().execute("SELECT * FROM gs_layer_versions WHERE layer_id = :id AND scenario = :sc "
                                      "ORDER BY version", {"id": layer_id, "sc": self.scenario}).fetchall()
        return [layer_version_from_row(dict(r)) for r in rows]

    def published(self) -> list[LayerVersion]:
        rows = self._reader().execute(
            "SELECT v.* FROM gs_layer_versions v JOIN (SELECT layer_id, max(version) AS version FROM "
            "gs_layer_versions WHERE scenario = :sc GROUP BY layer_id) c USING (layer_id, version) "
            "ORDER BY v.layer_id", {"sc": self.scenario}).fetchall()
        return [layer_version_from_row(dict(r)) for r in rows]

    def scenarios(self) -> list[str]:
        return [r[0] for r in self._reader().execute("SELECT DISTINCT scenario FROM gs_layer_versions "
                                                     "ORDER BY scenario")]

    # --- publishing: the primitives of geoservice.store.publish ------------------------------------------
    @contextlib.contextmanager
    def publishing(self) -> Iterator[_GpkgTx]:
        """The publish lock (flock) and one immediate SQLite transaction on a connection of its own."""
        with self._publish_lock():
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield _GpkgTx(self, conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.close()
        with contextlib.suppress(sqlite3.Error):
            self._reader().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _registry_row(self, layer_id: str, version: int, kind: str, table: str | None, raster: Path | None,
                      crs: str, srid: int, count: int, extent: Sequence[float] | None, created: datetime,
                      prov: Mapping[str, Any]) -> dict[str, Any]:
        return {"layer_id": layer_id, "version": version, "kind": kind, "table_name": table,
                "raster_path": None if raster is None else str(raster.relative_to(self.store_dir)),
                "crs": crs, "srid": srid, "feature_count": int(count),
                "extent": None if extent is None else json.dumps(list(extent)), "created_at": created.isoformat(),
                "provenance": provenance_json(prov), "cache_key": prov.get("cache_key"), "scenario": self.scenario}

    def _columns_sql(self, spec: LayerSpec) -> str:
        return "".join(f", {quote_ident(f.name)} {_SQL_TYPES[f.dtype]}" for f in spec.fields)

    def _insert_rows(self, conn: sqlite3.Connection, name: str, columns: list[str], rows: list[list[Any]],
                     layer_id: str) -> None:
        sql = (f"INSERT INTO {quote_ident(name)} ({', '.join(quote_ident(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        for start in range(0, len(rows[0]) if rows else 0, WRITE_BATCH_ROWS):
            stop = start + WRITE_BATCH_ROWS
            conn.executemany(sql, zip(*(col[start:stop] for col in rows)))
            self.hook("rows", layer=layer_id, rows=min(stop, len(rows[0])), total=len(rows[0]))

    def _ensure_srs(self, conn: sqlite3.Connection, srid: int) -> None:
        crs = CRS.from_epsg(srid)
        conn.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (:name, :id, 'EPSG', :id, :wkt, '')",
                     {"name": crs.name, "id": srid, "wkt": crs.to_wkt("WKT1_GDAL")})

    def _write_vector(self, conn: sqlite3.Connection, spec: LayerSpec, name: str, version: int,
                      gdf: gpd.GeoDataFrame, created: datetime, prov: Mapping[str, Any]) -> dict[str, Any]:
        srid = epsg_of(gdf.crs, spec.id)
        self._ensure_srs(conn, srid)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        extent = geometry_extent(gdf)
        rtree = f"rtree_{name}_{GEOM}"
        conn.execute(f"CREATE TABLE {quote_ident(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                     f"{GEOM} GEOMETRY{self._columns_sql(spec)})")
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
                     "max_x, max_y, srs_id) VALUES (:t, 'features', :t, :d, :x0, :y0, :x1, :y1, :srid)",
                     {"t": name, "d": spec.title, "srid": srid,
                      **dict(zip(("x0", "y0", "x1", "y1"), extent or (None,) * 4))})
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES (:t, :c, 'GEOMETRY', :srid, 0, 0)",
                     {"t": name, "c": GEOM, "srid": srid})
        conn.execute(f"CREATE VIRTUAL TABLE {quote_ident(rtree)} USING rtree(id, minx, maxx, miny, maxy)")
        conn.execute("INSERT INTO gpkg_extensions VALUES (:t, :c, 'gpkg_rtree_index', "
                     "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", {"t": name, "c": GEOM})
        fids = list(range(1, len(gdf) + 1))
        columns = ["fid", GEOM, *spec.field_names]
        values = [fids, gpkg_blobs(geoms, srid), *(column_values(gdf[f]) for f in spec.field_names)]
        self._insert_rows(conn, name, columns, values, spec.id)
        if len(gdf):
            bounds = shapely.bounds(geoms)
            conn.executemany(f"INSERT INTO {quote_ident(rtree)} VALUES (?, ?, ?, ?, ?)",
                             zip(fids, bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(),
                                 bounds[:, 3].tolist()))
        crs = crs_ref(gdf.crs)
        return self._registry_row(spec.id, version, "vector", name, None, crs, srid, len(gdf), extent, created, prov)

    def _write_table(self, conn: sqlite3.Connection, spec: LayerSpec, name: str, version: int,
                     frame: pd.DataFrame, created: datetime, prov: Mapping[str, Any]) -> dict[str, Any]:
        conn.execute(f"CREATE TABLE {quote_ident(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
                     f"{self._columns_sql(spec)})")
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                     "VALUES (:t, 'attributes', :t, :d)", {"t": name, "d": spec.title})
        columns = ["fid", *spec.field_names]
        values = [list(range(1, len(frame) + 1)), *(column_values(frame[f]) for f in spec.field_names)]
        self._insert_rows(conn, name, columns, values, spec.id)
        return self._registry_row(spec.id, version, "table", name, None, "", 0, len(frame), None, created, prov)

    # --- reading -------------------------------------------------------------------------------------------
    def _layer_data(self, row: sqlite3.Row) -> LayerData:
        return layer_data(self, row, self.store_dir)

    def current_layer(self, layer_id: str) -> LayerData:
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, None)
        return self._layer_data(row)

    def _cached(self, layer_ids: Sequence[str], cache_key: str) -> Mapping[str, LayerData] | None:
        with self._snapshot() as conn:
            rows = {}
            for layer_id in layer_ids:
                get_layer(layer_id)
                row = conn.execute(self._CURRENT, {"id": layer_id, "sc": self.scenario}).fetchone()
                if row is None or row["cache_key"] != cache_key:
                    return None
                rows[layer_id] = row
        return {layer_id: self._layer_data(row) for layer_id, row in rows.items()}

    def _select(self, conn: sqlite3.Connection, spec: LayerSpec, row: sqlite3.Row, held: VersionFields,
                fields: list[str], where: str, params: Mapping[str, Any], order: str = "fid", limit: int = -1,
                offset: int = 0) -> gpd.GeoDataFrame:
        """Features matching ``where`` with ``fields``; those the table lacks (see ``held``) as nulls."""
        selected = held.selected(fields)
        cols = "".join(f", {quote_ident(f)}" for f in selected)
        sql = (f"SELECT fid, {GEOM}{cols} FROM {quote_ident(row['table_name'])} WHERE {where} ORDER BY {order} "
               "LIMIT :gs_limit OFFSET :gs_offset")
        rows = conn.execute(sql, {**params, "gs_limit": limit, "gs_offset": offset}).fetchall()
        ids = [r[0] for r in rows]
        geoms = geometries_from_blobs([r[1] for r in rows]) if rows else []
        columns = with_nulls(fields, {f: [r[i + 2] for r in rows] for i, f in enumerate(selected)}, len(rows))
        return build_frame(spec, fields, ids, columns, geoms, row["crs"])  # type: ignore[return-value]

    def read_vector(self, layer_id: str, version: int | None = None,
                    bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        spec = vector_spec(layer_id)
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, version)
            node = None if bbox is None else Intersects(shapely.box(*bbox))
            where = render_filter(spec, node, dialect="sqlite", geom_column=GEOM, srid=row["srid"],
                                  rtree_table=f"rtree_{row['table_name']}_{GEOM}")
            held = self._columns.fields(conn, spec, row)
            return self._select(conn, spec, row, held, list(spec.field_names), where.sql, where.params)

    def read_table(self, layer_id: str, version: int | None = None) -> pd.DataFrame:
        spec = get_layer(layer_id)
        if spec.kind != "table":
            raise InvalidRequest(f"layer {layer_id!r} is a {spec.kind} layer, not a table")
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, version)
            held = self._columns.fields(conn, spec, row)
            cols = "".join(f", {quote_ident(f)}" for f in held.present)
            rows = conn.execute(f"SELECT fid{cols} FROM {quote_ident(row['table_name'])} ORDER BY fid").fetchall()
        columns = with_nulls(spec.field_names, {f: [r[i + 1] for r in rows] for i, f in enumerate(held.present)},
                             len(rows))
        return build_frame(spec, list(spec.field_names), [r[0] for r in rows], columns, None, None)

    def raster_path(self, layer_id: str, version: int | None = None) -> Path:
        spec = get_layer(layer_id)
        if spec.kind != "raster":
            raise InvalidRequest(f"layer {layer_id!r} is a {spec.kind} layer, not a raster")
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, version)
        return self.store_dir / row["raster_path"]

    def query_features(self, layer_id: str, *, filter: Filter | None = None, sortby: Sequence[SortKey] = (),
                       properties: Sequence[str] | None = None, limit: int = 100, offset: int = 0,
                       feature_id: int | None = None) -> FeaturePage:
        spec = vector_spec(layer_id)
        limit, offset = check_page(limit, offset)
        fields = check_properties(spec, properties)
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, None)
            held = self._columns.fields(conn, spec, row)
            order = render_order(spec, sortby, dialect="sqlite", missing=held.missing)
            where = render_filter(spec, filter, dialect="sqlite", geom_column=GEOM, srid=row["srid"],
                                  rtree_table=f"rtree_{row['table_name']}_{GEOM}", feature_id=feature_id,
                                  missing=held.missing)
            try:
                if filter is None and feature_id is None:
                    matched = row["feature_count"]
                else:
                    matched = capped_count(conn.execute(
                        f"SELECT count(*) FROM (SELECT 1 FROM {quote_ident(row['table_name'])} WHERE {where.sql} "
                        f"LIMIT {COUNT_LIMIT + 1})", where.params).fetchone()[0])
                frame = self._select(conn, spec, row, held, fields, where.sql, where.params, order, limit, offset)
            except sqlite3.Error as exc:
                raise StoreError(f"query on layer {layer_id!r} failed: {exc}") from exc
        if feature_id is not None and matched == 0:
            raise FeatureNotFound(f"layer {layer_id!r} has no feature {feature_id} in its current version "
                                  f"(v{row['version']})")
        return FeaturePage(frame, matched)

    def vector_tile(self, layer_id: str, z: int, x: int, y: int, fmt: Literal["mvt", "geojson"]) -> bytes:
        spec = vector_spec(layer_id)
        check_tile(z, x, y)
        if fmt not in ("mvt", "geojson"):
            raise InvalidRequest(f"unknown tile format {fmt!r}; use mvt or geojson")
        with self._snapshot() as conn:
            row = self._row(conn, layer_id, None)
            extent = json.loads(row["extent"]) if row["extent"] else None
            box = tiles.query_bounds_in_layer_crs(z, x, y, row["crs"], extent)
            if box is None:
                return b""
            rtree = quote_ident(f"rtree_{row['table_name']}_{GEOM}")
            where = (f"fid IN (SELECT id FROM {rtree} WHERE minx <= :x1 AND maxx >= :x0 AND miny <= :y1 "
                     "AND maxy >= :y0)")
            params = dict(zip(("x0", "y0", "x1", "y1"), box))
            held = self._columns.fields(conn, spec, row)
            gdf = self._select(conn, spec, row, held, list(spec.field_names), where, params)
        clipped = tiles.prepare_tile_geometries(gdf, z, x, y)
        if fmt == "mvt":
            return tiles.encode_mvt(clipped, layer_id, spec.field_names, z, x, y)
        return tiles.encode_geojson(clipped, spec.field_names)

    # --- health --------------------------------------------------------------------------------------------
    def ping(self) -> None:
        try:
            self._reader().execute("SELECT 1 FROM gs_layer_versions LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"the GeoPackage {self.gpkg_path} cannot be read: {exc}; check the file and its "
                             "permissions") from exc

    def close(self) -> None:
        if self.is_view:  # the connections are the viewed store's
            return
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


class _GpkgTx(TxBase):
    """The GeoPackage's publish primitives on the publishing connection (see geoservice.store.publish)."""

    def __init__(self, store: GeoPackageStore, conn: sqlite3.Connection):
        super().__init__(store, conn, store.raster_root)

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM gs_layer_versions")]

    def current_row(self, layer_id: str, scenario: str | None = None) -> dict[str, Any] | None:
        row = self.conn.execute(GeoPackageStore._CURRENT, {"id": layer_id,
                                                           "sc": scenario or self.store.scenario}).fetchone()
        return dict(row) if row is not None else None

    def max_version(self, layer_id: str) -> int:
        row = self.conn.execute("SELECT max(version) FROM gs_layer_versions WHERE layer_id = :id",
                                {"id": layer_id}).fetchone()
        return int(row[0] or 0)

    def raster_file(self, row: Mapping[str, Any]) -> Path:
        return self.store.store_dir / row["raster_path"]

    def write_vector(self, spec: LayerSpec, version: int, data: gpd.GeoDataFrame, created: datetime,
                     prov: Mapping[str, Any]) -> dict[str, Any]:
        return self.store._write_vector(self.conn, spec, table_name(spec.id, version), version, data, created, prov)

    def write_table(self, spec: LayerSpec, version: int, data: pd.DataFrame, created: datetime,
                    prov: Mapping[str, Any]) -> dict[str, Any]:
        return self.store._write_table(self.conn, spec, table_name(spec.id, version), version, data, created, prov)

    def register(self, rows: list[dict[str, Any]]) -> None:
        self.conn.executemany(
            "INSERT INTO gs_layer_versions (layer_id, version, kind, table_name, raster_path, crs, srid, "
            "feature_count, extent, created_at, provenance, cache_key, scenario) VALUES (:layer_id, :version, :kind, "
            ":table_name, :raster_path, :crs, :srid, :feature_count, :extent, :created_at, :provenance, :cache_key, "
            ":scenario)", rows)

    def _drop_table(self, name: str) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
        self.conn.execute(f"DROP TABLE IF EXISTS {quote_ident(f'rtree_{name}_{GEOM}')}")
        for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"):
            self.conn.execute(f"DELETE FROM {meta} WHERE table_name = :t", {"t": name})

    def drop(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.conn.execute("DELETE FROM gs_layer_versions WHERE layer_id = :id AND version = :v",
                              {"id": row["layer_id"], "v": int(row["version"])})
        for name in {row["table_name"] for row in rows if row.get("table_name")}:
            if not self.conn.execute("SELECT 1 FROM gs_layer_versions WHERE table_name = :t", {"t": name}).fetchone():
                self._drop_table(name)  # no scenario adopted it

    def drop_orphan_tables(self) -> None:
        registered = {r["table_name"] for r in self.rows() if r["table_name"]}
        tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                                  "GLOB '*__v[0-9]*' AND name NOT GLOB 'rtree_*'")]
        orphans = [t for t in tables if t not in registered]
        for name in orphans:
            self._drop_table(name)
        if orphans:
            log.info("dropped %d orphaned table(s): %s", len(orphans), ", ".join(orphans))
