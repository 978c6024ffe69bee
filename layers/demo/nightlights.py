"""Night-time radiance (VIIRS-like, ~100 m) from the density of buildings and street lights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from scipy import ndimage

from layers.demo.frame import DemoFrame
from layers.grid import Grid

#: Cell size of the night-light raster [m].
NIGHT_LIGHTS_RES_M = 100.0
#: Rural background and brightest urban radiance [nW cm-2 sr-1] (VIIRS DNB orders of magnitude).
BACKGROUND_RADIANCE, PEAK_RADIANCE = 0.3, 60.0


def night_lights(frame: DemoFrame, buildings: gpd.GeoDataFrame, lights: gpd.GeoDataFrame) -> tuple[Grid, np.ndarray]:
    """Radiance [nW cm-2 sr-1] on a 100 m grid: blurred built-up area plus lamp flux, scaled to the peak."""
    grid = Grid(frame.bounds, NIGHT_LIGHTS_RES_M, frame.crs)
    xmin, ymin, xmax, ymax = grid.bounds
    edges = (np.linspace(xmin, xmax, grid.width + 1), np.linspace(ymin, ymax, grid.height + 1))
    c = buildings.geometry.centroid
    built, _, _ = np.histogram2d(c.x, c.y, bins=edges, weights=buildings.geometry.area)
    lamps, _, _ = np.histogram2d(lights.geometry.x, lights.geometry.y, bins=edges, weights=lights.flux_lm)
    density = ndimage.gaussian_filter(built / max(built.max(), 1.0) + lamps / max(lamps.max(), 1.0), 1.2)
    radiance = BACKGROUND_RADIANCE + PEAK_RADIANCE * (density / max(density.max(), 1e-9)) ** 0.8
    return grid, np.flipud(radiance.T).astype(np.float32)  # histogram axes (x, y) → rows from the north
