"""Writing the demo's files: GeoPackage layers and GeoTIFFs labelled SYNTHETIC, the manifest, and the atomic
swap of a finished temporary folder into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
from rasterio.windows import transform as window_transform

from layers.grid import Grid

#: GeoTIFF creation profile of every demo raster (tiled, DEFLATE with the floating-point predictor).
GTIFF_PROFILE = {"driver": "GTiff", "dtype": "float32", "count": 1, "nodata": -9999.0, "tiled": True,
                 "blockxsize": 512, "blockysize": 512, "compress": "deflate", "predictor": 3, "zlevel": 1}


@contextmanager
def atomic_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir`` in one rename."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def fast_sqlite() -> Iterator[None]:
    """No fsync per GeoPackage write (the folder is swapped in atomically once complete)."""
    key = "OGR_SQLITE_SYNCHRONOUS"
    previous = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: previous})


def write_vector(frame: gpd.GeoDataFrame, path: Path, layer: str, description: str, label: str) -> None:
    """Append ``layer`` to a GeoPackage, its description and metadata saying it is synthetic."""
    first = not path.exists()
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", append=not first,
                            layer_options={"DESCRIPTION": f"{label} {description}"},
                            layer_metadata={"SYNTHETIC": label, "LAYER_ID": layer},
                            dataset_metadata={"SYNTHETIC": label} if first else None)


def write_raster_array(path: Path, grid: Grid, array: np.ndarray, tags: dict[str, str]) -> None:
    """A small raster held in memory (night lights)."""
    prof = {**GTIFF_PROFILE, "width": grid.width, "height": grid.height, "transform": grid.transform,
            "crs": grid.crs.to_wkt()}
    if grid.width < 512 or grid.height < 512:
        prof.update(tiled=False)
        prof.pop("blockxsize")
        prof.pop("blockysize")
    with rasterio.open(path, "w", **prof) as dst:
        dst.update_tags(**tags)
        dst.write(array.astype(np.float32), 1)


def write_raster_windows(path: Path, grid: Grid, sample, tags: dict[str, str], window_cells: int = 1024) -> None:
    """A raster computed window by window: ``sample(transform, rows, cols)`` gives each window's values."""
    prof = {**GTIFF_PROFILE, "width": grid.width, "height": grid.height, "transform": grid.transform,
            "crs": grid.crs.to_wkt()}
    with rasterio.open(path, "w", **prof) as dst:
        dst.update_tags(**tags)
        for window, _ in grid.windows(window_cells):
            values = sample(window_transform(window, grid.transform), window.height, window.width)
            dst.write(values.astype(np.float32), 1, window=window)


def write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
