"""The executor for windowed raster work, chosen from the settings: in-process, a local Dask cluster of
``GEOSERVICE_WORKERS`` processes, or the remote scheduler at ``GEOSERVICE_DASK_SCHEDULER``.

Tasks carry file paths (the input rasters published in the store under ``GEOSERVICE_DATA_DIR``), not open
datasets, and hand their results back to the calling process, which writes them: workers of a remote scheduler must see ``GEOSERVICE_DATA_DIR`` at the same path (a shared
file system) and run the same geoservice version. A local cluster's workers are processes of this machine,
one thread each, so ``--workers N`` uses N cores.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from geoservice.settings import Settings
from layers.errors import ConfigError
from processing.windows import SERIAL, DaskExecutor, WindowExecutor

log = logging.getLogger(__name__)


def worker_environment() -> dict[str, object]:
    """Environment of local Dask workers: Dask's defaults (one BLAS/OpenMP thread per worker) without its
    ``MALLOC_TRIM_THRESHOLD_``. Setting that variable turns off glibc's adaptive mmap threshold, so every
    large numpy temporary is mapped and unmapped afresh: a solar window (horizon ray marching) took 2.3× the
    CPU time it takes in-process. Workers of a remote scheduler should be started the same way (without
    ``MALLOC_TRIM_THRESHOLD_`` in ``distributed.nanny.pre-spawn-environ``)."""
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


@contextlib.contextmanager
def window_executor(settings: Settings) -> Iterator[WindowExecutor]:
    """Yield the executor the settings ask for; close any cluster it started."""
    if settings.dask_scheduler:
        from distributed import Client

        try:
            client = Client(settings.dask_scheduler, timeout="10s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {settings.dask_scheduler}: {exc}; check "
                              "GEOSERVICE_DASK_SCHEDULER") from exc
        log.info("windows run on the Dask scheduler %s", settings.dask_scheduler)
        with client:
            yield DaskExecutor(client)
    elif settings.workers > 1:
        import dask
        from distributed import Client, LocalCluster

        # the scheduler's HTTP server always listens; a random local port avoids clashing on 8787
        with dask.config.set({"distributed.nanny.pre-spawn-environ": worker_environment()}), \
                LocalCluster(n_workers=settings.workers, threads_per_worker=1, processes=True,
                             dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
            log.info("windows run on a local Dask cluster of %d workers", settings.workers)
            yield DaskExecutor(client)
    else:
        yield SERIAL
