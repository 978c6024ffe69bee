"""Benchmark of the geothermal step: the demo region at 10 m and a 10× larger one; time and peak memory.

Run from the repository root::

    python bench/bench_geothermal.py                # demo region (8 × 6 km) and 10× its area
    python bench/bench_geothermal.py --cases demo   # one case

Each case runs in a fresh child process (``bench/harness.py``) so its peak memory (max RSS) is its own. Inputs come from the demo
generator (``layers.demo``) when it is available, else from a built-in synthetic town generator
(``--synthetic`` forces it); generated demo inputs are kept under ``--cache`` and
reused. Prints one line per case with the step's wall time, the peak RSS of the
process and its growth during the step (wall and CPU time: the CPU time is
the steadier figure on a shared machine), the time of the borefield interference (``field_factor_s``: the
g-functions of every plot's probes, from ``response_tables`` cached finite-line-source tables), and what
was produced.
"""

from __future__ import annotations

import argparse
import math
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


def synthetic_inputs(width_m: float, height_m: float, seed: int = 20261123) -> dict:
    """Towns of terraced and detached houses along street grids, geology bands, restriction zones."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from pyproj import CRS

    rng = np.random.default_rng(seed)
    crs = CRS.from_epsg(2169)
    x0, y0 = ORIGIN
    n_towns = max(1, round(width_m * height_m / 8e6))
    polys, uses, years, levels, roads = [], [], [], [], []
    for _ in range(n_towns):
        cx, cy = x0 + rng.uniform(0.15, 0.85) * width_m, y0 + rng.uniform(0.15, 0.85) * height_m
        radius = rng.uniform(600, 1100)
        for k in range(-int(radius // 60), int(radius // 60) + 1):
            y = cy + 60 * k
            half = math.sqrt(max(radius**2 - (y - cy) ** 2, 0.0))
            roads.append(shapely.LineString([(cx - half, y), (cx + half, y)]))
            for side in (1, -1):
                x = cx - half + 5
                while x < cx + half - 15:
                    d = math.hypot(x - cx, y - cy) / radius
                    dense = d < 0.45
                    w = rng.uniform(7, 10) if dense else rng.uniform(10, 14)
                    depth = rng.uniform(10, 14)
                    yy = y + side * 8 if side > 0 else y - 8 - depth
                    polys.append(shapely.box(x, yy, x + w, yy + depth))
                    uses.append("residential" if rng.random() < 0.85 else rng.choice(["commercial", "public", "mixed"]))
                    years.append(int(rng.integers(1880, 1980)) if dense else int(rng.integers(1950, 2024)))
                    levels.append(int(rng.integers(3, 6)) if dense else int(rng.integers(1, 3)))
                    x += w + (0.0 if dense else rng.uniform(8, 20))
    n = len(polys)
    buildings = gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(n)], "height_m": np.array(levels) * 3.0,
                                  "levels": levels, "use": uses, "year_built": years, "roof_shape": ["gable"] * n},
                                 geometry=polys, crs=crs)
    lith = ["limestone", "sandstone", "marl", "clay", "ironstone", "alluvium"]
    bands = int(width_m // 1500) + 1
    geology = gpd.GeoDataFrame({"lithology": [lith[i % len(lith)] for i in range(bands)]}, geometry=[
        shapely.box(x0 + i * 1500, y0, x0 + (i + 1) * 1500, y0 + height_m) for i in range(bands)], crs=crs)
    zones = [shapely.Point(x0 + rng.uniform(0, width_m), y0 + rng.uniform(0, height_m)).buffer(rng.uniform(200, 600))
             for _ in range(max(3, n_towns * 3))]
    classes = rng.choice(["forbidden", "depth_limited", "conditions"], len(zones))
    wpz = gpd.GeoDataFrame({"drilling_class": classes, "max_depth_m": np.where(classes == "depth_limited", 50.0, np.nan)},
                           geometry=zones, crs=crs)
    roads = gpd.GeoDataFrame({"road_class": ["residential"] * len(roads)}, geometry=roads, crs=crs)
    return {"buildings": buildings, "geology": geology, "water_protection_zones": wpz, "roads": roads}


def demo_inputs(name: str, width_m: float, height_m: float, cache: Path):
    """Region context and inputs of the demo generator for a region of this size, read through
    ``layers.sources.RegionSource`` (generated once into ``cache``); None when the generator is missing."""
    try:
        from layers.region import parse_region
        from layers.sources import RegionSource
    except ImportError:
        return None
    from processing.geothermal import STEP

    config = parse_region({"region": {"id": f"bench-{name}", "title": f"bench {name} (synthetic)",
                                      "crs": "EPSG:2169"},
                           "demo": {"origin": list(ORIGIN), "width_m": width_m, "height_m": height_m},
                           "resolution": {"geothermal": 10.0}}, cache)
    source = RegionSource(config, cache)
    inputs = {layer_id: source(layer_id) for layer_id in (*STEP.required_input_ids(), *STEP.optional_input_ids())}
    return source.region_context(), inputs


def run_case(name: str, synthetic: bool, cache: Path) -> dict:
    """Generate the inputs, run the step once, return the figures."""
    from pyproj import CRS

    from processing.geothermal import STEP, borefield
    from processing.geothermal import step as geothermal_step
    from processing.pipeline import RegionContext, StepContext

    field_s = [0.0, 0.0]
    field_factors = geothermal_step.probe_field_factors

    def timed_field_factors(*args, **kwargs):  # the borefield interference part of the step, timed apart
        t, c = time.perf_counter(), time.process_time()
        try:
            return field_factors(*args, **kwargs)
        finally:
            field_s[0] += time.perf_counter() - t
            field_s[1] += time.process_time() - c

    geothermal_step.probe_field_factors = timed_field_factors

    width, height = CASES[name]
    t0 = time.perf_counter()
    demo = None if synthetic else demo_inputs(name, width, height, cache)
    if demo is not None:
        region, inputs = demo
        source = "layers.demo via RegionSource"
    else:
        inputs, source = synthetic_inputs(width, height), "synthetic towns (bench)"
        region = RegionContext(name, CRS.from_epsg(2169),
                               (ORIGIN[0], ORIGIN[1], ORIGIN[0] + width, ORIGIN[1] + height), {"geothermal": 10.0})
    t_inputs = time.perf_counter() - t0
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as workdir:
        ctx = StepContext(region, inputs, STEP.parse_params({}), lambda f, m: None, Path(workdir), step=STEP)
        t0, c0 = time.perf_counter(), time.process_time()
        out = STEP.run(ctx)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        bh = out["building_heat_supply"]
        return {"case": name, "source": source, "extent_km": f"{width / 1000:.1f} x {height / 1000:.1f}",
                "cells_10m": int(math.ceil(width / 10) * math.ceil(height / 10)), "buildings": len(bh),
                "probes": int(bh.probes.sum()), "dh_areas": len(out["district_heating_areas"]),
                "ha_cells": len(out["heat_demand_density"]), "inputs_s": round(t_inputs, 1),
                "step_s": round(seconds, 2), "step_cpu_s": round(cpu, 2), "field_factor_s": round(field_s[0], 2),
                "field_factor_cpu_s": round(field_s[1], 2),
                "response_tables": borefield.lattice_responses.cache_info().misses,
                "peak_rss_mb": round(peak_rss_mb(), 0),
                "rss_growth_in_step_mb": round(peak_rss_mb() - rss_before, 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--synthetic", action="store_true", help="use the built-in synthetic inputs")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geoservice-bench",
                        help="folder for the generated demo inputs (reused between runs)")
    args = parser.parse_args()
    print(f"command: python bench/bench_geothermal.py --cases {' '.join(args.cases)}"
          f"{' --synthetic' if args.synthetic else ''}")
    for name in args.cases:
        fig = case_figures(name, run_case, name, args.synthetic, args.cache)
        if fig is not None:
            print("  ".join(f"{k}={v}" for k, v in fig.items()))


if __name__ == "__main__":
    main()
