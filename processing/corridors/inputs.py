"""Checks of the corridors step's vector inputs: the canonical fields and class values, the region CRS."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

from layers.catalog import get_layer
from layers.contract import missing_inputs_message
from layers.crs import crs_name, same_crs
from layers.errors import InputDataError


def checked(layer_id: str, frame: gpd.GeoDataFrame | None, crs: CRS, *, required: bool = False):
    """``frame`` if it holds the canonical fields with allowed values in ``crs``; ``None`` if absent and optional.

    Raises :class:`InputDataError` naming the layer, the field and the values to fix.
    """
    if frame is None:
        if required:
            raise InputDataError(missing_inputs_message([layer_id], "this analysis"))
        return None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputDataError(f"input layer {layer_id!r} must be vector data, got {type(frame).__name__}")
    if frame.crs is None or not same_crs(frame.crs, crs):
        raise InputDataError(f"input layer {layer_id!r} is in {crs_name(frame.crs)}, expected the region CRS "
                             f"{crs_name(crs)}")
    spec = get_layer(layer_id)
    for f in spec.fields:
        if f.name not in frame.columns:
            if f.required:
                raise InputDataError(f"input layer {layer_id!r} lacks the field {f.name!r}; map it in "
                                     f"[inputs.{layer_id}.fields]")
            continue
        if f.values is not None:
            bad = sorted(set(frame[f.name].dropna().astype(str)) - set(f.values))
            if bad:
                raise InputDataError(f"input layer {layer_id!r}: field {f.name!r} holds unknown values {bad[:5]}; "
                                     f"allowed: {list(f.values)}")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if required and len(frame) == 0:
        raise InputDataError(f"input layer {layer_id!r} is empty; the corridors need it")
    return frame
