"""Per-commune summaries of each sub-network."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import unary_union

from processing.corridors.cores import M2_PER_HA
from processing.corridors.network import NetworkResult

SUMMARY_COLUMNS = ["commune", "code", "network", "core_count", "core_area_ha", "core_share_pct", "corridor_area_ha",
                   "path_length_m", "barrier_count", "pc_share_pct", "iic", "pc", "geometry"]


def commune_summary(network: str, result: NetworkResult, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per commune: cores, corridors, paths and barriers inside it, and its IIC and PC.

    Notes
    -----
    One rule for cores: a core counts in every commune holding a part of it, and its area counts by
    intersection (``a_i^c``), so a commune with no core has no core area. The commune's indices use those parts
    and the commune area ``A_c`` as the landscape, with the topology and probabilities of the whole regional
    network (links may run through other communes): ``IIC_c = sum a_i^c a_j^c / (1 + nl_ij) / A_c^2``,
    ``PC_c = sum a_i^c a_j^c p*_ij / A_c^2``. dPC values are not additive, so none is summed; the additive
    ``pc_share_pct = 100 sum_i a_i^c sum_j a_j p*_ij / sum_ij a_i a_j p*_ij`` is the share of the regional PC
    numerator (Saura & Pascual-Hortal 2007) carried by the commune's core area: over communes that cover
    every core it adds up to 100 %.
    """
    cores, rows = result.cores, []
    areas = cores["area_ha"].to_numpy(dtype=float) if len(cores) else np.zeros(0)
    flow = result.pstar @ areas if len(cores) else np.zeros(0)  # sum_j a_j p*_ij per core i [ha]
    total = float(areas @ flow) if len(cores) else 0.0
    corridor_union = unary_union(result.corridors.geometry.values) if len(result.corridors) else None
    for name, code, geom in zip(communes["name"], communes["code"], communes.geometry):
        area_ha = geom.area / M2_PER_HA
        parts = cores.geometry.intersection(geom).area.to_numpy() / M2_PER_HA if len(cores) else np.zeros(0)
        if len(parts) and area_ha > 0:
            iic = float(parts @ (1.0 / (1.0 + result.nl)) @ parts) / area_ha**2
            pc = float(parts @ result.pstar @ parts) / area_ha**2
        else:
            iic = pc = 0.0
        rows.append({
            "commune": name, "code": code, "network": network, "core_count": int((parts > 0).sum()),
            "core_area_ha": float(parts.sum()), "core_share_pct": 100.0 * float(parts.sum()) / area_ha if area_ha else 0.0,
            "corridor_area_ha": corridor_union.intersection(geom).area / M2_PER_HA if corridor_union is not None else 0.0,
            "path_length_m": float(result.paths.geometry.intersection(geom).length.sum()) if len(result.paths) else 0.0,
            "barrier_count": int(result.barriers.geometry.within(geom).sum()) if len(result.barriers) else 0,
            "pc_share_pct": 100.0 * float(parts @ flow) / total if total > 0 else 0.0,
            "iic": iic, "pc": pc, "geometry": geom})
    if not rows:
        data = {c: pd.Series([], dtype="object") for c in SUMMARY_COLUMNS[:-1]}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=communes.crs), crs=communes.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)[SUMMARY_COLUMNS]
