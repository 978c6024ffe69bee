"""Benchmark of the heat-recovery and green-roofs steps: the demo region, and the allocation at growing size.

Run from the repository root::

    python bench/bench_heat_recovery_green_roofs.py                      # demo region + allocation sizes
    python bench/bench_heat_recovery_green_roofs.py --sizes 10x10 40x30  # sources x areas of the scaling part

Part 1 runs ``geoservice run --only heat_recovery --only green_roofs`` (and the steps they depend on: inputs, solar,
geothermal) on the demo region into a fresh data folder in a child process, and prints each step's wall time
from the run summary, the child's peak memory, and the demo figures: heat used / unused, lines and their cost
range; green-roof, biosolar and retained-stormwater totals. Then, in process on the same data, the green
corridors network with green roofs as stepping stones off and on (``[params.corridors]
green_roof_stepping_stones``): time of the green-roof cover and of each run, cells and hectares covered, and how
the links' costs, the corridors' area and PC move. Part 2 times :func:`match_sources` (pair search, costs and the
two-stage MILP, no roads) on random regions of S sources and A areas, in process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from harness import peak_rss_mb, run_command

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def demo_run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-hr-gr-") as tmp:
        env = {**os.environ, "GEOSERVICE_DATA_DIR": tmp, "PYTHONPATH": str(ROOT)}
        done = run_command([sys.executable, "-m", "geoservice.cli", "run", "--no-maps", "--only", "heat_recovery",
                            "--only", "green_roofs"], env=env, cwd=ROOT)
        if not done.ok:
            sys.exit(f"pipeline failed: {done.error}")
        wall, peak = done.wall_s, done.peak_rss_mb
        summary = json.loads(next(Path(tmp, "runs").glob("*.json")).read_text())
        steps = {s["step"]: s["seconds"] for s in summary["steps"]}
        print(f"demo region (8 x 6 km): child wall {wall:.1f} s, peak {peak:.0f} MB; step seconds: "
              + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
        _demo_figures(Path(tmp) / "store")
        stepping_stones(Path(tmp))


def _demo_figures(store_dir: Path) -> None:
    from geoservice.store.gpkg import GeoPackageStore

    store = GeoPackageStore(store_dir)
    src, links = store.read_vector("heat_sources_assessed"), store.read_vector("heat_recovery_links")
    roofs = store.read_vector("green_roofs")
    print(f"  heat: deliverable {src.deliverable_mwh_yr.sum() / 1e3:.1f} GWh/yr, used {src.used_mwh_yr.sum() / 1e3:.1f}, "
          f"unused {src.unused_mwh_yr.sum() / 1e3:.1f}, delivered {links.delivered_mwh_yr.sum() / 1e3:.1f}; "
          f"{len(links)} lines, {links.length_m.min():.0f}-{links.length_m.max():.0f} m, "
          f"{links.cost_eur_mwh.min():.2f}-{links.cost_eur_mwh.max():.2f} EUR/MWh, "
          f"CO2 avoided {links.co2_avoided_t_yr.sum():.0f} t/yr")
    uses = roofs.groupby("use").size().to_dict()
    print(f"  green roofs: {len(roofs)} faces {uses}; green {roofs.green_area_m2.sum():,.0f} m2, "
          f"biosolar {roofs.biosolar_area_m2.sum():,.0f} m2, retained {roofs.retention_m3_yr.sum():,.0f} m3/yr, "
          f"stepping stones {int(roofs.stepping_stone.sum())}")
    store.close()


def stepping_stones(data_dir: Path) -> None:
    """The demo's green network without and with green roofs as stepping stones (in process)."""
    import numpy as np

    from geoservice.store.gpkg import GeoPackageStore
    from layers.grid import Grid
    from layers.region import BUNDLED_REGIONS, load_region
    from layers.sources import RegionSource
    from processing.corridors import STEP
    from processing.corridors.stepping_stones import green_roof_cover
    from processing.pipeline import StepContext

    store = GeoPackageStore(data_dir / "store")
    roofs = store.read_vector("green_roofs")
    store.close()
    source = RegionSource(load_region(BUNDLED_REGIONS / "minett-demo.toml"), data_dir / "inputs")
    region = source.region_context()
    inputs = {k: source(k) for k in (*STEP.inputs, *STEP.optional_inputs) if k != "green_roofs"}
    inputs["green_roofs"] = roofs
    grid = Grid(region.extent, float(region.resolution_m.get("corridors", 10.0)), region.crs)
    t0 = time.perf_counter()
    cover = green_roof_cover(grid, roofs)
    t_cover = time.perf_counter() - t0
    print(f"  stepping stones: {int(roofs.stepping_stone.sum())} roofs, green area "
          f"{roofs.loc[roofs.stepping_stone, 'green_area_m2'].sum():,.0f} m2, cover {int((cover > 0).sum())} cells, "
          f"{cover.sum() * grid.res ** 2 / 1e4:.2f} ha of green roof; cover computed in {t_cover:.2f} s")
    runs = {}
    for on in (False, True):
        params = STEP.parse_params({"networks": ["green"], "green_roof_stepping_stones": on})
        with tempfile.TemporaryDirectory() as work:
            t0, c0 = time.perf_counter(), time.process_time()
            runs[on] = STEP.run(StepContext(region, inputs, params, lambda f, m: None, Path(work)))
            print(f"  green network, stepping stones {'on ' if on else 'off'}: {time.perf_counter() - t0:.1f} s wall, "
                  f"{time.process_time() - c0:.1f} s CPU")
    paths = {on: r["corridor_paths"].set_index("link_id") for on, r in runs.items()}
    common = paths[False].index.intersection(paths[True].index)
    ratio = (paths[True].loc[common, "cost"] / paths[False].loc[common, "cost"]).to_numpy()
    cores = {on: r["habitat_cores"] for on, r in runs.items()}
    area = {on: r["corridors"]["area_ha"].sum() for on, r in runs.items()}
    print(f"  links off/on {len(paths[False])}/{len(paths[True])} ({len(common)} in both): cost on/off median "
          f"{np.median(ratio):.3f}, min {ratio.min():.3f}; links {int((ratio < 0.999).sum())} cheaper; corridor area "
          f"{area[False]:.1f} -> {area[True]:.1f} ha; PC {cores[False]['pc'].iloc[0]:.6g} -> "
          f"{cores[True]['pc'].iloc[0]:.6g}")


