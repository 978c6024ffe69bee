"""Heat-demand density on a 1-ha grid aligned to 100 m multiples of the region CRS, and Hotmaps bands."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from layers.grid import Grid
from layers.raster import Raster

#: Side of a 1-ha cell [m].
HECTARE_M = 100.0
#: Megawatt-hours per terajoule (1 TJ = 1e6 MJ / 3600 MJ per MWh).
MWH_PER_TJ = 1.0e6 / 3600.0
#: Hectares per square kilometre.
HA_PER_KM2 = 100.0
#: 1 TJ km-2 yr-1 expressed in MWh ha-1 yr-1 (= 2.778).
MWH_HA_PER_TJ_KM2 = MWH_PER_TJ / HA_PER_KM2
#: Hotmaps feasibility band limits [TJ km-2 yr-1] (docs/REFERENCES.md "Geothermal").
HOTMAPS_BAND_LIMITS_TJ_KM2: tuple[float, ...] = (20.0, 50.0, 120.0, 300.0)
#: Band labels, one more than limits: < 20, 20-50, 50-120, 120-300, > 300 TJ km-2 yr-1.
HOTMAPS_BANDS: tuple[str, ...] = ("not_feasible", "future_potential", "feasible_with_support", "feasible",
                                  "very_feasible")
#: The same limits in MWh ha-1 yr-1 (55.6, 138.9, 333.3, 833.3).
HOTMAPS_BAND_LIMITS_MWH_HA: tuple[float, ...] = tuple(t * MWH_HA_PER_TJ_KM2 for t in HOTMAPS_BAND_LIMITS_TJ_KM2)


def tj_km2_from_mwh_ha(density_mwh_ha_yr: ArrayLike) -> np.ndarray:
    """Convert [MWh ha-1 yr-1] to [TJ km-2 yr-1]."""
    return np.asarray(density_mwh_ha_yr, dtype=float) / MWH_HA_PER_TJ_KM2


def feasibility_band(density_mwh_ha_yr: ArrayLike) -> np.ndarray:
    """Hotmaps district-heating feasibility band of a heat-demand density [MWh ha-1 yr-1].

    A density exactly on a limit falls in the higher band (≥ 20 TJ km-2 is "future_potential").
    """
    tj = tj_km2_from_mwh_ha(density_mwh_ha_yr)
    idx = np.searchsorted(np.asarray(HOTMAPS_BAND_LIMITS_TJ_KM2), tj, side="right")
    return np.asarray(HOTMAPS_BANDS, dtype=object)[idx]


def hectare_grid(bounds: tuple[float, float, float, float], crs: CRS) -> Grid:
    """The 1-ha grid covering ``bounds``, its edges on 100 m multiples of ``crs``."""
    return Grid(bounds, HECTARE_M, crs)


def aggregate_to_hectares(x: ArrayLike, y: ArrayLike, demand_mwh_yr: ArrayLike, grid: Grid) -> Raster:
    """Sum the demand of points (e.g. building centroids) [MWh yr-1] per 1-ha cell of ``grid``.

    Returns a Raster of heat-demand density [MWh ha-1 yr-1] (0 where no building). Points outside the grid
    are ignored.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    demand = np.asarray(demand_mwh_yr, dtype=float)
    rows, cols = grid.shape
    col = np.floor((x - grid.bounds[0]) / grid.res).astype(np.int64)
    row = np.floor((grid.bounds[3] - y) / grid.res).astype(np.int64)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows) & np.isfinite(demand)
    flat = np.bincount(row[inside] * cols + col[inside], weights=demand[inside], minlength=rows * cols)
    cell_ha = grid.res**2 / 1.0e4
    return Raster((flat / cell_ha).reshape(rows, cols), grid.transform, grid.crs, None, "MWh ha-1 yr-1")


def density_cells(density: Raster, counts: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """The cells of a density Raster with demand > 0 as square polygons.

    Columns: ``cell_id`` (``E{x}N{y}`` of the lower-left corner in km·10, i.e. hectometres),
    ``demand_mwh_ha_yr``, ``demand_tj_km2_yr``, ``band`` and, when ``counts`` is given, ``buildings``.
    """
    a = density.array
    rows, cols = np.nonzero(a > 0)
    res = density.res
    x0 = density.transform.c + cols * res
    y1 = density.transform.f - rows * res
    values = a[rows, cols].astype(float)
    ex = np.rint(x0 / HECTARE_M).astype(np.int64)
    ny = np.rint((y1 - res) / HECTARE_M).astype(np.int64)
    data = {
        "cell_id": [f"E{e}N{n}" for e, n in zip(ex.tolist(), ny.tolist())],
        "demand_mwh_ha_yr": values,
        "demand_tj_km2_yr": tj_km2_from_mwh_ha(values),
        "band": feasibility_band(values).astype(str),
    }
    if counts is not None:
        data["buildings"] = counts[rows, cols].astype(np.int64)
    return gpd.GeoDataFrame(data, geometry=shapely.box(x0, y1 - res, x0 + res, y1), crs=density.crs)
