"""OGC API – Processes: every pipeline step, and the whole run, as an asynchronous process.

``POST /processes/{id}/execution`` (bearer token required) validates the inputs against the step's
parameter model and queues a job in the store; a worker (``geoservice worker``) runs it. ``/jobs/{id}``
reports status, progress and log; ``/jobs/{id}/results`` links to the published layer versions.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from geoservice.api.auth import require_execute
from geoservice.api.common import JSON, base_url, json_response, link, settings_of, store_of
from geoservice.api.openapi import _schema_30
from geoservice.api.problems import Conflict
from geoservice.comparison import COMPARE_PROCESS, check_pair
from geoservice.runner import check_store_region
from geoservice.store.base import Job
from layers.errors import ConfigError, InvalidRequest, LayerNotFound
from layers.region import bundled_regions, load_region
from processing.pipeline import Step
from processing.steps import all_steps

router = APIRouter(tags=["Processes"])

RUN_PROCESS = "run"
_JOB_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
#: Log lines shown in a job's status (the newest ones).
LOG_TAIL = 200


class Execute(BaseModel):
    """An execute request (OGC API – Processes, JSON)."""

    model_config = ConfigDict(extra="forbid")
    inputs: dict[str, Any] = {}
    outputs: dict[str, Any] | None = None
    response: str | None = None
    subscriber: dict[str, Any] | None = None


_COMPARE_TEXT = ("Compare scenario b with scenario a (the unmodified run is 'baseline'): per commune and indicator "
                 "the change b − a, wind-eligible land gained and lost, turbine sites added and removed, test-district "
                 "candidates moving rank, and whether choosing b raises or lowers emissions; published under the "
                 "scenario a..b (/scenarios/a..b/collections).")


class JobNotFound(LayerNotFound):
    """No job with that id."""


def _steps() -> dict[str, Step]:
    return {s.name: s for s in all_steps()}


def _region_input(request: Request) -> dict[str, Any]:
    regions = sorted(set(bundled_regions()) | {settings_of(request).region})
    return {"title": "Region", "description": "Bundled region name (default: the server's region).",
            "schema": {"type": "string", "enum": regions}, "minOccurs": 0, "maxOccurs": 1}


def _inputs_of(step: Step) -> tuple[str, ...]:
    """The layers ``step`` reads under default parameters."""
    return (*step.required_input_ids(), *step.optional_input_ids(all_steps()))


def _step_inputs(step: Step) -> dict[str, Any]:
    """One process input per parameter: title, description with unit and bounds from the parameter model."""
    schema = step.params.model_json_schema()
    defs = schema.get("$defs", {})
    inputs = {}
    for name, prop in schema.get("properties", {}).items():
        if "$ref" in prop:
            prop = {**defs.get(prop["$ref"].rsplit("/", 1)[-1], {}), **{k: v for k, v in prop.items() if k != "$ref"}}
        field = step.params.model_fields.get(name)
        description = (field.description if field is not None else None) or prop.get("description", "")
        inputs[name] = {"title": prop.get("title", name), "description": description,
                        "schema": _schema_30({k: v for k, v in prop.items() if k not in ("title", "description")}),
                        "minOccurs": 0, "maxOccurs": 1}
    return inputs


def _summary(request: Request, pid: str, title: str, description: str) -> dict[str, Any]:
    here = f"{base_url(request)}/processes/{pid}"
    return {"id": pid, "title": title, "description": description, "version": "1.0.0",
            "jobControlOptions": ["async-execute", "dismiss"], "outputTransmission": ["reference"],
            "links": [link(here, "self", JSON, title),
                      link(f"{here}/execution", "http://www.opengis.net/def/rel/ogc/1.0/execute", JSON, "Execute")]}


def _description(request: Request, pid: str) -> dict[str, Any]:
    steps = _steps()
    layers_output = {"layers": {"title": "Published layers", "description": "Layer id → published version and "
                                "its collection URL.", "schema": {"type": "object"}}}
    if pid == RUN_PROCESS:
        doc = _summary(request, pid, "Whole pipeline", "Run the named steps (default: every step) and the steps "
                       "they depend on; publish every output layer as a new version.")
        doc["inputs"] = {
            "region": _region_input(request),
            "steps": {"title": "Steps", "description": "Steps to run (their dependencies run too).",
                      "schema": {"type": "array", "items": {"type": "string", "enum": list(steps)}},
                      "minOccurs": 0, "maxOccurs": 1},
            "params": {"title": "Parameters", "description": "Parameters per step, as in the region file's "
                       "[params.<step>] tables.", "schema": {"type": "object", "properties": {
                           name: {"type": "object"} for name in steps}, "additionalProperties": False},
                       "minOccurs": 0, "maxOccurs": 1},
            "scenario": {"title": "Scenario", "description": "A [scenarios.<name>] of the region: its overrides "
                         "apply and the versions are published tagged with it (the baseline stays as it is).",
                         "schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": 1},
        }
    elif pid == COMPARE_PROCESS:
        doc = _summary(request, pid, "Compare two scenarios", _COMPARE_TEXT)
        doc["inputs"] = {name: {"title": f"Scenario {name.upper()}", "description": text,
                                "schema": {"type": "string"}, "minOccurs": 1, "maxOccurs": 1}
                         for name, text in (("a", "The reference, e.g. baseline."), ("b", "The choice to weigh."))}
    elif pid in steps:
        step = steps[pid]
        doc = _summary(request, pid, step.title, f"Run step {pid!r} (and the steps it depends on); it reads "
                       f"{', '.join(_inputs_of(step)) or 'nothing'} and publishes "
                       f"{', '.join(step.outputs)}.")
        doc["inputs"] = {"region": _region_input(request), **_step_inputs(step)}
    else:
        raise LayerNotFound(f"no process {pid!r}; processes: {', '.join([RUN_PROCESS, COMPARE_PROCESS, *steps])}")
    doc["outputs"] = layers_output
    return doc


@router.get("/processes", summary="Processes", response_class=Response)
def processes(request: Request, f: str | None = Query(None, description="json")):
    _json_only(f)
    items = [_summary(request, RUN_PROCESS, "Whole pipeline", "Run every step (or the named ones)."),
             _summary(request, COMPARE_PROCESS, "Compare two scenarios", _COMPARE_TEXT)]
    items += [_summary(request, s.name, s.title, f"Run step {s.name!r}.") for s in all_steps()]
    return json_response({"processes": items, "links": [link(f"{base_url(request)}/processes", "self", JSON)]})


@router.get("/processes/{processId}", summary="A process description", response_class=Response)
def process(request: Request, processId: str = Path(..., max_length=100),
            f: str | None = Query(None, description="json")):
    _json_only(f)
    return json_response(_description(request, processId))


def _json_only(f: str | None) -> None:
    if f not in (None, "json"):
        raise InvalidRequest(f"f={f!r} is not offered here; use json")


def normalise_inputs(request: Request, pid: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Validated job inputs ``{"region", "steps", "params"}``; ConfigError/InvalidRequest naming the bad input."""
    steps = _steps()
    if pid == COMPARE_PROCESS:
        return _compare_inputs(request, inputs)
    if pid != RUN_PROCESS and pid not in steps:
        raise LayerNotFound(f"no process {pid!r}; processes: {', '.join([RUN_PROCESS, COMPARE_PROCESS, *steps])}")
    region = inputs.get("region", settings_of(request).region)
    allowed_regions = set(bundled_regions()) | {settings_of(request).region}
    if not isinstance(region, str) or region not in allowed_regions:
        raise InvalidRequest(f"input region={region!r} is not available; use one of {', '.join(sorted(allowed_regions))}")
    config = load_region(region)
    if pid == RUN_PROCESS:
        unknown = set(inputs) - {"region", "steps", "params", "scenario"}
        if unknown:
            raise InvalidRequest(f"unknown input(s) {', '.join(sorted(unknown))}; inputs: region, steps, params, "
                                 "scenario")
        scenario = inputs.get("scenario")
        if scenario is not None:
            if not isinstance(scenario, str):
                raise InvalidRequest("input scenario must be the name of a [scenarios.<name>] of the region")
            config.scenario_params(scenario)  # ConfigError naming the region's scenarios
        chosen = inputs.get("steps")
        if chosen is not None and (not isinstance(chosen, list) or not all(isinstance(s, str) for s in chosen)):
            raise InvalidRequest("input steps must be a list of step names")
        bad = [s for s in chosen or [] if s not in steps]
        if bad:
            raise InvalidRequest(f"unknown step(s) {bad}; steps: {', '.join(steps)}")
        params = inputs.get("params") or {}
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            raise InvalidRequest("input params must map step names to objects of parameters")
        unknown_steps = [s for s in params if s not in steps]
        if unknown_steps:
            raise InvalidRequest(f"params for unknown step(s) {unknown_steps}; steps: {', '.join(steps)}")
    else:
        params = {pid: {k: v for k, v in inputs.items() if k != "region"}}
        chosen = [pid]
    for name, values in params.items():
        steps[name].parse_params(values)  # raises ConfigError naming the parameter
    try:  # a valid request the store cannot take: refused now (409) rather than as a failed job
        check_store_region(store_of(request), config.region.id, settings_of(request))
    except ConfigError as exc:
        raise Conflict(str(exc)) from None
    job = {"region": region, "steps": chosen, "params": params}
    return job | ({"scenario": inputs["scenario"]} if pid == RUN_PROCESS and inputs.get("scenario") else {})


