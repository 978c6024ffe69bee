"""One sub-network from resistance surface and cores to links, connectivity and barriers."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from layers.grid import Grid
from processing.corridors.barriers import find_barriers
from processing.corridors.connectivity import (
    core_importance,
    decay_constant,
    link_importance,
    max_product_probabilities,
    topological_distances,
)
from processing.corridors.cores import M2_PER_HA, core_labels
from processing.corridors.linkage import build_links, neighbour_pairs
from processing.windows import SERIAL, WindowExecutor

LINK_COLUMNS = ["network", "link_id", "core_a", "core_b", "cost", "dpc_link_pct", "importance_rank"]
CORRIDOR_COLUMNS = [*LINK_COLUMNS, "cutoff_cost", "area_ha", "geometry"]
PATH_COLUMNS = [*LINK_COLUMNS, "length_m", "euclidean_m", "cost_ratio", "certified", "geometry"]
CORE_FIELDS = ["link_count", "dpc_pct", "dpc_intra_pct", "dpc_flux_pct", "dpc_connector_pct", "diic_pct", "iic", "pc"]
_DTYPES = {"cost": "float64", "dpc_link_pct": "float64", "importance_rank": "int64", "cutoff_cost": "float64",
           "area_ha": "float64", "length_m": "float64", "euclidean_m": "float64", "cost_ratio": "float64",
           "certified": "bool"}


@dataclass(frozen=True)
class ConnectivitySettings:
    """Dispersal parameters [effective m] and the Linkage Mapper settings of one run."""

    dispersal_distance_m: float
    dispersal_probability: float
    iic_link_distance_m: float
    max_link_distance_m: float
    corridor_cutoff_m: float
    window_margin_m: float
    max_window_margin_m: float
    drop_links_through_cores: bool = True


@dataclass
class NetworkResult:
    """Outputs of one network, plus the regional graph (``nl``, ``pstar``) for commune summaries."""

    cores: gpd.GeoDataFrame
    corridors: gpd.GeoDataFrame
    paths: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame
    nl: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    pstar: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def _frame(rows: list[dict], columns: list[str], crs) -> gpd.GeoDataFrame:
    if rows:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)[columns]
    data = {c: pd.Series([], dtype=_DTYPES.get(c, "object")) for c in columns[:-1]}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def analyse_network(network: str, grid: Grid, resistance: np.ndarray, cores: gpd.GeoDataFrame,
                    settings: ConnectivitySettings, landscape_ha: float, *, roads=None, railways=None,
                    road_table=None, rail_table=None, lit=None, strong_lit=None, light_factors=(1.0, 1.0),
                    progress=lambda f: None, executor: WindowExecutor = SERIAL) -> NetworkResult:
    """Links between neighbouring cores, their corridors and paths, core and link importance, barriers."""
    crs = grid.crs
    n = len(cores)
    labels = core_labels(grid, cores)
    pairs = neighbour_pairs(labels, grid.res, list(cores.geometry.values), settings.max_link_distance_m)
    links = build_links(resistance, labels, grid.transform, grid.res, pairs, cutoff=settings.corridor_cutoff_m,
                        margin_m=settings.window_margin_m, max_margin_m=settings.max_window_margin_m,
                        drop_through_cores=settings.drop_links_through_cores, progress=lambda f: progress(0.9 * f),
                        executor=executor)
    d = np.full((n, n), np.inf)
    for link in links:
        d[link.a - 1, link.b - 1] = d[link.b - 1, link.a - 1] = link.cost
    areas = cores["area_ha"].to_numpy(dtype=float)
    cores = cores.copy()
    if n:
        imp = core_importance(areas, d, landscape_ha, link_distance=settings.iic_link_distance_m,
                              dispersal_distance=settings.dispersal_distance_m,
                              dispersal_probability=settings.dispersal_probability)
        k = decay_constant(settings.dispersal_distance_m, settings.dispersal_probability)
        nl, pstar = topological_distances(d, settings.iic_link_distance_m), max_product_probabilities(d, k)
        cores["link_count"] = np.isfinite(d).sum(axis=1)  # the diagonal stays inf
        cores["dpc_pct"], cores["dpc_intra_pct"] = imp.dpc, imp.dpc_intra
        cores["dpc_flux_pct"], cores["dpc_connector_pct"], cores["diic_pct"] = imp.dpc_flux, imp.dpc_connector, imp.diic
        cores["iic"], cores["pc"] = imp.iic, imp.pc
    else:
        nl = pstar = np.zeros((0, 0))
        for c in CORE_FIELDS:
            cores[c] = pd.Series([], dtype="int64" if c == "link_count" else "float64")
    cores["link_count"] = cores["link_count"].astype("int64")
    link_dpc = link_importance(areas, d, [(lk.a - 1, lk.b - 1) for lk in links],
                               dispersal_distance=settings.dispersal_distance_m,
                               dispersal_probability=settings.dispersal_probability) if links else np.zeros(0)
    ranks = np.empty(len(links), np.int64)
    ranks[np.lexsort((np.array([lk.cost for lk in links]), -link_dpc))] = np.arange(1, len(links) + 1)
    ids = cores["core_id"].tolist()
    corridor_rows, path_rows = [], []
    for link, dpc, rank in zip(links, link_dpc, ranks):
        base = {"network": network, "link_id": f"{ids[link.a - 1]}/{ids[link.b - 1]}", "core_a": ids[link.a - 1],
                "core_b": ids[link.b - 1], "cost": link.cost, "dpc_link_pct": float(dpc), "importance_rank": int(rank)}
        if link.corridor is not None and not link.corridor.is_empty:
            corridor_rows.append({**base, "cutoff_cost": settings.corridor_cutoff_m,
                                  "area_ha": link.corridor.area / M2_PER_HA, "geometry": link.corridor})
        ends = link.path.coords
        euclid = Point(ends[0]).distance(Point(ends[-1]))
        path_rows.append({**base, "length_m": link.path.length, "euclidean_m": euclid,
                          "cost_ratio": link.cost / euclid if euclid > 0 else np.nan,
                          "certified": link.certified, "geometry": link.path})
    paths = _frame(path_rows, PATH_COLUMNS, crs)
    paths = paths[paths.geometry.length > 0] if len(paths) else paths  # touching cores have no path to draw
    corridors = _frame(corridor_rows, CORRIDOR_COLUMNS, crs)
    barriers = find_barriers(network, paths, roads=roads, railways=railways, road_table=road_table or {},
                             rail_table=rail_table or {}, lit=lit, strong_lit=strong_lit, light_factors=light_factors)
    progress(1.0)
    return NetworkResult(cores, corridors, paths.reset_index(drop=True), barriers, nl, pstar)
