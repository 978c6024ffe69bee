"""Status codes per second across a PostgreSQL outage (issue 19): a cluster of our own (initdb on a free
port) serves the test layers through ``geoservice serve``; ``--clients`` threads request item pages, vector
tiles and the collection list in a loop; after ``--before`` seconds the cluster is stopped (``pg_ctl -m
immediate``, as a crash), after ``--outage`` seconds started again, and the clients go on for ``--after``
seconds. Printed: one line per second with the count of each status code (``ERR`` = no HTTP answer: a reset
or a timeout), then the time from the restart to the first 200 and the slowest answer during the outage.

Expected: only 200 before and after, only 503 (problem+json with Retry-After) during the outage, never a
500 nor a reset, and recovery within a second or two of the restart without restarting the service::

    python bench/bench_outage.py --clients 8 --outage 10

Needs PostgreSQL's server binaries (initdb, pg_ctl) and PostGIS. Not a test.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_api import _free_port, stop, wait_ready
from tests.test_api_fixtures import build_layers, publish_demo
from tests.test_api_robustness import Cluster, _pg_bin

PATHS = ("/collections/communes/items?limit=5", "/collections/buildings/items?limit=20&bbox=6.0,49.5,6.1,49.6",
         "/collections/buildings/tiles/WebMercatorQuad/14/5590/8467", "/collections")


def drive(base: str, clients: int, seconds: float, log: list[tuple[float, str, float]], t0: float) -> None:
    """``clients`` threads requesting PATHS in turn for ``seconds``; each answer logged as (time since
    ``t0``, status or ERR, latency)."""
    import httpx

    def client(k: int) -> None:
        with httpx.Client(timeout=15) as http:
            i = k
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                started = time.monotonic()
                try:
                    status = str(http.get(base + PATHS[i % len(PATHS)]).status_code)
                except httpx.HTTPError:
                    status = "ERR"
                log.append((started - t0, status, time.monotonic() - started))
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=5.0, help="seconds before the outage")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the database is down")
    parser.add_argument("--after", type=float, default=10.0, help="seconds after the restart")
    args = parser.parse_args(argv)
    if not _pg_bin("initdb"):
        print("PostgreSQL server binaries (initdb, pg_ctl) are not installed", file=sys.stderr)
        return 1
    print(f"command: python bench/bench_outage.py --clients {args.clients} --before {args.before:g} "
          f"--outage {args.outage:g} --after {args.after:g}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    root = Path("/tmp") / f"gs-outage-{uuid.uuid4().hex[:8]}"
    cluster = Cluster(root)
    cluster.init()
    cluster.start()
    server = None
    try:
        import psycopg

        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        from geoservice.store.postgis import PostGISStore

        store = PostGISStore(cluster.url, root / "data" / "store" / "rasters")
        publish_demo(store, build_layers())
        store.close()
        port = _free_port()
        env = dict(os.environ, PYTHONPATH=str(REPO), GEOSERVICE_DATABASE_URL=cluster.url,
                   GEOSERVICE_DATA_DIR=str(root / "data"))
        server = subprocess.Popen([sys.executable, "-m", "geoservice.cli", "-q", "serve", "--port", str(port)],
                                  env=env, stdout=(root / "serve.log").open("w"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/readyz")
        log: list[tuple[float, str, float]] = []
        total = args.before + args.outage + args.after
        t0 = time.monotonic()
        driver = threading.Thread(target=drive, args=(base, args.clients, total, log, t0))
        driver.start()
        time.sleep(args.before)
        cluster.stop()
        down_at = time.monotonic() - t0
        time.sleep(args.outage)
        cluster.start()
        up_at = time.monotonic() - t0
        driver.join()
    finally:
        if server is not None:
            stop(server)
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)

    codes = sorted({status for _, status, _ in log})
    per_second: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for at, status, _ in log:
        per_second[int(at)][status] += 1
    print(f"database stopped at {down_at:.1f} s, started again at {up_at:.1f} s (pg_ctl returned)")
    print("second " + " ".join(f"{c:>6}" for c in codes))
    for second in sorted(per_second):
        phase = "down" if down_at <= second < up_at else ""
        print(f"{second:>6} " + " ".join(f"{per_second[second][c]:>6}" for c in codes) + f"  {phase}")
    first_ok = min((at for at, status, _ in log if status == "200" and at >= up_at), default=None)
    during = [latency for at, _, latency in log if down_at <= at < up_at]
    totals = collections.Counter(status for _, status, _ in log)
    print("totals: " + ", ".join(f"{c}: {totals[c]}" for c in codes))
    print(f"first 200 after the restart: {first_ok - up_at:.2f} s" if first_ok is not None
          else "no 200 after the restart")
    if during:
        print(f"slowest answer while down: {max(during):.2f} s; median {sorted(during)[len(during) // 2]:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
