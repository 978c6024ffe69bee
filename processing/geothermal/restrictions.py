"""Drilling restrictions, kept apart from the ground potential, each with its class and source.

Classes follow the Luxembourg drilling-permission map: ``depth_limited`` (probes shorter than the zone's
``max_depth_m``), ``conditions`` (drilling allowed under stricter conditions or after an assessment) and
``forbidden``. ``allowed`` is what lies outside every restriction. Water-protection zones bring their own
class; contaminated sites, mining zones, Natura 2000 sites and flood zones take the class set in the
step's parameters (default ``conditions``: a permit needs an assessment there, project default to confirm
with the water and geology administrations). The classes are the Luxembourg map's and the default is set with
Luxembourg in mind: the step notes every one a region leaves unset where its layer restricts something.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from layers.catalog.geothermal import RESTRICTION_CLASSES
from layers.errors import InputDataError

#: Severity of each class (:data:`layers.catalog.geothermal.RESTRICTION_CLASSES` runs from least to most
#: severe); a place under several restrictions takes the most severe.
SEVERITY: dict[str, int] = {c: i for i, c in enumerate(RESTRICTION_CLASSES)}


def _polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    frame = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return frame


def restriction_polygons(
    crs: CRS,
    *,
    water_protection_zones: gpd.GeoDataFrame | None = None,
    contaminated_sites: gpd.GeoDataFrame | None = None,
    mining_zones: gpd.GeoDataFrame | None = None,
    protected_areas: gpd.GeoDataFrame | None = None,
    flood_zones: gpd.GeoDataFrame | None = None,
    layer_classes: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Every restriction as its own polygon: ``restriction_class``, ``source`` (input layer id),
    ``max_depth_m`` [m] (depth-limited zones) and ``detail`` (the input's own class, kind or designation).

    ``layer_classes`` maps ``contaminated_sites``, ``mining_zones``, ``natura2000`` and ``flood_zones`` to
    one of ``allowed``, ``conditions``, ``forbidden`` (:data:`processing.geothermal.params.LayerClass`; default
    ``conditions``); ``allowed`` drops that layer. Raises
    :class:`InputDataError` for a water-protection zone without a valid class or a depth-limited zone
    without ``max_depth_m``.
    """
    classes = {"contaminated_sites": "conditions", "mining_zones": "conditions", "natura2000": "conditions",
               "flood_zones": "conditions", **(layer_classes or {})}
    parts: list[gpd.GeoDataFrame] = []

    def add(frame: gpd.GeoDataFrame, cls, source: str, depth, detail) -> None:
        if len(frame):
            parts.append(gpd.GeoDataFrame({"restriction_class": cls, "source": source, "max_depth_m": depth,
                                           "detail": detail}, index=pd.RangeIndex(len(frame)),
                                          geometry=frame.geometry.to_numpy(), crs=crs))

    if water_protection_zones is not None and len(water_protection_zones):
        wpz = _polygons(water_protection_zones)
        if "drilling_class" not in wpz:
            raise InputDataError("water_protection_zones lack the field 'drilling_class'; map it in "
                                 "[inputs.water_protection_zones] fields")
        cls = wpz["drilling_class"].astype(object)
        bad = sorted(set(cls.dropna().astype(str)) - set(RESTRICTION_CLASSES)) + (["<empty>"] if cls.isna().any() else [])
        if bad:
            raise InputDataError(f"water_protection_zones hold drilling classes {bad}; allowed: "
                                 f"{list(RESTRICTION_CLASSES)} (map them in [inputs.water_protection_zones] values)")
        depth = (pd.to_numeric(wpz["max_depth_m"], errors="coerce") if "max_depth_m" in wpz
                 else pd.Series(np.nan, index=wpz.index)).to_numpy(float)
        limited = (cls == "depth_limited").to_numpy()
        if np.any(limited & ~(depth > 0)):
            raise InputDataError(f"{int(np.sum(limited & ~(depth > 0)))} depth-limited water-protection zones have "
                                 "no positive max_depth_m; give the depth limit [m] of every depth-limited zone")
        keep = (cls != "allowed").to_numpy()
        add(wpz[keep], cls[keep].to_numpy(), "water_protection_zones", np.where(limited, depth, np.nan)[keep],
            cls[keep].to_numpy())

    def add_layer(frame: gpd.GeoDataFrame | None, key: str, source: str, detail_field: str | None) -> None:
        if frame is None or not len(frame) or classes[key] == "allowed":
            return
        frame = _polygons(frame)
        detail = frame[detail_field].astype(object).to_numpy() if detail_field and detail_field in frame else None
        add(frame, classes[key], source, np.nan, detail)

    add_layer(contaminated_sites, "contaminated_sites", "contaminated_sites", "status")
    add_layer(mining_zones, "mining_zones", "mining_zones", "kind")
    if protected_areas is not None and len(protected_areas):
        if "designation" not in protected_areas:
            raise InputDataError("protected_areas lack the field 'designation'; map it in [inputs.protected_areas]")
        natura = protected_areas[protected_areas["designation"].astype(str).str.startswith("natura2000")]
        add_layer(natura, "natura2000", "protected_areas", "designation")
    add_layer(flood_zones, "flood_zones", "flood_zones", None)

    if not parts:
        return gpd.GeoDataFrame({"restriction_class": pd.Series(dtype=object), "source": pd.Series(dtype=object),
                                 "max_depth_m": pd.Series(dtype=float), "detail": pd.Series(dtype=object)},
                                geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    out = pd.concat(parts, ignore_index=True)
    out["max_depth_m"] = out["max_depth_m"].astype(float)
    out["detail"] = out["detail"].astype(object).where(out["detail"].notna(), None)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def restrictions_at(restrictions: gpd.GeoDataFrame, geometries: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Most severe class index (into :data:`RESTRICTION_CLASSES`) and smallest depth limit [m] at each geometry.

    A geometry touching no restriction gets 0 (``allowed``) and an infinite depth limit.
    """
    geoms = np.asarray(geometries, dtype=object)
    severity = np.zeros(len(geoms), dtype=np.int8)
    max_depth = np.full(len(geoms), np.inf)
    if len(restrictions) and len(geoms):
        # the tree holds the (small) geometries and the restriction polygons are the queries, so GEOS prepares
        # the polygons: a point-in-polygon test then costs O(log vertices) instead of O(vertices)
        r_idx, g_idx = shapely.STRtree(geoms).query(restrictions.geometry.to_numpy(), predicate="intersects")
        sev = restrictions["restriction_class"].map(SEVERITY).to_numpy(np.int8)
        depth = np.nan_to_num(restrictions["max_depth_m"].to_numpy(float), nan=np.inf)
        np.maximum.at(severity, g_idx, sev[r_idx])
        np.minimum.at(max_depth, g_idx, depth[r_idx])
    return severity, max_depth
