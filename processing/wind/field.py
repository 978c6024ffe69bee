"""Hub-height wind field: vertical extrapolation with land-cover roughness, and air density from elevation.

The hub-height mean speed of a cell is extrapolated from a wind-atlas raster at its stated height (a local
speed: the atlas already holds the roughness around it), or from one reference mean speed at a reference
height. That reference is the *regional* wind over open terrain (roughness ``reference_roughness_m``): each
cell's own roughness is applied relative to it through the geostrophic drag law of the European Wind Atlas
(:func:`roughness_speed_ratio`), so a rougher cell never gets more wind than a smoother one. Vertical
extrapolation is the log law (windpowerlib ``logarithmic_profile``) or the power law (windpowerlib
``hellman``). Roughness comes from land cover, averaged (geometric mean) over a square neighbourhood: the
hub-height wind of a cell sees the terrain around it, not the cell alone.
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

from layers.grid import Grid, centre_latlon
from layers.raster import RasterFile
from layers.rasterize import rasterize_classes
from layers.resample import read_on_grid
from processing.windows import SERIAL, WindowExecutor

#: Roughness length [m] per canonical land-cover class, from the CORINE mapping of RESKit
#: (docs/REFERENCES.md, "Wind"): urban 1.2, forest 0.75, industrial 0.5, arable 0.05, pasture 0.03,
#: dump and extraction sites 0.005 (brownfields). Open water 0.0002 and wetlands 0.05 (inland marshes) are
#: the usual European Wind Atlas values (Troen & Petersen 1989).
ROUGHNESS_M = {"urban": 1.2, "forest": 0.75, "industrial": 0.5, "cropland": 0.05, "grassland": 0.03,
               "brownfield": 0.005, "water": 0.0002, "wetland": 0.05}
#: Roughness where no land cover is mapped: arable land [m].
DEFAULT_ROUGHNESS_M = 0.05
#: Roughness of the open terrain a regional reference wind refers to [m]: roughness class 1 of the European
#: Wind Atlas (open farmland; Troen & Petersen 1989, docs/REFERENCES.md "Wind").
OPEN_TERRAIN_ROUGHNESS_M = 0.03
#: Von Kármán constant and the neutral geostrophic-drag-law constants A, B (Troen & Petersen 1989).
VON_KARMAN = 0.4
GDL_A = 1.8
GDL_B = 4.5
#: Earth's angular velocity [rad s-1].
EARTH_ROTATION_RAD_S = 7.2921e-5

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


def coriolis_parameter(latitude_deg: float) -> float:
    """f = 2 Ω sin(φ) [s-1]; |φ| at least 5° so the drag law stays defined near the equator."""
    return 2.0 * EARTH_ROTATION_RAD_S * math.sin(math.radians(max(abs(latitude_deg), 5.0)))


def friction_velocity(geostrophic_ms: float, roughness_m, coriolis_s: float, iterations: int = 60):
    """Friction velocity u* [m s-1] over roughness z0 [m] under the geostrophic wind G [m s-1].

    Solves the neutral geostrophic drag law G = (u*/κ) sqrt((ln(u*/(f z0)) − A)² + B²) by fixed-point
    iteration (a contraction: the right side varies only logarithmically with u*).
    """
    z0 = np.asarray(roughness_m, dtype="float64")
    u = np.full(z0.shape, 0.03 * geostrophic_ms)
    for _ in range(iterations):
        u = VON_KARMAN * geostrophic_ms / np.sqrt((np.log(u / (coriolis_s * z0)) - GDL_A) ** 2 + GDL_B**2)
    return u


def roughness_speed_ratio(roughness_m, height_m: float, *, reference_speed_ms: float, reference_height_m: float,
                          reference_roughness_m: float = OPEN_TERRAIN_ROUGHNESS_M, latitude_deg: float = 49.5):
    r"""Mean speed at ``height_m`` [m] over roughness z0 [m] relative to the reference open terrain [-].

    The regional wind is ``reference_speed_ms`` [m s-1] at ``reference_height_m`` [m] over
    ``reference_roughness_m`` [m]: its friction velocity u*₀ = κ v_ref / ln(h_ref / z0_ref) gives the
    geostrophic wind G of the drag law; the same G over z0 gives u* (:func:`friction_velocity`) and

    .. math:: r = \frac{u_* \ln(h / z_0)}{u_{*0} \ln(h / z_{0,ref})}

    r = 1 at the reference roughness and falls as z0 grows (for heights in the surface layer, up to a few
    hundred metres). This is how the European Wind Atlas moves a regional wind climate between roughness
    classes.

    References
    ----------
    Troen, I., Petersen, E. L. (1989). *European Wind Atlas*. Risø National Laboratory, ch. 8.
    """
    f = coriolis_parameter(latitude_deg)
    u_ref = VON_KARMAN * reference_speed_ms / math.log(reference_height_m / reference_roughness_m)
    geostrophic = float(u_ref / VON_KARMAN * math.hypot(math.log(u_ref / (f * reference_roughness_m)) - GDL_A,
                                                        GDL_B))
    z0 = np.asarray(roughness_m, dtype="float64")
    u = friction_velocity(geostrophic, z0, f)
    return u * np.log(height_m / z0) / (u_ref * math.log(height_m / reference_roughness_m))


def regional_speed(reference_speed_ms: float, reference_height_m: float, height_m: float, roughness_m, *,
                   reference_roughness_m: float = OPEN_TERRAIN_ROUGHNESS_M, latitude_deg: float = 49.5,
                   law: str = "log", hellman_exponent: float | None = None):
    """Mean speed [m s-1] at ``height_m`` [m] over roughness z0 [m] from a regional open-terrain reference.

    The reference profile (``law`` over ``reference_roughness_m``) carries the regional wind to the height;
    :func:`roughness_speed_ratio` applies the cell's roughness relative to the open terrain.
    """
    z0 = np.asarray(roughness_m, dtype="float64")
    open_terrain = extrapolate(np.full(z0.shape, float(reference_speed_ms)), reference_height_m, height_m,
                               np.full(z0.shape, reference_roughness_m), law, hellman_exponent)
    return open_terrain * roughness_speed_ratio(z0, height_m, reference_speed_ms=reference_speed_ms,
                                                reference_height_m=reference_height_m,
                                                reference_roughness_m=reference_roughness_m, latitude_deg=latitude_deg)


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
    reference_roughness_m: float = OPEN_TERRAIN_ROUGHNESS_M
    latitude_deg: float = 49.5


def speed_window(task: SpeedWindow) -> np.ndarray:
    """Hub-height mean wind speed [m s-1] of ``task.core``, float32."""
    core, padded, grid, halo = task.core, task.padded, task.grid, task.halo
    z0 = _roughness_window(task.landcover, grid, padded)
    if halo:
        z0 = np.exp(ndimage.uniform_filter(np.log(z0), size=2 * halo + 1, mode="nearest"))
    r0, c0 = core.row_off - padded.row_off, core.col_off - padded.col_off
    z0 = z0[r0:r0 + core.height, c0:c0 + core.width]
    if task.atlas is not None:
        v_atlas = read_on_grid(task.atlas, grid, core, Resampling.bilinear)
        return extrapolate(v_atlas, float(task.atlas_height_m), task.hub_height_m, z0, task.law,
                           task.hellman_exponent).astype("float32")
    return regional_speed(task.reference_speed_ms, task.reference_height_m, task.hub_height_m, z0,
                          reference_roughness_m=task.reference_roughness_m, latitude_deg=task.latitude_deg,
                          law=task.law, hellman_exponent=task.hellman_exponent).astype("float32")


def wind_speed_hub(grid: Grid, out_path: Path, hub_height_m: float, *, landcover: gpd.GeoDataFrame | None,
                   atlas: RasterFile | None = None, atlas_height_m: float | None = None,
                   reference_speed_ms: float = 5.5, reference_height_m: float = 100.0, law: str = "log",
                   hellman_exponent: float | None = None, roughness_radius_m: float = 500.0,
                   reference_roughness_m: float = OPEN_TERRAIN_ROUGHNESS_M, window: int = 1024,
                   executor: WindowExecutor = SERIAL) -> RasterFile:
    """Write the hub-height mean wind speed [m s-1] of every grid cell to ``out_path`` (GeoTIFF, float32).

    From ``atlas`` (local mean speed at ``atlas_height_m``) when given, else from the regional open-terrain
    ``reference_speed_ms`` at ``reference_height_m`` over ``reference_roughness_m`` (:func:`regional_speed`, at
    the latitude of the grid's centre); with the roughness of the land cover, geometric-mean over a square
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
    latitude, _ = centre_latlon(grid.bounds, grid.crs)

    def tasks():
        for core, padded in grid.windows(window, halo):
            cover = None
            if landcover is not None:
                x0, y1 = grid.transform @ (padded.col_off, padded.row_off)
                box = shapely.box(x0, y1 - padded.height * grid.res, x0 + padded.width * grid.res, y1)
                cover = landcover.iloc[np.sort(tree.query(box))]
            yield SpeedWindow(core, padded, grid, cover, hub_height_m, halo, atlas, atlas_height_m,
                              reference_speed_ms, reference_height_m, law, hellman_exponent, reference_roughness_m,
                              latitude)

    with rasterio.open(out_path, "w", **profile) as dst:
        dst.update_tags(HUB_HEIGHT_M=f"{hub_height_m:g}", UNIT="m s-1")
        for task, speed in executor.imap(speed_window, tasks()):
            dst.write(speed, 1, window=task.core)
    return RasterFile(str(out_path), unit="m s-1")
