"""Input sources of a region: every canonical input layer read into the region CRS with the catalog's fields.

:class:`RegionSource` is what the pipeline calls (``source(layer_id)``). A region's inputs come from

- its files (``[inputs.<id>]``): any GDAL-readable vector (reprojected, clipped to the region, repaired,
  fields and values mapped onto the catalog's), raster (warped to the region CRS into a cached file when it
  is in another CRS) or CSV table;
- the generated demo (``[demo]``): produced on first use into ``<inputs_dir>/<region id>/`` and regenerated
  when the manifest's spec or generator version differs.

A file source wins over the demo for the same input id. Every problem with a source is an
:class:`~layers.errors.InputDataError` that names the input, the file and the fix.
"""

from __future__ import annotations

import hashlib
import json
import logging
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
from layers.errors import InputDataError
from layers.raster import RasterFile
from layers.region import DEFAULT_RESOLUTION_M, InputSource, RegionConfig, RegionContext

if TYPE_CHECKING:  # the pipeline's type alias only; layers/ does not import processing/ at run time
    from processing.pipeline import LayerData

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
                             resolution_m={a: self.config.resolution_m(a) for a in DEFAULT_RESOLUTION_M},
                             synthetic=self.config.synthetic)

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
        return conform_vector(frame, spec, InputSource(path=str(gpkg), layer=spec.id), str(gpkg))


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
        if found is not None and not found.equals(configured):
            log.warning("input %r: %s declares %s but the region file says %s; using the region file's",
                        input_id, path, found.to_string(), configured.to_string())
        return configured
    if found is None:
        raise InputDataError(f"input {input_id!r}: {path} has no coordinate reference system; state it with "
                             f"crs = \"EPSG:....\" in [inputs.{input_id}]")
    return found


def _transform_bounds(bounds, src: CRS, dst: CRS) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    if src.equals(dst):
        return tuple(float(b) for b in bounds)  # type: ignore[return-value]
    return Transformer.from_crs(src, dst, always_xy=True).transform_bounds(*bounds, densify_pts=21)


def _fmt(bounds) -> str:
    return "(" + ", ".join(f"{b:.1f}" for b in bounds) + ")"


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def read_vector(config: RegionConfig, input_id: str, source: InputSource,
                extent: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
    """Read a vector source into the region CRS, clipped to ``extent``, repaired, with the catalog's fields."""
    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    try:
        info = pyogrio.read_info(path, layer=source.layer)
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError with GDAL's message
        raise InputDataError(f"input {input_id!r}: cannot read {path}"
                             f"{f' layer {source.layer!r}' if source.layer else ''}: {exc}") from exc
    if info.get("features", -1) == 0:
        raise InputDataError(f"input {input_id!r}: layer {info.get('layer_name')!r} of {path} is empty; point "
                             f"inputs.{input_id} at a layer with features")
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
                    f"region extent {_fmt(extent)} (both in {region_crs.to_string()}); check the file, its CRS "
                    f"(inputs.{input_id}.crs) or region.extent")
        bbox = _transform_bounds(extent, region_crs, src_crs)
    try:
        frame = pyogrio.read_dataframe(path, layer=source.layer, bbox=bbox, where=source.where)
    except Exception as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path}: {exc}"
                             f"{' (check inputs.' + input_id + '.where)' if source.where else ''}") from exc
    if frame.empty:
        why = f"no feature matches where = {source.where!r}" if source.where else "no feature lies in the region"
        raise InputDataError(f"input {input_id!r}: {path}: {why}; region extent {_fmt(extent or (0, 0, 0, 0))} "
                             f"in {region_crs.to_string()}")
    frame = frame.set_crs(src_crs, allow_override=True)
    if not src_crs.equals(region_crs):
        frame = frame.to_crs(region_crs)
    frame = repair_geometries(frame, spec, input_id, path)
    if extent is not None:
        frame = frame.clip(box(*extent), keep_geom_type=True)
        frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
        if frame.empty:
            raise InputDataError(f"input {input_id!r}: {path}: no feature lies in the region extent "
                                 f"{_fmt(extent)} ({region_crs.to_string()})")
    return conform_vector(frame.reset_index(drop=True), spec, source, path)


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


def _conform_columns(frame: pd.DataFrame, spec: LayerSpec, source: InputSource, path: str) -> dict[str, pd.Series]:
    """The catalog's columns from a source frame: renamed, defaulted, value-mapped, typed and checked."""
    input_id = spec.id
    geometry_name = getattr(frame, "_geometry_column_name", None)
    available = [c for c in frame.columns if c != geometry_name]
    columns: dict[str, pd.Series] = {}
    for f in spec.fields:
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
        mapping = source.values.get(f.name)
        if mapping:
            series = series.map(lambda v, m=mapping: v if pd.isna(v) else m.get(str(v), v))
        series = _cast(series, f, input_id, path)
        if f.required and series.isna().any():
            raise InputDataError(f"input {input_id!r}: {path}: required field {f.name!r} is empty on "
                                 f"{int(series.isna().sum())} features; fill it with defaults = {{ {f.name} = ... }}"
                                 f" in [inputs.{input_id}] or filter them out with where")
        if f.values is not None:
            present = series.dropna().astype(str)
            unknown = sorted(set(present) - set(f.values))
            if unknown:
                raise InputDataError(
                    f"input {input_id!r}: {path}: field {f.name!r} holds values {unknown[:8]} the catalog does not "
                    f"know (allowed: {list(f.values)}); map them with values.{f.name} = {{ \"{unknown[0]}\" = "
                    f"\"<allowed value>\" }} in [inputs.{input_id}]")
        columns[f.name] = series
    return columns


