"""Land cover tiling the region in the 8 canonical classes, consistent with terrain, settlements and water."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from layers.catalog.inputs import LANDCOVER_CLASSES
from layers.demo.classify import burn, polygonize, smooth_noise
from layers.demo.frame import DemoFrame
from layers.demo.layout import Layout
from layers.demo.terrain import COARSE_RES_M, Terrain

CODE = {name: i + 1 for i, name in enumerate(LANDCOVER_CLASSES)}


def landcover_classes(frame: DemoFrame, layout: Layout, terrain: Terrain, water_bodies: gpd.GeoDataFrame,
                      wetlands: gpd.GeoDataFrame) -> np.ndarray:
    """Class codes (:data:`CODE`) on the terrain grid.

    Valley sides are mostly forest and meadow, plateaus cropland with woods, the open north-east block
    stays farmland; settlements, industry, brownfields, wetlands and water are burnt in last.
    """
    rng = frame.rng("landcover")
    grid = terrain.grid
    shape = grid.shape
    fields = smooth_noise(rng, shape, 300.0 / COARSE_RES_M)
    woods = smooth_noise(rng, shape, 400.0 / COARSE_RES_M)
    classes = np.where(fields > 0.15, CODE["grassland"], CODE["cropland"]).astype(np.uint8)
    classes[(terrain.valley < 0.5) & (fields > -0.3)] = CODE["grassland"]
    slopes = (terrain.valley > 0.12) & (terrain.valley < 0.9)
    forest = (slopes & (woods > -0.25)) | (woods > 0.45)
    core = np.zeros(shape, dtype=np.uint8)
    burn(core, grid, [frame.open_core], 1)
    forest &= ~core.astype(bool) | (woods > 0.85)
    classes[forest] = CODE["forest"]
    burn(classes, grid, [layout.airfield.polygon], CODE["grassland"])
    burn(classes, grid, [s.disc for s in layout.settlements], CODE["urban"])
    burn(classes, grid, [s.polygon for s in layout.industrial], CODE["industrial"])
    burn(classes, grid, [s.polygon for s in layout.brownfields], CODE["brownfield"])
    burn(classes, grid, list(wetlands.geometry), CODE["wetland"])
    burn(classes, grid, list(water_bodies.geometry), CODE["water"])
    burn(classes, grid, [r.line.buffer(r.width_m / 2) for r in layout.rivers if r.kind == "river"], CODE["water"],
         all_touched=True)
    return classes


def make_landcover(frame: DemoFrame, layout: Layout, terrain: Terrain, water_bodies: gpd.GeoDataFrame,
                   wetlands: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The ``landcover`` layer (polygons tiling the region) and its class codes on the terrain grid."""
    classes = landcover_classes(frame, layout, terrain, water_bodies, wetlands)
    return polygonize(classes, terrain.grid, LANDCOVER_CLASSES, "class"), classes
