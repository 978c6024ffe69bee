"""Benchmark: the whole pipeline on demo regions of growing size — time per km² and peak memory.

Usage: python bench/bench_pipeline.py [--scales 1 4 16] [--workers 1] [--only STEP ...] [--keep DIR]

Scale s generates a demo region of s × the default 8 × 6 km area (sides × √s) with the same generator and
runs every step (or --only and what it depends on) into a fresh embedded store, in a child process
(``bench/harness.py``). Printed
per scale: the region size [km²], input generation time, pipeline wall time and time per km² [s km-2], the
peak memory of the whole process tree (the pipeline process plus its Dask scheduler and workers, summed,
sampled every 0.2 s) and of the pipeline process alone (ru_maxrss, input generation included), the CPU time
of the process tree (steadier than wall time on a shared machine) and each step's wall time. Growth should
be close to linear in time and flat in memory. The first lines give the command, the machine (cores, load
average) and the Python and package versions so the figures can be reproduced.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

from harness import case_figures, peak_rss_mb

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
#: Seconds between two samples of the process tree's memory.
SAMPLE_S = 0.2


class TreeMemory:
    """Peak resident memory [MB] of this process and all its descendants, summed, sampled in a thread; and
    the CPU time [s] they used (each descendant's last sample, so up to ``every_s`` of a worker's last
    moments is missed)."""

    def __init__(self, every_s: float = SAMPLE_S):
        import psutil

        self.root = psutil.Process()
        self.every_s = every_s
        self.peak_mb = 0.0
        self._cpu: dict[int, float] = {}
        self._cpu0 = self._own_cpu()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _own_cpu(self) -> float:
        t = self.root.cpu_times()
        return t.user + t.system

    @property
    def cpu_s(self) -> float:
        return self._own_cpu() - self._cpu0 + sum(self._cpu.values())

    def _sample(self) -> float:
        import psutil

        total = 0
        for proc in [self.root, *self.root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
                if proc.pid != self.root.pid:
                    t = proc.cpu_times()
                    self._cpu[proc.pid] = t.user + t.system
            except psutil.Error:  # a worker that just exited
                pass
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._sample())
            self._stop.wait(self.every_s)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def child(region: Path, data_dir: Path, workers: int, only: list[str]) -> dict:
    from geoservice.runner import run_region
    from geoservice.settings import Settings
    from layers.region import load_region
    from layers.sources import RegionSource

    settings = Settings(data_dir=data_dir, workers=workers)
    started = time.perf_counter()
    RegionSource(load_region(region), settings.inputs_dir).ensure_demo()
    generated = time.perf_counter()
    with TreeMemory() as memory:
        summary = run_region(settings, region, only)
    finished = time.perf_counter()
    return {"generate_s": generated - started, "pipeline_s": finished - generated, "ok": summary.ok,
            "steps": {s.step: round(s.seconds, 1) for s in summary.steps},
            "errors": {s.step: s.error for s in summary.steps if s.error},
            "peak_tree_mb": memory.peak_mb, "cpu_s": memory.cpu_s,
            "peak_rss_mb": peak_rss_mb()}


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = [f"python {platform.python_version()}"]
    for name in ("numpy", "dask", "distributed", "rasterio", "scikit-image"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 4, 16])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--keep", type=Path, help="keep each scale's region and store under this folder")
    args = parser.parse_args()
    print("command: python " + " ".join([os.path.relpath(__file__), *sys.argv[1:]]))
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"at start; {_versions()}")
    print(f"workers={args.workers} steps={' '.join(args.only) or 'all'}")
    print(f"{'scale':>5} {'km2':>7} {'gen s':>7} {'run s':>8} {'s/km2':>7} {'cpu s':>8} {'peak MB':>8} {'main MB':>8}"
          "  steps [s]")
    for scale in args.scales:
        side = math.sqrt(scale)
        width, height = BASE_WIDTH_M * side, BASE_HEIGHT_M * side
        with tempfile.TemporaryDirectory(prefix="geoservice-bench-") as tmp:
            root = args.keep / f"x{scale:g}" if args.keep else Path(tmp)
            root.mkdir(parents=True, exist_ok=True)
            region = root / "region.toml"
            region.write_text(REGION_TOML.format(scale=int(scale), width=width, height=height))
            r = case_figures(f"{scale:>5g}", child, region, root / "data", args.workers, args.only)
            if r is None:
                continue
            km2 = width * height / 1e6
            status = "" if r["ok"] else f"  FAILED {r['errors']}"
            print(f"{scale:>5g} {km2:>7.0f} {r['generate_s']:>7.1f} {r['pipeline_s']:>8.1f} "
                  f"{r['pipeline_s'] / km2:>7.2f} {r['cpu_s']:>8.1f} {r['peak_tree_mb']:>8.0f} {r['peak_rss_mb']:>8.0f}  "
                  f"{r['steps']}{status}", flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
