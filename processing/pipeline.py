"""Pipeline steps and the runner that orders them, feeds them and hands their outputs to a sink.

A :class:`Step` declares the layer ids it reads and writes and its parameter model; the runner resolves
dependencies (a step's input is either another step's output or an input layer from the source), validates
every output against the catalog, skips a step whose inputs and parameters are unchanged (cache key stored
with each output), and publishes each step's outputs atomically through the sink.

One failure never sinks unrelated steps: an unreadable input or a failed step makes only the steps that
require it ``blocked``; a step runs ``degraded`` when an optional input is unreadable or when it warns that its
result is degraded (it lacks what part of the analysis needs, it had to assume a default); its explanations of
empty or heavily filtered results (``extra=EXPLANATION``) are notes. Every report says why.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar, get_args

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ValidationError

from layers.catalog import get_layer
from layers.conform import conform
from layers.contract import missing_inputs_message
from layers.data import LayerData, Provenance
from layers.errors import ConfigError, GeoserviceError, InputDataError, StepFailed
from layers.raster import Raster, RasterFile
from layers.region import RegionContext
from layers.validate import check_input, check_layer, data_checksum
from processing.windows import SERIAL, WindowExecutor

log = logging.getLogger(__name__)

#: ``progress(fraction, message)``: fraction of the step done in [0, 1].
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class MapSubset:
    """Rows of an input ``layer`` a step's page draws as a layer of their own, titled ``title``: those whose
    boolean field ``where`` is true. Drawn only when the step's current outputs were computed from ``layer``
    (their provenance lists it among the inputs), so a page never shows what its analysis did not use."""

    layer: str
    where: str
    title: str


@dataclass(frozen=True)
class MapPage:
    """A web map page of an analysis: ``<file>.html`` with its title, one line on what it shows, and its layers
    (drawn in catalog draw order; empty: the step's outputs), plus ``subsets`` of its inputs. Rasters after the
    first start hidden."""

    title: str
    description: str
    layers: tuple[str, ...] = ()
    file: str = ""
    """File stem; empty: the step's name."""
    subsets: tuple[MapSubset, ...] = ()


@dataclass(frozen=True)
class Step:
    """One analysis: everything the runner, the maps and the districts step need to know about it.

    ``run`` is pure: it returns a mapping of output layer id → data and performs no I/O. Inputs are
    ``inputs`` (required) and ``optional_inputs``, plus those ``inputs_for(params)`` derives from the parameters
    in force (required, optional) — the wind rules name the layers they exclude around. A step with
    ``default_resolution_m`` works on a grid whose cell size ``[resolution] <name>`` may set. ``maps`` are its
    web map pages; ``commune_layers`` (``commune_hidden``: listed but off at first) go on every commune page;
    ``district_layers`` are the outputs the districts ranking reads (a step with ``reads_district_layers``
    takes every registered step's as optional inputs).
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: type[BaseModel]
    run: Callable[[StepContext], Mapping[str, LayerData]]
    optional_inputs: tuple[str, ...] = ()
    inputs_for: Callable[[Any], tuple[Sequence[str], Sequence[str]]] | None = None
    default_resolution_m: float | None = None
    maps: tuple[MapPage, ...] = ()
    commune_layers: tuple[str, ...] = ()
    commune_hidden: tuple[str, ...] = ()
    district_layers: tuple[str, ...] = ()
    reads_district_layers: bool = False

    def __post_init__(self) -> None:
        pages = [layer for page in self.maps for layer in page.layers]
        for layer_id in (*self.inputs, *self.optional_inputs, *self.outputs, *pages, *self.commune_layers,
                         *self.commune_hidden, *self.district_layers):
            get_layer(layer_id)  # raises LayerNotFound for an undeclared id
        for layer_id in self.outputs:
            spec = get_layer(layer_id)
            if spec.produced_by != self.name:
                raise ValueError(f"step {self.name!r} outputs {layer_id!r}, which the catalog says "
                                 f"{spec.produced_by!r} produces")
        foreign = [i for i in (*self.commune_layers, *self.district_layers) if i not in self.outputs]
        if foreign:
            raise ValueError(f"step {self.name!r} offers {foreign} to the commune pages or the districts, "
                             "but does not output them")
        for subset in (s for page in self.maps for s in page.subsets):
            if get_layer(subset.layer).get_field(subset.where).dtype != "bool":
                raise ValueError(f"step {self.name!r} draws {subset.layer} where {subset.where!r}, which is not a "
                                 "bool field")

    def parse_params(self, raw: Mapping[str, Any]) -> BaseModel:
        """Validate ``[params.<step>]``; raise :class:`ConfigError` naming the bad key."""
        try:
            return self.params.model_validate(dict(raw))
        except ValidationError as exc:
            problems = "; ".join(f"params.{self.name}.{'.'.join(str(p) for p in e['loc'])}: "
                                 f"{'unknown parameter' if e['type'] == 'extra_forbidden' else e['msg']}"
                                 for e in exc.errors())
            raise ConfigError(problems) from exc

    def required_input_ids(self, params: BaseModel | None = None) -> tuple[str, ...]:
        """The inputs the step cannot run without, under ``params`` (default parameters when ``None``)."""
        derived = self.inputs_for(params or self.params())[0] if self.inputs_for else ()
        return tuple(dict.fromkeys((*self.inputs, *derived)))

    def optional_input_ids(self, steps: Sequence[Step] = (), params: BaseModel | None = None) -> tuple[str, ...]:
        """The inputs the step uses when they exist, under ``params``; ``steps`` are the registered steps whose
        district layers a district-reading step takes."""
        derived = self.inputs_for(params or self.params())[1] if self.inputs_for else ()
        offered = [i for s in steps if s.name != self.name for i in s.district_layers] if self.reads_district_layers else []
        required = set(self.required_input_ids(params))
        return tuple(i for i in dict.fromkeys((*self.optional_inputs, *derived, *offered)) if i not in required)

    def resolution_m(self, region: RegionContext) -> float:
        """The step's cell size [m]: ``[resolution] <name>`` of the region, else :attr:`default_resolution_m`."""
        if self.default_resolution_m is None:
            raise ConfigError(f"step {self.name!r} declares no grid (default_resolution_m)")
        return float(region.resolution_m.get(self.name, self.default_resolution_m))


#: A step's parameter model.
P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class StepContext(Generic[P]):
    """Everything a step's ``run`` receives (``StepContext[WindParams]``: ``ctx.params`` is the step's own
    parameter model), and typed readers of its inputs that check them against the catalog: kind, CRS (the
    region's), canonical fields and their classes."""

    region: RegionContext
    inputs: Mapping[str, LayerData | None]
    params: P
    progress: ProgressFn
    workdir: Path
    """Scratch folder for large raster outputs (RasterFile); the runner removes it after publishing."""
    executor: WindowExecutor = SERIAL
    """Where windowed work runs (in-process, or Dask workers): ``ctx.executor.imap(fn, tasks)``."""
    step: Step | None = None
    """The step being run (for its resolution and which of its inputs are required)."""

    @property
    def resolution_m(self) -> float:
        """The step's cell size [m] (see :meth:`Step.resolution_m`)."""
        if self.step is None:
            raise ConfigError("this context has no step, hence no resolution")
        return self.step.resolution_m(self.region)

    def require(self, layer_id: str) -> LayerData:
        """The input ``layer_id``; raise :class:`InputDataError` when it is missing."""
        data = self.inputs.get(layer_id)
        if data is None:
            raise InputDataError(missing_inputs_message([layer_id], f"step {self.step.name}" if self.step
                                                        else "this analysis"))
        return data

    def _checked(self, layer_id: str, kind: str, required: bool | None) -> Any:
        if required is None:
            required = self.step is not None and layer_id in self.step.required_input_ids(self.params)
        data = self.require(layer_id) if required else self.inputs.get(layer_id)
        if data is None:
            return None
        spec = get_layer(layer_id)
        if spec.kind != kind:
            raise TypeError(f"{layer_id!r} is a {spec.kind} layer in the catalog, not {kind}")
        return check_input(spec, data, self.region.crs, self.region.extra_values.get(layer_id))

    def vector(self, layer_id: str, required: bool | None = None) -> gpd.GeoDataFrame | None:
        """The vector input ``layer_id`` in the region CRS, with its canonical fields and classes (rows without
        geometry dropped); ``None`` when optional and missing. ``required`` defaults to the step's declaration.
        Raises :class:`InputDataError` saying what to fix."""
        return self._checked(layer_id, "vector", required)

    def raster(self, layer_id: str, required: bool | None = None) -> Raster | RasterFile | None:
        """The raster input ``layer_id`` in the region CRS; ``None`` when optional and missing."""
        return self._checked(layer_id, "raster", required)

    def table(self, layer_id: str, required: bool | None = None) -> pd.DataFrame | None:
        """The table input ``layer_id`` with its canonical fields; ``None`` when optional and missing."""
        return self._checked(layer_id, "table", required)


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


#: Status of a step in a run: it ran (``done``), reused its published outputs (``cached``), ran but warned
#: that its result is degraded or an optional input was unreadable (``degraded``), could not start for lack of a
#: required input (``blocked``) or raised (``failed``).
StepStatus = Literal["done", "cached", "degraded", "blocked", "failed"]
#: Every :data:`StepStatus`, in that order.
STEP_STATUSES: tuple[StepStatus, ...] = get_args(StepStatus)
#: Statuses after which a step's outputs are published and current.
PUBLISHED_STATUSES: tuple[StepStatus, ...] = ("done", "cached", "degraded")


@dataclass
class StepReport:
    """What happened to one step in a run, and why (``error`` for blocked and failed steps, ``notes`` for the
    warnings it logged: degraded inputs, empty or heavily filtered results)."""

    step: str
    status: StepStatus
    seconds: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)  # layer id → feature count or cell count
    error: str | None = None
    #: layer id → the version this run published (or reused), when the sink reports versions
    versions: dict[str, int] = field(default_factory=dict)
    cache_key: str | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in STEP_STATUSES:
            raise ValueError(f"step {self.step!r}: status {self.status!r} is not one of {', '.join(STEP_STATUSES)}")


