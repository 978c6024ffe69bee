"""Check that data matches the catalog's declaration of its layer (used before every publish)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from layers.catalog.spec import COMPATIBLE_GEOMETRIES, LayerSpec
from layers.crs import crs_name, same_crs
from layers.errors import InputDataError, SchemaError
from layers.raster import Raster, RasterFile

log = logging.getLogger(__name__)

_DTYPE_CHECKS = {
    "int": pd.api.types.is_integer_dtype,
    "float": lambda s: pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s),
    "str": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "bool": pd.api.types.is_bool_dtype,
}


def check_layer(spec: LayerSpec, data: object, crs: CRS | None = None,
                extra_values: Mapping[str, Sequence[str]] | None = None) -> None:
    """Raise :class:`SchemaError` unless ``data`` matches ``spec`` (and is in ``crs`` when given); a
    class-valued field may also hold the region's own classes in ``extra_values`` (field → classes)."""
    if spec.kind == "raster":
        _check_raster(spec, data, crs)
    elif spec.kind == "vector":
        _check_vector(spec, data, crs, extra_values or {})
    else:
        _check_table(spec, data, extra_values or {})


def _check_raster(spec: LayerSpec, data: object, crs: CRS | None) -> None:
    if not isinstance(data, Raster | RasterFile):
        raise SchemaError(f"layer {spec.id!r} is declared raster but got {type(data).__name__}")
    if data.unit != spec.unit:
        raise SchemaError(f"layer {spec.id!r} is declared in {spec.unit!r} but the data says {data.unit!r}")
    if crs is not None and not same_crs(data.crs, crs):
        raise SchemaError(f"layer {spec.id!r} is in {crs_name(data.crs)}, expected {crs_name(crs)}")


def _check_columns(spec: LayerSpec, frame: pd.DataFrame, extra_values: Mapping[str, Sequence[str]]) -> None:
    columns = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    missing = [f.name for f in spec.fields if f.name not in columns]
    extra = [c for c in columns if c not in spec.field_names]
    if missing or extra:
        raise SchemaError(f"layer {spec.id!r} does not match its declaration: missing fields {missing}, "
                          f"undeclared fields {extra}")
    for f in spec.fields:
        series = frame[f.name]
        non_null = series.dropna()
        if f.required and len(non_null) != len(series):
            raise SchemaError(f"layer {spec.id!r}: required field {f.name!r} has {len(series) - len(non_null)} "
                              "empty values")
        if len(non_null) and not _DTYPE_CHECKS[f.dtype](series if f.dtype != "str" else non_null.astype(object)):
            raise SchemaError(f"layer {spec.id!r}: field {f.name!r} is declared {f.dtype} but holds {series.dtype}")
        if f.values is not None and len(non_null):
            allowed = [*f.values, *extra_values.get(f.name, ())]
            bad = sorted(set(non_null.astype(str)) - set(allowed))
            if bad:
                raise SchemaError(f"layer {spec.id!r}: field {f.name!r} holds undeclared values {bad[:5]}; "
                                  f"allowed: {allowed}")


def _check_vector(spec: LayerSpec, data: object, crs: CRS | None, extra_values: Mapping[str, Sequence[str]]) -> None:
    if not isinstance(data, gpd.GeoDataFrame):
        raise SchemaError(f"layer {spec.id!r} is declared vector but got {type(data).__name__}")
    _check_columns(spec, data, extra_values)
    if len(data):
        allowed = COMPATIBLE_GEOMETRIES[spec.geometry or ""]
        kinds = set(data.geometry.geom_type.dropna().unique())
        if not kinds <= allowed:
            raise SchemaError(f"layer {spec.id!r} is declared {spec.geometry} but holds {sorted(kinds)}")
        if data.geometry.isna().any() or data.geometry.is_empty.any():
            raise SchemaError(f"layer {spec.id!r} holds empty geometries")
    if data.crs is None:
        raise SchemaError(f"layer {spec.id!r} has no CRS")
    if crs is not None and not same_crs(data.crs, crs):
        raise SchemaError(f"layer {spec.id!r} is in {crs_name(data.crs)}, expected {crs_name(crs)}")


