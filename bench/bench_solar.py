"""Benchmark of the solar step: the demo region (8 × 6 km, 1 m DSM) and a 10× larger one; time per km² of
built-up area with 16 horizon sectors, and peak memory.

Run from the repository root::

    python bench/bench_solar.py                     # demo region and 10× its area
    python bench/bench_solar.py --cases demo        # one case
    python bench/bench_solar.py --sectors 32        # more horizon sectors

Each case runs in a fresh child process (``bench/harness.py``) so its peak memory is its own; the peak resident set is reset after
the inputs are loaded (Linux ``/proc/self/clear_refs``), so "step peak" is the step's own. Inputs come from
the demo generator through ``layers.sources.RegionSource`` and are kept under ``--cache`` (shared with the
other benchmarks: same region ids and demo specs, so a generation is reused). Built-up area is the sum of
the building footprints.

``--grass`` (needs Debian's grass-core) compares with GRASS on a 400 × 400 m tile of the demo DSM, like
with like: clear sky on both sides (r.sun without cloud coefficients, Linke turbidity from pvlib's monthly
table; here a climate table equal to the clear-sky monthly GHI, spread uniformly). GRASS: r.horizon (16
directions, 200 m) + r.sun for the 15th of every month, scaled by the days of the month (an annual run
would take 365 r.sun calls: its time is extrapolated ×365/12). Printed: both times and the ratio, and the
ratio of annual clear-sky irradiation on roof cells (median and interquartile range). r.sun works on each
cell's own slope and aspect, the step on its roof face's plane, so only planar interior roof cells are compared
(and flat roofs keep their own plane, no racked rows). GRASS 8.2's r.horizon writes negative horizon angles
that r.sun misreads (fixed in 8.3), so each horizon map is clamped at 0 first. The expected ratio is not 1:
r.sun's ESRA clear sky with the Linke turbidity gives more irradiation than pvlib's Ineichen model with the same
turbidity (README, "Solar roofs": median ≈ 0.91).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import case_figures, peak_rss_mb, reset_peak_rss

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Demo region extent (layers/regions/minett-demo.toml) and the 10× case (√10 × each side).
CASES = {"demo": (8000.0, 6000.0), "demo10x": (8000.0 * math.sqrt(10), 6000.0 * math.sqrt(10))}
ORIGIN = (62000.0, 59000.0)


def run_case(name: str, cache: Path, sectors: int) -> dict:
    """Load the demo inputs of the case, run the solar step once, return the figures."""
    from layers.region import parse_region
    from layers.sources import RegionSource
    from processing.pipeline import StepContext
    from processing.solar import STEP

    width, height = CASES[name]
    config = parse_region({"region": {"id": f"bench-{name}", "title": f"bench {name} (synthetic)",
                                      "crs": "EPSG:2169"},
                           "demo": {"origin": list(ORIGIN), "width_m": width, "height_m": height},
                           "resolution": {"solar": 1.0}}, cache)
    source = RegionSource(config, cache)
    t0 = time.perf_counter()
    source.ensure_demo()
    inputs = {k: source(k) for k in (*STEP.required_input_ids(), *STEP.optional_input_ids())}
    load_s = time.perf_counter() - t0
    buildings = inputs["buildings"]
    built_km2 = float(buildings.geometry.area.sum()) / 1e6
    load_peak = peak_rss_mb()
    reset = reset_peak_rss()
    params = STEP.parse_params({"n_sectors": sectors})
    with tempfile.TemporaryDirectory(prefix="bench-solar-") as work:
        ctx = StepContext(source.region_context(), inputs, params, lambda f, m: None, Path(work), step=STEP)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        out = STEP.run(ctx)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        roofs = out["solar_roofs"]
        rows, cols = out["solar_irradiation"].shape
    return {"case": name, "region_km2": width * height / 1e6, "buildings": len(buildings),
            "built_up_km2": round(built_km2, 3), "faces": len(roofs), "raster_cells": rows * cols,
            "sectors": sectors, "inputs_s": round(load_s, 1), "step_wall_s": round(wall, 1),
            "step_cpu_s": round(cpu, 1), "wall_s_per_built_km2": round(wall / built_km2, 1),
            "cpu_s_per_built_km2": round(cpu / built_km2, 1), "ms_per_building": round(1000 * wall / len(buildings), 1),
            "inputs_peak_rss_mb": round(load_peak), "step_peak_rss_mb": round(peak_rss_mb()),
            "peak_reset": reset, "yield_gwh_yr": round(float(roofs["yield_kwh_yr"].sum()) / 1e6, 2)}


GRASS_TILE_M = 400.0
#: Days of year of the 15th of each month (non-leap year) and the days of each month.
MID_MONTH_DAYS = (15, 46, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349)
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def grass_compare(cache: Path, sectors: int) -> None:
    """Clear-sky irradiation and time of the step vs GRASS r.horizon + r.sun on a tile of the demo DSM."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pvlib
    import rasterio
    from pyproj import Transformer
    from rasterio.windows import from_bounds

    from layers.raster import RasterFile
    from layers.region import parse_region
    from layers.sources import RegionSource
    from processing.pipeline import RegionContext, StepContext
    from processing.solar import STEP
    from processing.solar.sky import year_times

    width, height = CASES["demo"]
    config = parse_region({"region": {"id": "bench-demo", "title": "bench demo (synthetic)", "crs": "EPSG:2169"},
                           "demo": {"origin": list(ORIGIN), "width_m": width, "height_m": height}}, cache)
    source = RegionSource(config, cache)
    source.ensure_demo()
    buildings, dsm = source("buildings"), source("dsm")
    cx, cy = (float(v) for v in np.median(np.stack([buildings.centroid.x, buildings.centroid.y]), axis=1))
    half = GRASS_TILE_M / 2
    bounds = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
    work = Path(tempfile.mkdtemp(prefix="bench-solar-grass-"))
    tile = work / "tile.tif"
    with rasterio.open(dsm.path) as src:
        window = from_bounds(*bounds, transform=src.transform)
        data = src.read(1, window=window)
        profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1,
                   "dtype": data.dtype, "crs": src.crs, "transform": src.window_transform(window),
                   "nodata": src.nodata}
    with rasterio.open(tile, "w", **profile) as dst:
        dst.write(data, 1)
    lon, lat = Transformer.from_crs("EPSG:2169", "EPSG:4326", always_xy=True).transform(cx, cy)
    mid = pd.DatetimeIndex([pd.Timestamp("2023-01-01") + pd.Timedelta(days=d - 1) for d in MID_MONTH_DAYS])
    linke = pvlib.clearsky.lookup_linke_turbidity(mid, lat, lon).to_numpy()
    step = 360.0 / sectors
    script = ["set -e", f"r.in.gdal input={tile} output=dsm --quiet", "g.region raster=dsm",
              "r.slope.aspect elevation=dsm slope=slope aspect=aspect --quiet",
              "t0=$(date +%s.%N)", f"r.horizon elevation=dsm step={step} maxdistance=200 output=hor --quiet",
              # GRASS 8.2's r.horizon writes negative angles (terrain below the horizontal) that r.sun reads as
              # large positive ones, blocking the sun (fixed in 8.3): clamp every horizon map at 0
              ("for m in $(g.list type=raster pattern='hor_*'); do "
               "r.mapcalc expression=\"clamped = max($m, 0.0)\" --quiet --overwrite; "
               "g.rename raster=clamped,$m --overwrite --quiet; done"),
              "t1=$(date +%s.%N)"]
    for day, tl in zip(MID_MONTH_DAYS, linke, strict=True):
        script.append(f"r.sun elevation=dsm aspect=aspect slope=slope horizon_basename=hor horizon_step={step} "
                      f"linke_value={tl:.2f} albedo_value=0.2 day={day} glob_rad=g{day} --quiet")
    script += ["t2=$(date +%s.%N)",
               "r.mapcalc expression=\"annual = (" + " + ".join(f"g{d} * {n}" for d, n in
                                                      zip(MID_MONTH_DAYS, MONTH_DAYS, strict=True)) + ") / 1000.0\"",
               f"r.out.gdal input=annual output={work / 'rsun.tif'} format=GTiff type=Float32 -f --quiet",
               "echo GRASS_TIMES $t0 $t1 $t2"]
    (work / "run.sh").write_text("\n".join(script) + "\n")
    proc = subprocess.run(["grass", "--tmp-location", "EPSG:2169", "--exec", "bash", str(work / "run.sh")],
                          capture_output=True, text=True, check=False)
    times = [line for line in proc.stdout.splitlines() if line.startswith("GRASS_TIMES")]
    if proc.returncode != 0 or not times:
        print(f"GRASS run failed: {proc.stderr[-1500:]}")
        return
    t0, t1, t2 = (float(v) for v in times[-1].split()[1:])
    horizon_s, sun_s = t1 - t0, t2 - t1
    # the step on the same tile, clear sky (k = 1 every month, uniform)
    times_y = year_times(2023)
    clear = pvlib.location.Location(lat, lon, altitude=300.0).get_clearsky(times_y, model="ineichen")
    monthly = clear["ghi"].groupby(times_y.month).sum() / 1000.0
    climate = pd.DataFrame({"month": range(1, 13), "ghi_kwh_m2": monthly.to_numpy(), "temp_air_c": 10.0})
    inside = buildings[buildings.centroid.within(gpd.GeoSeries.from_xy([cx], [cy]).buffer(half, cap_style=3)[0])]
    region = RegionContext("grass-tile", config.crs, tuple(float(v) for v in bounds), {"solar": 1.0})
    inputs = {"buildings": inside, "dem": source("dem"), "communes": source("communes"),
              "dsm": RasterFile(str(tile), "m"), "climate": climate}
    # like with like: r.sun sees every cell's own plane, so flat roofs keep theirs (no racked rows here)
    params = STEP.parse_params({"n_sectors": sectors, "day_model": "uniform", "search_distance_m": 200.0,
                                "flat_tilt_deg": 0.0})
    with tempfile.TemporaryDirectory(prefix="bench-solar-tile-") as tmp:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        out = STEP.run(StepContext(region, inputs, params, lambda f, m: None, Path(tmp), step=STEP))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        ours_file = out["solar_irradiation"]
        with rasterio.open(ours_file.path) as src_ours, rasterio.open(work / "rsun.tif") as src_g:
            g = src_g.read(1)
            ours = src_ours.read(1, window=from_bounds(*bounds, transform=src_ours.transform),
                                 boundless=True, fill_value=np.nan)[:g.shape[0], :g.shape[1]]
    # like with like: roof cells whose 3 × 3 neighbourhood is one plane (r.sun's per-cell slope and aspect are
    # those of the face there; at ridges, hips and eaves they are not)
    from scipy import ndimage

    planar = np.abs(ndimage.laplace(data.astype(float), mode="nearest")) < 0.05
    interior = ndimage.minimum_filter(np.isfinite(ours).astype(np.uint8), 3) > 0
    both = interior & planar & np.isfinite(g) & (g > 0)
    ratio = ours[both] / g[both]
    q1, med, q3 = np.percentile(ratio, [25, 50, 75])
    grass_year = horizon_s + sun_s * 365.0 / 12.0
    print(f"GRASS tile {GRASS_TILE_M:.0f} m ({len(inside)} buildings, {int(both.sum())} planar interior roof cells compared): "
          f"r.horizon {horizon_s:.1f} s + r.sun {sun_s:.1f} s for 12 days (≈{grass_year:.0f} s for 365 days); "
          f"step {wall:.1f} s wall ({cpu:.1f} s CPU, whole year hourly) → GRASS/step time ×{grass_year / wall:.1f}")
    print(f"clear-sky irradiation on roof cells, step / r.sun: median {med:.3f} (IQR {q1:.3f}-{q3:.3f}); "
          f"means {np.mean(ours[both]):.0f} vs {np.mean(g[both]):.0f} kWh m-2 yr-1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geoservice-bench",
                        help="folder of generated demo inputs (default: %(default)s)")
    parser.add_argument("--sectors", type=int, default=16, help="horizon sectors (default: %(default)s)")
    parser.add_argument("--grass", action="store_true", help="only compare with GRASS r.horizon + r.sun on a tile")
    args = parser.parse_args()
    command = "python bench/bench_solar.py " + " ".join(sys.argv[1:])
    print(f"# {command.strip()}  (cpus: {os.cpu_count()})")
    if args.grass:
        if shutil.which("grass") is None:
            print("GRASS (r.horizon + r.sun): not installed (Debian grass-core), comparison skipped")
        else:
            grass_compare(args.cache, args.sectors)
        return
    results = []
    for name in args.cases:
        r = case_figures(name, run_case, name, args.cache, args.sectors)
        if r is None:
            continue
        results.append(r)
        print(f"{name}: {r['region_km2']:.0f} km² region, {r['buildings']} buildings, {r['built_up_km2']:.2f} km² "
              f"built up, {r['faces']} faces, {r['sectors']} sectors: step {r['step_wall_s']} s wall "
              f"({r['step_cpu_s']} s CPU) = {r['wall_s_per_built_km2']} s per km² built up, "
              f"{r['ms_per_building']} ms per building; peak RSS {r['step_peak_rss_mb']} MB during the step "
              f"({r['inputs_peak_rss_mb']} MB after loading inputs)")
    if len(results) == 2:
        a, b = results
        print(f"10x region: built-up area ×{b['built_up_km2'] / a['built_up_km2']:.1f}, time "
              f"×{b['step_wall_s'] / a['step_wall_s']:.1f}, step peak memory ×{b['step_peak_rss_mb'] / a['step_peak_rss_mb']:.2f}")
    print("GRASS comparison: python bench/bench_solar.py --grass")


if __name__ == "__main__":
    main()
