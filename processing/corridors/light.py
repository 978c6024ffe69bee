"""Light model for the black (darkness) network: street lamps with distance decay, and night-time radiance.

Bats avoid street lights up to 25 m (Myotis) and 50 m (Eptesicus) (Azam et al. 2018, docs/REFERENCES.md), so a
cell within ``strong_m`` of a lamp multiplies the green resistance by ``strong_factor``, a cell within
``avoid_m`` by ``avoid_factor``; farther away the factor decays exponentially towards 1 with length
``decay_m`` and is exactly 1 beyond ``influence_m = avoid_m + 5 decay_m``. A lamp's distances scale with
the square root of its flux (illuminance falls with the square of distance):
``d_eff = d sqrt(flux_ref / flux)``. A night-light raster, when given, multiplies by
``1 + radiance / radiance_ref``.

Azam, C. et al. (2018). Evidence for distance and illuminance thresholds in the effects of artificial
lighting on bat activity. Landscape and Urban Planning 175, 123-135.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import rasterio.windows
from rasterio.enums import Resampling
from rasterio.warp import reproject
from scipy.spatial import cKDTree
from shapely import unary_union

from layers.errors import InputDataError
from layers.grid import Grid
from layers.raster import Raster, RasterFile

#: Distance within which Myotis bats avoid street lights [m] (Azam et al. 2018).
MYOTIS_AVOIDANCE_M = 25.0
#: Distance within which Eptesicus bats avoid street lights [m] (Azam et al. 2018).
EPTESICUS_AVOIDANCE_M = 50.0
#: Flux of a typical residential street lamp, the reference of the distance thresholds [lm] (estimate).
REFERENCE_LAMP_FLUX_LM = 3_000.0
#: Nearest lamps examined per cell (the nearest by distance need not be the brightest).
NEAREST_LAMPS = 4
WINDOW_CELLS = 512


@dataclass(frozen=True)
class LightModel:
    """Parameters of the darkness model (see the module docstring). Distances [m], factors [-]."""

    strong_m: float = MYOTIS_AVOIDANCE_M
    avoid_m: float = EPTESICUS_AVOIDANCE_M
    strong_factor: float = 100.0
    avoid_factor: float = 10.0
    decay_m: float = 50.0
    reference_flux_lm: float = REFERENCE_LAMP_FLUX_LM
    radiance_ref: float = 10.0
    lit_radiance: float = 20.0

    @property
    def influence_m(self) -> float:
        """Distance beyond which a lamp changes nothing [m]."""
        return self.avoid_m + 5.0 * self.decay_m

    def factor(self, d_eff: np.ndarray) -> np.ndarray:
        """Resistance multiplier [-] at effective distance ``d_eff`` [m] from the nearest lamp."""
        d = np.asarray(d_eff, dtype=float)
        decay = 1.0 + (self.avoid_factor - 1.0) * np.exp(-np.maximum(d - self.avoid_m, 0.0) / self.decay_m)
        out = np.where(d <= self.strong_m, self.strong_factor, np.where(d <= self.avoid_m, self.avoid_factor, decay))
        return np.where(d > self.influence_m, 1.0, out)


def _lamp_scale(lamps: gpd.GeoDataFrame, model: LightModel) -> np.ndarray:
    """``sqrt(flux_ref / flux)`` per lamp [-] (1 where the flux is unknown)."""
    if "flux_lm" not in lamps:
        return np.ones(len(lamps))
    flux = lamps["flux_lm"].astype(float).to_numpy()
    if np.any(flux[~np.isnan(flux)] <= 0):
        raise InputDataError("streetlights.flux_lm must be > 0 where given; leave it empty when unknown")
    return np.sqrt(model.reference_flux_lm / np.where(np.isnan(flux), model.reference_flux_lm, flux))


def lamp_distance(grid: Grid, lamps: gpd.GeoDataFrame | None, model: LightModel) -> np.ndarray:
    """Effective distance from each cell centre to the nearest lamp [m], capped at ``model.influence_m``.

    Windowed: each window queries a k-d tree of all lamps for the ``NEAREST_LAMPS`` nearest within the
    influence distance (the neighbourhood a window reads is the lamps within ``influence_m``, no raster halo).
    """
    out = np.full(grid.shape, model.influence_m, dtype=np.float32)
    if lamps is None:
        return out
    pts = lamps.geometry[~lamps.geometry.is_empty]
    if len(pts) == 0:
        return out
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    scale = _lamp_scale(lamps.loc[pts.index], model)
    tree = cKDTree(xy)
    k = min(NEAREST_LAMPS, len(xy))
    reach = model.influence_m / scale.min()  # the farthest a dim lamp's influence can reach [m]
    for win, _ in grid.windows(WINDOW_CELLS):
        t = rasterio.windows.transform(win, grid.transform)
        cols, rows = np.meshgrid(np.arange(win.width) + 0.5, np.arange(win.height) + 0.5)
        x, y = t @ (cols.ravel(), rows.ravel())
        d, i = tree.query(np.column_stack([x, y]), k=k, distance_upper_bound=reach)
        d, i = d.reshape(len(x), k), i.reshape(len(x), k)
        found = i < len(xy)
        d_eff = np.where(found, d * scale[np.minimum(i, len(xy) - 1)], np.inf).min(axis=1)
        out[win.toslices()] = np.minimum(d_eff, model.influence_m).reshape(int(win.height), int(win.width))
    return out


def night_radiance(grid: Grid, night_lights: Raster | RasterFile) -> np.ndarray:
    """Night-time radiance resampled (bilinear) onto ``grid`` [nW cm-2 sr-1], 0 where it has no data.

    Night-light rasters are coarse (VIIRS: about 500 m), so the whole raster is read at once.
    """
    out = np.zeros(grid.shape, dtype=np.float32)
    try:
        src = night_lights.load() if isinstance(night_lights, RasterFile) else night_lights
    except Exception as exc:  # rasterio raises several types for unreadable files
        raise InputDataError(f"night_lights {night_lights.path!r} cannot be read: {exc}") from exc
    data = src.array.astype(np.float32)
    data[~src.valid_mask()] = np.nan
    reproject(data, out, src_transform=src.transform, src_crs=src.crs, dst_transform=grid.transform,
              dst_crs=grid.crs, resampling=Resampling.bilinear, src_nodata=np.nan, dst_nodata=np.nan)
    out = np.nan_to_num(out, nan=0.0)
    if np.any(out < 0):
        raise InputDataError("night_lights holds negative radiance; expected nW cm-2 sr-1 >= 0")
    return out


def light_factor(distance_m: np.ndarray, radiance: np.ndarray | None, model: LightModel) -> np.ndarray:
    """Resistance multiplier [-] from lamp distance [m] and, when given, radiance [nW cm-2 sr-1]."""
    f = model.factor(distance_m)
    if radiance is not None:
        f = f * (1.0 + radiance / model.radiance_ref)
    return f.astype(np.float32)


def lit_zones(lamps: gpd.GeoDataFrame | None, model: LightModel):
    """(strong, avoided) lit areas around lamps: within ``strong_m`` and ``avoid_m`` (scaled by flux) [m]."""
    if lamps is None or len(lamps) == 0:
        return None, None
    scale = _lamp_scale(lamps, model)
    strong = unary_union(lamps.geometry.buffer(model.strong_m / scale, 8).values)
    avoid = unary_union(lamps.geometry.buffer(model.avoid_m / scale, 8).values)
    return strong, avoid
