"""The green-roofs step: the solar step's roof faces → FLL class, one use per face, effects.

Reads ``solar_roofs`` (so both analyses agree on the faces and PV's claim on them) and publishes
``green_roofs``, one feature per face. No raster work: a face reads only its own attributes and outline.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd

from layers.catalog import get_layer
from layers.crs import crs_name, same_crs
from layers.errors import InputDataError
from processing.green_roofs.assess import assess_faces
from processing.green_roofs.params import GreenRoofsParams
from processing.pipeline import LayerData, StepContext

log = logging.getLogger(__name__)


def run(ctx: StepContext) -> Mapping[str, LayerData]:
    """Compute ``green_roofs``."""
    p: GreenRoofsParams = ctx.params  # type: ignore[assignment]
    faces = ctx.require("solar_roofs")
    if not isinstance(faces, gpd.GeoDataFrame):
        raise InputDataError(f"solar_roofs must be a vector layer, got {type(faces).__name__}")
    if faces.crs is None or not same_crs(faces.crs, ctx.region.crs):
        raise InputDataError(f"solar_roofs is in {crs_name(faces.crs)}, expected the region CRS "
                             f"{crs_name(ctx.region.crs)}")
    if p.annual_precipitation_mm is None:
        log.warning("green_roofs: no annual_precipitation_mm in [params.green_roofs]; retention uses the "
                    "estimate of 725 mm/yr and every face says so")
    roofs = assess_faces(faces.reset_index(drop=True), p)
    ctx.progress(1.0, f"{int((roofs['green_area_m2'] > 0).sum())} green roof faces")
    names = [f.name for f in get_layer("green_roofs").fields]
    return {"green_roofs": gpd.GeoDataFrame(roofs[names], geometry=roofs.geometry.to_numpy(), crs=roofs.crs)}
