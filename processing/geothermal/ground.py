"""Per-cell ground potential rasters: λ, the indicative VDI 4640-2 extraction and G.POT, window by window."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio import features

from layers.grid import Grid
from layers.raster import RasterFile
from processing.geothermal.conductivity import lithology_conductivity, vdi4640_2_extraction_w_m
from processing.geothermal.gpot import gpot_energy_mwh_yr

#: Cells per side of a processing window (no halo: each cell only reads its own lithology).
WINDOW_CELLS = 1024


def ground_rasters(
    geology: gpd.GeoDataFrame,
    grid: Grid,
    workdir: Path,
    table: Mapping[str, float],
    *,
    operating_hours: int = 1800,
    gpot_kwargs: Mapping[str, float] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, RasterFile]:
    """Write λ [W m-1 K-1], VDI 4640-2 extraction [W m-1] and G.POT [MWh yr-1 per probe] GeoTIFFs.

    Cells take the lithology of the geology polygon holding their centre; cells outside every polygon are
    NaN. ``gpot_kwargs`` go to :func:`gpot_energy_mwh_yr` (probe length, temperatures, ...).
    Returns RasterFiles keyed ``conductivity``, ``extraction``, ``potential``.
    """
    lam_by_code = lithology_conductivity(geology["lithology"].to_numpy(), table)
    geoms = geology.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    profile = {"driver": "GTiff", "dtype": "float32", "count": 1, "width": grid.width, "height": grid.height,
               "crs": grid.crs.to_wkt(), "transform": grid.transform, "nodata": np.nan, "tiled": True,
               "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    names = {"conductivity": ("geothermal_conductivity.tif", "W m-1 K-1"),
             "extraction": ("geothermal_extraction_vdi.tif", "W m-1"),
             "potential": ("geothermal_potential.tif", "MWh yr-1")}
    paths = {k: Path(workdir) / f for k, (f, _) in names.items()}
    dsts = {k: rasterio.open(p, "w", **profile) for k, p in paths.items()}
    try:
        wins = list(grid.windows(WINDOW_CELLS))
        for i, (core, _) in enumerate(wins):
            x0 = grid.bounds[0] + core.col_off * grid.res
            y1 = grid.bounds[3] - core.row_off * grid.res
            transform = Affine(grid.res, 0.0, x0, 0.0, -grid.res, y1)
            box = shapely.box(x0, y1 - core.height * grid.res, x0 + core.width * grid.res, y1)
            hits = tree.query(box, predicate="intersects")
            codes = np.zeros((core.height, core.width), dtype=np.int32)  # 0 = no geology
            if len(hits):
                features.rasterize(((geoms[j], int(j) + 1) for j in hits), out=codes, transform=transform)
            lam = np.concatenate([[np.nan], lam_by_code])[codes]
            dsts["conductivity"].write(lam.astype(np.float32), 1, window=core)
            dsts["extraction"].write(vdi4640_2_extraction_w_m(lam, operating_hours).astype(np.float32), 1,
                                     window=core)
            dsts["potential"].write(gpot_energy_mwh_yr(lam, **dict(gpot_kwargs or {})).astype(np.float32), 1,
                                    window=core)
            if progress:
                progress((i + 1) / len(wins), "ground potential")
    finally:
        for dst in dsts.values():
            dst.close()
    return {k: RasterFile(str(paths[k]), names[k][1]) for k in names}
