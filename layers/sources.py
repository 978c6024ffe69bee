"""Input sources of a region: every canonical input layer read into the region CRS with the catalog's fields.

:class:`RegionSource` is what the pipeline calls (``source(layer_id)``). A region's inputs come from

- its files (``[inputs.<id>]``): any GDAL-readable vector — GeoPackage, Shapefile (encoding from its ``.cpg``
  or the ``ENCODING`` open option), GeoJSON, FlatGeobuf, GML, CSV with WKT or X/Y columns (``open_options``) —
  read by the region's bounding box, reprojected, clipped to the region, repaired, fields and values mapped onto
  the catalog's; any GDAL-readable raster — GeoTIFF/COG, VRT, ASCII grid — windowed to the region by a cached
  VRT when it is in the region CRS, else warped window by window to the region CRS over the region extent into
  a cached GeoTIFF (nodata kept); or a table: CSV, or any GDAL table (XLSX or ODS sheet, GeoPackage or SQLite
  table, DBF);
- the generated demo (``[demo]``): produced on first use into ``<inputs_dir>/<region id>/`` and regenerated
  when the manifest's spec or generator version differs.

A source without a CRS (GML, CSV, ASCII grid, a Shapefile without ``.prj``) needs ``crs`` in its
``[inputs.<id>]``. A file source wins over the demo for the same input id. Every problem with a source is an
:class:`~layers.errors.InputDataError` that names the input, the file and the fix. Analyses read raster inputs
onto their grid with :func:`layers.resample.read_on_grid`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import box

from layers.catalog import get_layer
from layers.catalog.spec import COMPATIBLE_GEOMETRIES, Field, LayerSpec
from layers.crs import crs_name, same_crs
from layers.csv_tables import CSV_SUFFIXES, read_csv_table
from layers.errors import InputDataError
from layers.raster import RasterFile
from layers.region import InputSource, RegionConfig, RegionContext
from layers.resample import WARP_ERROR_THRESHOLD_PX, is_categorical
from layers.vocabulary import NO_ADDITIONS, FieldVocabulary, apply_vocabulary, extra_values

if TYPE_CHECKING:  # the pipeline's type alias only; layers/ does not import processing/ at run time
    from layers.data import LayerData

log = logging.getLogger(__name__)

#: Sub-folder of ``inputs_dir`` holding rasters warped to a region's CRS.
WARP_CACHE = "_warped"
#: Window edge [cells] when warping a raster into the cache.
WARP_WINDOW_CELLS = 1024


class RegionSource:
    """The input layers of one region, read on demand (and cached for the source's lifetime).

    Parameters
    ----------
    config : the validated region file.
    inputs_dir : folder for generated demo inputs and warped-raster caches.
    """

    def __init__(self, config: RegionConfig, inputs_dir: Path):
        self.config = config
        self.inputs_dir = Path(inputs_dir)
        self._cache: dict[str, Any] = {}
        self._extent: tuple[float, float, float, float] | None = config.extent_m

    # -- public -----------------------------------------------------------------------------------------
    def __call__(self, layer_id: str) -> LayerData | None:
        """The input ``layer_id`` in the region CRS, or ``None`` when the region does not provide it."""
        spec = get_layer(layer_id)
        if spec.role != "input":
            raise InputDataError(f"{layer_id!r} is not an input layer; inputs: "
                                 f"{', '.join(s for s in _input_ids())}")
        if layer_id not in self._cache:
            self._cache[layer_id] = self._load(spec)
        data = self._cache[layer_id]
        return data.copy() if isinstance(data, pd.DataFrame) else data

    def region_context(self) -> RegionContext:
        """Id, CRS, extent [m], per-analysis resolution [m] and synthetic flag of the region."""
        return RegionContext(id=self.config.region.id, crs=self.config.crs, extent=self.extent,
                             resolution_m=dict(self.config.resolution),
                             synthetic=self.config.synthetic,
                             extra_values={i: extra_values(self.config.vocabulary(i))
                                           for i in {*self.config.classes, "geology"}})

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) [m]: the configured extent, the demo's, or the communes' bounds."""
        if self._extent is None:
            if "communes" not in self.config.inputs:
                raise InputDataError("the region has no extent: set region.extent or give [inputs.communes]")
            communes = read_vector(self.config, "communes", self.config.inputs["communes"], extent=None)
            self._extent = tuple(float(v) for v in communes.total_bounds)  # type: ignore[assignment]
            self._cache["communes"] = communes
        return self._extent  # type: ignore[return-value]

    @property
    def demo_dir(self) -> Path:
        """Where the demo inputs of this region live."""
        return self.inputs_dir / self.config.region.id

    def ensure_demo(self) -> Path:
        """Generate the demo inputs unless an up-to-date generation is already there; return its folder."""
        from layers.demo import GENERATOR_VERSION, generate_demo

        if self.config.demo is None:
            raise InputDataError(f"region {self.config.region.id!r} has no [demo] section")
        wanted = {"spec": self.config.demo.model_dump(mode="json"), "crs": self.config.region.crs,
                  "generator_version": GENERATOR_VERSION}
        manifest_path = self.demo_dir / "manifest.json"
        if manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = {}
            if all(manifest.get(k) == v for k, v in wanted.items()):
                return self.demo_dir
            log.info("demo inputs in %s were generated for another spec or generator version; regenerating",
                     self.demo_dir)
        else:
            log.info("generating the synthetic demo inputs into %s", self.demo_dir)
        generate_demo(self.config.demo, self.config.region.crs, self.demo_dir)
        return self.demo_dir

    # -- internals --------------------------------------------------------------------------------------
    def _load(self, spec: LayerSpec) -> LayerData | None:
        source = self.config.inputs.get(spec.id)
        if source is not None:
            if spec.kind == "vector":
                return read_vector(self.config, spec.id, source, self.extent)
            if spec.kind == "raster":
                return read_raster(self.config, spec.id, source, self.extent, self.inputs_dir / WARP_CACHE)
            return read_table(self.config, spec.id, source)
        if self.config.demo is not None:
            return self._load_demo(spec)
        return None

    def _load_demo(self, spec: LayerSpec) -> LayerData | None:
        from layers.demo.generate import INPUTS_GPKG, RASTER_FILES, TABLE_FILES

        folder = self.ensure_demo()
        if spec.kind == "raster":
            name = RASTER_FILES.get(spec.id)
            return RasterFile(str(folder / name), unit=spec.unit) if name and (folder / name).is_file() else None
        if spec.kind == "table":
            name = TABLE_FILES.get(spec.id)
            if not name or not (folder / name).is_file():
                return None
            return conform_table(pd.read_csv(folder / name), spec, InputSource(path=str(folder / name)))
        gpkg = folder / INPUTS_GPKG
        if spec.id not in {row[0] for row in pyogrio.list_layers(gpkg)}:
            return None
        frame = pyogrio.read_dataframe(gpkg, layer=spec.id)
        return conform_vector(frame, spec, InputSource(path=str(gpkg), layer=spec.id), str(gpkg),
                              self.config.vocabulary(spec.id))


def _input_ids() -> list[str]:
    from layers.catalog import input_layers

    return [s.id for s in input_layers()]


# -- vectors --------------------------------------------------------------------------------------------

def _check_exists(config: RegionConfig, input_id: str, path: str) -> None:
    if "://" in path or path.startswith("/vsi"):
        return
    if not Path(path).exists():
        raise InputDataError(f"input {input_id!r}: file {path} does not exist; fix inputs.{input_id}.path in the "
                             "region file (relative paths start at the region file's folder)")


def _source_crs(input_id: str, path: str, file_crs: Any, source: InputSource) -> CRS:
    configured = CRS.from_user_input(source.crs) if source.crs else None
    try:
        found = CRS.from_user_input(file_crs) if file_crs else None
    except CRSError:
        found = None
    if configured is not None:
        if found is not None and not same_crs(found, configured):
            log.warning("input %r: %s declares %s but the region file says %s; using the region file's",
                        input_id, path, crs_name(found), crs_name(configured))
        return configured
    if found is None:
        raise InputDataError(f"input {input_id!r}: {path} has no coordinate reference system; state it with "
                             f"crs = \"EPSG:....\" in [inputs.{input_id}]")
    return found


def _transform_bounds(bounds, src: CRS, dst: CRS) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    if same_crs(src, dst):
        return tuple(float(b) for b in bounds)  # type: ignore[return-value]
    return Transformer.from_crs(src, dst, always_xy=True).transform_bounds(*bounds, densify_pts=21)


def _fmt(bounds) -> str:
    return "(" + ", ".join(f"{b:.1f}" for b in bounds) + ")"


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: Characters U+0080-U+009F: C1 control codes that never occur in real text, but that Windows-1252 letters and
#: punctuation (’ – € Œ) become when a CP1252 file is read as Latin-1 (GDAL's assumption without a .cpg file).
_C1_CONTROLS = re.compile("[\u0080-\u009f]")


def _check_open_options(input_id: str, path: str, caught: list[warnings.WarningMessage]) -> None:
    """Turn GDAL's "driver X does not support open option Y" warnings into an error; re-emit the others."""
    for w in caught:
        message = str(w.message)
        if "does not support open option" in message:
            raise InputDataError(f"input {input_id!r}: {path}: {message}; fix inputs.{input_id}.open_options (the "
                                 "driver's page on gdal.org lists its open options)")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _warn_if_mis_decoded(frame: pd.DataFrame, input_id: str, path: str) -> None:
    """Log a warning naming the fix when text fields hold C1 control characters (CP1252 read as Latin-1)."""
    geometry_name = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        dtype = frame[column].dtype
        if column == geometry_name or not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            continue
        text = frame[column].dropna().astype(str)
        text = text[text.str.contains(_C1_CONTROLS, regex=True)]
        if not text.empty:
            log.warning("input %r: %s: field %r holds control characters (e.g. %r): the text is probably "
                        "Windows-1252 read as Latin-1; add a .cpg file holding 1252 next to the file or set "
                        "open_options = { ENCODING = \"CP1252\" } in [inputs.%s]", input_id, path, column,
                        text.iloc[0], input_id)
            return


def read_vector(config: RegionConfig, input_id: str, source: InputSource,
                extent: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
    """Read a vector source into the region CRS, clipped to ``extent``, repaired, with the catalog's fields."""
    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    options = dict(source.open_options)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            info = pyogrio.read_info(path, layer=source.layer, **options)
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError with GDAL's message
        raise InputDataError(f"input {input_id!r}: cannot read {path}"
                             f"{f' layer {source.layer!r}' if source.layer else ''}: {exc}") from exc
    _check_open_options(input_id, path, caught)
    if info.get("features", -1) == 0:
        raise InputDataError(f"input {input_id!r}: layer {info.get('layer_name')!r} of {path} is empty; point "
                             f"inputs.{input_id} at a layer with features")
    if info.get("geometry_type") is None:
        raise InputDataError(
            f"input {input_id!r}: layer {info.get('layer_name')!r} of {path} ({info.get('driver')}) has no geometry; "
            f"for a CSV name its geometry columns in [inputs.{input_id}]: open_options = {{ GEOM_POSSIBLE_NAMES = "
            f"\"<WKT column>\" }} or {{ X_POSSIBLE_NAMES = \"<x column>\", Y_POSSIBLE_NAMES = \"<y column>\" }}, "
            f"and crs = \"EPSG:....\"; otherwise pick a layer with geometries (inputs.{input_id}.layer)")
    src_crs = _source_crs(input_id, path, info.get("crs"), source)
    region_crs = config.crs
    bbox = None
    if extent is not None:
        total = info.get("total_bounds")
        if total is not None and all(np.isfinite(total)):
            data_bounds = _transform_bounds(total, src_crs, region_crs)
            if not _overlaps(data_bounds, extent):
                raise InputDataError(
                    f"input {input_id!r}: {path} does not overlap the region: data extent {_fmt(data_bounds)}, "
                    f"region extent {_fmt(extent)} (both in {crs_name(region_crs)}); check the file, its CRS "
                    f"(inputs.{input_id}.crs) or region.extent")
        bbox = _transform_bounds(extent, region_crs, src_crs)
    try:
        frame = pyogrio.read_dataframe(path, layer=source.layer, bbox=bbox, where=source.where, **options)
    except Exception as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path}: {exc}"
                             f"{' (check inputs.' + input_id + '.where)' if source.where else ''}") from exc
    if frame.empty:
        why = f"no feature matches where = {source.where!r}" if source.where else "no feature lies in the region"
        raise InputDataError(f"input {input_id!r}: {path}: {why}; region extent {_fmt(extent or (0, 0, 0, 0))} "
                             f"in {crs_name(region_crs)}")
    if "ENCODING" not in options:
        _warn_if_mis_decoded(frame, input_id, path)
    frame = frame.set_crs(src_crs, allow_override=True)
    if not same_crs(src_crs, region_crs):
        frame = frame.to_crs(region_crs)
    frame = repair_geometries(frame, spec, input_id, path)
    if extent is not None:
        frame = frame.clip(box(*extent), keep_geom_type=True)
        frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
        if frame.empty:
            raise InputDataError(f"input {input_id!r}: {path}: no feature lies in the region extent "
                                 f"{_fmt(extent)} ({crs_name(region_crs)})")
    return conform_vector(frame.reset_index(drop=True), spec, source, path, config.vocabulary(input_id))


