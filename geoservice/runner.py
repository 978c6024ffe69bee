"""Run the pipeline for a region: the glue between region files, input sources, steps and the store.

Used by the CLI (``geoservice run``) and the worker (processes executed over HTTP).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geoservice import __version__
from geoservice.compute import window_executor
from geoservice.settings import Settings
from geoservice.store import open_store
from geoservice.store.base import Store
from geoservice.store.common import BASELINE
from geoservice.store.jobs import new_job_id
from layers.errors import ConfigError, StoreError
from layers.region import RegionConfig, load_region
from layers.sources import RegionSource
from processing.pipeline import ProgressFn, RunSummary, Step, check_resolutions, run_pipeline, validate_params
from processing.steps import all_steps

log = logging.getLogger(__name__)

#: ``on_progress(step, fraction, message)``
StepProgress = Callable[[str, float, str], None]


def merge_params(base: Mapping[str, Mapping[str, Any]], override: Mapping[str, Mapping[str, Any]] | None
                 ) -> dict[str, dict[str, Any]]:
    """Region parameters with per-run overrides applied key by key."""
    merged = {step: dict(values) for step, values in base.items()}
    for step, values in (override or {}).items():
        merged.setdefault(step, {}).update(values)
    return merged


def region_params(config: RegionConfig, override: Mapping[str, Mapping[str, Any]] | None,
                  scenario: str | None = None) -> dict[str, dict[str, Any]]:
    """Parameters of a run: the region's ``[params.*]``, facts stated with its inputs (the wind atlas's
    height), its ``[targets]``, the overrides of ``scenario`` (``[scenarios.<name>]``), then per-run overrides. Raise
    :class:`ConfigError` naming an unknown section or parameter and the file (and scenario) it is in; every
    scenario of the region is validated, merged over the region's parameters, as a run of it would be (``run``
    and ``check`` both call this, so they accept and refuse the same parameters)."""
    steps = all_steps()
    check_resolutions(steps, config.resolution, f"region file {config.origin}")
    validate_params(steps, config.params, f"region file {config.origin}")
    for name in config.scenarios:
        validate_params(steps, merge_params(config.params, config.scenario_params(name)),
                        f"region file {config.origin}, [scenarios.{name}]")
    validate_params(steps, override or {}, "--params")
    chosen = config.scenario_params(scenario) if scenario not in (None, BASELINE) else {}
    params = merge_params(merge_params(config.params, chosen), override)
    own = config.class_conductivities()  # [classes.geology.lithology] with their λ
    if own:
        table = params.setdefault("geothermal", {}).setdefault("conductivity_w_mk", {})
        params["geothermal"]["conductivity_w_mk"] = {**own, **table}
    if config.targets is not None:  # [targets]: the climate-targets step's plan
        params.setdefault("targets", {}).setdefault("plan", config.targets.model_dump())
    atlas = config.inputs.get("wind_speed")
    if atlas is not None and atlas.height_m is not None:
        params.setdefault("wind", {}).setdefault("atlas_height_m", atlas.height_m)
    return params


def run_region(
    settings: Settings,
    region: str | Path,
    steps: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    job_id: str | None = None,
    on_progress: StepProgress | None = None,
    *,
    use_cache: bool = True,
    store: Store | None = None,
    scenario: str | None = None,
) -> RunSummary:
    """Run ``steps`` (all when empty) and their dependencies for ``region``; publish into the store.

    With ``scenario`` (a ``[scenarios.<name>]`` of the region), the scenario's overrides apply and the
    versions are published tagged with it, the baseline's staying current for the baseline; steps its
    overrides leave unchanged adopt the baseline's outputs instead of running. Writes the run summary to
    ``<data_dir>/runs/<job_id>.json``.
    """
    config = load_region(region)
    params = region_params(config, params, scenario)  # an unknown scenario fails before any work
    job_id = job_id or new_job_id()
    source = RegionSource(config, settings.inputs_dir)
    own_store = store is None
    store = store or open_store(settings)
    base_store = store
    try:
        check_store_region(store, config.region.id, settings)
    except ConfigError:
        if own_store:
            store.close()
        raise
    if scenario not in (None, BASELINE):
        store = store.for_scenario(scenario)

    def progress_factory(step: Step) -> ProgressFn:
        return lambda fraction, message: on_progress(step.name, fraction, message) if on_progress else None

    try:
        with window_executor(settings) as executor:
            summary = run_pipeline(
                all_steps(), source.region_context(), source, store,
                params=params, targets=list(steps or []) or None, job_id=job_id,
                code_version=__version__, progress_factory=progress_factory, use_cache=use_cache,
                scratch_dir=str(_scratch_dir(settings, job_id)), executor=executor,
            )
    finally:
        shutil.rmtree(settings.job_scratch_dir(job_id), ignore_errors=True)
        if own_store:
            base_store.close()
    _write_summary(settings, summary, scenario or BASELINE)
    return summary


def check_store_region(store: Store, region_id: str, settings: Settings) -> None:
    """Refuse to publish region ``region_id`` into a store that serves another region.

    One store serves one region: its layers are current per layer id, so a second region's run would replace
    some of the first's layers and leave the others, and the API would serve a mix of the two (its scenarios
    too). Versions published before provenance named the region say nothing and are not counted.
    """
    others = sorted({str(v.provenance["region"]) for v in store.published() if v.provenance.get("region")}
                    - {region_id})
    if not others:
        return
    where = "the PostGIS database of GEOSERVICE_DATABASE_URL" if settings.database_url else \
        f"the store in {settings.store_dir}"
    raise ConfigError(
        f"{where} serves region {' and '.join(map(repr, others))}, not {region_id!r}: one store serves one region. "
        f"Give {region_id!r} a store of its own (another GEOSERVICE_DATA_DIR, or another database in "
        f"GEOSERVICE_DATABASE_URL), or remove that store to replace its region")


def _scratch_dir(settings: Settings, job_id: str) -> Path:
    path = settings.job_scratch_dir(job_id)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}; fix the permissions or set "
                         "GEOSERVICE_DATA_DIR to a writable folder") from exc
    return path


def _write_summary(settings: Settings, summary: RunSummary, scenario: str) -> Path:
    runs = settings.data_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / f"{summary.job_id}.json"
    path.write_text(json.dumps({**summary.to_dict(), "scenario": scenario}, indent=2, default=str), encoding="utf-8")
    return path