def _compare_inputs(request: Request, inputs: dict[str, Any]) -> dict[str, Any]:
    """``{"a", "b"}`` of a compare job; InvalidRequest or ConfigError (both 400) saying what to fix, e.g. a
    scenario that was never run."""
    unknown = set(inputs) - {"a", "b"}
    if unknown:
        raise InvalidRequest(f"unknown input(s) {', '.join(sorted(unknown))}; inputs: a, b (scenario names)")
    if not all(isinstance(inputs.get(k), str) for k in ("a", "b")):
        raise InvalidRequest("inputs a and b are required: the names of two scenarios (the unmodified run is "
                             "'baseline')")
    check_pair(store_of(request), inputs["a"], inputs["b"])
    return {"a": inputs["a"], "b": inputs["b"]}


def status_info(request: Request, job: Job, with_log: bool = True) -> dict[str, Any]:
    here = f"{base_url(request)}/jobs/{job.job_id}"
    links = [link(here, "self", JSON, "Job status"),
             link(f"{base_url(request)}/processes/{job.process_id}", "process", JSON, "The process")]
    if job.status == "successful":
        links.append(link(f"{here}/results", "http://www.opengis.net/def/rel/ogc/1.0/results", JSON, "Results"))
    doc: dict[str, Any] = {"jobID": job.job_id, "processID": job.process_id, "type": "process",
                           "status": job.status, "message": job.message,
                           "created": job.created_at.isoformat(), "updated": job.updated_at.isoformat(),
                           "progress": max(0, min(100, round((job.progress or 0.0) * 100))),
                           "inputs": dict(job.inputs), "links": links}
    if job.status in ("successful", "failed", "dismissed"):
        doc["finished"] = job.updated_at.isoformat()
    if with_log:
        doc["log"] = list(job.log)[-LOG_TAIL:]
    return doc