@dataclass
class RunSummary:
    job_id: str
    region: str
    steps: list[StepReport]

    @property
    def ok(self) -> bool:
        """Every step published its outputs (possibly degraded)."""
        return all(s.status in PUBLISHED_STATUSES for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "region": self.region, "ok": self.ok,
                "steps": [vars(s) for s in self.steps]}


def plan(steps: Sequence[Step], targets: Sequence[str] | None = None,
         params: Mapping[str, BaseModel] | None = None) -> list[Step]:
    """Order ``targets`` (all steps when empty) and the steps they depend on so producers run first;
    ``params`` (step → parsed parameters, default parameters for a step not named) decide derived inputs."""
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
        step_params = (params or {}).get(name)
        for layer_id in (*step.required_input_ids(step_params), *step.optional_input_ids(steps, step_params)):
            dep = producer.get(layer_id)
            if dep is not None and dep != name:
                visit(dep)
        visiting.discard(name)
        ordered.append(step)

    for name in targets or [s.name for s in steps]:
        visit(name)
    return ordered


def validate_params(steps: Sequence[Step], params: Mapping[str, Any], origin: str) -> dict[str, BaseModel]:
    """Every step's parameters parsed from ``params`` (``{step: {name: value}}``); raise :class:`ConfigError`
    naming an unknown section (``[params.solr]``) or parameter, and ``origin`` (the file it came from)."""
    names = [s.name for s in steps]
    unknown = [name for name in params if name not in names]
    if unknown:
        hints = [f"[params.{u}]" + (f" (did you mean [params.{close[0]}]?)" if (close := difflib.get_close_matches(
            u, names, n=1)) else "") for u in unknown]
        raise ConfigError(f"{origin}: unknown parameter section{'s' if len(unknown) > 1 else ''} {', '.join(hints)}"
                          f"; analyses with parameters: {', '.join(names)}")
    parsed: dict[str, BaseModel] = {}
    for step in steps:
        try:
            parsed[step.name] = step.parse_params(params.get(step.name, {}))
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") from exc
    return parsed


