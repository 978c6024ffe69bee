"""Give an analysis's result the shape its catalog declaration promises: declared fields in declared order
(geometry last), and an empty layer with typed columns when there is nothing to publish.

The runner conforms every output before it checks and publishes it, so a dependant step reads the same
columns, in the same order, whether the producing step ran or its published version was reused.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from layers.catalog.spec import LayerSpec
from layers.data import LayerData

#: pandas dtype of an empty column of each declared field type.
EMPTY_DTYPES = {"int": "int64", "float": "float64", "bool": "bool", "str": "object"}


def empty_layer(spec: LayerSpec, crs: CRS | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
    """A vector layer or table of ``spec`` with no rows and a typed column per declared field."""
    columns = {f.name: pd.Series([], dtype=EMPTY_DTYPES[f.dtype]) for f in spec.fields}
    if spec.kind == "vector":
        return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return pd.DataFrame(columns)


def conform(spec: LayerSpec, data: LayerData | Sequence[pd.DataFrame] | None,
            crs: CRS | None = None) -> LayerData:
    """``data`` in the shape of ``spec``.

    A vector layer or table gets its declared fields in declared order, geometry last; working columns the
    catalog does not declare are left out (a declared field that is missing stays missing, and the publish
    check names it). A list of frames is concatenated (empty ones skipped); ``None`` or no frame gives
    :func:`empty_layer`. Rasters are returned as they are.
    """
    if spec.kind == "raster":
        return data
    if isinstance(data, Sequence):
        data = _concat([f for f in data if len(f)], spec, crs)
    if data is None:
        return empty_layer(spec, crs)
    declared = spec.field_names
    if any(name not in data.columns for name in declared) and len(data) == 0:
        return empty_layer(spec, data.crs if isinstance(data, gpd.GeoDataFrame) else crs)
    columns = [n for n in declared if n in data.columns]
    if isinstance(data, gpd.GeoDataFrame):
        columns.append(data.geometry.name)
    return data if list(data.columns) == columns else data[columns]


def _concat(frames: list[pd.DataFrame], spec: LayerSpec, crs: CRS | None) -> pd.DataFrame | None:
    if not frames:
        return None
    joined = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(joined, geometry=frames[0].geometry.name, crs=crs) if spec.kind == "vector" else joined
