"""Class rasters on the terrain's coarse grid turned into polygons that tile the region (land cover, geology).

Polygons traced from one raster tile the region exactly: no gaps, no overlaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from rasterio import features

from layers.grid import Grid


def burn(classes: np.ndarray, grid: Grid, shapes, value: int, all_touched: bool = False) -> None:
    """Set ``classes`` to ``value`` under ``shapes`` (in place)."""
    shapes = [g for g in shapes if g is not None and not g.is_empty]
    if shapes:
        mask = features.rasterize([(g, 1) for g in shapes], out_shape=classes.shape, transform=grid.transform,
                                  dtype="uint8", all_touched=all_touched).astype(bool)
        classes[mask] = value


def polygonize(classes: np.ndarray, grid: Grid, names: tuple[str, ...], field: str) -> gpd.GeoDataFrame:
    """One polygon per connected patch of a class; ``names[k - 1]`` is the name of class code ``k``."""
    values, geoms = [], []
    for geom, value in features.shapes(classes.astype(np.uint8), transform=grid.transform, connectivity=4):
        values.append(names[int(value) - 1])
        geoms.append(shapely.geometry.shape(geom))
    return gpd.GeoDataFrame({field: values}, geometry=geoms, crs=grid.crs)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], correlation_cells: float) -> np.ndarray:
    """Gaussian-smoothed white noise scaled to [-1, 1]."""
    from scipy import ndimage

    n = ndimage.gaussian_filter(rng.standard_normal(shape), correlation_cells, mode="reflect")
    return n / max(np.abs(n).max(), 1e-9)