async def raw_body(request: Request) -> bytes:
    """The request body, read (not parsed) on the event loop; the guard has already checked the execute
    token and bounded its size (GEOSERVICE_MAX_BODY_BYTES)."""
    return await request.body()


def parse_execute(raw: bytes) -> Execute:
    """An execute request from its JSON text; InvalidRequest saying what is wrong."""
    try:
        return Execute.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise InvalidRequest(f"the execute request is not valid: {problems[:500]}") from None


@router.post("/processes/{processId}/execution", summary="Execute a process (asynchronously)",
             response_class=Response, status_code=201, dependencies=[Depends(require_execute)],
             openapi_extra={"requestBody": {"required": True, "content": {
                 JSON: {"schema": Execute.model_json_schema()}}}},
             responses={201: {"description": "Job created; Location names it."},
                        409: {"description": "The store serves another region (one store serves one region)."},
                        413: {"description": "The body exceeds GEOSERVICE_MAX_BODY_BYTES."}})
def execute(request: Request, processId: str = Path(..., max_length=100), raw: bytes = Depends(raw_body)):
    body = parse_execute(raw)  # a plain def: FastAPI runs it in the thread pool, off the event loop
    job_inputs = normalise_inputs(request, processId, body.inputs)
    job = store_of(request).jobs.create(processId, job_inputs)
    location = f"{base_url(request)}/jobs/{job.job_id}"
    return json_response(status_info(request, job), status_code=201, headers={"Location": location})


def _job(request: Request, job_id: str) -> Job:
    job = store_of(request).jobs.get(job_id) if _JOB_ID_RE.match(job_id) else None
    if job is None:
        raise JobNotFound(f"no job {job_id!r}; see /jobs")
    return job


@router.get("/jobs", summary="Jobs, newest first", response_class=Response)
def jobs(request: Request, limit: int | None = Query(None, ge=1, le=1000, description="Jobs to list."),
         f: str | None = Query(None, description="json")):
    _json_only(f)
    items = [status_info(request, j, with_log=False) for j in store_of(request).jobs.list(limit or 100)]
    return json_response({"jobs": items, "links": [link(f"{base_url(request)}/jobs", "self", JSON)]})


@router.get("/jobs/{jobId}", summary="Job status, progress and log", response_class=Response)
def job_status(request: Request, jobId: str = Path(..., max_length=100),
               f: str | None = Query(None, description="json")):
    _json_only(f)
    return json_response(status_info(request, _job(request, jobId)))


@router.delete("/jobs/{jobId}", summary="Dismiss a queued or running job", response_class=Response,
               dependencies=[Depends(require_execute)],
               description="A running job stops at its next progress report; a step already publishing completes.")
def dismiss(request: Request, jobId: str = Path(..., max_length=100)):
    job = _job(request, jobId)
    dismissed = store_of(request).jobs.dismiss(jobId)
    if dismissed is None:
        raise Conflict(f"job {jobId!r} has ended ({job.status}); only a queued or running job can be dismissed")
    return json_response(status_info(request, dismissed))


@router.get("/jobs/{jobId}/results", summary="Job results: the published layer versions", response_class=Response)
def job_results(request: Request, jobId: str = Path(..., max_length=100),
                f: str | None = Query(None, description="json")):
    _json_only(f)
    job = _job(request, jobId)
    if job.status == "failed":
        raise Conflict(f"job {jobId!r} failed: {job.message or 'see its log at /jobs/' + jobId}")
    if job.status != "successful":
        raise Conflict(f"job {jobId!r} is {job.status}; results exist once it is successful")
    return json_response(dict(job.results))
