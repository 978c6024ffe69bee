"""Pipeline steps and the runner that orders them, feeds them and hands their outputs to a sink.

A :class:`Step` declares the layer ids it reads and writes and its parameter model; the runner resolves
dependencies (a step's input is either another step's output or an input layer from the source), validates
every output against the catalog, skips a step whose inputs and parameters are unchanged (cache key stored
with each output), and publishes each step's outputs atomically through the sink.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ValidationError

from layers.catalog import get_layer
from layers.errors import ConfigError, GeoserviceError, InputDataError, StepFailed
from layers.raster import Raster, RasterFile
from layers.region import RegionContext
from layers.validate import check_layer, data_checksum
from processing.windows import SERIAL, WindowExecutor

log = logging.getLogger(__name__)

#: A layer's data: a GeoDataFrame (vector), a Raster in memory or a RasterFile on disk, or a DataFrame (table).
LayerData = gpd.GeoDataFrame | Raster | RasterFile | pd.DataFrame
#: ``progress(fraction, message)``: fraction of the step done in [0, 1].
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class StepContext:
    """Everything a step's ``run`` receives."""

    region: RegionContext
    inputs: Mapping[str, LayerData | None]
    params: BaseModel
    progress: ProgressFn
    workdir: Path
    """Scratch folder for large raster outputs (RasterFile); the runner removes it after publishing."""
    executor: WindowExecutor = SERIAL
    """Where windowed work runs (in-process, or Dask workers): ``ctx.executor.imap(fn, tasks)``."""

    def require(self, layer_id: str) -> LayerData:
        """The input ``layer_id``; raise :class:`InputDataError` when it is missing."""
        data = self.inputs.get(layer_id)
        if data is None:
            raise InputDataError(f"input layer {layer_id!r} is missing; add [inputs.{layer_id}] to the region file")
        return data


@dataclass(frozen=True)
class Step:
    """One analysis: the layers it reads and writes, its parameters and its entry point.

    ``run`` is pure: it returns a mapping of output layer id → data and performs no I/O.
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: type[BaseModel]
    run: Callable[[StepContext], Mapping[str, LayerData]]
    optional_inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for layer_id in (*self.inputs, *self.optional_inputs, *self.outputs):
            get_layer(layer_id)  # raises LayerNotFound for an undeclared id
        for layer_id in self.outputs:
            spec = get_layer(layer_id)
            if spec.produced_by != self.name:
                raise ValueError(f"step {self.name!r} outputs {layer_id!r}, which the catalog says "
                                 f"{spec.produced_by!r} produces")

    def parse_params(self, raw: Mapping[str, Any]) -> BaseModel:
        """Validate ``[params.<step>]``; raise :class:`ConfigError` naming the bad key."""
        try:
            return self.params.model_validate(dict(raw))
        except ValidationError as exc:
            problems = "; ".join(f"params.{self.name}.{'.'.join(str(p) for p in e['loc'])}: "
                                 f"{'unknown parameter' if e['type'] == 'extra_forbidden' else e['msg']}"
                                 for e in exc.errors())
            raise ConfigError(problems) from exc


@dataclass(frozen=True)
class Provenance:
    """Where a published layer version comes from."""

    job_id: str
    step: str
    params: Mapping[str, Any]
    input_checksums: Mapping[str, str]
    code_version: str
    cache_key: str
    synthetic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "step": self.step, "params": dict(self.params),
                "input_checksums": dict(self.input_checksums), "code_version": self.code_version,
                "cache_key": self.cache_key, "synthetic": self.synthetic}


class LayerSink(Protocol):
    """Where the runner publishes outputs (the store, or a dict in tests)."""

    def publish_layers(self, layers: Mapping[str, LayerData], provenance: Provenance, *, reuse: bool = True) -> Any:
        """Publish all of one step's outputs atomically: either every layer's new version or none. With
        ``reuse``, a sink may return the current versions instead when they carry the same cache key. A store
        returns the versions (objects with ``layer_id`` and ``version``)."""

    def cached_layers(self, layer_ids: Sequence[str], cache_key: str) -> Mapping[str, LayerData] | None:
        """The current versions of ``layer_ids`` if all were published with ``cache_key``, else ``None``."""

    def current_layer(self, layer_id: str) -> LayerData:
        """The data of the current version of ``layer_id`` (a RasterFile for rasters)."""


class LayerSource(Protocol):
    """Where the runner gets input layers (region files or the demo)."""

    def __call__(self, layer_id: str) -> LayerData | None: ...


@dataclass
class StepReport:
    """What happened to one step in a run."""

    step: str
    status: str  # "done", "cached", "failed", "skipped"
    seconds: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)  # layer id → feature count or cell count
    error: str | None = None
    #: layer id → the version this run published (or reused), when the sink reports versions
    versions: dict[str, int] = field(default_factory=dict)
    cache_key: str | None = None


@dataclass
class RunSummary:
    job_id: str
    region: str
    steps: list[StepReport]

    @property
    def ok(self) -> bool:
        return all(s.status in ("done", "cached") for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "region": self.region, "ok": self.ok,
                "steps": [vars(s) for s in self.steps]}


def plan(steps: Sequence[Step], targets: Sequence[str] | None = None) -> list[Step]:
    """Order ``targets`` (all steps when empty) and the steps they depend on so producers run first."""
    by_name = {s.name: s for s in steps}
    producer = {out: s.name for s in steps for out in s.outputs}
    unknown = [t for t in targets or () if t not in by_name]
    if unknown:
        raise ConfigError(f"unknown step(s) {unknown}; steps: {', '.join(by_name)}")
    ordered: list[Step] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(s.name == name for s in ordered):
            return
        if name in visiting:
            raise ConfigError(f"steps depend on each other in a cycle through {name!r}")
        visiting.add(name)
        step = by_name[name]
        for layer_id in (*step.inputs, *step.optional_inputs):
            dep = producer.get(layer_id)
            if dep is not None and dep != name:
                visit(dep)
        visiting.discard(name)
        ordered.append(step)

    for name in targets or [s.name for s in steps]:
        visit(name)
    return ordered


def cache_key(step: Step, params: BaseModel, input_checksums: Mapping[str, str], region: RegionContext,
              code_version: str) -> str:
    """Hash of everything a step's result depends on."""
    payload = {"step": step.name, "params": params.model_dump(mode="json"), "inputs": dict(sorted(input_checksums.items())),
               "region": [region.id, region.crs.to_string(), list(region.extent), dict(region.resolution_m)],
               "code": code_version}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _size(data: LayerData) -> int:
    if isinstance(data, Raster):
        return int(data.array.size)
    if isinstance(data, RasterFile):
        rows, cols = data.shape
        return rows * cols
    return len(data)


