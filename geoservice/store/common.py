"""Pieces both stores share: naming, value coercion, frames built the same way from rows, COG writing,
orphan clean-up and the fault-injection hook the atomic-publish tests use."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from layers.catalog import LayerSpec, get_layer
from layers.crs import crs_ref, epsg_code
from layers.errors import InvalidRequest, LayerNotFound, SchemaError, StoreError
from layers.raster import Raster, RasterFile

log = logging.getLogger(__name__)

#: Rows written per batch when publishing; the publish hook is called after each batch.
WRITE_BATCH_ROWS = 20_000
#: Largest page ``query_features`` returns.
MAX_LIMIT = 1_000_000
#: Matching features counted at most for ``number_matched`` of a filtered page. Counting every match of a
#: box over a whole 1-million-feature layer took PostgreSQL 15 s (the page itself 0.15 s, read in id order
#: until full); beyond this many the count is left out (``None``), as OGC API Features allows.
COUNT_LIMIT = 10_000
#: Block size [px] of the COG files (and of the windows they are written in).
COG_BLOCKSIZE = 512
#: Rows of cells written per window when an in-memory Raster is written to disk.
RASTER_WINDOW_ROWS = 1024

#: The scenario tag of the unmodified run's versions (see :mod:`geoservice.scenarios`).
BASELINE = "baseline"
#: A scenario name (``wind-300m``), or the tag of the comparison of two (``baseline..wind-300m``).
_SCENARIO_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}(\.\.[a-z0-9][a-z0-9-]{0,39})?$")

_VERSION_FILE = re.compile(r"^v(\d+)(-[0-9a-f]+)?\.tif$")

#: Called as ``hook(stage, detail)`` at points of a publish: ``"rows"`` after each batch of rows,
#: ``"layer"`` after each layer's data is written, ``"commit"`` just before the registry flips.
#: Tests set it to kill or fail a publish half way; ``None`` in production.
PublishHook = Callable[[str, Mapping[str, Any]], None]


def check_scenario_tag(tag: str) -> str:
    """``tag`` when it is a scenario name (lower-case letters, digits and hyphens, at most 40, starting with a
    letter or digit) or a comparison tag ``A..B``; InvalidRequest saying so otherwise."""
    if not isinstance(tag, str) or not _SCENARIO_RE.match(tag):
        raise InvalidRequest(f"{tag!r} is not a scenario name: use lower-case letters, digits and hyphens "
                             "(at most 40, e.g. wind-300m), or A..B for the comparison of two scenarios")
    return tag


def table_name(layer_id: str, version: int) -> str:
    """Name of the table holding ``version`` of ``layer_id`` (``solar_roofs__v3``)."""
    return f"{layer_id}__v{version}"


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier (names come from the catalog; quoting keeps keywords safe)."""
    return '"' + name.replace('"', '""') + '"'


def now_utc() -> datetime:
    return datetime.now(UTC)


def layer_kind(spec: LayerSpec, data: object) -> str:
    """Check ``data`` has the Python type ``spec.kind`` asks for; return the kind."""
    expected = {"vector": gpd.GeoDataFrame, "raster": (Raster, RasterFile), "table": pd.DataFrame}[spec.kind]
    if not isinstance(data, expected) or (spec.kind == "table" and isinstance(data, gpd.GeoDataFrame)):
        raise SchemaError(f"layer {spec.id!r} is declared {spec.kind} but got {type(data).__name__}; "
                          "publish a GeoDataFrame (vector), Raster/RasterFile (raster) or DataFrame (table)")
    if spec.kind != "raster":
        missing = [f for f in spec.field_names if f not in data.columns]  # type: ignore[union-attr]
        if missing:
            raise SchemaError(f"layer {spec.id!r} lacks the declared fields {missing}; add them (see "
                              f"layers/catalog) before publishing")
    return spec.kind


def epsg_of(crs: Any, layer_id: str) -> int:
    """The EPSG code of ``crs``; StoreError when it has none (the stores index geometries by SRID)."""
    if crs is None:
        raise SchemaError(f"layer {layer_id!r} has no CRS; set one (e.g. gdf.set_crs('EPSG:2169'))")
    code = epsg_code(crs)
    if code is None:
        raise SchemaError(f"layer {layer_id!r} is in a CRS without an EPSG code; reproject it to the region CRS")
    return int(code)


