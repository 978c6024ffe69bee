"""Green-roof assessment of the solar step's roof faces: class, use, areas and effects per face."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import InputDataError
from processing.green_roofs import classes, effects
from processing.green_roofs.params import GreenRoofsParams

#: Fields of ``solar_roofs`` the assessment reads.
FACE_FIELDS = ("building_id", "face_id", "commune", "area_m2", "tilt_deg", "usable_area_m2", "kwp", "class")


def green_area(faces: gpd.GeoDataFrame, edge_strip_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Greenable area of each face: (true sloped area [m2], horizontal projection [m2]) after the edge strip.

    The strip is taken off the face's outline (a negative buffer of the projected polygon); the true area
    scales the projected one by the face's own area_m2 / projected area (1 / cos tilt).
    """
    geoms = faces.geometry.to_numpy()
    projected = shapely.area(geoms)
    inner = shapely.area(shapely.buffer(geoms, -edge_strip_m, join_style="mitre")) if edge_strip_m > 0 else projected
    with np.errstate(divide="ignore", invalid="ignore"):
        slope_factor = np.where(projected > 0, faces["area_m2"].to_numpy(float) / projected, 1.0)
    return inner * slope_factor, inner


def assess_faces(faces: gpd.GeoDataFrame, params: GreenRoofsParams) -> gpd.GeoDataFrame:
    """One feature per roof face with its green class, its one use and its effects (catalog ``green_roofs``)."""
    missing = [f for f in FACE_FIELDS if f not in faces]
    if missing:
        raise InputDataError(f"solar_roofs lacks {missing}; run the solar step of this version first")
    green_true, green_projected = green_area(faces, params.edge_strip_m)
    tilt = faces["tilt_deg"].to_numpy(float)
    green_cls = classes.green_class(tilt, green_true, min_area_m2=params.min_area_m2, **params.slope_bounds())
    usable = faces["usable_area_m2"].fillna(0.0).to_numpy(float)
    pv_claimed = faces["class"].isin(params.pv_claim_classes).to_numpy() & (usable > 0)
    use = classes.face_use(green_cls, pv_claimed)
    greened = np.isin(use, ("biosolar", "green_only"))
    precipitation = params.annual_precipitation_mm or effects.DEFAULT_PRECIPITATION_MM_YR
    buildup = np.where(green_cls == "flat", params.flat_buildup, params.pitched_buildup).astype(object)
    psi = np.array([effects.RUNOFF_COEFFICIENT[b] for b in buildup], dtype=float)
    retained_mm = np.where(greened, effects.retention_mm_yr(precipitation, psi), 0.0)
    projected = np.where(greened, green_projected, 0.0)
    area = np.where(greened, green_true, 0.0)
    return gpd.GeoDataFrame({
        "building_id": faces["building_id"].astype(str).to_numpy(),
        "face_id": faces["face_id"].astype(str).to_numpy(),
        "commune": faces["commune"].to_numpy(),
        "area_m2": faces["area_m2"].to_numpy(float),
        "tilt_deg": tilt,
        "green_class": green_cls,
        "use": use,
        "green_area_m2": area,
        "pv_area_m2": np.where(pv_claimed, usable, 0.0),
        "biosolar_area_m2": np.where(use == "biosolar", area, 0.0),
        "buildup": np.where(greened, buildup, None).astype(object),
        "runoff_coefficient": np.where(greened, psi, np.nan),
        "retention_mm_yr": retained_mm,
        "retention_m3_yr": effects.retention_m3_yr(retained_mm, projected),
        "evapotranspiration_mm_yr": retained_mm,
        "latent_cooling_mwh_yr": effects.latent_cooling_mwh_yr(retained_mm, projected),
        "stepping_stone": greened & (area >= params.stepping_stone_min_m2),
        "precipitation": "region" if params.annual_precipitation_mm else "default_estimate",
    }, geometry=faces.geometry.to_numpy(), crs=faces.crs)
