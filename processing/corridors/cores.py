"""Habitat cores: habitat land cover joined with protected semi-natural land, dissolved, above a minimum area.

Which protected areas make cores is a choice of this project (:data:`PROTECTED_CORE_ZONES`), not a parameter:
Natura 2000 sites and nature reserves count whole, a biosphere reserve only by its core zone. It was made for
the Minett, which lies wholly in a biosphere (docs/REFERENCES.md, "Region"): counting the buffer and transition
zones, zones of use rather than of protection, would make every forest, grassland and wetland there a core.
The same rule applies to every region.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely import unary_union
from shapely.geometry.base import BaseGeometry

from layers.grid import Grid
from layers.rasterize import burn

#: Square metres per hectare.
M2_PER_HA = 10_000.0
#: Land-cover classes that are habitat cores by themselves, per sub-network (black: dark green cores).
CORE_LANDCOVER = {"green": ("forest",), "blue": ("water", "wetland"), "black": ("forest",)}
#: Land-cover classes that become core where a protected area covers them.
PROTECTED_HABITAT = {"green": ("forest", "grassland", "wetland"), "blue": ("water", "wetland"),
                     "black": ("forest", "grassland", "wetland")}
#: Protected areas that make cores, by designation and zone: Natura 2000 and reserves as a whole; of a biosphere
#: only its core zone (a choice, see the module docstring: the whole Minett is a biosphere, docs/REFERENCES.md).
PROTECTED_CORE_ZONES = {"natura2000_habitats": ("whole", "core", "buffer", "transition"),
                        "natura2000_birds": ("whole", "core", "buffer", "transition"),
                        "nature_reserve": ("whole", "core", "buffer", "transition"),
                        "biosphere": ("core",)}
CORE_COLUMNS = ["network", "core_id", "area_ha", "geometry"]


def _union(frame: gpd.GeoDataFrame | None) -> BaseGeometry | None:
    if frame is None or len(frame) == 0:
        return None
    return unary_union(frame.geometry.make_valid().values)


def habitat_area(network: str, landcover: gpd.GeoDataFrame, protected: gpd.GeoDataFrame | None = None,
                 water_bodies: gpd.GeoDataFrame | None = None, wetlands: gpd.GeoDataFrame | None = None):
    """The union of a network's core habitat (shapely geometry, region CRS), before the minimum area."""
    parts = [_union(landcover[landcover["class"].isin(CORE_LANDCOVER[network])])]
    if protected is not None and len(protected):
        keep = [zone in PROTECTED_CORE_ZONES.get(des, ()) for des, zone in zip(protected["designation"],
                                                                               protected["zone"])]
        reserve = _union(protected[np.asarray(keep, bool)])
        semi = _union(landcover[landcover["class"].isin(PROTECTED_HABITAT[network])])
        if reserve is not None and semi is not None:
            parts.append(reserve.intersection(semi))
    if network == "blue":
        parts += [_union(water_bodies), _union(wetlands)]
    parts = [p for p in parts if p is not None and not p.is_empty]
    return unary_union(parts) if parts else None


def cores_from_area(network: str, area: BaseGeometry | None, min_area_ha: float, crs) -> gpd.GeoDataFrame:
    """Connected parts of ``area`` of at least ``min_area_ha`` [ha], largest first, ids ``<network>-001``..."""
    if area is None or area.is_empty:
        return gpd.GeoDataFrame({c: [] for c in CORE_COLUMNS[:-1]}, geometry=[], crs=crs)
    parts = gpd.GeoSeries([area], crs=crs).explode(index_parts=False).reset_index(drop=True)
    parts = parts[parts.geom_type == "Polygon"]
    ha = parts.area.to_numpy() / M2_PER_HA
    keep = ha >= min_area_ha
    frame = gpd.GeoDataFrame({"area_ha": ha[keep]}, geometry=parts[keep].values, crs=crs)
    cx, cy = frame.geometry.centroid.x, frame.geometry.centroid.y
    frame = frame.assign(_x=cx.round(1), _y=cy.round(1)).sort_values(["area_ha", "_x", "_y"],
                                                                      ascending=[False, True, True])
    frame = frame.drop(columns=["_x", "_y"]).reset_index(drop=True)
    frame.insert(0, "core_id", [f"{network}-{i + 1:03d}" for i in range(len(frame))])
    frame.insert(0, "network", network)
    return frame[CORE_COLUMNS]


def why_few_cores(network: str, area: BaseGeometry | None, cores: gpd.GeoDataFrame, min_area_ha: float) -> str | None:
    """Why a network has fewer than two cores (so no corridor), in a planner's terms; ``None`` otherwise."""
    if len(cores) >= 2:
        return None
    sources = f"land cover {' or '.join(CORE_LANDCOVER[network])}"
    if network != "blue":
        sources += f", or {'/'.join(PROTECTED_HABITAT[network])} inside a protected area"
    else:
        sources += ", water bodies and wetlands"
    if network == "black":
        sources += ", away from lit streets"
    if area is None or area.is_empty:
        return (f"{network} network: no habitat core, because cores come only from {sources}, and the region has "
                "none (e.g. a city centre without forest); no corridor either")
    parts = gpd.GeoSeries([area]).explode(index_parts=False)
    largest = float(parts.area.max()) / M2_PER_HA
    if not len(cores):
        return (f"{network} network: no habitat core: the largest patch of {sources} is {largest:.2f} ha, below the "
                f"{min_area_ha:g} ha minimum core area ([params.corridors] min_core_area_ha); no corridor either")
    return (f"{network} network: one habitat core ({float(cores['area_ha'].iloc[0]):.1f} ha) and no other patch of "
            f"{min_area_ha:g} ha or more: corridors join pairs of cores, so there is none")


def core_labels(grid: Grid, cores: gpd.GeoDataFrame) -> np.ndarray:
    """Core label per cell (row order of ``cores`` + 1; 0 outside), every core at least one cell."""
    if len(cores) == 0:
        return np.zeros(grid.shape, np.int32)
    labels = burn(cores.geometry.values, np.arange(1, len(cores) + 1), out_shape=grid.shape,
                  transform=grid.transform, dtype="int32")
    present = np.zeros(len(cores) + 1, bool)
    present[np.unique(labels)] = True
    for i in np.flatnonzero(~present[1:]):  # a thin core between cell centres: burn its representative point
        p = cores.geometry.iloc[i].representative_point()
        col, row = ~grid.transform @ (p.x, p.y)
        labels[min(int(row), grid.height - 1), min(int(col), grid.width - 1)] = i + 1
    return labels

