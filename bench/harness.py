"""What every benchmark needs to measure one case on its own: a fresh child process, its wall time and peak memory.

- :func:`run_child` calls a function of the benchmark script in a fresh interpreter (``multiprocessing``'s
  spawn start method: nothing of the parent's memory is inherited, so the child's peak is its own) and returns
  what the function returned, the call's wall time and the child's peak resident memory.
- :func:`case_figures` is :func:`run_child` for a case whose function returns its figures: a failure is
  printed with the child's traceback and gives ``None``, so the script goes on with its next case.
- :func:`run_command` runs a command the same way and takes its peak memory from the kernel's accounting of
  that one child (``os.wait4``).
- :func:`peak_rss_mb` and :func:`reset_peak_rss` read and reset the current process's peak, for figures
  measured inside a child (memory before and during a step).

Peak resident memory is the kernel's high-water mark of the resident set (``VmHWM`` / ``ru_maxrss``, KiB,
reported here in MiB as "MB"); it includes GDAL's and numpy's allocations, which ``tracemalloc`` does not see.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: KiB per MiB (``ru_maxrss`` is in KiB on Linux).
KIB_PER_MIB = 1024.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MiB] since it started or since :func:`reset_peak_rss` (Linux's
    ``VmHWM``; elsewhere ``ru_maxrss``, which no reset clears)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / KIB_PER_MIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_MIB


def reset_peak_rss() -> bool:
    """Reset this process's peak resident memory to its current size (Linux ≥ 4.0: writing 5 to
    ``/proc/self/clear_refs``), so a later :func:`peak_rss_mb` is the peak since now; False where that is not
    possible (the peak then still includes what came before)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class ChildRun:
    """One case run in a child process.

    value : what the function returned (``None`` for a command or a failed call).
    wall_s : wall time of the call (in the child) or of the command [s].
    peak_rss_mb : peak resident memory of the child [MiB].
    error : the child's traceback or the command's stderr tail when it failed, else ``None``.
    stdout : a command's standard output ("" for a function).
    """

    value: Any
    wall_s: float
    peak_rss_mb: float
    error: str | None = None
    stdout: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def _call(conn, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    started = time.perf_counter()
    try:
        value, error = fn(*args, **kwargs), None
    except BaseException:  # noqa: BLE001 - reported to the parent, which prints it
        value, error = None, traceback.format_exc()
    conn.send((value, time.perf_counter() - started, peak_rss_mb(), error))
    conn.close()


def run_child(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> ChildRun:
    """``fn(*args, **kwargs)`` in a fresh interpreter; ``fn`` must be importable (a module-level function of
    the benchmark script, whose ``main()`` runs under ``if __name__ == "__main__"``) and its arguments and
    result picklable."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_call, args=(child, fn, args, kwargs))
    proc.start()
    child.close()
    try:
        value, wall_s, peak, error = parent.recv()
    except EOFError:
        value, wall_s, peak, error = None, float("nan"), float("nan"), "the child process died without an answer"
    proc.join()
    if error is None and proc.exitcode:
        error = f"the child process exited with code {proc.exitcode}"
    return ChildRun(value, wall_s, peak, error)


def case_figures(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """What ``fn(*args, **kwargs)`` returns, run by :func:`run_child`; on failure prints ``<label>: failed``
    with the end of the child's traceback and returns ``None``."""
    done = run_child(fn, *args, **kwargs)
    if not done.ok:
        print(f"{label}: failed\n{done.error[-2000:]}", flush=True)
        return None
    return done.value


def run_command(cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | str | None = None) -> ChildRun:
    """Run ``cmd`` as a child process: its wall time, its peak resident memory (``os.wait4``) and its stdout;
    ``error`` holds the tail of its stderr when it exits non-zero."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=None if env is None else dict(env), cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall_s = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    error = None if proc.returncode == 0 else f"exit code {proc.returncode}:\n{stderr[-3000:]}"
    return ChildRun(None, wall_s, usage.ru_maxrss / KIB_PER_MIB, error, stdout)
