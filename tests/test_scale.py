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
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio

from geoservice.runner import run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from layers.validate import data_checksum
from processing.pipeline import RunSummary
from processing.windows import SERIAL, DaskExecutor
from tests.pipeline_fixtures import SMALL_DEMO_TOML

#: The Dask run also cuts the analyses that take a window size into several windows (the reference run uses
#: one window for the small demo), so the comparison covers window edges and halos as well as the executor.
DASK_PARAMS = {"wind": {"window_cells": 128}}
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


def scaled_sum(task: tuple[int, np.ndarray], context: dict) -> float:
    """A task reading a shared context (sent to each worker once)."""
    _, values = task
    return float(values.sum()) * context["scale"]


def uneven(task: int) -> int:
    time.sleep(0.05 if task % 3 == 0 else 0.0)  # completion order differs from task order
    return task


def fail_on_three(task: int) -> int:
    if task == 3:
        raise ValueError("task 3 failed")
    return task


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") \
            as cluster, distributed.Client(cluster) as client:
        yield DaskExecutor(client)


def test_dask_executor_equals_serial(dask_executor):
    rng = np.random.default_rng(11)
    tasks = [(i, rng.random((64, 64))) for i in range(12)]
    serial = {task[0]: result for task, result in SERIAL.imap(window_sum, tasks)}
    dask = {task[0]: result for task, result in dask_executor.imap(window_sum, tasks)}
    assert dask_executor.workers == 2
    assert dask == serial and len(serial) == len(tasks)  # same function, same bytes: identical


def test_dask_executor_shared_context_and_task_order(dask_executor):
    rng = np.random.default_rng(12)
    tasks = [(i, rng.random((32, 32))) for i in range(10)]
    context = {"scale": 2.5, "padding": np.zeros(100_000)}
    serial = [(t[0], r) for t, r in SERIAL.imap(scaled_sum, tasks, context=context)]
    dask = {t[0]: r for t, r in dask_executor.imap(scaled_sum, tasks, context=context)}
    assert dask == dict(serial)
    ordered = [t for t, r in dask_executor.imap(uneven, range(12), ordered=True) if t == r]
    assert ordered == list(range(12))


@pytest.mark.parametrize("ordered", [False, True])
def test_dask_executor_bounds_tasks_in_flight(dask_executor, ordered):
    """Tasks are pulled from the caller's generator only as results come back: never more than
    ``in_flight_per_worker`` (2) × workers (2) submitted and not yet handed back (× the backlog factor when
    results are handed back in task order)."""
    pulled = 0

    def tasks():
        nonlocal pulled
        for i in range(30):
            pulled += 1
            yield i

    in_flight = []
    results = {}
    for done, (task, result) in enumerate(dask_executor.imap(slow_square, tasks(), ordered=ordered)):
        in_flight.append(pulled - done)  # submitted minus already handed back, this one included
        results[task] = result
    assert results == {i: i * i for i in range(30)}
    assert dask_executor.limit == 4
    # ordered results: finished ones may wait on the workers for an earlier one, in a bounded backlog
    bound = dask_executor.limit * (DaskExecutor.ORDERED_BACKLOG if ordered else 1)
    assert dask_executor.limit <= max(in_flight) <= bound
    pulled = 0
    assert max(pulled - done for done, _ in enumerate(SERIAL.imap(slow_square, tasks()))) == 1


def test_dask_executor_raises_the_task_error(dask_executor):
    with pytest.raises(ValueError, match="task 3 failed"):
        list(dask_executor.imap(fail_on_three, range(8)))


def test_corridor_links_on_dask_equal_serial(dask_executor):
    """Core cost runs on the workers, links solved in the sweep: identical links, including the ones whose
    certificate fails at the first margin and are recomputed with a wider window."""
    from affine import Affine

    from processing.corridors.linkage import build_links

    rng = np.random.default_rng(7)
    resistance = rng.choice([1.0, 30.0, 300.0, 1000.0], size=(60, 90)).astype(np.float32)
    resistance[:, 45] = 10000.0  # a wall with a gap far from the cores: first windows cannot certify
    resistance[1:3, 45] = 1.0
    labels = np.zeros(resistance.shape, np.int32)
    for label, (r, c) in enumerate([(10, 5), (40, 8), (25, 30), (12, 60), (45, 62), (28, 80)], start=1):
        labels[r:r + 5, c:c + 5] = label
    pairs = [(1, 2), (1, 3), (2, 3), (3, 4), (3, 5), (4, 5), (4, 6), (5, 6)]
    kwargs = {"cutoff": 2000.0, "margin_m": 30.0, "max_margin_m": 2000.0, "drop_through_cores": False}
    transform = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 600.0)
    serial = build_links(resistance, labels, transform, 10.0, pairs, **kwargs)
    dask = build_links(resistance, labels, transform, 10.0, pairs, **kwargs, executor=dask_executor)
    assert any(lk.window_margin_m > 30.0 for lk in serial)  # some windows had to grow
    assert [(lk.a, lk.b, lk.cost, lk.certified, lk.window_margin_m, lk.path.wkb) for lk in dask] == \
        [(lk.a, lk.b, lk.cost, lk.certified, lk.window_margin_m, lk.path.wkb) for lk in serial]
    assert [lk.corridor.area if lk.corridor else 0.0 for lk in dask] == \
        [lk.corridor.area if lk.corridor else 0.0 for lk in serial]


