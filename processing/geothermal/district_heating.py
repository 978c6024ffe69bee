"""District-heating areas ("critical mass"): connected dense 1-ha cells with enough total demand.

Method of the Hotmaps "district heating potential areas" calculation module (CM_TUW4): cells whose
demand reaches ``cell_threshold_mwh_ha_yr`` are kept, kept cells touching each other (8-connectivity, as
Hotmaps' ``np.ones((3, 3))`` structure) form candidate areas, and a candidate counts when its total demand
reaches ``area_threshold_gwh_yr``. Hotmaps' extra dilation/erosion smoothing is not applied.

References
----------
Hotmaps project, CM "District heating potential areas: user-defined thresholds" (wiki.hotmaps.eu);
defaults 333 MWh ha-1 yr-1 and 30 GWh yr-1 from docs/REFERENCES.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features
from scipy import ndimage

from layers.errors import InputDataError
from layers.lengths import length_within
from layers.raster import Raster
from processing.geothermal.hectare import feasibility_band

#: Minimum cell density [MWh ha-1 yr-1] (Hotmaps default, = 120 TJ km-2).
CELL_THRESHOLD_MWH_HA_YR = 333.0
#: Minimum total demand of an area [GWh yr-1] (Hotmaps default).
AREA_THRESHOLD_GWH_YR = 30.0
#: Road classes along which distribution pipes are laid (motorways and trunk roads excluded).
STREET_CLASSES: tuple[str, ...] = ("primary", "secondary", "tertiary", "residential", "service")
#: Megawatt-hours per gigawatt-hour.
MWH_PER_GWH = 1000.0

_COLUMNS = ["area_id", "demand_gwh_yr", "area_ha", "cells", "mean_density_mwh_ha_yr", "band"]


def district_heating_areas(
    density: Raster,
    *,
    cell_threshold_mwh_ha_yr: float = CELL_THRESHOLD_MWH_HA_YR,
    area_threshold_gwh_yr: float = AREA_THRESHOLD_GWH_YR,
    connectivity: int = 8,
) -> gpd.GeoDataFrame:
    """Connected cells ≥ ``cell_threshold_mwh_ha_yr`` whose total demand ≥ ``area_threshold_gwh_yr``.

    Parameters
    ----------
    density : heat-demand density on a square grid [MWh ha-1 yr-1]; NaN counts as 0.
    cell_threshold_mwh_ha_yr : minimum density of a cell [MWh ha-1 yr-1].
    area_threshold_gwh_yr : minimum total demand of an area [GWh yr-1].
    connectivity : 8 (cells touching at corners connect, Hotmaps) or 4 (edges only).

    Returns
    -------
    One (multi)polygon per area, largest demand first, with ``area_id`` (1, 2, ...), ``demand_gwh_yr``
    [GWh yr-1], ``area_ha`` [ha], ``cells``, ``mean_density_mwh_ha_yr`` [MWh ha-1 yr-1] and ``band``
    (Hotmaps band of the mean density), in the density's CRS.
    """
    if connectivity not in (4, 8):
        raise InputDataError(f"connectivity must be 4 or 8, got {connectivity}")
    if density.unit != "MWh ha-1 yr-1":
        raise InputDataError(f"district-heating areas need a density in 'MWh ha-1 yr-1', got {density.unit!r}")
    values = np.nan_to_num(np.asarray(density.array, dtype=float), nan=0.0)
    cell_ha = density.res**2 / 1.0e4
    dense = values >= cell_threshold_mwh_ha_yr
    structure = np.ones((3, 3), int) if connectivity == 8 else ndimage.generate_binary_structure(2, 1)
    labels, n = ndimage.label(dense, structure=structure)
    empty = gpd.GeoDataFrame({c: pd.Series(dtype=float if c not in ("band", "area_id", "cells") else
                                           (object if c == "band" else np.int64)) for c in _COLUMNS},
                             geometry=gpd.GeoSeries([], crs=density.crs), crs=density.crs)
    if n == 0:
        return empty
    index = np.arange(1, n + 1)
    total_mwh = ndimage.sum(values * cell_ha, labels, index)
    cells = ndimage.sum(dense, labels, index).astype(np.int64)
    keep = index[total_mwh >= area_threshold_gwh_yr * MWH_PER_GWH]
    if len(keep) == 0:
        return empty
    kept = np.where(np.isin(labels, keep), labels, 0).astype(np.int32)
    geoms: dict[int, list] = {int(k): [] for k in keep}
    for geom, value in features.shapes(kept, mask=kept > 0, transform=density.transform, connectivity=4):
        geoms[int(value)].append(shapely.geometry.shape(geom))
    order = keep[np.argsort(-total_mwh[keep - 1], kind="stable")]
    area_ha = cells[order - 1] * cell_ha
    demand_mwh = total_mwh[order - 1]
    mean_density = demand_mwh / area_ha
    return gpd.GeoDataFrame({
        "area_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "demand_gwh_yr": demand_mwh / MWH_PER_GWH,
        "area_ha": area_ha,
        "cells": cells[order - 1],
        "mean_density_mwh_ha_yr": mean_density,
        "band": feasibility_band(mean_density).astype(str),
    }, geometry=[shapely.union_all(geoms[int(k)]) for k in order], crs=density.crs)


def linear_heat_density(
    areas: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    street_classes: Sequence[str] = STREET_CLASSES,
) -> tuple[np.ndarray, np.ndarray]:
    """Street length inside each area [m] and demand per metre of street [MWh m-1 yr-1].

    Only roads of ``street_classes`` count (their ``road_class``). Where an area holds no street, or no
    roads are given, both are NaN. The density is reported for the planner to read against the ≥ 1.5 MWh m-1
    yr-1 of docs/REFERENCES.md, not applied: the Hotmaps method selects areas by cell and area demand only,
    and street length inside an area is only a proxy for the trench a network would need.
    """
    n = len(areas)
    length = np.full(n, np.nan)
    if roads is not None and len(roads) and n:
        if "road_class" not in roads:
            raise InputDataError("roads lack the field 'road_class'; map it in [inputs.roads] fields")
        streets = roads[roads["road_class"].isin(list(street_classes))]
        length = length_within(areas, streets)
        length = np.where(length > 0, length, np.nan)
    demand_mwh = areas["demand_gwh_yr"].to_numpy(float) * MWH_PER_GWH if n else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return length, demand_mwh / length


def nearby_heat_sources(
    areas: gpd.GeoDataFrame,
    heat_sources: gpd.GeoDataFrame | None,
    distance_m: float,
) -> pd.DataFrame:
    """Heat-recovery sources within ``distance_m`` [m] of each area.

    Returns ``heat_sources`` (names joined by "; ", None when none), ``heat_sources_count`` and
    ``heat_sources_mwh_yr`` (sum of the known ``heat_mwh_yr`` [MWh yr-1], 0 when none), indexed like
    ``areas``.
    """
    n = len(areas)
    names: list[str | None] = [None] * n
    count = np.zeros(n, dtype=np.int64)
    heat = np.zeros(n, dtype=float)
    if heat_sources is not None and len(heat_sources) and n:
        src = heat_sources.reset_index(drop=True)
        label = (src["name"].astype(object) if "name" in src else pd.Series([None] * len(src)))
        label = [str(v) if pd.notna(v) and str(v) else f"source {i + 1}" for i, v in enumerate(label)]
        mwh = (pd.to_numeric(src["heat_mwh_yr"], errors="coerce").fillna(0.0).to_numpy(float)
               if "heat_mwh_yr" in src else np.zeros(len(src)))
        tree = shapely.STRtree(src.geometry.to_numpy())
        area_idx, src_idx = tree.query(areas.geometry.to_numpy(), predicate="dwithin", distance=distance_m)
        for a in range(n):
            hits = np.sort(src_idx[area_idx == a])
            if len(hits):
                names[a] = "; ".join(label[i] for i in hits)
                count[a] = len(hits)
                heat[a] = mwh[hits].sum()
    return pd.DataFrame({"heat_sources": names, "heat_sources_count": count, "heat_sources_mwh_yr": heat},
                        index=areas.index)