def column_values(series: pd.Series) -> list[Any]:
    """Plain Python values of a column, ``None`` for missing ones (what DB drivers bind)."""
    mask = series.notna().to_numpy()
    values = series.astype(object).tolist()
    return [v if ok else None for v, ok in zip(values, mask)]


def coerce_value(spec: LayerSpec, prop: str, value: Any) -> Any:
    """``value`` converted to the dtype of field ``prop`` so both backends compare the same way."""
    try:
        dtype = spec.get_field(prop).dtype
    except KeyError:
        raise InvalidRequest(f"layer {spec.id!r} has no property {prop!r}; properties: "
                             f"{', '.join(spec.field_names)}") from None
    try:
        if dtype == "str":
            return str(value)
        if dtype == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "1")
            return bool(value)
        if dtype == "int":
            if isinstance(value, bool):
                return int(value)
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
            return int(number) if number.is_integer() else number
        number = float(value)
        if math.isnan(number):
            raise ValueError(value)
        return number
    except (TypeError, ValueError):
        raise InvalidRequest(f"property {prop!r} of layer {spec.id!r} is {dtype}; {value!r} is not a valid "
                             "value for it") from None


@lru_cache(maxsize=64)
def cached_crs(crs: str) -> CRS:
    """A pyproj CRS parsed once per process (parsing costs about a millisecond)."""
    return CRS.from_user_input(crs)


def build_frame(spec: LayerSpec, fields: Sequence[str], ids: Sequence[int], columns: Mapping[str, list[Any]],
                geometry: Sequence[Any] | None, crs: Any) -> gpd.GeoDataFrame | pd.DataFrame:
    """A frame with the catalog's dtypes, index = feature id; the same whichever backend read the rows.

    int → int64 (Int64 with missing values), float → float64, bool → bool (boolean with missing values),
    str → object.
    """
    data: dict[str, pd.Series] = {}
    index = pd.Index(np.asarray(ids, dtype=np.int64), name="id")
    for name in fields:
        dtype = spec.get_field(name).dtype
        values = columns[name]
        has_null = any(v is None for v in values)
        if dtype == "int":
            series = pd.Series(values, index=index, dtype="Int64" if has_null else "int64")
        elif dtype == "float":
            series = pd.Series([np.nan if v is None else v for v in values], index=index, dtype="float64")
        elif dtype == "bool":
            series = pd.Series([None if v is None else bool(v) for v in values], index=index,
                               dtype="boolean" if has_null else "bool")
        else:
            series = pd.Series(values, index=index, dtype=object)
        data[name] = series
    if geometry is None:
        return pd.DataFrame(data, index=index)
    if isinstance(crs, str):
        crs = cached_crs(crs)
    geoseries = gpd.GeoSeries(np.asarray(geometry, dtype=object), index=index, crs=crs)
    return gpd.GeoDataFrame(data, geometry=geoseries, crs=crs)


def check_page(limit: int, offset: int) -> tuple[int, int]:
    """``limit`` and ``offset`` as bounded integers; InvalidRequest when negative or not integers."""
    try:
        limit, offset = int(limit), int(offset)
    except (TypeError, ValueError):
        raise InvalidRequest("limit and offset must be integers") from None
    if limit < 0 or offset < 0:
        raise InvalidRequest(f"limit ({limit}) and offset ({offset}) must not be negative")
    return min(limit, MAX_LIMIT), offset


def capped_count(counted: int) -> int | None:
    """``number_matched`` from a count of at most ``COUNT_LIMIT + 1`` rows: ``None`` above the limit."""
    return int(counted) if counted <= COUNT_LIMIT else None


def check_properties(spec: LayerSpec, properties: Sequence[str] | None) -> list[str]:
    """The fields to return, in catalog order; InvalidRequest naming an unknown one."""
    if properties is None:
        return list(spec.field_names)
    unknown = [p for p in properties if p not in spec.field_names]
    if unknown:
        raise InvalidRequest(f"layer {spec.id!r} has no properties {unknown}; properties: "
                             f"{', '.join(spec.field_names)}")
    wanted = set(properties)
    return [f for f in spec.field_names if f in wanted]


def vector_spec(layer_id: str) -> LayerSpec:
    spec = get_layer(layer_id)
    if spec.kind != "vector":
        raise InvalidRequest(f"layer {layer_id!r} is a {spec.kind} layer, not a vector layer")
    return spec


