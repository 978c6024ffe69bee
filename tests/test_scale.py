"""Scale (issue 11): windows on Dask give the in-process results, in-flight work is bounded, and a rerun
after a parameter change reruns only the step and what depends on it.

The reference for the Dask runs is the in-process run of the same code on the same inputs: every task
function is deterministic and runs the same numpy code on a worker as in-process, so results are expected
to be identical. The tolerances below only allow for floating-point order where a future analysis sums
window results in completion order:

- raster cells: ``rtol = 1e-6`` (float32 storage), NaN where NaN;
- vector and table attributes: floats ``rtol = 1e-9``, everything else exactly equal;
- geometries: same count, same type, area and length ``rtol = 1e-9``, in the same feature order.
"""

from __future__ import annotations

import shutil
import time
from contextlib import closing

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from geoservice.runner import run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from processing.windows import SERIAL, DaskExecutor
from tests.pipeline_fixtures import demo_run  # noqa: F401  (fixture: the in-process reference run)

RASTER_RTOL = 1e-6
ATTRIBUTE_RTOL = 1e-9
GEOMETRY_RTOL = 1e-9


# --- executors -------------------------------------------------------------------------------------------

def window_sum(task: tuple[int, np.ndarray]) -> float:
    """A module-level task (picklable by reference): the sum of one window's array."""
    _, values = task
    return float(values.sum())


def slow_square(task: int) -> int:
    time.sleep(0.02)
    return task * task


def fail_on_three(task: int) -> int:
    if task == 3:
        raise ValueError("task 3 failed")
    return task


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        yield DaskExecutor(client)


def test_dask_executor_equals_serial(dask_executor):
    rng = np.random.default_rng(11)
    tasks = [(i, rng.random((64, 64))) for i in range(12)]
    serial = {task[0]: result for task, result in SERIAL.imap(window_sum, tasks)}
    dask = {task[0]: result for task, result in dask_executor.imap(window_sum, tasks)}
    assert dask_executor.workers == 2
    assert dask == serial and len(serial) == len(tasks)  # same function, same bytes: identical


def test_dask_executor_bounds_tasks_in_flight(dask_executor):
    """Tasks are pulled from the caller's generator only as results come back: never more than
    ``in_flight_per_worker`` (2) × workers (2) submitted and not yet handed back."""
    pulled = 0

    def tasks():
        nonlocal pulled
        for i in range(30):
            pulled += 1
            yield i

    in_flight = []
    results = {}
    for done, (task, result) in enumerate(dask_executor.imap(slow_square, tasks())):
        in_flight.append(pulled - done)  # submitted minus already handed back, this one included
        results[task] = result
    assert results == {i: i * i for i in range(30)}
    assert max(in_flight) == dask_executor.limit == 4
    pulled = 0
    assert max(pulled - done for done, _ in enumerate(SERIAL.imap(slow_square, tasks()))) == 1


def test_dask_executor_raises_the_task_error(dask_executor):
    with pytest.raises(ValueError, match="task 3 failed"):
        list(dask_executor.imap(fail_on_three, range(8)))


# --- the demo pipeline, in-process and on a 2-worker local cluster ---------------------------------------

@pytest.fixture(scope="module")
def dask_run(demo_run, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("dask-run")
    settings = Settings(data_dir=root / "data", workers=2)
    summary = run_region(settings, demo_run.region_path)
    return settings, summary, demo_run.region_path


def _compare_frames(layer_id: str, a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns), layer_id
    assert len(a) == len(b), layer_id
    for column in a.columns:
        if isinstance(a, gpd.GeoDataFrame) and column == a.geometry.name:
            continue
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if pd.api.types.is_float_dtype(a[column]) and pd.api.types.is_float_dtype(b[column]):
            np.testing.assert_allclose(y, x, rtol=ATTRIBUTE_RTOL, equal_nan=True, err_msg=f"{layer_id}.{column}")
        else:
            assert pd.Series(x).equals(pd.Series(y)), f"{layer_id}.{column} differs"
    if isinstance(a, gpd.GeoDataFrame):
        assert list(a.geom_type) == list(b.geom_type), layer_id
        np.testing.assert_allclose(b.area, a.area, rtol=GEOMETRY_RTOL, err_msg=f"{layer_id} areas")
        np.testing.assert_allclose(b.length, a.length, rtol=GEOMETRY_RTOL, err_msg=f"{layer_id} lengths")


def test_demo_pipeline_on_two_dask_workers_equals_in_process(demo_run, dask_run):  # noqa: F811
    settings, summary, _ = dask_run
    assert demo_run.summary.ok, demo_run.summary.to_dict()
    assert summary.ok, summary.to_dict()
    assert [s.step for s in summary.steps] == [s.step for s in demo_run.summary.steps]
    assert {s.step: s.outputs for s in summary.steps} == {s.step: s.outputs for s in demo_run.summary.steps}
    with closing(open_store(demo_run.settings)) as serial, closing(open_store(settings)) as dask:
        published = {v.layer_id: v for v in serial.published()}
        assert sorted(published) == sorted(v.layer_id for v in dask.published())
        for layer_id, version in sorted(published.items()):
            if version.kind == "raster":
                with rasterio.open(serial.raster_path(layer_id)) as a, rasterio.open(dask.raster_path(layer_id)) as b:
                    assert (a.transform, a.crs, a.shape, a.dtypes) == (b.transform, b.crs, b.shape, b.dtypes), layer_id
                    np.testing.assert_allclose(b.read(1), a.read(1), rtol=RASTER_RTOL, equal_nan=True,
                                               err_msg=layer_id)
            elif version.kind == "table":
                _compare_frames(layer_id, serial.read_table(layer_id), dask.read_table(layer_id))
            else:
                _compare_frames(layer_id, serial.read_vector(layer_id), dask.read_vector(layer_id))


def test_parameter_change_reruns_only_the_step_and_its_dependants(dask_run, tmp_path):
    """A rerun with the same inputs and parameters is all cached whatever the executor; changing
    ``[params.wind]`` reruns wind and districts (which reads the turbine sites) and nothing else."""
    settings, first, region = dask_run
    data_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, data_dir)  # leave the compared store as it was
    again = Settings(data_dir=data_dir)
    unchanged = run_region(again, region)
    assert {s.step: s.status for s in unchanged.steps} == {s.step: "cached" for s in first.steps}
    changed = run_region(again, region, params={"wind": {"hub_height_m": 120.0}})
    assert {s.step: s.status for s in changed.steps} == {
        "inputs": "cached", "solar": "cached", "wind": "done", "geothermal": "cached", "corridors": "cached",
        "districts": "done"}
    with closing(open_store(again)) as store:
        assert store.current("wind_speed_hub").provenance["params"]["hub_height_m"] == 120.0
