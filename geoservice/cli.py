"""The ``geoservice`` command line: thin commands over the library.

Every command exits non-zero with a message saying what to fix when validation or a job fails.
"""

from __future__ import annotations

import json
import logging
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geoservice import __version__
from geoservice.settings import Settings
from layers.errors import GeoserviceError

if TYPE_CHECKING:  # the analyses load when a command needs them, not for --help
    from processing.pipeline import StepStatus

log = logging.getLogger("geoservice")

EPILOG = """\b
Examples:
  geoservice run                          # the demo region, every analysis
  geoservice run --only wind --only solar # two analyses and what they need
  geoservice run --region my-region.toml --params overrides.toml
  geoservice layers                       # published layers and versions
  geoservice maps                         # rebuild the web maps
  geoservice serve --port 8000            # OGC API Features, tiles, processes
  geoservice demo generate --out /tmp/demo --width-m 4000 --height-m 4000

\b
Environment: GEOSERVICE_DATA_DIR (default ./data), GEOSERVICE_DATABASE_URL (PostGIS;
unset = embedded GeoPackage), GEOSERVICE_REGION (default minett-demo).
"""


class CliContext:
    """Settings built once per invocation, from the environment and the global options."""

    def __init__(self, data_dir: Path | None):
        try:
            self.settings = Settings(**({"data_dir": data_dir} if data_dir else {}))
        except Exception as exc:  # pydantic's ValidationError: show it as a usage error
            raise click.UsageError(f"invalid settings: {exc}") from exc


def _configure_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(logging.CRITICAL, level)))
    for chatty in ("pyogrio", "rasterio", "fiona", "urllib3", "distributed", "numexpr"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, level))


def fail(message: str) -> None:
    """Print ``message`` to stderr and exit with status 1."""
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


region_option = click.option("--region", "-r", default=None, metavar="NAME|PATH",
                             help="Bundled region name or region TOML file [default: GEOSERVICE_REGION or "
                                  "minett-demo].")


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geoservice")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (store, inputs, maps) [default: GEOSERVICE_DATA_DIR or ./data].")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, verbose: int, quiet: int) -> None:
    """geoservice: solar, wind, geothermal, ecological-corridor and test-district potentials for a region,
    stored in GeoPackage or PostGIS and served as OGC API Features, tiles and processes."""
    _configure_logging(verbose, quiet)
    ctx.obj = CliContext(data_dir)