def allocation_scaling(sizes: list[str]) -> None:
    import geopandas as gpd
    import numpy as np
    import shapely

    from processing.heat_recovery.matching import match_sources
    from processing.heat_recovery.params import HeatRecoveryParams
    from processing.heat_recovery.sources import assess_sources

    for size in sizes:
        n_src, n_area = (int(v) for v in size.split("x"))
        rng = np.random.default_rng(1)
        side = 4000.0 * np.sqrt(n_area)
        corners = rng.uniform(0, side, (n_area, 2))
        areas = gpd.GeoDataFrame({"area_id": np.arange(1, n_area + 1), "demand_gwh_yr": rng.uniform(30, 120, n_area)},
                                 geometry=[shapely.box(x, y, x + 600, y + 600) for x, y in corners], crs="EPSG:2169")
        raw = gpd.GeoDataFrame({"source_type": rng.choice(["incinerator", "steel", "industry", "data_centre",
                                                           "wastewater"], n_src),
                                "heat_mwh_yr": rng.uniform(5_000, 120_000, n_src)},
                               geometry=shapely.points(rng.uniform(0, side, (n_src, 2))), crs="EPSG:2169")
        sources = assess_sources(raw, supply_temperature_c=70.0, carnot_efficiency=0.5)
        t0, c0 = time.perf_counter(), time.process_time()
        m = match_sources(sources, areas, None, HeatRecoveryParams())
        print(f"allocation {n_src} sources x {n_area} areas: {time.perf_counter() - t0:.2f} s wall, "
              f"{time.process_time() - c0:.2f} s CPU, {len(m.links)} lines, "
              f"peak {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", default=["10x5", "40x20", "100x50"],
                        help="sources x areas of the allocation scaling part")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo-region run")
    args = parser.parse_args()
    print("command: python bench/bench_heat_recovery_green_roofs.py " + " ".join(sys.argv[1:]))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    if not args.no_demo:
        demo_run()
    allocation_scaling(args.sizes)


if __name__ == "__main__":
    main()