def check_resolutions(steps: Sequence[Step], resolution: Mapping[str, float], origin: str) -> None:
    """Raise :class:`ConfigError` for a ``[resolution]`` key that names no step with a grid, or a cell size
    outside 0.1-1000 m; ``origin`` is the file it came from."""
    gridded = [s.name for s in steps if s.default_resolution_m is not None]
    for name, res in resolution.items():
        if name not in gridded:
            close = difflib.get_close_matches(name, gridded, n=1)
            raise ConfigError(f"{origin}: [resolution] {name}: unknown analysis {name!r}"
                              + (f" (did you mean {close[0]!r}?)" if close else "")
                              + f"; analyses with a grid: {', '.join(gridded)}")
        if not 0.1 <= float(res) <= 1000.0:
            raise ConfigError(f"{origin}: [resolution] {name}: must lie in 0.1-1000 m, got {res}")


#: ``log.warning(message, extra=EXPLANATION)``: a step explains an empty or heavily filtered result (a note in
#: the run summary); any other warning a step logs says its result is degraded.
EXPLANATION = {"explains": True}


def log_note(logger: logging.Logger, subject: str, note: str | None) -> None:
    """Log ``note`` as a note of the run, ``"<subject>: <note>"`` (an explanation: the step's status stays as it
    is), e.g. a default the region left unset; nothing when ``note`` is ``None`` or empty."""
    if note:
        logger.warning("%s: %s", subject, note, extra=EXPLANATION)


