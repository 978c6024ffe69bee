"""Green roofs as stepping stones of the green network: a lower resistance where green roofs cover a cell.

Green roofs are habitat for mobile species (Braaker et al. 2014: connectivity to ground-level green space and
to other green roofs shaped the arthropod communities of 40 green roofs in Zurich; docs/REFERENCES.md
"Corridors"). A green roof is too small to be a habitat core; it helps by letting an organism cross the built
matrix in shorter hops. In a least-cost network that is a lower cost of crossing the roof's cells: a cell of
resistance r whose share s of area is green roof gets

    r' = max(1, r × (1 − s × (1 − f)))

— the area-weighted mean of the roof at f × r and the rest of the cell at r — with f the parameter
``green_roof_resistance_factor``. The roofs used are those the green-roofs step flags as ``stepping_stone``
(greened area at least ``[params.green_roofs] stepping_stone_min_m2``); a face's green share is its
``green_area_m2 / area_m2`` (the edge strip and, on pitched roofs, the slope kept), spread evenly over its
outline.

Why not stepping-stone nodes in the graph: PC takes the maximum-product path, and with ``p = exp(−k d)``
the product over core → roof → core is ``exp(−k (d1 + d2))``. Without a lower resistance on the roof,
``d1 + d2`` is never below the direct least-cost distance (the direct path may pass over the roof too), so a
zero-area node adds nothing to PC; with it, the direct least-cost link already takes the cheaper crossing.
Both views agree once the roof is cheaper to cross, so the roof enters through the resistance, and every
output (corridors, paths, PC, dPC, barriers) follows from it.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import InputDataError
from layers.grid import Grid

log = logging.getLogger(__name__)

#: Fields of ``green_roofs`` read here.
ROOF_FIELDS = ("area_m2", "green_area_m2", "stepping_stone")


def stepping_stone_roofs(roofs: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Outlines of the stepping-stone roofs and the green share of each [-] (``green_area_m2 / area_m2``)."""
    missing = [f for f in ROOF_FIELDS if f not in roofs]
    if missing:
        raise InputDataError(f"green_roofs lacks {missing}; run the green_roofs step of this version first")
    keep = (roofs["stepping_stone"].fillna(False).astype(bool).to_numpy() & roofs.geometry.notna().to_numpy()
            & ~roofs.geometry.is_empty.to_numpy())
    area = roofs["area_m2"].to_numpy(float)[keep]
    green = roofs["green_area_m2"].to_numpy(float)[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip(np.where(area > 0, green / area, 0.0), 0.0, 1.0)
    return shapely.make_valid(roofs.geometry.to_numpy()[keep]), share


def green_roof_cover(grid: Grid, roofs: gpd.GeoDataFrame) -> np.ndarray:
    """Share of each cell's area covered by stepping-stone green roofs [-], float32 in [0, 1].

    Exact: each roof outline is intersected with the cells its bounding box touches, and the intersection's
    area times the roof's green share is added to the cell (divided by the cell area). Roofs are small, so
    the pairs are few (about (1 + side / res)² per roof).
    """
    cover = np.zeros(grid.shape, np.float64)
    geoms, share = stepping_stone_roofs(roofs)
    if len(geoms) == 0:
        return cover.astype(np.float32)
    res = grid.res
    x0, y1 = grid.bounds[0], grid.bounds[3]
    b = shapely.bounds(geoms)  # xmin, ymin, xmax, ymax
    c0 = np.clip(np.floor((b[:, 0] - x0) / res).astype(np.int64), 0, grid.width)
    c1 = np.clip(np.ceil((b[:, 2] - x0) / res).astype(np.int64), 0, grid.width)
    r0 = np.clip(np.floor((y1 - b[:, 3]) / res).astype(np.int64), 0, grid.height)
    r1 = np.clip(np.ceil((y1 - b[:, 1]) / res).astype(np.int64), 0, grid.height)
    counts = np.maximum(c1 - c0, 0) * np.maximum(r1 - r0, 0)
    roof = np.repeat(np.arange(len(geoms)), counts)
    if roof.size == 0:  # every roof outside the grid
        return cover.astype(np.float32)
    offset = np.arange(roof.size) - np.repeat(np.cumsum(counts) - counts, counts)
    ncols = np.maximum(c1 - c0, 1)[roof]
    rows = r0[roof] + offset // ncols
    cols = c0[roof] + offset % ncols
    cells = shapely.box(x0 + cols * res, y1 - (rows + 1) * res, x0 + (cols + 1) * res, y1 - rows * res)
    overlap = shapely.area(shapely.intersection(geoms[roof], cells)) * share[roof]
    np.add.at(cover, (rows, cols), overlap / (res * res))
    return np.clip(cover, 0.0, 1.0).astype(np.float32)


def with_green_roofs(resistance: np.ndarray, cover: np.ndarray, factor: float) -> np.ndarray:
    """Resistance [-] (>= 1) lowered by green-roof cover ``cover`` [-]: ``max(1, r × (1 − s × (1 − factor)))``
    (module docstring); cells without green roof keep their value."""
    if not 0.0 < factor <= 1.0:
        raise InputDataError(f"green_roof_resistance_factor must be in (0, 1], got {factor}")
    lowered = resistance * (1.0 - cover * (1.0 - factor))
    return np.maximum(lowered, 1.0).astype(resistance.dtype, copy=False)


def stepping_stone_resistance(network: str, resistance: np.ndarray, grid: Grid, params, ctx) -> np.ndarray:
    """The resistance of ``network`` with green roofs as stepping stones when ``params`` (CorridorsParams) turn
    ``green_roof_stepping_stones`` on; reads ``green_roofs`` from the step context ``ctx`` only then.

    Unchanged when off, for the blue and black networks (the black one reads the green surface before the
    roofs: lit roofs are no darkness), or when the region has no ``green_roofs`` (a warning: degraded).
    """
    if not params.green_roof_stepping_stones or network != "green":
        return resistance
    roofs = ctx.vector("green_roofs")
    if roofs is None:
        log.warning("corridors: green_roof_stepping_stones is on but there is no green_roofs layer (the "
                    "green_roofs step needs solar_roofs); the green network is computed without green roofs")
        return resistance
    cover = green_roof_cover(grid, roofs)
    log.info("corridors: green roofs cover %.2f ha of the %s network's cells (stepping stones)",
             float(cover.sum()) * grid.res * grid.res / 10_000.0, network)
    return with_green_roofs(resistance, cover, params.green_roof_resistance_factor)


def stepping_stone_inputs(params) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) inputs the corridors derive from ``params`` (CorridorsParams): ``green_roofs``,
    optional, only when green roofs are stepping stones — otherwise corridors never wait for solar."""
    return (), (("green_roofs",) if params.green_roof_stepping_stones else ())
