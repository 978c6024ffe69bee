"""Where windows run: in-process by default, on Dask workers when the caller hands a Dask executor.

An analysis cuts its grid into windows (:meth:`layers.grid.Grid.windows`, with the halo its neighbourhood
needs) and maps a module-level function over them with ``ctx.executor.imap(fn, tasks)``; it writes each
result as it arrives, so memory holds only the windows in flight. Task functions and their arguments must
be picklable (plain module functions, arrays, paths), which is what lets the same code run on a cluster.

Two options cover what windows share and the order results must be written in:

- ``context``: one object every task reads (a step's parameters, a sky model, the region's buildings), sent
  to each worker once instead of with every task; the function is then called ``fn(task, context)``.
- ``ordered=True``: results come back in task order, for analyses whose output depends on the order results
  are written in (in-flight work stays bounded; finished results wait for their turn in a bounded backlog).
  By default they come back as they complete.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WindowExecutor(Protocol):
    """Maps a function over tasks, yielding ``(task, result)`` pairs as results complete (or in task order
    with ``ordered=True``); ``fn(task)``, or ``fn(task, context)`` when a context is given."""

    workers: int

    def imap(self, fn: Callable[..., R], tasks: Iterable[T], *, context: Any = None,
             ordered: bool = False) -> Iterator[tuple[T, R]]: ...


class SerialExecutor:
    """Runs every task in the calling process, in order."""

    workers = 1

    def imap(self, fn: Callable[..., R], tasks: Iterable[T], *, context: Any = None,
             ordered: bool = False) -> Iterator[tuple[T, R]]:
        for task in tasks:
            yield task, (fn(task) if context is None else fn(task, context))


class DaskExecutor:
    """Runs tasks on a ``distributed.Client`` with at most ``in_flight_per_worker`` × workers tasks pending,
    so results never pile up in memory faster than the caller writes them.

    With ``ordered=True`` the same number of tasks keep running while an earlier, slower one is awaited:
    finished results wait on the workers for their turn, up to ``ORDERED_BACKLOG`` × that number in all.
    """

    #: Finished-and-waiting plus running tasks, as a multiple of the in-flight limit, for ordered results.
    ORDERED_BACKLOG = 4

    def __init__(self, client: Any, in_flight_per_worker: int = 2):
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))
        self.limit = self.workers * in_flight_per_worker

    def imap(self, fn: Callable[..., R], tasks: Iterable[T], *, context: Any = None,
             ordered: bool = False) -> Iterator[tuple[T, R]]:
        from distributed import as_completed

        iterator = iter(tasks)
        pending: dict[Any, T] = {}  # submitted and not yet handed back
        order: deque[Any] = deque()  # submission order (ordered results)
        finished: set[Any] = set()
        running = 0
        backlog = self.limit * (self.ORDERED_BACKLOG if ordered else 1)
        completed = as_completed()
        # in a list, so that a dict or list context travels as one object, not one future per item
        shared = None if context is None else self.client.scatter([context], broadcast=True, hash=False)[0]
        extra = () if shared is None else (shared,)

        def fill() -> None:
            nonlocal running
            while running < self.limit and len(pending) < backlog:
                try:
                    task = next(iterator)
                except StopIteration:
                    return
                future = self.client.submit(fn, task, *extra, pure=False)
                pending[future] = task
                order.append(future)
                completed.add(future)
                running += 1

        def hand_back(future: Any) -> tuple[T, R]:
            task = pending.pop(future)
            result = future.result()  # re-raises the task's exception here, in the caller
            future.release()
            return task, result

        try:
            fill()
            for future in completed:
                running -= 1
                if not ordered:
                    order.remove(future)
                    yield hand_back(future)
                else:
                    finished.add(future)
                    while order and order[0] in finished:
                        head = order.popleft()
                        finished.discard(head)
                        yield hand_back(head)
                fill()
        finally:  # a failed task or a caller that stops early: drop the work still queued
            if self.client.status == "running":
                if pending:
                    self.client.cancel(list(pending))
                if shared is not None:
                    shared.release()


SERIAL = SerialExecutor()
