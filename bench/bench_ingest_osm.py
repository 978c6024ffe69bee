"""Benchmark: OSM ingestion time and peak memory for generated extracts of two sizes.

Usage: python bench/bench_ingest_osm.py [--nodes 1000000 4000000]

Each size runs in a fresh child process (``bench/harness.py``) so its peak resident memory is its own. Memory must stay
bounded as the file grows: the node index moves to disk for large files and features are written in batches.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import osmium
from harness import peak_rss_mb, run_child

ORIGIN = (5.90, 49.45)  # lon, lat: south-west corner of the generated grid (Minett)
#: Nodes per generated building (4 corners + closing reference).
NODES_PER_BUILDING = 4


def generate(path: Path, n_nodes: int) -> None:
    """A grid of small tagged buildings and residential streets with about ``n_nodes`` nodes (.osm.pbf)."""
    buildings = n_nodes // NODES_PER_BUILDING
    side = int(buildings ** 0.5) + 1
    step = 0.15 / side  # spread over ~0.15 deg
    writer = osmium.SimpleWriter(str(path))
    node_id = way_id = 1
    for k in range(buildings):
        i, j = divmod(k, side)
        x, y = ORIGIN[0] + i * step, ORIGIN[1] + j * step
        d = step * 0.4
        refs = []
        for lon, lat in ((x, y), (x + d, y), (x + d, y + d), (x, y + d)):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1))
            refs.append(node_id)
            node_id += 1
        tags = {"building": "house", "building:levels": str(1 + k % 4)}
        writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[*refs, refs[0]], tags=tags, version=1))
        way_id += 1
    writer.close()


def run_one(path: Path) -> dict:
    from layers.ingest.osm import ingest_osm

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        counts = ingest_osm(path, "EPSG:2169", Path(tmp) / "out.gpkg")
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "features": sum(counts.values()),
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1_000_000, 4_000_000])
    args = parser.parse_args()
    print(f"{'nodes':>10} {'file MB':>8} {'features':>9} {'time s':>7} {'nodes/s':>9} {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.nodes:
            path = Path(tmp) / f"gen-{n}.osm.pbf"
            generate(path, n)
            done = run_child(run_one, path)
            if not done.ok:
                sys.exit(f"{n} nodes: failed\n{done.error}")
            r = done.value
            print(f"{n:>10} {path.stat().st_size / 1e6:>8.1f} {r['features']:>9} {r['seconds']:>7.1f} "
                  f"{n / r['seconds']:>9.0f} {r['peak_rss_mb']:>11.0f}")
            path.unlink()


if __name__ == "__main__":
    main()