def conform_vector(frame: gpd.GeoDataFrame, spec: LayerSpec, source: InputSource, path: str) -> gpd.GeoDataFrame:
    """Exactly the catalog's fields (in order) and the geometry, from a source frame."""
    columns = _conform_columns(frame, spec, source, path)
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=frame.crs).reset_index(drop=True)


# -- tables ---------------------------------------------------------------------------------------------

def conform_table(frame: pd.DataFrame, spec: LayerSpec, source: InputSource) -> pd.DataFrame:
    """Exactly the catalog's columns (in order), from a source table."""
    return pd.DataFrame(_conform_columns(frame, spec, source, source.path)).reset_index(drop=True)


def read_table(config: RegionConfig, input_id: str, source: InputSource) -> pd.DataFrame:
    """Read a CSV table (e.g. the monthly climate) with the catalog's columns."""
    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    if not path.lower().endswith((".csv", ".txt")):
        raise InputDataError(f"input {input_id!r}: {path} is not a CSV file; tables are read from CSV "
                             "(comma-separated, a header row)")
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path}: {exc}") from exc
    if frame.empty:
        raise InputDataError(f"input {input_id!r}: {path} is empty")
    return conform_table(frame, spec, InputSource(**{**source.model_dump(), "path": path}))


# -- rasters --------------------------------------------------------------------------------------------

def read_raster(config: RegionConfig, input_id: str, source: InputSource, extent: tuple[float, float, float, float],
                cache_dir: Path) -> RasterFile:
    """A raster source as a :class:`RasterFile` in the region CRS (warped into ``cache_dir`` when needed)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    spec = get_layer(input_id)
    path = config.resolve_path(source.path)
    _check_exists(config, input_id, path)
    try:
        with rasterio.open(path) as src:
            file_crs, bounds = src.crs, tuple(src.bounds)
    except RasterioIOError as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path} as a raster: {exc}") from exc
    src_crs = _source_crs(input_id, path, file_crs.to_wkt() if file_crs else None, source)
    region_crs = config.crs
    data_bounds = _transform_bounds(bounds, src_crs, region_crs)
    if not _overlaps(data_bounds, extent):
        raise InputDataError(f"input {input_id!r}: {path} does not overlap the region: data extent "
                             f"{_fmt(data_bounds)}, region extent {_fmt(extent)} (both in {region_crs.to_string()})")
    if file_crs is not None and CRS.from_user_input(file_crs.to_wkt()).equals(region_crs) and \
            (source.crs is None or CRS.from_user_input(source.crs).equals(region_crs)):
        return RasterFile(path, unit=spec.unit)
    return RasterFile(str(warp_to_crs(path, src_crs, region_crs, cache_dir / config.region.id, input_id)),
                      unit=spec.unit)


def warp_to_crs(path: str, src_crs: CRS, dst_crs: CRS, cache_dir: Path, name: str) -> Path:
    """Warp a raster to ``dst_crs`` (bilinear) window by window into a cached GeoTIFF; reuse it while the source
    file and target CRS are unchanged."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.windows import Window

    stat = Path(path).stat() if Path(path).exists() else None
    key = hashlib.sha256(json.dumps([str(Path(path).resolve()) if stat else path, stat.st_mtime_ns if stat else 0,
                                     stat.st_size if stat else 0, src_crs.to_wkt(), dst_crs.to_wkt()]).encode())
    out = cache_dir / f"{name}-{key.hexdigest()[:16]}.tif"
    if out.is_file():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.tif")
    log.info("warping %s from %s to %s into %s", path, src_crs.to_string(), dst_crs.to_string(), out)
    with rasterio.open(path) as src, WarpedVRT(src, src_crs=rasterio.crs.CRS.from_wkt(src_crs.to_wkt()),
                                               crs=rasterio.crs.CRS.from_wkt(dst_crs.to_wkt()),
                                               resampling=Resampling.bilinear) as vrt:
        nodata = vrt.nodata if vrt.nodata is not None else (np.nan if np.dtype(vrt.dtypes[0]).kind == "f" else None)
        profile = {"driver": "GTiff", "width": vrt.width, "height": vrt.height, "count": 1, "dtype": vrt.dtypes[0],
                   "crs": vrt.crs, "transform": vrt.transform, "nodata": nodata, "tiled": True, "blockxsize": 512,
                   "blockysize": 512, "compress": "deflate"}
        with rasterio.open(tmp, "w", **profile) as dst:
            for row in range(0, vrt.height, WARP_WINDOW_CELLS):
                for col in range(0, vrt.width, WARP_WINDOW_CELLS):
                    window = Window(col, row, min(WARP_WINDOW_CELLS, vrt.width - col),
                                    min(WARP_WINDOW_CELLS, vrt.height - row))
                    dst.write(vrt.read(1, window=window), 1, window=window)
    tmp.replace(out)
    return out
