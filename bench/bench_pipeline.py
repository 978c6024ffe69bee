"""Benchmark: the whole pipeline on demo regions of growing size — time per km² and peak memory.

Usage: python bench/bench_pipeline.py [--scales 1 4 16] [--workers 1] [--only STEP ...]

Scale s generates a demo region of s × the default 8 × 6 km area (sides × √s) with the same generator and
runs every step (or --only) into a fresh embedded store, in a child process whose peak resident memory
(ru_maxrss, plus Dask workers' when --workers > 1) is reported. Growth should be close to linear in time and
flat in memory.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_WIDTH_M, BASE_HEIGHT_M = 8000.0, 6000.0
REGION_TOML = """
[region]
id = "bench-{scale}"
title = "Benchmark region x{scale} (synthetic)"
crs = "EPSG:2169"

[demo]
seed = 20261123
origin = [50000.0, 40000.0]
width_m = {width}
height_m = {height}
"""


def child(region: Path, data_dir: Path, workers: int, only: list[str]) -> dict:
    from geoservice.runner import run_region
    from geoservice.settings import Settings
    from layers.region import load_region
    from layers.sources import RegionSource

    settings = Settings(data_dir=data_dir, workers=workers)
    started = time.perf_counter()
    RegionSource(load_region(region), settings.inputs_dir).ensure_demo()
    generated = time.perf_counter()
    summary = run_region(settings, region, only)
    finished = time.perf_counter()
    return {"generate_s": generated - started, "pipeline_s": finished - generated, "ok": summary.ok,
            "steps": {s.step: round(s.seconds, 1) for s in summary.steps},
            "errors": {s.step: s.error for s in summary.steps if s.error},
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 4, 16])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.workers, args.only)))
        return
    print(f"workers={args.workers} steps={' '.join(args.only) or 'all'}")
    print(f"{'scale':>5} {'km2':>7} {'gen s':>7} {'run s':>8} {'s/km2':>7} {'peak MB':>8}  steps [s]")
    for scale in args.scales:
        side = math.sqrt(scale)
        width, height = BASE_WIDTH_M * side, BASE_HEIGHT_M * side
        with tempfile.TemporaryDirectory(prefix="geoservice-bench-") as tmp:
            region = Path(tmp) / "region.toml"
            region.write_text(REGION_TOML.format(scale=int(scale), width=width, height=height))
            cmd = [sys.executable, __file__, "--child", str(region), str(Path(tmp) / "data"),
                   "--workers", str(args.workers)] + (["--only", *args.only] if args.only else [])
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{scale:>5g} failed:\n{out.stderr[-2000:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            km2 = width * height / 1e6
            children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            peak = max(r["peak_rss_mb"], children_mb if args.workers > 1 else 0)
            status = "" if r["ok"] else f"  FAILED {r['errors']}"
            print(f"{scale:>5g} {km2:>7.0f} {r['generate_s']:>7.1f} {r['pipeline_s']:>8.1f} "
                  f"{r['pipeline_s'] / km2:>7.2f} {peak:>8.0f}  {r['steps']}{status}", flush=True)


if __name__ == "__main__":
    main()