def _keep_types(geom, allowed: frozenset[str]):
    """The parts of ``geom`` of an allowed geometry type (``make_valid`` can return collections)."""
    if geom is None or geom.is_empty or geom.geom_type in allowed:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in allowed]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def repair_geometries(frame: gpd.GeoDataFrame, spec: LayerSpec, input_id: str, path: str) -> gpd.GeoDataFrame:
    """Drop empty geometries and repair invalid ones (``make_valid``), each with a logged warning."""
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        log.warning("input %r: %s: dropped %d features without geometry", input_id, path, int(empty.sum()))
        frame = frame[~empty]
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        log.warning("input %r: %s: repaired %d invalid geometries (e.g. self-intersecting polygons) with "
                    "make_valid", input_id, path, int(invalid.sum()))
        allowed = COMPATIBLE_GEOMETRIES[spec.geometry or "Polygon"]
        fixed = frame.geometry.copy()
        fixed[invalid] = [_keep_types(g, allowed) for g in shapely.make_valid(fixed[invalid].to_numpy())]
        frame = frame.set_geometry(fixed)
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    allowed = COMPATIBLE_GEOMETRIES[spec.geometry or "Polygon"]
    wrong = ~frame.geometry.geom_type.isin(allowed)
    if wrong.any():
        kinds = sorted(set(frame.geometry.geom_type[wrong]))
        raise InputDataError(f"input {input_id!r}: {path} holds {kinds} geometries where {spec.geometry} is "
                             f"expected; pick the right layer (inputs.{input_id}.layer) or filter (where)")
    return frame


