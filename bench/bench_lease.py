"""Time from a killed worker to its job's requeue (issue 19): two real ``geoservice worker`` processes share
one store; a real job (``run`` of ``--steps`` on the demo region) is queued; the first worker claims it and
is SIGKILLed once the job reports ``--kill-at`` progress; the second worker (polling every ``--poll-s``)
requeues the job when its lease expires and claims it again. Printed per repetition: the seconds from the
kill to the requeue (the lease's remaining time plus up to one poll), and to the job running again.

Expected: about ``lease_s`` − (time since the last heartbeat, at most ``lease_s``/3) + up to ``poll_s``::

    python bench/bench_lease.py --lease-s 60 --poll-s 2 --repeat 1
    python bench/bench_lease.py --lease-s 10 --poll-s 2 --repeat 3

Uses the embedded store in a temporary data folder (``--database-url`` for PostGIS). Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def start_worker(env: dict[str, str], poll_s: float, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "geoservice.cli", "worker", "--poll-s", str(poll_s)], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("the condition was not met in time")


def one_run(store, env: dict[str, str], args, log: Path) -> tuple[float, float]:
    job = store.jobs.create("run", {"region": "minett-demo", "steps": args.steps, "params": {}})
    first, second = start_worker(env, args.poll_s, log), None
    try:
        wait_for(lambda: (j := store.jobs.get(job.job_id)).status == "running" and j.progress >= args.kill_at,
                 timeout=900)
        started = log.read_text(errors="replace").count("started (lease")
        second = start_worker(env, args.poll_s, log)  # the survivor, already polling when the first dies
        wait_for(lambda: log.read_text(errors="replace").count("started (lease") > started, timeout=300)
        os.kill(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        first.wait()
        requeued = wait_for(lambda: any("requeued" in line for line in store.jobs.get(job.job_id).log),
                            timeout=args.lease_s * 3 + 60)
        requeued_after = time.monotonic() - killed
        wait_for(lambda: (j := store.jobs.get(job.job_id)).status == "running" and j.attempts == 2,
                 timeout=args.poll_s * 3 + 30)
        running_after = time.monotonic() - killed
        assert requeued
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # releases the job
                try:
                    proc.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    print(f"worker {proc.pid} did not stop within 120 s of SIGTERM; killed", file=sys.stderr)
                    proc.kill()
                    proc.wait()
    store.jobs.dismiss(job.job_id)
    return requeued_after, running_after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lease-s", type=float, default=60.0)
    parser.add_argument("--poll-s", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--kill-at", type=float, default=0.21, help="progress [0-1] at which the worker dies")
    parser.add_argument("--steps", nargs="+", default=["solar"])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    print(f"command: python bench/bench_lease.py --lease-s {args.lease_s:g} --poll-s {args.poll_s:g} "
          f"--repeat {args.repeat} --kill-at {args.kill_at:g} --steps {' '.join(args.steps)}"
          + (" --database-url ..." if args.database_url else ""))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    root = Path(tempfile.mkdtemp(prefix="gs-lease-"))
    env = dict(os.environ, PYTHONPATH=str(REPO), GEOSERVICE_DATA_DIR=str(root),
               GEOSERVICE_JOB_LEASE_S=str(args.lease_s))
    if args.database_url:
        env["GEOSERVICE_DATABASE_URL"] = args.database_url
    from geoservice.settings import Settings
    from geoservice.store import open_store

    store = open_store(Settings(data_dir=root, database_url=args.database_url, job_lease_s=args.lease_s))
    try:
        print("run  kill→requeue s  kill→running again s")
        for i in range(args.repeat):
            requeued, running = one_run(store, env, args, root / "workers.log")
            print(f"{i + 1:>3}  {requeued:>16.1f}  {running:>20.1f}")
    except BaseException:
        print(f"failed; workers' log kept in {root / 'workers.log'}", file=sys.stderr)
        store.close()
        raise
    store.close()
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