def _load_params(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--params") from exc
    if "params" in data and len(data) > 1:
        others = ", ".join(f"[{k}]" for k in data if k != "params")
        raise click.BadParameter(f"{path}: unknown section(s) {others} next to [params.*]; a parameter file holds "
                                 "only [params.<step>] tables (or only [<step>] tables)", param_hint="--params")
    params = data.get("params", data)
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise click.BadParameter("expected tables [params.<step>] or [<step>] of parameters", param_hint="--params")
    return params


@cli.command()
@region_option
@click.option("--only", "only", multiple=True, metavar="STEP",
              help="Run only this step and what it depends on (repeatable).")
@click.option("--params", "params_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="TOML file of [<step>] parameter tables overriding the region's.")
@click.option("--no-cache", is_flag=True, help="Recompute steps whose inputs and parameters are unchanged.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Run the region's [scenarios.NAME] overrides and publish versions tagged NAME (the baseline "
                   "stays as it is; unchanged steps reuse the baseline's outputs).")
@click.option("--maps/--no-maps", "build_maps", default=True, show_default=True,
              help="Build the web maps after the run (the baseline's; a scenario's are its comparison pages).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Run raster windows on a local Dask cluster of N worker processes [default: in-process, or "
                   "GEOSERVICE_WORKERS; GEOSERVICE_DASK_SCHEDULER selects a remote cluster].")
@click.pass_obj
def run(obj: CliContext, region: str | None, only: tuple[str, ...], params_file: Path | None, no_cache: bool,
        scenario: str | None, build_maps: bool, workers: int | None) -> None:
    """Run the analyses for a region and publish every layer into the store.

    \b
    Example:
      geoservice run --scenario wind-300m     # the demo's 300 m setback scenario
    """
    from geoservice.progress import StepProgressDisplay
    from geoservice.runner import run_region
    from processing.pipeline import PUBLISHED_STATUSES

    settings = obj.settings if workers is None else obj.settings.model_copy(update={"workers": workers})
    region = region or settings.region
    display = StepProgressDisplay()
    try:
        summary = run_region(settings, region, list(only), _load_params(params_file), on_progress=display,
                             use_cache=not no_cache, scenario=scenario)
    except GeoserviceError as exc:
        display.close()
        fail(str(exc))
        return
    display.close()
    _print_run_table(summary)
    click.echo(f"run summary: {settings.data_dir / 'runs' / (summary.job_id + '.json')}")
    if any(s.status in PUBLISHED_STATUSES for s in summary.steps):
        store_where = settings.database_url and "PostGIS" or str(settings.store_dir)
        click.echo(f"layers published to {store_where}" + (f" as scenario {scenario!r}; compare it with "
                                                            f"`geoservice compare baseline {scenario}`"
                                                            if scenario else ""))
        if build_maps and not scenario:
            _build_maps(settings, region)
    if not summary.ok:
        lost = [f"{s.step} ({s.status})" for s in summary.steps if s.status not in PUBLISHED_STATUSES]
        fail(f"{len(lost)} step(s) did not publish: {', '.join(lost)}; the reasons are in the table above")


#: Colour of each step status in the run table.
STATUS_COLOURS: dict[StepStatus, str] = {"done": "green", "cached": "green", "degraded": "yellow", "blocked": "red",
                                         "failed": "red"}


def _print_run_table(summary) -> None:
    """One line per step (status, time, outputs) and, indented under it, why it degraded, was blocked or failed,
    and the notes it logged (empty or heavily filtered results)."""
    click.echo(f"{'step':<12} {'status':<9} {'time':>9}  outputs / reason")
    for report in summary.steps:
        outputs = ", ".join(f"{k} ({v:,} {_count_unit(k)})" for k, v in report.outputs.items())
        status = click.style(f"{report.status:<9}", fg=STATUS_COLOURS[report.status])
        click.echo(f"{report.step:<12} {status} {report.seconds:7.1f} s  {outputs}")
        for line in ([report.error] if report.error else []) + report.notes:
            for part in str(line).splitlines():
                click.echo(f"{'':<12}   {part}")


def _count_unit(layer_id: str) -> str:
    """What a layer's size counts: cells of a raster, rows of a table, features of a vector layer."""
    from layers.catalog import get_layer

    return {"raster": "cells", "table": "rows"}.get(get_layer(layer_id).kind, "features")


def _build_maps(settings: Settings, region: str) -> None:
    from geoservice.store import open_store
    from layers.region import load_region
    from maps.build import build_all_maps

    store = open_store(settings)
    try:
        if store.current("communes") is None:
            fail("nothing is published yet: run `geoservice run` first")
        index = build_all_maps(store, load_region(region), settings.maps_dir, version=__version__)
    except GeoserviceError as exc:
        fail(f"building the web maps failed: {exc}")
    finally:
        store.close()
    click.echo(f"web maps: {index} (also served at /maps/ by `geoservice serve`)")


@cli.command("maps")
@region_option
@click.pass_obj
def maps_command(obj: CliContext, region: str | None) -> None:
    """Build the web maps (index, one per analysis, one per commune) from the published layers.

    \b
    The maps open offline from <data dir>/maps/index.html and are served under /maps/ by `geoservice serve`.
    """
    _build_maps(obj.settings, region or obj.settings.region)


@cli.command()
@click.argument("scenario_a", metavar="A")
@click.argument("scenario_b", metavar="B")
@click.option("--region", "-r", default=None, metavar="NAME|PATH",
              help="Region whose web maps get the comparison page [default: GEOSERVICE_REGION or minett-demo].")
@click.option("--maps/--no-maps", "build_maps", default=True, show_default=True,
              help="Build the comparison's web map page.")
@click.pass_obj
def compare(obj: CliContext, scenario_a: str, scenario_b: str, region: str | None, build_maps: bool) -> None:
    """Compare scenario B with scenario A (the unmodified run is `baseline`) and publish the comparison.

    Per commune and indicator the change B − A, the wind-eligible land gained and lost, the turbine sites
    added and removed, the test-district candidates moving rank, and whether choosing B raises or lowers
    emissions and by how much. Published under the scenario tag A..B (API: /scenarios/A..B/collections).

    \b
    Example:
      geoservice run --scenario wind-300m && geoservice compare baseline wind-300m
    """
    from geoservice.comparison import compare_scenarios, summary_lines
    from geoservice.store import open_store

    try:
        store = open_store(obj.settings)
        try:
            result = compare_scenarios(store, scenario_a, scenario_b)
            page = None
            if build_maps:
                from layers.region import load_region
                from maps.comparison import build_comparison_map

                page = build_comparison_map(store, load_region(region or obj.settings.region), result,
                                            obj.settings.maps_dir)
        finally:
            store.close()
    except GeoserviceError as exc:
        fail(str(exc))
        return
    for line in summary_lines(result):
        click.echo(line)
    if page is not None:
        click.echo(f"web map: {page}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--scenario", default="baseline", show_default=True, metavar="NAME",
              help="Scenario whose current versions to list (A..B: a comparison's layers).")
@click.pass_obj
def layers(obj: CliContext, as_json: bool, scenario: str) -> None:
    """List published layers with their current version."""
    from geoservice.store import open_store

    try:
        store = open_store(obj.settings)
        published = store.for_scenario(scenario).published()
        store.close()
    except GeoserviceError as exc:
        fail(str(exc))
        return
    rows = [{"id": v.layer_id, "version": v.version, "kind": v.kind, "features": v.feature_count,
             "created": v.created_at.isoformat(timespec="seconds"), "job": v.provenance.get("job_id")}
            for v in published]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no layer published yet: run `geoservice run`")
        return
    click.echo(f"{'id':<26} {'ver':>4} {'kind':<7} {'features':>10}  created              job")
    for r in rows:
        click.echo(f"{r['id']:<26} {r['version']:>4} {r['kind']:<7} {r['features']:>10}  {r['created']}  {r['job']}")


@cli.command()
@click.argument("layer_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="File to write ('-' for standard output with CSV).")
@click.option("--format", "fmt", type=click.Choice(["csv", "gpkg", "geojson"]), default=None,
              help="Output format [default: from the file extension].")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.pass_obj
def export(obj: CliContext, layer_id: str, output: Path, fmt: str | None, overwrite: bool) -> None:
    """Export the current version of a published vector layer (CSV without geometry, GeoPackage, GeoJSON) or
    table (CSV).

    \b
    Examples:
      geoservice export commune_indicators -o indicators.csv
      geoservice export climate_targets -o targets.csv
    """
    from geoservice.store import open_store
    from layers.catalog import get_layer
    from processing.districts.indicators import indicators_to_csv

    fmt = fmt or {".csv": "csv", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}.get(
        output.suffix.lower(), "csv")
    if str(output) != "-" and output.exists() and not overwrite:
        fail(f"{output} exists; pass --overwrite to replace it")
    try:
        store = open_store(obj.settings)
        try:
            if store.current(layer_id) is None:
                fail(f"layer {layer_id!r} is not published; see `geoservice layers`")
            table = get_layer(layer_id).kind == "table"
            data = store.read_table(layer_id) if table else store.read_vector(layer_id)
        finally:
            store.close()
    except GeoserviceError as exc:
        fail(str(exc))
        return
    if fmt != "csv" and table:
        fail(f"{layer_id!r} is a table without geometry: export it as CSV")
    if fmt == "csv":
        text = indicators_to_csv(data)
        click.echo(text, nl=False) if str(output) == "-" else output.write_text(text, encoding="utf-8")
    else:
        data.to_file(output, driver="GPKG" if fmt == "gpkg" else "GeoJSON", layer=layer_id)
    if str(output) != "-":
        click.echo(f"{layer_id}: {len(data)} {_count_unit(layer_id)} written to {output}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes.")
@click.pass_obj
def serve(obj: CliContext, host: str, port: int, workers: int) -> None:
    """Serve the OGC API (features, tiles, processes) and the web maps.

    A configuration error (a data folder that cannot be written, a malformed database URL) stops it at once.
    A database that is down does not: the service starts, answers 503 with Retry-After (and /readyz says
    not ready) until the database is back, then serves without a restart.
    """
    import uvicorn

    from geoservice.api.guard import SERVER_MAX_REQUEST_BYTES
    from geoservice.store import open_store

    try:
        store = open_store(obj.settings)
    except GeoserviceError as exc:
        fail(str(exc))
        return
    try:
        store.ping()
    except GeoserviceError as exc:
        click.secho(f"Warning: {exc}\nServing anyway: requests get 503 until the database answers.", fg="yellow",
                    err=True)
    finally:
        store.close()
    # request lines up to the API's own limit reach the app, which answers 414 beyond it (not a reset)
    options = {"host": host, "port": port, "http": "h11", "h11_max_incomplete_event_size": SERVER_MAX_REQUEST_BYTES}
    if workers > 1:
        uvicorn.run("geoservice.api:app_from_env", factory=True, workers=workers, **options)
    else:
        from geoservice.api import create_app

        uvicorn.run(create_app(obj.settings), **options)


@cli.command()
@click.option("--keep", type=click.IntRange(1, 100000), default=None,
              help="Versions of each layer to keep [default: GEOSERVICE_KEEP_VERSIONS, 5].")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, delete nothing.")
@click.pass_obj
def prune(obj: CliContext, keep: int | None, dry_run: bool) -> None:
    """Delete old layer versions: keep the newest N of each layer.

    Never deleted: a layer's current version, a version that was current when the oldest running job
    started (it may be reading it), and one superseded less than an hour ago.

    \b
    Example:
      geoservice prune --keep 3
    """
    from geoservice.store import open_store

    keep = keep or obj.settings.keep_versions
    try:
        store = open_store(obj.settings)
        try:
            started = [j.started_at for j in store.jobs.running() if j.started_at is not None]
            doomed = store.prune(keep, min(started) if started else None, dry_run=dry_run)
        finally:
            store.close()
    except GeoserviceError as exc:
        fail(str(exc))
        return
    names = [f"{v.layer_id} v{v.version}" for v in doomed]
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {len(names)} version(s), keeping {keep} per layer" + (f": {', '.join(names)}" if names else ""))


@cli.command()
@click.option("--once", is_flag=True, help="Process queued jobs, then exit.")
@click.option("--poll-s", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Polling interval.")
@click.pass_obj
def worker(obj: CliContext, once: bool, poll_s: float) -> None:
    """Execute processing jobs queued over HTTP (OGC API - Processes)."""
    from geoservice.worker import run_worker

    try:
        run_worker(obj.settings, once=once, poll_s=poll_s)
    except GeoserviceError as exc:
        fail(str(exc))


@cli.command()
@region_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Also write the report as JSON to this file ('-' for standard output).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as an HTML page.")
@click.pass_obj
def check(obj: CliContext, region: str | None, json_out: Path | None, html_out: Path | None) -> None:
    """Report the quality of a region's inputs and which analyses can run; exit 1 when one cannot.

    \b
    Example:
      geoservice check --region my-region.toml --html quality.html
    """
    from geoservice.quality import check_region, render_html, render_text
    from geoservice.runner import region_params
    from layers.region import load_region
    from layers.sources import RegionSource
    from processing.steps import all_steps

    try:
        config = load_region(region or obj.settings.region)
        params = region_params(config, None)  # refuses what `run` would refuse
        report = check_region(RegionSource(config, obj.settings.inputs_dir), all_steps(), params)
    except GeoserviceError as exc:
        fail(str(exc))
        return
    if json_out is not None:
        text = json.dumps(report.to_dict(), indent=2)
        click.echo(text) if str(json_out) == "-" else json_out.write_text(text, encoding="utf-8")
    if str(json_out) != "-":
        click.echo(render_text(report))
    if html_out is not None:
        html_out.write_text(render_html(report), encoding="utf-8")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--json", "fmt", flag_value="json", help="Print JSON.")
@click.option("--markdown", "fmt", flag_value="markdown", help="Print Markdown (the form of docs/INPUTS.md).")
def inputs(fmt: str | None) -> None:
    """The input data contract: every canonical input with its geometry, fields (type, unit, allowed values),
    the analyses that need it (required or optional) and where it can come from.

    \b
    Example:
      geoservice inputs --markdown > docs/INPUTS.md
    """
    from geoservice.inputs_reference import input_reference, render_markdown, render_text
    from processing.steps import all_steps

    if fmt == "json":
        click.echo(json.dumps(input_reference(all_steps()), indent=2))
    else:
        click.echo(render_markdown(all_steps()) if fmt == "markdown" else render_text(all_steps()), nl=False)


@cli.group()
def ingest() -> None:
    """Bring real data in (OpenStreetMap extracts)."""


@ingest.command("osm")
@click.argument("osm_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@region_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GeoPackage to write [default: <data dir>/inputs/<region>/osm.gpkg].")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--communes-from-extent", is_flag=True,
              help="When the extract holds no administrative boundary, write the region extent as one commune.")
@click.pass_obj
def ingest_osm_command(obj: CliContext, osm_file: Path, region: str | None, out: Path | None, overwrite: bool,
                       communes_from_extent: bool) -> None:
    """Map an OSM extract (.osm, .osm.pbf) onto the canonical inputs of a region.

    \b
    Example:
      geoservice ingest osm luxembourg-latest.osm.pbf --region my-region.toml
    The tag mapping is the table of layers/ingest/osm_tags.py; [osm] in the region file adds rules and
    sets the communes' admin_level and the default construction year. The command reports the features it
    dropped (and why) and the share of each attribute it had to assume.
    """
    from layers.ingest.osm import OsmOptions, extent_commune, ingest_osm
    from layers.ingest.osm_tags import TagRule
    from layers.region import load_region

    try:
        config = load_region(region or obj.settings.region)
        out = out or obj.settings.inputs_dir / config.region.id / "osm.gpkg"
        if out.exists() and not overwrite:
            fail(f"{out} exists; pass --overwrite to replace it")
        out.parent.mkdir(parents=True, exist_ok=True)
        options = OsmOptions(admin_level=config.osm.admin_level, year_built=config.osm.year_built,
                             rules=tuple(TagRule(r.target, r.geometry, r.key, tuple(r.values) if r.values else None,
                                                 dict(r.set)) for r in config.osm.rules))
        result = ingest_osm(osm_file, config.region.crs, out, extent=config.extent_m, options=options)
        if "communes" not in result and communes_from_extent:
            result.counts["communes"] = extent_commune(config, out)
    except GeoserviceError as exc:
        fail(str(exc))
        return
    for layer, count in sorted(result.items()):
        click.echo(f"{layer:<18} {count:>9} features")
    report = result.report_lines()
    if report:
        click.echo("\nwhat the extract did not say (check these before trusting the figures that use them):")
        for line in report:
            click.echo(f"  {line}")
    if "communes" not in result:
        click.secho(f"\nno administrative boundary with admin_level={config.osm.admin_level} lies in the extract, "
                    "so no communes layer was written. Either give a communes file ([inputs.communes] with "
                    "fields = { name = ..., code = ... }), set [osm] admin_level to the level your country uses, "
                    "or rerun with --communes-from-extent to take the region extent as one unit.", fg="yellow")
    click.echo(f"\nwritten to {out}; add these sources to the region file:\n")
    for layer in sorted(result):
        click.echo(f'[inputs.{layer}]\npath = "{out.resolve()}"\nlayer = "{layer}"\n')


@cli.group()
def demo() -> None:
    """The synthetic demo region."""


@demo.command("generate")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--seed", type=int, default=None, help="Random seed [default: the demo region's].")
@click.option("--width-m", type=click.FloatRange(1000, 200000), default=None, help="Width [m].")
@click.option("--height-m", type=click.FloatRange(1000, 200000), default=None, help="Height [m].")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
def demo_generate(out: Path, seed: int | None, width_m: float | None, height_m: float | None, overwrite: bool) -> None:
    """Generate the synthetic demo inputs (deterministic for a given seed) into a folder."""
    from layers.demo import generate_demo
    from layers.region import load_region

    if out.exists() and any(out.iterdir()) and not overwrite:
        fail(f"{out} exists and is not empty; pass --overwrite to replace it")
    config = load_region("minett-demo")
    spec = config.demo.model_copy(update={k: v for k, v in
                                         {"seed": seed, "width_m": width_m, "height_m": height_m}.items()
                                         if v is not None})
    try:
        path = generate_demo(spec, config.region.crs, out)
    except GeoserviceError as exc:
        fail(str(exc))
        return
    click.echo(f"synthetic demo inputs written to {path}")


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