def _check_table(spec: LayerSpec, data: object, extra_values: Mapping[str, Sequence[str]]) -> None:
    if not isinstance(data, pd.DataFrame) or isinstance(data, gpd.GeoDataFrame):
        raise SchemaError(f"layer {spec.id!r} is declared a table but got {type(data).__name__}")
    _check_columns(spec, data, extra_values)


def check_input(spec: LayerSpec, data: object, crs: CRS,
                extra_values: Mapping[str, Sequence[str]] | None = None) -> object:
    """``data`` as an analysis may read it as the input ``spec``: of the declared kind, in ``crs``, with the
    required canonical fields and only allowed classes (the catalog's and the region's ``extra_values``);
    rows of a vector layer without geometry are dropped. Other columns are kept.

    Raises :class:`InputDataError` naming the layer and what to fix.
    """
    expected = {"vector": gpd.GeoDataFrame, "raster": Raster | RasterFile, "table": pd.DataFrame}[spec.kind]
    if not isinstance(data, expected) or (spec.kind == "table" and isinstance(data, gpd.GeoDataFrame)):
        raise InputDataError(f"input {spec.id!r} must be {spec.kind} data, got {type(data).__name__}")
    if spec.kind != "table" and (data.crs is None or not same_crs(data.crs, crs)):
        raise InputDataError(f"input {spec.id!r} is in {crs_name(data.crs) if data.crs else 'no CRS'}, expected "
                             f"the region CRS {crs_name(crs)}; reproject it (or state its CRS in "
                             f"[inputs.{spec.id}])")
    if spec.kind == "raster":
        return data
    for f in spec.fields:
        if f.name not in data.columns:
            if f.required:
                fix = (f"map a source field to it in [inputs.{spec.id}.fields]" if spec.role == "input"
                       else f"the {spec.produced_by} step publishes it")
                raise InputDataError(f"input {spec.id!r} lacks the field {f.name!r}; {fix}")
            continue
        if f.values is not None:
            allowed = [*f.values, *(extra_values or {}).get(f.name, ())]
            bad = sorted(set(data[f.name].dropna().astype(str)) - set(allowed))
            if bad:
                raise InputDataError(f"input {spec.id!r}: field {f.name!r} holds unknown values {bad[:5]}; "
                                     f"allowed: {allowed} (or declare them in [classes.{spec.id}.{f.name}])")
    if spec.kind == "vector":
        empty = data.geometry.isna() | data.geometry.is_empty
        if empty.any():
            log.warning("input %s: %d features without geometry are ignored", spec.id, int(empty.sum()))
            return data.loc[~empty]
    return data


def data_checksum(data: object) -> str:
    """A content hash (SHA-256 hex) of a layer's data, for provenance and step caching."""
    import hashlib

    h = hashlib.sha256()
    if isinstance(data, RasterFile):
        with open(data.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
        h.update(data.unit.encode())
    elif isinstance(data, Raster):
        h.update(np.ascontiguousarray(data.array).tobytes())
        h.update(repr((tuple(data.transform), data.crs.to_wkt(), data.nodata, data.unit, data.array.dtype.str)).encode())
    elif isinstance(data, gpd.GeoDataFrame):
        h.update(pd.util.hash_pandas_object(pd.DataFrame(data.drop(columns=data.geometry.name)), index=False).values.tobytes())
        for wkb in data.geometry.to_wkb():
            h.update(wkb or b"")
        h.update((data.crs.to_wkt() if data.crs else "").encode())
    elif isinstance(data, pd.DataFrame):
        h.update(pd.util.hash_pandas_object(data, index=False).values.tobytes())
    else:
        raise TypeError(f"cannot checksum {type(data).__name__}")
    return h.hexdigest()