def _cast(series: pd.Series, f: Field, input_id: str, path: str) -> pd.Series:
    if f.dtype == "str":
        return series.astype(object).where(series.notna(), None).map(lambda v: v if v is None else str(v))
    if f.dtype == "bool":
        return series.astype("boolean") if series.isna().any() else series.astype(bool)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & numeric.isna()
    if bad.any():
        raise InputDataError(f"input {input_id!r}: {path}: field {f.name!r} must be numeric but holds "
                             f"{sorted(set(series[bad].astype(str)))[:5]}; map or fix the source values")
    if f.dtype == "int":
        if numeric.isna().any():
            return numeric.round().astype("Int64")
        return numeric.round().astype("int64")
    return numeric.astype("float64")


#: A catalog field named ``<class field>`` + this suffix receives that field's values as the source gives them,
#: before ``values`` and the region's aliases map them (ghg_inventory's ``sector_source``), so that a step can tell
#: rows several source values merged into one class from a value given twice.
SOURCE_VALUE_SUFFIX = "_source"


def _conform_columns(frame: pd.DataFrame, spec: LayerSpec, source: InputSource, path: str,
                     vocabulary: Mapping[str, FieldVocabulary] | None = None) -> dict[str, pd.Series]:
    """The catalog's columns from a source frame: renamed, defaulted, value-mapped, typed and checked against
    the catalog's classes and the region's own (``vocabulary``); a ``<class field>_source`` field gets the class
    field's values as given (:data:`SOURCE_VALUE_SUFFIX`)."""
    input_id = spec.id
    geometry_name = getattr(frame, "_geometry_column_name", None)
    available = [c for c in frame.columns if c != geometry_name]
    columns: dict[str, pd.Series] = {}
    as_given: dict[str, pd.Series] = {}
    for f in spec.fields:
        stem = f.name.removesuffix(SOURCE_VALUE_SUFFIX)
        if stem != f.name and stem in as_given:
            columns[f.name] = _cast(as_given[stem], f, input_id, path)
            continue
        name = source.fields.get(f.name, f.name)
        if name in frame.columns and name != geometry_name:
            series = frame[name].copy()
        elif f.name in source.defaults:
            series = pd.Series([source.defaults[f.name]] * len(frame), index=frame.index)
        elif not f.required:
            series = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        else:
            mapped = f" (mapped to source field {name!r})" if f.name in source.fields else ""
            raise InputDataError(
                f"input {input_id!r}: {path} lacks the required field {f.name!r}{mapped}; the source has "
                f"{available}. Map it with fields = {{ {f.name} = \"<source field>\" }} or give a value with "
                f"defaults = {{ {f.name} = ... }} in [inputs.{input_id}]")
        if f.name in source.defaults:
            series = series.where(series.notna(), source.defaults[f.name])
        if f.values is not None:
            as_given[f.name] = series
        mapping = source.values.get(f.name)
        if mapping:
            series = series.map(lambda v, m=mapping: v if pd.isna(v) else m.get(str(v), v))
        series = _cast(series, f, input_id, path)
        if f.required and series.isna().any():
            raise InputDataError(f"input {input_id!r}: {path}: required field {f.name!r} is empty on "
                                 f"{int(series.isna().sum())} features; fill it with defaults = {{ {f.name} = ... }}"
                                 f" in [inputs.{input_id}] or filter them out with where")
        series = apply_vocabulary(series, f, (vocabulary or {}).get(f.name, NO_ADDITIONS), input_id, path)
        columns[f.name] = series
    return columns


