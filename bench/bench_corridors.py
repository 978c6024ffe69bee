"""Benchmark of the corridors step: the demo region at 10 m and a 10× larger one; time and peak memory.

Run from the repository root::

    python bench/bench_corridors.py                  # demo region (8 × 6 km) and 10× its area
    python bench/bench_corridors.py --cases demo     # one case
    python bench/bench_corridors.py --grass          # also compare with GRASS r.cost where GRASS is installed

Each case runs in a fresh child process (``bench/harness.py``) so its peak memory (max RSS) is its own. Inputs come from the demo
generator through ``layers.sources.RegionSource`` (generated once into ``--cache``). Prints one line per case:
step wall and CPU time (CPU is the steadier figure on a shared machine), peak RSS and its growth during the
step, cores, links, barriers and the number of cost-distance runs. Goal (issue 7): demo region under 60 s.

``--grass`` writes the green resistance surface of the demo region and one core as GeoTIFFs, runs
``r.cost`` (8 neighbours, no knight's moves) in a throw-away GRASS location and compares it with
:func:`processing.corridors.costdist.cost_distance`: time ratio and largest relative difference.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import case_figures, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
#: Demo region extent (layers/regions/minett-demo.toml) and the 10× case (√10 × each side).
CASES = {"demo": (8000.0, 6000.0), "demo10x": (8000.0 * math.sqrt(10), 6000.0 * math.sqrt(10))}
ORIGIN = (62000.0, 59000.0)
SEED = 20261123
RES_M = 10.0


def _via_region_source(name: str, width_m: float, height_m: float, cache: Path):
    from layers.region import parse_region
    from layers.sources import RegionSource
    from processing.corridors import STEP

    config = parse_region({"region": {"id": f"bench-{name}", "title": f"bench {name} (synthetic)", "crs": "EPSG:2169"},
                           "demo": {"seed": SEED, "origin": list(ORIGIN), "width_m": width_m, "height_m": height_m},
                           "resolution": {"corridors": RES_M}}, cache)
    source = RegionSource(config, cache)
    return source.region_context(), {k: source(k) for k in (*STEP.required_input_ids(), *STEP.optional_input_ids())}


def inputs_for(name: str, cache: Path):
    """(region context, inputs, where they came from) for case ``name``."""
    width, height = CASES[name]
    region, inputs = _via_region_source(name, width, height, cache)
    return region, inputs, "layers.demo via RegionSource"


def run_case(name: str, cache: Path) -> dict:
    """Generate the inputs, run the step once, return the figures."""
    from processing.corridors import STEP, costdist
    from processing.pipeline import StepContext

    t0 = time.perf_counter()
    region, inputs, source = inputs_for(name, cache)
    t_inputs = time.perf_counter() - t0
    runs = {"n": 0, "cells": 0}
    original = costdist._mcp

    def counting(resistance, sources):
        runs["n"] += 1
        runs["cells"] += resistance.size
        return original(resistance, sources)

    costdist._mcp = counting
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as workdir:
        ctx = StepContext(region, inputs, STEP.parse_params({}), lambda f, m: None, Path(workdir), step=STEP)
        t0, c0 = time.perf_counter(), time.process_time()
        out = STEP.run(ctx)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    cores, paths = out["habitat_cores"], out["corridor_paths"]
    width, height = CASES[name]
    return {"case": name, "source": source, "extent_km": f"{width / 1000:.1f} x {height / 1000:.1f}",
            "cells_10m": int(math.ceil(width / RES_M) * math.ceil(height / RES_M)),
            "cores": dict(cores.network.value_counts()), "links": dict(paths.network.value_counts()),
            "uncertified_links": int((~paths.certified).sum()), "barriers": len(out["corridor_barriers"]),
            "cost_runs": runs["n"], "mean_run_cells": int(runs["cells"] / max(runs["n"], 1)),
            "inputs_s": round(t_inputs, 1), "step_s": round(seconds, 1), "step_cpu_s": round(cpu, 1),
            "peak_rss_mb": round(peak_rss_mb()), "rss_growth_in_step_mb": round(peak_rss_mb() - rss_before)}


def grass_compare(cache: Path) -> str:
    """r.cost against cost_distance on the demo region's green resistance (needs ``grass`` on PATH)."""
    grass = shutil.which("grass")
    if grass is None:
        return "grass: not installed, r.cost comparison skipped"
    import numpy as np
    import rasterio

    from layers.grid import Grid
    from processing.corridors.cores import core_labels, cores_from_area, habitat_area
    from processing.corridors.costdist import cost_distance
    from processing.corridors.resistance import TABLES, resistance_surface

    region, inputs, _ = inputs_for("demo", cache)
    grid = Grid(region.extent, RES_M, region.crs)
    res = resistance_surface(grid, TABLES["green"], landcover=inputs["landcover"], roads=inputs.get("roads"),
                             railways=inputs.get("railways"), waterways=inputs.get("waterways"),
                             water_bodies=inputs.get("water_bodies"), wetlands=inputs.get("wetlands"))
    cores = cores_from_area("green", habitat_area("green", inputs["landcover"]), 10.0, region.crs)
    src = core_labels(grid, cores) == 1
    t0 = time.perf_counter()
    ours = cost_distance(res.astype(np.float64), src, RES_M)
    t_ours = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = {"driver": "GTiff", "height": grid.height, "width": grid.width, "count": 1, "crs": grid.crs.to_wkt(),
                   "transform": grid.transform}
        with rasterio.open(tmp / "res.tif", "w", dtype="float64", **profile) as dst:
            dst.write(res.astype(np.float64), 1)
        with rasterio.open(tmp / "src.tif", "w", dtype="uint8", nodata=0, **profile) as dst:
            dst.write(src.astype(np.uint8), 1)
        script = (f"r.in.gdal -o input={tmp}/res.tif output=res --q && r.in.gdal -o input={tmp}/src.tif output=src --q"
                  " && g.region raster=res && echo T0 $(date +%s.%N) && r.cost input=res output=cwd start_raster=src"
                  f" --q && echo T1 $(date +%s.%N) && r.out.gdal input=cwd output={tmp}/cwd.tif type=Float64 --q")
        subprocess.run([grass, "-c", f"{tmp}/res.tif", "-e", f"{tmp}/loc"], capture_output=True, text=True, check=False)
        done = subprocess.run([grass, f"{tmp}/loc/PERMANENT", "--exec", "bash", "-c", script], capture_output=True,
                              text=True, check=False)
        if done.returncode:
            return f"grass: r.cost failed: {done.stderr[-800:]}"
        stamps = {line.split()[0]: float(line.split()[1]) for line in done.stdout.splitlines()
                  if line.startswith(("T0 ", "T1 "))}
        t_grass = stamps["T1"] - stamps["T0"]
        with rasterio.open(tmp / "cwd.tif") as f:
            theirs = f.read(1)
    about = subprocess.run([grass, "--version"], capture_output=True, text=True, check=False)
    version = [line for line in (about.stdout + about.stderr).splitlines() if line.startswith("GRASS")]
    ok = np.isfinite(theirs) & (ours > 0)
    scale = float(np.median(ours[ok] / theirs[ok]))  # r.cost counts moves in cells, ours in metres: res
    diff = float(np.max(np.abs(theirs[ok] * scale - ours[ok]) / ours[ok]))
    return (f"{version[0] if version else 'grass'} r.cost (8 neighbours) on the demo green surface, "
            f"{grid.height} x {grid.width} cells, one core: r.cost {t_grass:.2f} s, ours {t_ours:.2f} s "
            f"(ours / r.cost = {t_ours / t_grass:.2f}); scale ours / r.cost = {scale:.6g} (cell size {RES_M:g} m); "
            f"largest relative difference after scaling {diff:.2e}; start cells: ours 0, r.cost "
            f"{float(np.nanmax(theirs[src])):.6g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--grass", action="store_true", help="compare with GRASS r.cost where installed")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geoservice-bench",
                        help="folder for the generated demo inputs (reused between runs)")
    args = parser.parse_args()
    print(f"command: python bench/bench_corridors.py --cases {' '.join(args.cases)}{' --grass' if args.grass else ''}")
    for name in args.cases:
        fig = case_figures(name, run_case, name, args.cache)
        if fig is not None:
            print("  ".join(f"{k}={v}" for k, v in fig.items()), flush=True)
    if args.grass:
        print(grass_compare(args.cache))


if __name__ == "__main__":
    main()
