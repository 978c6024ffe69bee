"""Compare the current layers of two GeoPackage stores value for value.

Usage::

    python scripts/compare_runs.py DIR_A DIR_B [--tolerance T] [--only LAYER ...]

``DIR_A`` and ``DIR_B`` are data directories (``geoservice --data-dir DIR run`` writes ``DIR/store``) or store
directories (holding ``layers.gpkg``). For every layer current in either store it prints one line:

- ``same``: same columns, rows and values (numbers within ``--tolerance``, default 0: exactly equal; NaN
  equals NaN), geometries equal coordinate for coordinate, rasters equal in grid, CRS, nodata and every cell;
- ``differs``: what differs — row counts, columns, per numeric column the largest absolute difference and
  how many rows differ, per other column how many rows differ, how many geometries differ (and how many of
  those are still the same shape, ``shapely.equals``), per raster the largest absolute difference and how
  many cells differ;
- ``only in A`` / ``only in B``.

Rows are compared in stored order (feature ids 1..N follow the published order, so a reordering counts as a
difference). Exit status: 0 when every layer is the same, 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import Window

from geoservice.store.gpkg import GPKG_NAME, GeoPackageStore

#: Rows of a raster compared at once.
RASTER_BLOCK_ROWS = 512


def open_store(path: str) -> GeoPackageStore:
    """The GeoPackage store in ``path`` or in ``path/store``."""
    for candidate in (Path(path), Path(path) / "store"):
        if (candidate / GPKG_NAME).is_file():
            return GeoPackageStore(candidate)
    raise SystemExit(f"no {GPKG_NAME} in {path} or {Path(path) / 'store'}: give a data or store directory")


def _numeric_diff(a: pd.Series, b: pd.Series, tolerance: float) -> tuple[float, int]:
    """Largest absolute difference and the number of rows differing by more than ``tolerance``."""
    x, y = a.to_numpy(dtype="float64", na_value=np.nan), b.to_numpy(dtype="float64", na_value=np.nan)
    both_nan = np.isnan(x) & np.isnan(y)
    one_nan = np.isnan(x) ^ np.isnan(y)
    diff = np.where(both_nan | one_nan, 0.0, np.abs(x - y))
    with np.errstate(invalid="ignore"):
        differ = one_nan | (diff > tolerance) | (np.isinf(x) & np.isinf(y) & (x != y))
    return (float(np.nanmax(diff)) if len(diff) else 0.0), int(differ.sum())


def compare_frames(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> list[str]:
    """What differs between two tables or GeoDataFrames (empty list: the same)."""
    out: list[str] = []
    if len(a) != len(b):
        return [f"rows {len(a)} vs {len(b)}"]
    cols_a, cols_b = list(a.columns), list(b.columns)
    if cols_a != cols_b:
        out.append(f"columns only in A {sorted(set(cols_a) - set(cols_b))}, only in B "
                   f"{sorted(set(cols_b) - set(cols_a))}" if set(cols_a) != set(cols_b) else "column order differs")
    geom_a = a.geometry.name if isinstance(a, gpd.GeoDataFrame) else None
    for col in [c for c in cols_a if c in cols_b]:
        x, y = a[col], b[col]
        if col == geom_a:
            ga, gb = np.asarray(x.values, dtype=object), np.asarray(y.values, dtype=object)
            exact = shapely.equals_exact(ga, gb, tolerance=tolerance) | (shapely.is_missing(ga) & shapely.is_missing(gb))
            n = int((~exact).sum())
            if n:
                same_shape = int(shapely.equals(ga[~exact], gb[~exact]).sum())
                out.append(f"geometry: {n} differ ({same_shape} of them the same shape)")
            continue
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) and not (
                pd.api.types.is_bool_dtype(x) or pd.api.types.is_bool_dtype(y)):
            biggest, n = _numeric_diff(x, y, tolerance)
            if n:
                out.append(f"{col}: {n} differ, max abs diff {biggest:.6g}")
        else:
            xs, ys = x.astype(object).where(x.notna(), None), y.astype(object).where(y.notna(), None)
            n = int(sum(p != q for p, q in zip(xs, ys, strict=True)))
            if n:
                out.append(f"{col}: {n} differ")
    return out


def compare_rasters(path_a: Path, path_b: Path, tolerance: float) -> list[str]:
    """What differs between two single-band rasters (empty list: the same), read block by block."""
    with rasterio.open(path_a) as a, rasterio.open(path_b) as b:
        meta = []
        for name in ("crs", "transform", "width", "height", "count", "nodata"):
            va, vb = getattr(a, name), getattr(b, name)
            same = (va == vb) or (isinstance(va, float) and isinstance(vb, float) and np.isnan(va) and np.isnan(vb))
            if not same:
                meta.append(f"{name} {va} vs {vb}")
        if meta:
            return meta
        biggest, n = 0.0, 0
        for row in range(0, a.height, RASTER_BLOCK_ROWS):
            window = Window(0, row, a.width, min(RASTER_BLOCK_ROWS, a.height - row))
            for band in range(1, a.count + 1):
                x = a.read(band, window=window, masked=True).astype("float64").filled(np.nan).ravel()
                y = b.read(band, window=window, masked=True).astype("float64").filled(np.nan).ravel()
                big, k = _numeric_diff(pd.Series(x), pd.Series(y), tolerance)
                biggest, n = max(biggest, big), n + k
    return [f"{n} cells differ, max abs diff {biggest:.6g}"] if n else []


def compare_stores(a: GeoPackageStore, b: GeoPackageStore, tolerance: float = 0.0,
                   only: list[str] | None = None) -> list[tuple[str, str, list[str]]]:
    """``(layer_id, status, details)`` for every layer current in either store, sorted by id."""
    va = {v.layer_id: v for v in a.published()}
    vb = {v.layer_id: v for v in b.published()}
    rows = []
    for layer_id in sorted(set(va) | set(vb)):
        if only and layer_id not in only:
            continue
        if layer_id not in vb:
            rows.append((layer_id, "only in A", []))
            continue
        if layer_id not in va:
            rows.append((layer_id, "only in B", []))
            continue
        kind = va[layer_id].kind
        if kind != vb[layer_id].kind:
            rows.append((layer_id, "differs", [f"kind {kind} vs {vb[layer_id].kind}"]))
            continue
        if kind == "raster":
            details = compare_rasters(a.raster_path(layer_id), b.raster_path(layer_id), tolerance)
        elif kind == "vector":
            details = compare_frames(a.read_vector(layer_id), b.read_vector(layer_id), tolerance)
        else:
            details = compare_frames(a.read_table(layer_id), b.read_table(layer_id), tolerance)
        rows.append((layer_id, "differs" if details else "same", details))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir_a", help="data directory (or store directory) of run A")
    parser.add_argument("dir_b", help="data directory (or store directory) of run B")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="largest absolute difference counted as equal (numbers, coordinates, cells); default 0")
    parser.add_argument("--only", nargs="+", metavar="LAYER", help="compare only these layer ids")
    args = parser.parse_args(argv)
    if args.tolerance < 0:
        parser.error("--tolerance must be >= 0")
    a, b = open_store(args.dir_a), open_store(args.dir_b)
    try:
        rows = compare_stores(a, b, args.tolerance, args.only)
    finally:
        a.close()
        b.close()
    width = max((len(r[0]) for r in rows), default=5)
    for layer_id, status, details in rows:
        print(f"{layer_id:<{width}}  {status}" + (f": {'; '.join(details)}" if details else ""))
    differing = sum(status != "same" for _, status, _ in rows)
    print(f"{len(rows)} layers, {len(rows) - differing} same, {differing} differ or are missing")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