def conform_vector(frame: gpd.GeoDataFrame, spec: LayerSpec, source: InputSource, path: str,
                   vocabulary: Mapping[str, FieldVocabulary] | None = None) -> gpd.GeoDataFrame:
    """Exactly the catalog's fields (in order) and the geometry, from a source frame."""
    columns = _conform_columns(frame, spec, source, path, vocabulary)
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=frame.crs).reset_index(drop=True)


# -- tables ---------------------------------------------------------------------------------------------

def conform_table(frame: pd.DataFrame, spec: LayerSpec, source: InputSource,
                  vocabulary: Mapping[str, FieldVocabulary] | None = None) -> pd.DataFrame:
    """Exactly the catalog's columns (in order), from a source table."""
    return pd.DataFrame(_conform_columns(frame, spec, source, source.path, vocabulary)).reset_index(drop=True)


def read_table(config: RegionConfig, input_id: str, source: InputSource) -> pd.DataFrame:
    """Read a table with the catalog's columns: a CSV (a header row; separator, decimal mark and encoding stated
    or found, see :mod:`layers.csv_tables`) with pandas, anything else through GDAL — an XLSX or ODS sheet (the
    first, or ``layer``), a GeoPackage or SQLite table, a DBF — with ``where`` as an attribute filter (OGR SQL)."""
    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    if path.lower().endswith(CSV_SUFFIXES):
        # every column is read as text: a code such as Helsinki's municipality code "091" keeps its leading zero
        numeric = [source.fields.get(f.name, f.name) for f in spec.fields if f.dtype in ("int", "float")]
        frame = read_csv_table(path, input_id, numeric, **source.csv_options())
    else:
        given = source.csv_options()
        if given:
            raise InputDataError(f"input {input_id!r}: {', '.join(given)} describe CSV tables "
                                 f"({', '.join(CSV_SUFFIXES)} files) and {path} is not one; remove them from "
                                 f"[inputs.{input_id}]")
        frame = _read_gdal_table(input_id, path, source)
    if frame.empty:
        raise InputDataError(f"input {input_id!r}: {path}"
                             f"{f' layer {source.layer!r}' if source.layer else ''} is empty")
    return conform_table(frame, spec, InputSource(**{**source.model_dump(), "path": path}), config.vocabulary(input_id))


