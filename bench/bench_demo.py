"""Benchmark the demo generator: wall time and peak memory at 2 × 2 km, 1× (8 × 6 km) and 4× (16 × 12 km) area.

Each size runs in a fresh child process (``bench/harness.py``) so that its peak resident memory (``ru_maxrss``,
includes GDAL's allocations) is its own; ``tracemalloc`` adds the peak of Python and numpy allocations.

Reproduce::

    . .venv/bin/activate && python bench/bench_demo.py             # 2x2 km, 8x6 km (1x), 16x12 km (4x)
    python bench/bench_demo.py --sizes 8000x6000 32000x24000       # up to 16x the default area
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from harness import peak_rss_mb, run_child

#: Sizes measured by default [m]: the test region, the default region (1×) and 4× its area.
DEFAULT_SIZES = ("2000x2000", "8000x6000", "16000x12000")


def _run_one(width: float, height: float, out: str) -> dict:
    import time
    import tracemalloc

    from layers.demo import generate_demo
    from layers.region import DemoSpec

    tracemalloc.start()
    started = time.perf_counter()
    folder = generate_demo(DemoSpec(width_m=width, height_m=height), "EPSG:2169", Path(out))
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    manifest = json.loads((folder / "manifest.json").read_text())
    size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    return {"width_m": width, "height_m": height, "seconds": round(seconds, 1),
            "traced_peak_mb": round(traced_peak / 1e6, 1), "max_rss_mb": round(peak_rss_mb(), 1),
            "buildings": manifest["counts"]["buildings"], "files_mb": round(size_mb, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="WIDTHxHEIGHT in metres")
    args = parser.parse_args()
    print(f"{'area':>12} {'seconds':>8} {'rss MB':>8} {'traced MB':>10} {'buildings':>10} {'files MB':>9}")
    for size in args.sizes:
        width, height = (float(v) for v in size.lower().split("x"))
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
            done = run_child(_run_one, width, height, f"{tmp}/demo")
        if not done.ok:
            sys.exit(f"{size}: failed\n{done.error}")
        r = done.value
        label = f"{width / 1000:g}x{height / 1000:g} km"
        print(f"{label:>12} {r['seconds']:>8} {r['max_rss_mb']:>8} {r['traced_peak_mb']:>10} {r['buildings']:>10} "
              f"{r['files_mb']:>9}")
    print("command: python bench/bench_demo.py --sizes " + " ".join(args.sizes))


if __name__ == "__main__":
    main()