def provenance_json(provenance: Mapping[str, Any]) -> str:
    return json.dumps(provenance, sort_keys=True, default=str)


def geometry_extent(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    if len(gdf) == 0:
        return None
    xmin, ymin, xmax, ymax = (float(v) for v in gdf.total_bounds)
    return xmin, ymin, xmax, ymax


# --- rasters --------------------------------------------------------------------------------------------------


def raster_file_name(version: int) -> str:
    """File name of a raster version; a random suffix keeps a re-used version number from a killed publish
    apart from the files of the publish that succeeds later."""
    return f"v{version}-{uuid.uuid4().hex[:8]}.tif"


def write_cog(data: Raster | RasterFile, dest: Path, layer_id: str) -> tuple[int, tuple[float, float, float, float], str]:
    """Write ``data`` as a Cloud-Optimized GeoTIFF at ``dest``; return (cell count, extent, CRS string).

    A RasterFile is copied by GDAL's COG driver, which reads and writes block by block; an in-memory
    Raster is first written window by window into a tiled GeoTIFF next to ``dest`` that the COG driver
    then copies. Either way memory stays bounded by the block size, not the raster. The file appears at
    ``dest`` only when complete (written under a temporary name, then renamed). The band states the layer's
    unit (the catalog's, else the data's) as its GDAL unit type and ``unit`` tag, so any GIS reading the
    file sees it.
    """
    import rasterio
    from rasterio.shutil import copy as rio_copy
    from rasterio.windows import Window

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + f".partial-{os.getpid()}")
    staging: Path | None = None
    unit = _layer_unit(layer_id) or data.unit
    cog_options: dict[str, Any] = {"driver": "COG", "blocksize": COG_BLOCKSIZE, "compress": "DEFLATE", "overview_resampling": "average",
                   "BIGTIFF": "IF_SAFER", "NUM_THREADS": "1"}
    try:
        if isinstance(data, RasterFile):
            source = data.path
            with rasterio.open(source) as src:
                if src.crs is None:
                    raise SchemaError(f"raster layer {layer_id!r} has no CRS; write it with one")
                crs = crs_ref(src.crs)
                cells = src.width * src.height
                b = src.bounds
                extent = (b.left, b.bottom, b.right, b.top)
                if unit and src.units[0] != unit:
                    staging = dest.with_name(dest.name + f".staging-{os.getpid()}.vrt")
                    staging.write_text(_unit_vrt(src, unit), encoding="utf-8")
                    source = str(staging)
        else:
            rows, cols = data.shape
            staging = dest.with_name(dest.name + f".staging-{os.getpid()}")
            array = data.array
            nodata = data.nodata
            if nodata is None and np.issubdtype(array.dtype, np.floating):
                nodata = float("nan")
            profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": array.dtype.name,
                       "crs": data.crs, "transform": data.transform, "nodata": nodata, "tiled": True,
                       "blockxsize": COG_BLOCKSIZE, "blockysize": COG_BLOCKSIZE, "BIGTIFF": "IF_SAFER"}
            with rasterio.open(staging, "w", **profile) as dst:
                for row in range(0, rows, RASTER_WINDOW_ROWS):
                    height = min(RASTER_WINDOW_ROWS, rows - row)
                    dst.write(array[row:row + height], 1, window=Window(0, row, cols, height))
                if unit:
                    dst.units = (unit,)
                    dst.update_tags(1, unit=unit)
            source = str(staging)
            crs = crs_ref(data.crs)
            cells = rows * cols
            extent = data.bounds
        with rasterio.Env(GDAL_CACHEMAX=256):
            rio_copy(source, str(partial), **cog_options)
        os.replace(partial, dest)
    except rasterio.errors.RasterioError as exc:
        raise StoreError(f"could not write raster layer {layer_id!r} to {dest}: {exc}; check the free disk space "
                         "and that the source raster is readable") from exc
    finally:
        for leftover in (partial, staging):
            if leftover is not None and leftover.exists():
                leftover.unlink()
    return cells, tuple(float(v) for v in extent), crs  # type: ignore[return-value]


def _layer_unit(layer_id: str) -> str:
    try:
        return get_layer(layer_id).unit
    except LayerNotFound:
        return ""


