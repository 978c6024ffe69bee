"""Benchmark of the solar step: the demo region (8 × 6 km, 1 m DSM) and a 10× larger one; time per km² of
built-up area with 16 horizon sectors, and peak memory.

Run from the repository root::

    python bench/bench_solar.py                     # demo region and 10× its area
    python bench/bench_solar.py --cases demo        # one case
    python bench/bench_solar.py --sectors 32        # more horizon sectors

Each case runs in a fresh subprocess so its peak memory is its own; the peak resident set is reset after
the inputs are loaded (Linux ``/proc/self/clear_refs``), so "step peak" is the step's own. Inputs come from
the demo generator through ``layers.sources.RegionSource`` and are kept under ``--cache`` (shared with the
other benchmarks: same region ids and demo specs, so a generation is reused). Built-up area is the sum of
the building footprints. GRASS (r.horizon + r.sun) is compared only when ``grass`` is on the PATH; it is not
in this environment, and the comparison is left out.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Demo region extent (layers/regions/minett-demo.toml) and the 10× case (√10 × each side).
CASES = {"demo": (8000.0, 6000.0), "demo10x": (8000.0 * math.sqrt(10), 6000.0 * math.sqrt(10))}
ORIGIN = (62000.0, 59000.0)


def _peak_rss_mb() -> float:
    """Peak resident set since the last reset [MB] (VmHWM), else the process maximum."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


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
    inputs = {k: source(k) for k in (*STEP.inputs, *STEP.optional_inputs)}
    load_s = time.perf_counter() - t0
    buildings = inputs["buildings"]
    built_km2 = float(buildings.geometry.area.sum()) / 1e6
    load_peak = _peak_rss_mb()
    reset = _reset_peak_rss()
    params = STEP.parse_params({"n_sectors": sectors})
    with tempfile.TemporaryDirectory(prefix="bench-solar-") as work:
        ctx = StepContext(source.region_context(), inputs, params, lambda f, m: None, Path(work))
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
            "inputs_peak_rss_mb": round(load_peak), "step_peak_rss_mb": round(_peak_rss_mb()),
            "peak_reset": reset, "yield_gwh_yr": round(float(roofs["yield_kwh_yr"].sum()) / 1e6, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geoservice-bench",
                        help="folder of generated demo inputs (default: %(default)s)")
    parser.add_argument("--sectors", type=int, default=16, help="horizon sectors (default: %(default)s)")
    parser.add_argument("--child", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.cache, args.sectors)))
        return
    command = "python bench/bench_solar.py " + " ".join(sys.argv[1:])
    print(f"# {command.strip()}  (cpus: {os.cpu_count()})")
    results = []
    for name in args.cases:
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--cache", str(args.cache),
                               "--sectors", str(args.sectors)], capture_output=True, text=True, cwd=ROOT,
                              check=False)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
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
    if shutil.which("grass") is None:
        print("GRASS (r.horizon + r.sun): not installed, comparison skipped")
    else:
        print("GRASS found, but the r.horizon + r.sun comparison is not implemented yet")


if __name__ == "__main__":
    main()