# --- the demo pipeline, in-process and on a 2-worker local cluster ---------------------------------------

@dataclass
class Run:
    settings: Settings
    region_path: Path
    summary: RunSummary


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory) -> Run:
    """The reference: every step in-process on the small demo."""
    root = tmp_path_factory.mktemp("scale-serial")
    region_path = root / "small-demo.toml"
    region_path.write_text(SMALL_DEMO_TOML, encoding="utf-8")
    settings = Settings(data_dir=root / "data")
    return Run(settings, region_path, run_region(settings, region_path))


@pytest.fixture(scope="module")
def dask_run(serial_run, tmp_path_factory) -> Run:
    """The same on a local cluster of 2 worker processes (and smaller wind windows)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("scale-dask") / "data", workers=2)
    return Run(settings, serial_run.region_path, run_region(settings, serial_run.region_path, params=DASK_PARAMS))


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


def test_demo_pipeline_on_two_dask_workers_equals_in_process(serial_run, dask_run):
    settings, summary = dask_run.settings, dask_run.summary
    assert serial_run.summary.ok, serial_run.summary.to_dict()
    assert summary.ok, summary.to_dict()
    assert [s.step for s in summary.steps] == [s.step for s in serial_run.summary.steps]
    assert {s.step: s.outputs for s in summary.steps} == {s.step: s.outputs for s in serial_run.summary.steps}
    with closing(open_store(serial_run.settings)) as serial, closing(open_store(settings)) as dask:
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


def test_published_layers_hash_like_the_data_steps_read(serial_run):
    """Skipping rests on this: a step's inputs hash the same whether the step that produced them ran in this
    run (in-memory outputs) or is cached (outputs read back from the store)."""
    with closing(open_store(serial_run.settings)) as store:
        for version in store.published():
            step = version.provenance["step"]
            for layer_id, checksum in version.provenance["input_checksums"].items():
                if store.current(layer_id).provenance["step"] == step:
                    continue  # the inputs step hashes its sources, not what it published
                assert data_checksum(store.current_layer(layer_id)) == checksum, \
                    f"{layer_id} read back from the store hashes unlike the data step {step} read"


def test_parameter_change_reruns_only_the_step_and_its_dependants(dask_run, tmp_path):
    """A rerun with the same inputs and parameters is all cached whatever the executor. Changing
    ``[params.geothermal]`` reruns geothermal and districts (which reads its heat demand) and nothing else
    (heat_recovery reads only the district-heating areas, of which the small demo has none either way).
    Changing ``[params.wind]`` reruns wind; districts reruns only if what it reads from wind changed, and on
    the small demo it reads no turbine site either way, so it stays cached (the cache key hashes input data,
    not which step ran)."""
    settings, first, region = dask_run.settings, dask_run.summary, dask_run.region_path
    data_dir = tmp_path / "data"
    shutil.copytree(settings.data_dir, data_dir)  # leave the compared store as it was
    again = Settings(data_dir=data_dir)
    unchanged = run_region(again, region, params=DASK_PARAMS)
    assert {s.step: s.status for s in unchanged.steps} == {s.step: "cached" for s in first.steps}

    warmer = run_region(again, region, params={**DASK_PARAMS, "geothermal": {"heated_area_factor": 0.7}})
    assert {s.step: s.status for s in warmer.steps} == {
        "inputs": "cached", "solar": "cached", "wind": "cached", "geothermal": "done", "heat_recovery": "cached",
        "green_roofs": "cached", "corridors": "cached", "districts": "done", "targets": "done"}

    lower = run_region(again, region, params={"geothermal": {"heated_area_factor": 0.7},
                                              "wind": {**DASK_PARAMS["wind"], "hub_height_m": 120.0}})
    assert {s.step: s.status for s in lower.steps} == {
        "inputs": "cached", "solar": "cached", "wind": "done", "geothermal": "cached", "heat_recovery": "cached",
        "green_roofs": "cached", "corridors": "cached", "districts": "cached", "targets": "cached"}
    assert dict(lower.steps[-1].outputs) == dict(warmer.steps[-1].outputs)
    with closing(open_store(again)) as store:
        assert store.current("wind_speed_hub").provenance["params"]["hub_height_m"] == 120.0
        assert store.current("building_heat_supply").provenance["params"]["heated_area_factor"] == 0.7
        assert len(store.read_vector("wind_turbine_sites")) == 0  # why districts stays cached