def _unit_vrt(src, unit: str) -> str:
    """A one-band VRT over the open raster ``src`` whose band carries ``unit`` (unit type and ``unit`` tag), so
    a source file that is not ours is copied with its unit without being modified."""
    from xml.sax.saxutils import escape

    nodata = "" if src.nodata is None else f"<NoDataValue>{src.nodata!r}</NoDataValue>"
    gt = ", ".join(repr(v) for v in src.transform.to_gdal())
    gdal_type = {"float32": "Float32", "float64": "Float64", "uint8": "Byte", "int16": "Int16", "uint16": "UInt16",
                 "int32": "Int32", "uint32": "UInt32", "int8": "Int8",
                 "int64": "Int64", "uint64": "UInt64"}[src.dtypes[0]]
    return (f'<VRTDataset rasterXSize="{src.width}" rasterYSize="{src.height}">'
            f"<SRS>{escape(src.crs.to_wkt())}</SRS><GeoTransform>{gt}</GeoTransform>"
            f'<VRTRasterBand dataType="{gdal_type}" band="1">{nodata}<UnitType>{escape(unit)}</UnitType>'
            f'<Metadata><MDI key="unit">{escape(unit)}</MDI></Metadata>'
            f'<SimpleSource><SourceFilename relativeToVRT="0">{escape(str(Path(src.name).resolve()))}'
            "</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>")


def remove_orphan_rasters(raster_root: Path, registered: Iterable[str]) -> list[Path]:
    """Delete raster files under ``raster_root`` that no registered version points to (left by a killed or
    failed publish). Call only while holding the publish lock. Returns what was removed."""
    keep = {str(Path(p).resolve()) for p in registered}
    removed: list[Path] = []
    if not raster_root.is_dir():
        return removed
    for layer_dir in raster_root.iterdir():
        if not layer_dir.is_dir():
            continue
        for path in layer_dir.iterdir():
            name = path.name
            ours = _VERSION_FILE.match(name) or ".partial-" in name or ".staging-" in name
            if ours and str(path.resolve()) not in keep:
                try:
                    path.unlink()
                    removed.append(path)
                except OSError as exc:  # another process may hold it on a platform that locks files
                    log.warning("could not remove orphaned raster %s: %s", path, exc)
    if removed:
        log.info("removed %d orphaned raster file(s) left by an interrupted publish", len(removed))
    return removed


def ensure_writable_dir(path: Path, what: str) -> None:
    """Create ``path`` if needed and check a file can be written there; StoreError saying how to fix it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StoreError(f"the {what} directory {path} is not writable ({exc.strerror or exc}); fix its "
                         "permissions or set GEOSERVICE_DATA_DIR to a writable directory") from exc


def layer_version_from_row(row: Mapping[str, Any]):
    """A LayerVersion from a registry row (dict with the registry's columns)."""
    from geoservice.store.base import LayerVersion

    extent = row["extent"]
    if isinstance(extent, str):
        extent = json.loads(extent)
    provenance = row["provenance"]
    if isinstance(provenance, str):
        provenance = json.loads(provenance)
    created = row["created_at"]
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return LayerVersion(layer_id=row["layer_id"], version=int(row["version"]), kind=row["kind"], crs=row["crs"],
                        feature_count=int(row["feature_count"]),
                        extent=tuple(float(v) for v in extent) if extent else None,
                        created_at=created, provenance=provenance or {},
                        scenario=row.get("scenario") or BASELINE)


def not_published(layer_id: str, version: int | None) -> LayerNotFound:
    """The error for a layer (version) that the registry does not hold, saying how to get one."""
    which = "any version" if version is None else f"version {version}"
    return LayerNotFound(f"layer {layer_id!r} has no published {which}; run the step that produces it "
                         "(geoservice run) or list published layers (geoservice layers)")


def layer_data(store: Any, row: Mapping[str, Any], raster_root: Path) -> Any:
    """The data of a registered version: a RasterFile under ``raster_root``, or the vector/table read back
    through ``store``."""
    if row["kind"] == "raster":
        return RasterFile(str(raster_root / row["raster_path"]), unit=get_layer(row["layer_id"]).unit)
    if row["kind"] == "vector":
        return store.read_vector(row["layer_id"], row["version"])
    return store.read_table(row["layer_id"], row["version"])