def run_pipeline(
    steps: Sequence[Step],
    region: RegionContext,
    source: LayerSource,
    sink: LayerSink,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    targets: Sequence[str] | None = None,
    job_id: str = "local",
    code_version: str = "0",
    progress_factory: Callable[[Step], ProgressFn] | None = None,
    use_cache: bool = True,
    scratch_dir: str | None = None,
    executor: WindowExecutor = SERIAL,
) -> RunSummary:
    """Run ``targets`` and their dependencies; publish each step's outputs through ``sink``.

    A failing step stops the run: later steps are reported ``skipped`` and nothing of the failing step is
    published (outputs already published by earlier steps stay, as complete versions).
    """
    params = params or {}
    ordered = plan(steps, targets)
    parsed = {s.name: s.parse_params(params.get(s.name, {})) for s in ordered}  # fail before any work
    produced: dict[str, LayerData] = {}
    reports: list[StepReport] = []
    failed = False
    for step in ordered:
        if failed:
            reports.append(StepReport(step.name, "skipped"))
            continue
        started = time.perf_counter()
        try:
            inputs: dict[str, LayerData | None] = {}
            for layer_id in (*step.inputs, *step.optional_inputs):
                data = produced[layer_id] if layer_id in produced else source(layer_id)
                if data is None and layer_id in step.inputs:
                    raise InputDataError(f"required input {layer_id!r} is missing; add [inputs.{layer_id}] to the "
                                         "region file or run the step that produces it")
                if data is None:
                    log.warning("step %s: optional input %r is missing; the result degrades without it",
                                step.name, layer_id)
                inputs[layer_id] = data
            checksums = {k: data_checksum(v) for k, v in inputs.items() if v is not None}
            key = cache_key(step, parsed[step.name], checksums, region, code_version)
            # a pass-through input the region lacks is not expected among the outputs
            expected = [o for o in step.outputs if get_layer(o).role == "output" or inputs.get(o) is not None]
            cached = sink.cached_layers(expected, key) if use_cache else None
            if cached is not None:
                produced.update(cached)
                reports.append(StepReport(step.name, "cached", time.perf_counter() - started,
                                          {k: _size(v) for k, v in cached.items()}, cache_key=key))
                log.info("step %s: inputs and parameters unchanged, reusing published outputs", step.name)
                continue
            progress = progress_factory(step) if progress_factory else (lambda f, m: None)
            with tempfile.TemporaryDirectory(prefix=f"geoservice-{step.name}-", dir=scratch_dir) as workdir:
                context = StepContext(region, inputs, parsed[step.name], progress, Path(workdir), executor)
                outputs = dict(step.run(context))
                # an input layer the region lacks has nothing to pass through; analysis outputs are all due
                missing = {o for o in step.outputs if o not in outputs and get_layer(o).role == "output"}
                if missing or set(outputs) - set(step.outputs):
                    raise StepFailed(step.name, f"returned layers {sorted(outputs)}, declared {sorted(step.outputs)}")
                for layer_id, data in outputs.items():
                    check_layer(get_layer(layer_id), data, region.crs)
                provenance = Provenance(job_id, step.name, parsed[step.name].model_dump(mode="json"), checksums,
                                        code_version, key, region.synthetic)
                published = sink.publish_layers(outputs, provenance, reuse=use_cache) or ()
                versions = {v.layer_id: v.version for v in published}
                # a RasterFile in the scratch folder is gone after this block: use the published copy
                outputs = {k: sink.current_layer(k) if isinstance(v, RasterFile) else v for k, v in outputs.items()}
            produced.update(outputs)
            reports.append(StepReport(step.name, "done", time.perf_counter() - started,
                                      {k: _size(v) for k, v in outputs.items()}, versions=versions, cache_key=key))
        except GeoserviceError as exc:
            failed = True
            message = str(exc.cause) if isinstance(exc, StepFailed) else str(exc)
            reports.append(StepReport(step.name, "failed", time.perf_counter() - started, error=message))
            log.error("step %s failed: %s", step.name, message)
        except Exception as exc:  # an unexpected bug: report it, keep the traceback in the log
            failed = True
            reports.append(StepReport(step.name, "failed", time.perf_counter() - started,
                                      error=f"{type(exc).__name__}: {exc}"))
            log.exception("step %s failed unexpectedly", step.name)
    return RunSummary(job_id, region.id, reports)