def _read_gdal_table(input_id: str, path: str, source: InputSource) -> pd.DataFrame:
    """The attributes of a GDAL table or layer (geometry dropped), ``where`` applied."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(path, layer=source.layer, where=source.where, read_geometry=False,
                                           **dict(source.open_options))
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError with GDAL's message
        try:
            layers = ", ".join(str(row[0]) for row in pyogrio.list_layers(path))
        except Exception:  # noqa: BLE001 - the file itself is unreadable: GDAL's first message says why
            layers = ""
        hint = f"; its layers (sheets, tables): {layers} — name one with inputs.{input_id}.layer" if layers else (
            "; tables are read from CSV or any GDAL table format (XLSX, ODS, GeoPackage, SQLite, DBF)")
        raise InputDataError(f"input {input_id!r}: cannot read {path}"
                             f"{f' layer {source.layer!r}' if source.layer else ''}: {exc}{hint}") from exc
    _check_open_options(input_id, path, caught)
    return pd.DataFrame(frame)


# -- rasters --------------------------------------------------------------------------------------------

#: Cells [of the raster] kept around the region extent when a raster is clipped or warped to it, so that
#: neighbourhood operations (slope, horizon) and bilinear reads at the region edge have data.
RASTER_MARGIN_CELLS = 2
#: Version of the cached-raster layout; part of every cache key.
RASTER_CACHE_VERSION = 2
#: GDAL data type names of the numpy dtypes a raster band may have.
_GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16", "uint32": "UInt32",
               "int32": "Int32", "uint64": "UInt64", "int64": "Int64", "float32": "Float32", "float64": "Float64"}


def read_raster(config: RegionConfig, input_id: str, source: InputSource, extent: tuple[float, float, float, float],
                cache_dir: Path) -> RasterFile:
    """A raster source as a :class:`RasterFile` in the region CRS, covering the region.

    - In the region CRS, north-up, within the region (one cell of slack) and without open options: the file
      itself.
    - In the region CRS (declared or configured) but larger than the region, or with open options: a VRT in
      ``cache_dir`` that windows the source to the region extent plus :data:`RASTER_MARGIN_CELLS` (no pixel is
      copied; it carries the configured CRS and the open options).
    - In another CRS: warped window by window into a cached GeoTIFF over the region extent (see
      :func:`warp_to_crs`), nodata preserved.

    Nothing is read whole: only the source's header here, and the region's windows when warping.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    options = dict(source.open_options)
    try:
        with rasterio.open(path, **options) as src:
            file_crs, bounds, transform, dtype = src.crs, tuple(src.bounds), src.transform, src.dtypes[0]
    except RasterioIOError as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path} as a raster: {exc}") from exc
    if dtype not in _GDAL_TYPES:
        raise InputDataError(f"input {input_id!r}: {path} holds {dtype} values; analyses read real numbers "
                             "(integer or float bands): convert the file first")
    src_crs = _source_crs(input_id, path, file_crs.to_wkt() if file_crs else None, source)
    region_crs = config.crs
    data_bounds = _transform_bounds(bounds, src_crs, region_crs)
    if not _overlaps(data_bounds, extent):
        raise InputDataError(f"input {input_id!r}: {path} does not overlap the region: data extent "
                             f"{_fmt(data_bounds)}, region extent {_fmt(extent)} (both in {crs_name(region_crs)}); "
                             f"check the file, its CRS (inputs.{input_id}.crs) or region.extent")
    out_dir = cache_dir / config.region.id
    north_up = transform.b == 0 and transform.d == 0 and transform.a > 0 and transform.e < 0
    if same_crs(src_crs, region_crs) and north_up:
        declared = file_crs is not None and same_crs(file_crs, region_crs)
        cell = max(transform.a, -transform.e)
        within = (bounds[0] >= extent[0] - cell and bounds[1] >= extent[1] - cell and bounds[2] <= extent[2] + cell
                  and bounds[3] <= extent[3] + cell)
        if declared and within and not options:
            return RasterFile(path, unit=spec.unit)
        return RasterFile(str(clip_to_extent(path, extent, out_dir, input_id, crs=src_crs, open_options=options)),
                          unit=spec.unit)
    resampling = source.resampling or ("nearest" if is_categorical(spec) else "bilinear")
    return RasterFile(str(warp_to_crs(path, src_crs, region_crs, out_dir, input_id, extent=extent,
                                      resampling=resampling, open_options=options)), unit=spec.unit)


