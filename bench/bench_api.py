"""Benchmark the API against tipg on the same PostGIS table: requests/s and p50/p99 latency for vector
tiles (cold and warm) and for item pages with a bbox, at a fixed number of concurrent clients, on loopback.

It creates a throw-away database, publishes a generated ``buildings`` layer of ``--features`` polygons
spread over Luxembourg through the PostGIS store, serves it with ``geoservice`` (uvicorn, ``--workers``
processes) and with tipg (from PyPI, in its own virtualenv given by ``--tipg-python``; same number of
workers), and drives both with the same request lists from an asyncio client.

- tiles cold: every tile requested once (a server-side cache cannot help);
- tiles warm: a small set of tiles requested over and over (what map clients do while panning);
- items: pages of 100 features inside random ~600 m bboxes (CRS84).

The issue asks for >= 1 million polygons; that is the default. ``--features`` makes it smaller for a quick
run (the README states which size its figures come from). Example::

    python bench/bench_api.py --features 1000000 --concurrency 32 --workers 2

Prints a table and the ratios geoservice / tipg. On a shared machine wall-clock figures move with the load,
so each scenario also prints the load average and the CPU time spent per request by the server's processes
and by the PostgreSQL backends serving the benchmark database (Linux /proc; parallel query workers, which
live for one query, are not counted). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Luxembourg in EPSG:2169 [m]: where the generated buildings lie.
LUX_EXTENT = (50000.0, 60000.0, 100000.0, 135000.0)
#: Tile zoom levels the tile scenarios request.
TILE_ZOOMS = (13, 14, 15)


def _cpu_s(pid: int) -> float:
    """utime + stime [s] of a live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process visible in /proc."""
    out = []
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        out.append((int(entry.name), ppid, cmdline))
    return out


def cpu_snapshot(server_pid: int, database: str) -> tuple[float, float]:
    """CPU time [s] so far of the server's process tree and of the PostgreSQL backends of ``database``."""
    procs = _processes()
    tree, grew = {server_pid}, True
    while grew:
        more = {pid for pid, ppid, _ in procs if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    backends = [pid for pid, _, cmd in procs if cmd.startswith("postgres: ") and f" {database} " in cmd]
    return sum(_cpu_s(p) for p in tree), sum(_cpu_s(p) for p in backends)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(n: int, seed: int = 1):
    """``n`` building polygons (8–30 m boxes) with the catalog's fields, clustered into towns."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = LUX_EXTENT
    towns = np.column_stack([rng.uniform(xmin, xmax, 120), rng.uniform(ymin, ymax, 120)])
    which = rng.integers(0, len(towns), n)
    cx = towns[which, 0] + rng.normal(0, 1500, n)
    cy = towns[which, 1] + rng.normal(0, 1500, n)
    w, h = rng.uniform(8, 30, n), rng.uniform(8, 20, n)
    geoms = shapely.box(cx, cy, cx + w, cy + h)
    uses = np.array(["residential", "commercial", "industrial", "public", "mixed", "agricultural"])
    shapes = np.array(["flat", "gable", "hip", "shed"])
    return gpd.GeoDataFrame({
        "building_id": [f"B{i:07d}" for i in range(n)], "height_m": rng.uniform(3, 40, n).round(2),
        "levels": rng.integers(1, 12, n), "use": uses[rng.integers(0, 6, n)], "year_built": rng.integers(1850, 2024, n),
        "roof_shape": shapes[rng.integers(0, 4, n)], "roof_tilt_deg": rng.uniform(0, 45, n).round(1),
        "roof_azimuth_deg": rng.uniform(0, 360, n).round(1)}, geometry=geoms, crs="EPSG:2169"), towns


def publish(db_url: str, data_dir: Path, n: int):
    from geoservice.store.postgis import PostGISStore
    from layers.data import Provenance

    gdf, towns = generate(n)
    store = PostGISStore(db_url, data_dir / "store" / "rasters")
    t0 = time.perf_counter()
    store.publish_layers({"buildings": gdf}, Provenance("bench", "inputs", {}, {}, "bench", "bench", True))
    version = store.current("buildings")
    store.close()
    print(f"published {n} polygons in {time.perf_counter() - t0:.1f} s (buildings v{version.version})", flush=True)
    return version, towns


def tiles_over(towns: np.ndarray, count: int, seed: int) -> list[tuple[int, int, int]]:
    """``count`` distinct tiles over the towns at the benchmark zooms (z, x, y)."""
    import morecantile
    from pyproj import Transformer

    tms = morecantile.tms.get("WebMercatorQuad")
    to84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)
    rng = random.Random(seed)
    out: set[tuple[int, int, int]] = set()
    while len(out) < count:
        tx, ty = towns[rng.randrange(len(towns))]
        lon, lat = to84.transform(tx + rng.gauss(0, 1500), ty + rng.gauss(0, 1500))
        t = tms.tile(lon, lat, rng.choice(TILE_ZOOMS))
        out.add((t.z, t.x, t.y))
    return sorted(out, key=lambda _: rng.random())


def bboxes_over(towns: np.ndarray, count: int, seed: int, size_m: float = 600.0) -> list[str]:
    from pyproj import Transformer

    to84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        tx, ty = towns[rng.randrange(len(towns))]
        x, y = tx + rng.gauss(0, 1500), ty + rng.gauss(0, 1500)
        (lon0, lon1), (lat0, lat1) = to84.transform([x, x + size_m], [y, y + size_m])
        out.append(f"{lon0:.6f},{lat0:.6f},{lon1:.6f},{lat1:.6f}")
    return out


@dataclass
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    statuses: dict[int, int]
    server_cpu_ms: float = float("nan")  # per request
    db_cpu_ms: float = float("nan")  # per request
    load: float = float("nan")  # 1-minute load average at the end

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        return float(np.percentile(self.latencies_ms, q))


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked body); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def drive(urls: list[str], concurrency: int) -> Result:
    """Request every URL once from ``concurrency`` keep-alive connections; latency per request [ms].

    A minimal HTTP/1.1 client on asyncio streams: on a small shared machine a full-featured client costs
    more CPU than the servers under test.
    """
    from urllib.parse import urlsplit

    queue: asyncio.Queue[str] = asyncio.Queue()
    for u in urls:
        queue.put_nowait(u)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0

    async def worker():
        nonlocal errors
        reader = writer = None
        while True:
            try:
                url = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            parts = urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            request = (f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n\r\n").encode()
            t0 = time.perf_counter()
            for attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    writer.write(request)
                    status = await asyncio.wait_for(_read_response(reader), 120)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status >= 400:
                        errors += 1
                    break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 1:
                        errors += 1
            latencies.append((time.perf_counter() - t0) * 1000.0)
        if writer is not None:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    return Result(len(urls), seconds, latencies, errors, statuses)


def wait_ready(url: str, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_geoservice(db_url: str, data_dir: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, GEOSERVICE_DATABASE_URL=db_url, GEOSERVICE_DATA_DIR=str(data_dir),
               GEOSERVICE_TILE_CACHE_SIZE="20000", GEOSERVICE_MAX_LIMIT="1000")
    cmd = [sys.executable, "-m", "uvicorn", "geoservice.api:app_from_env", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def tipg_database_url(db_url: str) -> str:
    """tipg (asyncpg, pydantic) needs a host in the URL: a Unix-socket URL gets ``localhost`` plus
    ``?host=<socket dir>``, which asyncpg prefers."""
    import getpass

    from sqlalchemy import make_url

    url = make_url(db_url).set(drivername="postgresql")
    if not url.host:
        url = url.set(host="localhost", username=url.username or getpass.getuser(),
                      query={**url.query, "host": "/var/run/postgresql"})
    return url.render_as_string(hide_password=False)


def start_tipg(tipg_python: str, db_url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=tipg_database_url(db_url),
               TIPG_DB_SCHEMAS='["geoservice"]', TIPG_MAX_FEATURES_PER_QUERY="1000")
    cmd = [tipg_python, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def measured(urls: list[str], concurrency: int, server_pid: int, database: str) -> Result:
    """``drive`` with the CPU time the server and PostgreSQL spent on it, per request."""
    server0, db0 = cpu_snapshot(server_pid, database)
    r = asyncio.run(drive(urls, concurrency))
    server1, db1 = cpu_snapshot(server_pid, database)
    r.server_cpu_ms = (server1 - server0) * 1000 / max(r.requests, 1)
    r.db_cpu_ms = (db1 - db0) * 1000 / max(r.requests, 1)
    r.load = os.getloadavg()[0]
    return r


SCENARIOS = ("tiles cold", "tiles warm", "items bbox")


def run_scenarios(servers: dict, cold: list, warm: list, boxes: list, concurrency: int,
                  warm_repeat: int, database: str, scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, dict[str, Result]]:
    """Run every scenario against every server, alternating which server goes first, with both servers up
    (so a load spike on this shared machine hits both). Cold tiles and item pages are split into halves:
    each server gets a different, equally drawn half, so neither finds the other's work in PostgreSQL's
    buffers."""
    names = list(servers)
    results: dict[str, dict[str, Result]] = {n: {} for n in names}
    for name, (tile_url, items_url, _) in servers.items():  # warm-up: connection pools, imports, catalogues
        asyncio.run(drive([items_url(b) for b in boxes[-20:]], min(concurrency, 8)))
        asyncio.run(drive([tile_url(*t) for t in warm], concurrency))  # primes the warm set too
    halves = {names[0]: cold[0::2], names[-1]: cold[1::2]}
    box_halves = {names[0]: boxes[:-20][0::2], names[-1]: boxes[:-20][1::2]}
    plan = [("tiles cold", names), ("tiles warm", names[::-1]), ("items bbox", names)]
    for scenario, order in plan:
        if scenario not in scenarios:
            continue
        for name in order:
            tile_url, items_url, pid = servers[name]
            if scenario == "tiles cold":
                urls = [tile_url(*t) for t in halves[name]]
            elif scenario == "tiles warm":
                urls = [tile_url(*t) for t in warm] * warm_repeat
            else:
                urls = [items_url(b) for b in box_halves[name]]
            r = results[name][scenario] = measured(urls, concurrency, pid, database)
            print(f"  {name:<11} {scenario:<11} {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  p99 {r.pct(99):7.1f} ms"
                  f"  CPU/req: server {r.server_cpu_ms:5.1f} ms, PostgreSQL {r.db_cpu_ms:5.1f} ms  load {r.load:4.1f}"
                  f"  errors {r.errors}  statuses {dict(sorted(r.statuses.items()))}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=1_000_000, help="polygons in the generated layer")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="server processes for each service")
    parser.add_argument("--cold-tiles", type=int, default=1500, help="distinct tiles of the cold scenario")
    parser.add_argument("--warm-tiles", type=int, default=100, help="tiles of the warm set")
    parser.add_argument("--warm-repeat", type=int, default=20, help="times the warm set is requested")
    parser.add_argument("--item-pages", type=int, default=800, help="bbox item pages requested")
    parser.add_argument("--admin-url", default=os.environ.get("GEOSERVICE_TEST_DATABASE_URL", "postgresql:///postgres"),
                        help="admin URL of the PostgreSQL server (a database is created and dropped)")
    parser.add_argument("--db-url", default=None, help="use this database (already published) instead")
    parser.add_argument("--tipg-python", default=os.environ.get("TIPG_PYTHON", shutil.which("python3")),
                        help="python of a virtualenv with tipg installed ('' skips tipg)")
    parser.add_argument("--keep-db", action="store_true", help="keep the generated database")
    parser.add_argument("--scenarios", nargs="+", choices=[s.split()[0] + "-" + s.split()[1] for s in SCENARIOS],
                        default=None, help="run only these scenarios (default: all)")
    args = parser.parse_args(argv)

    import psycopg
    from sqlalchemy import make_url

    print("command:", "python bench/bench_api.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    work = Path(tempfile.mkdtemp(prefix="geoservice-bench-"))
    created = None
    if args.db_url:
        db_url = args.db_url
        from geoservice.store.postgis import PostGISStore

        store = PostGISStore(db_url, work / "store" / "rasters")
        version = store.current("buildings")
        store.close()
        if version is None:
            raise SystemExit(f"{db_url} has no published buildings layer; run without --db-url first")
        _, towns = generate(min(args.features, 1000))
        print(f"using {db_url}: buildings v{version.version}, {version.feature_count} polygons")
    else:
        created = f"gs_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        db_url = make_url(args.admin_url).set(database=created).render_as_string(hide_password=False)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        version, towns = publish(db_url, work, args.features)
        print(f"database {db_url}")
    table = f"buildings__v{version.version}"
    cold = tiles_over(towns, args.cold_tiles, seed=11)
    warm = tiles_over(towns, args.warm_tiles, seed=12)
    boxes = bboxes_over(towns, args.item_pages + 20, seed=13)
    procs: list[subprocess.Popen] = []
    servers: dict = {}
    try:
        port = _free_port()
        procs.append(start_geoservice(db_url, work, port, args.workers, work / "geoservice.log"))
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz")
        v = version.version
        servers["geoservice"] = (
            lambda z, x, y, base=base: f"{base}/collections/buildings/tiles/xyz/{z}/{x}/{y}.mvt?v={v}",
            lambda b, base=base: f"{base}/collections/buildings/items?bbox={b}&limit=100", procs[-1].pid)
        if args.tipg_python:
            check = subprocess.run([args.tipg_python, "-c", "import tipg"], capture_output=True, check=False)
            if check.returncode != 0:
                print(f"tipg is not importable from {args.tipg_python}; skipping the comparison "
                      "(python -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg uvicorn)")
            else:
                port = _free_port()
                procs.append(start_tipg(args.tipg_python, db_url, port, args.workers, work / "tipg.log"))
                tbase = f"http://127.0.0.1:{port}"
                cid = f"geoservice.{table}"
                wait_ready(f"{tbase}/collections/{cid}")
                # tipg at its fastest: tiles from the stored EPSG:3857 column (no ST_Transform per tile)
                servers["tipg"] = (
                    lambda z, x, y: f"{tbase}/collections/{cid}/tiles/WebMercatorQuad/{z}/{x}/{y}"
                    "?geom-column=geom_3857",
                    lambda b: f"{tbase}/collections/{cid}/items?bbox={b}&limit=100&geom-column=geom", procs[-1].pid)
        chosen = tuple(s.replace("-", " ") for s in args.scenarios) if args.scenarios else SCENARIOS
        all_results = run_scenarios(servers, cold, warm, boxes, args.concurrency, args.warm_repeat,
                                    make_url(db_url).database, chosen)
    finally:
        for proc in procs:
            stop(proc)
        if created and not args.keep_db:
            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{args.features if not args.db_url else version.feature_count} polygons, {args.concurrency} clients, "
          f"{args.workers} worker(s) each, loopback")
    print(f"{'scenario':<12}{'geoservice req/s':>18}{'p50 ms':>9}{'p99 ms':>9}{'tipg req/s':>12}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'ratio':>8}   CPU ms/req geoservice+PG vs tipg+PG")
    ours = all_results["geoservice"]
    theirs = all_results.get("tipg", {})
    for scenario, r in ours.items():
        t = theirs.get(scenario)
        ratio = f"{r.rps / t.rps:.2f}x" if t and t.rps else "-"
        tcols = f"{t.rps:12.1f}{t.pct(50):9.1f}{t.pct(99):9.1f}" if t else f"{'-':>12}{'-':>9}{'-':>9}"
        cpu = (f"{r.server_cpu_ms:.1f}+{r.db_cpu_ms:.1f}" + (f" vs {t.server_cpu_ms:.1f}+{t.db_cpu_ms:.1f}" if t else ""))
        print(f"{scenario:<12}{r.rps:18.1f}{r.pct(50):9.1f}{r.pct(99):9.1f}{tcols}{ratio:>8}   {cpu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