class _StepNotes(logging.Handler):
    """Collects the warnings a step logs while it runs: explanations of its results, and degradations."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.notes: list[str] = []
        self.degraded = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("processing.") and record.name != __name__:
            self.notes.append(record.getMessage())
            self.degraded = self.degraded or not getattr(record, "explains", False)


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


def _gather(layer_ids: Sequence[str], produced: Mapping[str, LayerData], unavailable: dict[str, str | None],
            source: LayerSource) -> tuple[dict[str, LayerData | None], dict[str, str | None]]:
    """A step's inputs ``layer_ids``, and those it lacks with the reason (``None``: the region does not
    provide it)."""
    inputs: dict[str, LayerData | None] = {}
    lacking: dict[str, str | None] = {}
    for layer_id in layer_ids:
        data = produced.get(layer_id)
        if data is None and layer_id not in unavailable:
            try:
                data = source(layer_id)
            except GeoserviceError as exc:  # an unreadable input stops only the steps that require it
                unavailable[layer_id] = str(exc)
            else:
                if data is None:
                    unavailable[layer_id] = None
        if data is None:
            lacking[layer_id] = unavailable.get(layer_id)
        inputs[layer_id] = data
    return inputs, lacking


def _blocked_reason(step: Step, lacking: Mapping[str, str | None]) -> str:
    """Why ``step`` cannot start: its missing required inputs with what they must hold, and the problems of
    the unreadable ones."""
    absent = [i for i, why in lacking.items() if why is None]
    lines = [missing_inputs_message(absent, f"step {step.name}")] if absent else []
    lines += [f"{i}: {why}" for i, why in lacking.items() if why is not None]
    return "\n".join(lines)


def _optional_lacking(step: Step, optional: Sequence[str], lacking: Mapping[str, str | None]) -> list[str]:
    """Optional inputs ``step`` runs without: all it lacks, except a pass-through input (one the step also
    outputs) that the region simply does not provide."""
    return [i for i in optional if i in lacking and (i not in step.outputs or lacking[i] is not None)]


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

    A step whose required input is missing, unreadable or the output of a step that published nothing is
    ``blocked`` (every such input named at once, with what it must hold); a step that raises is ``failed`` and
    publishes nothing. Neither stops the steps that do not need them; outputs already published stay complete.
    """
    parsed = validate_params(steps, params or {}, "parameters")  # fail before any work
    ordered = plan(steps, targets, parsed)
    produced: dict[str, LayerData] = {}
    unavailable: dict[str, str | None] = {}  # layer id → why this run lacks it (None: not provided)
    reports: list[StepReport] = []
    for step in ordered:
        started = time.perf_counter()
        required = step.required_input_ids(parsed[step.name])
        optional = step.optional_input_ids(steps, parsed[step.name])
        inputs, lacking = _gather((*required, *optional), produced, unavailable, source)
        blocking = {i: why for i, why in lacking.items() if i in required}
        if blocking:
            reason = _blocked_reason(step, blocking)
            reports.append(StepReport(step.name, "blocked", error=reason))
            unavailable.update({o: f"step {step.name} is blocked" for o in step.outputs if o not in produced})
            log.error("step %s is blocked: %s", step.name, reason)
            continue
        without = _optional_lacking(step, optional, lacking)
        absent = [i for i in without if lacking[i] is None]
        unreadable = [i for i in without if lacking[i] is not None]
        notes = [f"without {', '.join(absent)} (not provided by the region)"] if absent else []
        notes += [f"without {i}: {lacking[i]}" for i in unreadable]
        if absent:
            log.info("step %s runs without its optional input%s %s", step.name, "s" if len(absent) > 1 else "",
                     ", ".join(absent))
        for i in unreadable:
            log.warning("step %s runs without its optional input %s, which cannot be read", step.name, i)
        try:
            checksums = {k: data_checksum(v) for k, v in inputs.items() if v is not None}
            key = cache_key(step, parsed[step.name], checksums, region, code_version)
            # a pass-through input the region lacks is not expected among the outputs
            expected = [o for o in step.outputs if get_layer(o).role == "output" or inputs.get(o) is not None]
            cached = sink.cached_layers(expected, key) if use_cache else None
            if cached is not None:
                produced.update(cached)
                reports.append(StepReport(step.name, "degraded" if unreadable else "cached",
                                          time.perf_counter() - started, {k: _size(v) for k, v in cached.items()},
                                          notes=notes, cache_key=key))
                log.info("step %s: inputs and parameters unchanged, reusing published outputs", step.name)
                continue
            collector = _StepNotes()
            logging.getLogger().addHandler(collector)
            try:
                outputs, versions = _run_and_publish(step, region, inputs, parsed[step.name], key, checksums, sink,
                                                     job_id, code_version, progress_factory, scratch_dir, executor,
                                                     use_cache)
            finally:
                logging.getLogger().removeHandler(collector)
            produced.update(outputs)
            status: StepStatus = "degraded" if unreadable or collector.degraded else "done"
            reports.append(StepReport(step.name, status, time.perf_counter() - started,
                                      {k: _size(v) for k, v in outputs.items()}, notes=notes + collector.notes,
                                      versions=versions, cache_key=key))
        except GeoserviceError as exc:
            message = str(exc.cause) if isinstance(exc, StepFailed) else str(exc)
            reports.append(StepReport(step.name, "failed", time.perf_counter() - started, error=message))
            log.error("step %s failed: %s", step.name, message)
        except Exception as exc:  # an unexpected bug: report it, keep the traceback in the log
            reports.append(StepReport(step.name, "failed", time.perf_counter() - started,
                                      error=f"{type(exc).__name__}: {exc}"))
            log.exception("step %s failed unexpectedly", step.name)
        if reports[-1].status == "failed":
            unavailable.update({o: f"step {step.name} failed" for o in step.outputs if o not in produced})
    return RunSummary(job_id, region.id, reports)


