"""Where windows run: in-process by default, on Dask workers when the caller hands a Dask executor.

An analysis cuts its grid into windows (:meth:`layers.grid.Grid.windows`, with the halo its neighbourhood
needs) and maps a module-level function over them with ``ctx.executor.imap(fn, tasks)``; it writes each
result as it arrives, so memory holds only the windows in flight. Task functions and their arguments must
be picklable (plain module functions, arrays, paths), which is what lets the same code run on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WindowExecutor(Protocol):
    """Maps a function over tasks, yielding ``(task, result)`` pairs as results complete."""

    workers: int

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]: ...


class SerialExecutor:
    """Runs every task in the calling process, in order."""

    workers = 1

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        for task in tasks:
            yield task, fn(task)


class DaskExecutor:
    """Runs tasks on a ``distributed.Client`` with at most ``in_flight_per_worker`` × workers tasks pending,
    so results never pile up in memory faster than the caller writes them."""

    def __init__(self, client: Any, in_flight_per_worker: int = 2):
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.limit = self.workers * in_flight_per_worker

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        from distributed import as_completed

        iterator = iter(tasks)
        pending: dict[Any, T] = {}
        completed = as_completed()

        def submit_next() -> bool:
            try:
                task = next(iterator)
            except StopIteration:
                return False
            future = self.client.submit(fn, task, pure=False)
            pending[future] = task
            completed.add(future)
            return True

        try:
            for _ in range(self.limit):
                if not submit_next():
                    break
            for future in completed:
                task = pending.pop(future)
                result = future.result()  # re-raises the task's exception here, in the caller
                future.release()
                yield task, result
                submit_next()
        finally:  # a failed task or a caller that stops early: drop the work still queued
            if pending and self.client.status == "running":
                self.client.cancel(list(pending))


SERIAL = SerialExecutor()