def _cache_key(path: str, *parts: Any) -> str:
    """Hash of a source file (path, modification time, size) and the parameters of what is derived from it."""
    local = Path(path)
    stat = local.stat() if "://" not in path and not path.startswith("/vsi") and local.exists() else None
    identity = [str(local.resolve()) if stat else path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0]
    payload = json.dumps([RASTER_CACHE_VERSION, *identity, *parts], default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _source_reference(path: str) -> str:
    """How a cached VRT names its source: an absolute path, or the URL / GDAL virtual path as given."""
    if "://" in path or path.startswith("/vsi"):
        return path
    return str(Path(path).resolve())


def _nodata_text(value: float) -> str:
    return "nan" if isinstance(value, float) and np.isnan(value) else repr(value)


def clip_to_extent(path: str, extent: tuple[float, float, float, float], cache_dir: Path, name: str, *,
                   crs: CRS | None = None, open_options: dict[str, str] | None = None) -> Path:
    """A cached VRT windowing a north-up raster to ``extent`` (its own CRS) plus :data:`RASTER_MARGIN_CELLS`.

    No pixel is copied: the VRT references the source (with ``open_options``), snapped to its cells, and
    declares ``crs`` when given (for a source without one), the source's nodata and data type.
    """
    import xml.etree.ElementTree as ET

    import rasterio
    from rasterio.windows import from_bounds

    options = dict(open_options or {})
    key = _cache_key(path, list(extent), crs.to_wkt() if crs else None, sorted(options.items()))
    out = cache_dir / f"{name}-{key}.vrt"
    if out.is_file():
        return out
    with rasterio.open(path, **options) as src:
        window = from_bounds(*extent, transform=src.transform)
        col0 = max(0, math.floor(window.col_off) - RASTER_MARGIN_CELLS)
        row0 = max(0, math.floor(window.row_off) - RASTER_MARGIN_CELLS)
        col1 = min(src.width, math.ceil(window.col_off + window.width) + RASTER_MARGIN_CELLS)
        row1 = min(src.height, math.ceil(window.row_off + window.height) + RASTER_MARGIN_CELLS)
        width, height = col1 - col0, row1 - row0
        if width <= 0 or height <= 0:
            raise InputDataError(f"{path} does not overlap the extent {_fmt(extent)}")
        t = src.transform
        x0, y0 = t @ (col0, row0)
        srs = crs.to_wkt() if crs is not None else src.crs.to_wkt()
        dtype, nodata = src.dtypes[0], src.nodata

    root = ET.Element("VRTDataset", rasterXSize=str(width), rasterYSize=str(height))
    ET.SubElement(root, "SRS").text = srs  # without an axis mapping GDAL reads it in GIS order (x = east)
    ET.SubElement(root, "GeoTransform").text = ", ".join(repr(float(v)) for v in (x0, t.a, 0.0, y0, 0.0, t.e))
    band = ET.SubElement(root, "VRTRasterBand", dataType=_GDAL_TYPES[dtype], band="1")
    if nodata is not None:
        ET.SubElement(band, "NoDataValue").text = _nodata_text(nodata)
    simple = ET.SubElement(band, "SimpleSource")
    ET.SubElement(simple, "SourceFilename", relativeToVRT="0").text = _source_reference(path)
    if options:
        open_element = ET.SubElement(simple, "OpenOptions")
        for option, value in options.items():
            ET.SubElement(open_element, "OOI", key=option).text = value
    ET.SubElement(simple, "SourceBand").text = "1"
    ET.SubElement(simple, "SrcRect", xOff=str(col0), yOff=str(row0), xSize=str(width), ySize=str(height))
    ET.SubElement(simple, "DstRect", xOff="0", yOff="0", xSize=str(width), ySize=str(height))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.vrt")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=False)
    tmp.replace(out)
    log.info("windowed %s to the region extent in %s (%d × %d cells)", path, out, width, height)
    return out


def _warp_nodata(dtype: str, nodata: float | None) -> float:
    """Nodata of a warped raster: the source's; else NaN for floats, else the integer type's extreme value
    (minimum when signed, maximum when unsigned) — cells outside the source must be told apart from data."""
    if nodata is not None:
        return nodata
    kind = np.dtype(dtype).kind
    if kind == "f":
        return float("nan")
    info = np.iinfo(np.dtype(dtype))
    return int(info.min if kind == "i" else info.max)


def warp_to_crs(path: str, src_crs: CRS, dst_crs: CRS, cache_dir: Path, name: str, *,
                extent: tuple[float, float, float, float] | None = None, resampling: str = "bilinear",
                open_options: dict[str, str] | None = None) -> Path:
    """Warp a raster to ``dst_crs`` window by window into a cached GeoTIFF; reuse it while the source file and
    the parameters are unchanged.

    Parameters
    ----------
    path : source raster (any GDAL-readable file, URL or ``/vsi`` path).
    src_crs : CRS of the source (the configured one when the file has none).
    dst_crs : target CRS.
    cache_dir, name : where the GeoTIFF goes, and the prefix of its name.
    extent : (xmin, ymin, xmax, ymax) in ``dst_crs`` [m]; when given, only this extent plus
        :data:`RASTER_MARGIN_CELLS` is warped (and only the source pixels under it read).
    resampling : GDAL resampling name (``bilinear`` for continuous values, ``nearest`` for classes).
    open_options : GDAL open options of the source.

    The cell size is GDAL's default for the reprojection (about the source's). The source nodata is kept;
    a source without one gets NaN (floats) or the integer type's extreme value for the cells it does not cover.
    """
    import rasterio
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import calculate_default_transform
    from rasterio.windows import Window

    options = dict(open_options or {})
    key = _cache_key(path, src_crs.to_wkt(), dst_crs.to_wkt(), list(extent) if extent else None, resampling,
                     sorted(options.items()))
    out = cache_dir / f"{name}-{key}.tif"
    if out.is_file():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.tif")
    src_rio = rasterio.crs.CRS.from_wkt(src_crs.to_wkt())
    dst_rio = rasterio.crs.CRS.from_wkt(dst_crs.to_wkt())
    log.info("warping %s from %s to %s into %s", path, crs_name(src_crs), crs_name(dst_crs), out)
    with rasterio.open(path, **options) as src:
        transform, width, height = calculate_default_transform(src_rio, dst_rio, src.width, src.height, *src.bounds)
        if extent is not None:
            res_x, res_y = transform.a, -transform.e
            col0 = max(0, math.floor((extent[0] - transform.c) / res_x) - RASTER_MARGIN_CELLS)
            col1 = min(width, math.ceil((extent[2] - transform.c) / res_x) + RASTER_MARGIN_CELLS)
            row0 = max(0, math.floor((transform.f - extent[3]) / res_y) - RASTER_MARGIN_CELLS)
            row1 = min(height, math.ceil((transform.f - extent[1]) / res_y) + RASTER_MARGIN_CELLS)
            if col1 <= col0 or row1 <= row0:
                raise InputDataError(f"{path} does not overlap the extent {_fmt(extent)} ({crs_name(dst_crs)})")
            transform = transform @ Affine.translation(col0, row0)
            width, height = col1 - col0, row1 - row0
        nodata = _warp_nodata(src.dtypes[0], src.nodata)
        if src.nodata is None and np.dtype(src.dtypes[0]).kind != "f":
            log.info("%s declares no nodata; cells it does not cover get %s in the warped raster", path, nodata)
        with WarpedVRT(src, src_crs=src_rio, crs=dst_rio, transform=transform, width=width, height=height,
                       nodata=nodata, resampling=Resampling[resampling], tolerance=WARP_ERROR_THRESHOLD_PX) as vrt:
            profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": vrt.dtypes[0],
                       "crs": dst_rio, "transform": transform, "nodata": nodata, "tiled": True,
                       "blockxsize": 512, "blockysize": 512, "compress": "deflate"}
            with rasterio.open(tmp, "w", **profile) as dst:
                for row in range(0, height, WARP_WINDOW_CELLS):
                    for col in range(0, width, WARP_WINDOW_CELLS):
                        window = Window(col, row, min(WARP_WINDOW_CELLS, width - col),
                                        min(WARP_WINDOW_CELLS, height - row))
                        dst.write(vrt.read(1, window=window), 1, window=window)
    tmp.replace(out)
    return out