def _run_and_publish(step: Step, region: RegionContext, inputs: Mapping[str, LayerData | None], params: BaseModel,
                     key: str, checksums: Mapping[str, str], sink: LayerSink, job_id: str, code_version: str,
                     progress_factory: Callable[[Step], ProgressFn] | None, scratch_dir: str | None,
                     executor: WindowExecutor, use_cache: bool) -> tuple[dict[str, LayerData], dict[str, int]]:
    """Run one step, check its outputs against the catalog and publish them atomically; return them and the
    versions the sink published (layer id → version, when the sink reports them)."""
    progress = progress_factory(step) if progress_factory else (lambda f, m: None)
    with tempfile.TemporaryDirectory(prefix=f"geoservice-{step.name}-", dir=scratch_dir) as workdir:
        context = StepContext(region, inputs, params, progress, Path(workdir), executor, step)
        outputs = {k: conform(get_layer(k), v, region.crs) for k, v in step.run(context).items()}
        # an input layer the region lacks has nothing to pass through; analysis outputs are all due
        missing = {o for o in step.outputs if o not in outputs and get_layer(o).role == "output"}
        if missing or set(outputs) - set(step.outputs):
            raise StepFailed(step.name, f"returned layers {sorted(outputs)}, declared {sorted(step.outputs)}")
        for layer_id, data in outputs.items():
            check_layer(get_layer(layer_id), data, region.crs, region.extra_values.get(layer_id))
        provenance = Provenance(job_id, step.name, params.model_dump(mode="json"), dict(checksums), code_version,
                                key, region.synthetic, region.id)
        published = sink.publish_layers(outputs, provenance, reuse=use_cache) or ()
        versions = {v.layer_id: v.version for v in published}
        # a RasterFile in the scratch folder is gone after this block: use the published copy
        return {k: sink.current_layer(k) if isinstance(v, RasterFile) else v for k, v in outputs.items()}, versions
