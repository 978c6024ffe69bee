"""Hub-height wind field: vertical extrapolation with land-cover roughness, and air density from elevation.

The hub-height mean speed of a cell is extrapolated from a wind-atlas raster at its stated height, or from
one reference mean speed at a reference height, with the log law (windpowerlib ``logarithmic_profile``) or
the power law (windpowerlib ``hellman``). Roughness comes from land cover, averaged (geometric mean) over a
square neighbourhood: the hub-height wind of a cell sees the terrain around it, not the cell alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.windows import Window
from scipy import ndimage
from windpowerlib.wind_speed import hellman, logarithmic_profile

from layers.grid import Grid
from layers.raster import RasterFile
from layers.resample import read_on_grid
from processing.wind.gridio import rasterize_classes
from processing.windows import SERIAL, WindowExecutor

#: Roughness length [m] per canonical land-cover class, from the CORINE mapping of RESKit
#: (docs/REFERENCES.md, "Wind"): urban 1.2, forest 0.75, industrial 0.5, arable 0.05, pasture 0.03,
#: dump and extraction sites 0.005 (brownfields). Open water 0.0002 and wetlands 0.05 (inland marshes) are
#: the usual European Wind Atlas values (Troen & Petersen 1989).
ROUGHNESS_M = {"urban": 1.2, "forest": 0.75, "industrial": 0.5, "cropland": 0.05, "grassland": 0.03,
               "brownfield": 0.005, "water": 0.0002, "wetland": 0.05}
#: Roughness where no land cover is mapped: arable land [m].
DEFAULT_ROUGHNESS_M = 0.05
#: Hellman exponent of the 1/7 power law (neutral stratification).
HELLMAN_ONE_SEVENTH = 1.0 / 7.0

#: International Standard Atmosphere: sea-level pressure [Pa], temperature [K], lapse rate [K m-1],
#: gas constant of dry air [J kg-1 K-1], gravity [m s-2].
ISA_P0_PA = 101325.0
ISA_T0_K = 288.15
ISA_LAPSE_K_M = 0.0065
R_DRY_AIR = 287.05
GRAVITY = 9.80665
#: Air density of the standard power curve [kg m-3] (IEC 61400-12-1).
RHO_STANDARD = 1.225


def air_density(elevation_m, temperature_sea_level_k: float = ISA_T0_K):
    """Air density [kg m-3] at ``elevation_m`` [m a.s.l.] in the International Standard Atmosphere.

    Notes
    -----
    .. math:: T = T_0 - L z,\\quad p = p_0 (T / T_0)^{g / (R L)},\\quad \\rho = p / (R T)

    About 1.19 kg m-3 at 285 m (a 135 m hub on 150 m ground), 1.225 at sea level.

    References
    ----------
    ISO 2533:1975, Standard Atmosphere.
    """
    z = np.asarray(elevation_m, dtype="float64")
    t = temperature_sea_level_k - ISA_LAPSE_K_M * z
    p = ISA_P0_PA * (t / temperature_sea_level_k) ** (GRAVITY / (R_DRY_AIR * ISA_LAPSE_K_M))
    return p / (R_DRY_AIR * t)


def extrapolate(speed_ms, from_height_m: float, to_height_m: float, roughness_m, law: str = "log",
                hellman_exponent: float | None = None):
    """Mean wind speed [m s-1] at ``to_height_m`` [m] from ``speed_ms`` at ``from_height_m`` [m].

    ``law="log"``: :math:`v_2 = v_1 \\ln(h_2/z_0) / \\ln(h_1/z_0)`; ``law="power"``: :math:`v_2 = v_1
    (h_2/h_1)^\\alpha` with :math:`\\alpha = 1/\\ln(h_2/z_0)` (or ``hellman_exponent`` when given).
    Both from windpowerlib (``logarithmic_profile``, ``hellman``).
    """
    v = np.asarray(speed_ms, dtype="float64")
    z0 = np.asarray(roughness_m, dtype="float64")
    if law == "log":
        return logarithmic_profile(v, from_height_m, to_height_m, z0)
    return hellman(v, from_height_m, to_height_m, roughness_length=None if hellman_exponent else z0,
                   hellman_exponent=hellman_exponent)


def _roughness_window(landcover: gpd.GeoDataFrame | None, grid: Grid, window: Window) -> np.ndarray:
    if landcover is None:
        return np.full((window.height, window.width), DEFAULT_ROUGHNESS_M)
    return rasterize_classes(landcover, "class", ROUGHNESS_M, grid, window, DEFAULT_ROUGHNESS_M)


@dataclass(frozen=True)
class SpeedWindow:
    """One window of the hub-height wind field, picklable for a Dask worker: the land cover within the
    padded window (input order: a later polygon wins where they overlap, as over the whole region), the
    atlas file if any, and plain parameters."""

    core: Window
    padded: Window
    grid: Grid
    landcover: gpd.GeoDataFrame | None
    hub_height_m: float
    halo: int
    atlas: RasterFile | None = None
    atlas_height_m: float | None = None
    reference_speed_ms: float = 5.5
    reference_height_m: float = 100.0
    law: str = "log"
    hellman_exponent: float | None = None


def speed_window(task: SpeedWindow) -> np.ndarray:
    """Hub-height mean wind speed [m s-1] of ``task.core``, float32."""
    core, padded, grid, halo = task.core, task.padded, task.grid, task.halo
    z0 = _roughness_window(task.landcover, grid, padded)
    if halo:
        z0 = np.exp(ndimage.uniform_filter(np.log(z0), size=2 * halo + 1, mode="nearest"))
    r0, c0 = core.row_off - padded.row_off, core.col_off - padded.col_off
    z0 = z0[r0:r0 + core.height, c0:c0 + core.width]
    if task.atlas is not None:
        v_ref, h_ref = read_on_grid(task.atlas, grid, core, Resampling.bilinear), float(task.atlas_height_m)
    else:
        v_ref, h_ref = np.full(z0.shape, task.reference_speed_ms), task.reference_height_m
    return extrapolate(v_ref, h_ref, task.hub_height_m, z0, task.law, task.hellman_exponent).astype("float32")


def wind_speed_hub(grid: Grid, out_path: Path, hub_height_m: float, *, landcover: gpd.GeoDataFrame | None,
                   atlas: RasterFile | None = None, atlas_height_m: float | None = None,
                   reference_speed_ms: float = 5.5, reference_height_m: float = 100.0, law: str = "log",
                   hellman_exponent: float | None = None, roughness_radius_m: float = 500.0,
                   window: int = 1024, executor: WindowExecutor = SERIAL) -> RasterFile:
    """Write the hub-height mean wind speed [m s-1] of every grid cell to ``out_path`` (GeoTIFF, float32).

    From ``atlas`` (mean speed at ``atlas_height_m``) when given, else from ``reference_speed_ms`` at
    ``reference_height_m``; extrapolated with the roughness of the land cover, geometric-mean over a square
    of half-side ``roughness_radius_m``. The file's tag ``HUB_HEIGHT_M`` states the hub height.

    Halo: ``ceil(roughness_radius_m / res)`` cells, the half-side of the roughness average, so a window's
    cells see the same neighbourhood as in one region-wide window (clipped at the region edge, where the
    average repeats the edge cells). Windows (:func:`speed_window`) run on ``executor`` and are written as
    they arrive.
    """
    halo = math.ceil(roughness_radius_m / grid.res)
    profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": "float32",
               "crs": grid.crs.to_wkt(), "transform": grid.transform, "nodata": float("nan"), "tiled": True,
               "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    tree = shapely.STRtree(landcover.geometry.to_numpy()) if landcover is not None else None

    def tasks():
        for core, padded in grid.windows(window, halo):
            cover = None
            if landcover is not None:
                x0, y1 = grid.transform @ (padded.col_off, padded.row_off)
                box = shapely.box(x0, y1 - padded.height * grid.res, x0 + padded.width * grid.res, y1)
                cover = landcover.iloc[np.sort(tree.query(box))]
            yield SpeedWindow(core, padded, grid, cover, hub_height_m, halo, atlas, atlas_height_m,
                              reference_speed_ms, reference_height_m, law, hellman_exponent)

    with rasterio.open(out_path, "w", **profile) as dst:
        dst.update_tags(HUB_HEIGHT_M=f"{hub_height_m:g}", UNIT="m s-1")
        for task, speed in executor.imap(speed_window, tasks()):
            dst.write(speed, 1, window=task.core)
    return RasterFile(str(out_path), unit="m s-1")
