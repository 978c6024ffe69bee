"""The data-quality report of a region (``geoservice check``): per input, what was found and how good it is,
and which analyses can run, which degrade and for lack of what.

An input is read and validated exactly as ``geoservice run`` reads and validates it (the same source, the
same catalog check in the region CRS), and whether it is required comes from the analyses' own declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import rasterio.windows
import shapely
from pydantic import BaseModel
from rasterio.enums import Resampling
from shapely.geometry import box

from layers.catalog import get_layer, input_layers
from layers.contract import missing_inputs_message
from layers.crs import crs_name
from layers.errors import GeoserviceError
from layers.raster import RasterFile
from layers.region import RegionConfig
from layers.sources import RegionSource
from layers.validate import check_layer
from layers.vocabulary import extra_values
from processing.pipeline import Step, validate_params

#: Cell size of the grid used to measure how much of the region a line or point layer covers [m].
COVERAGE_CELL_M = 1000.0
#: Longest side of the overview read to measure a raster's coverage and nodata share [px].
RASTER_OVERVIEW_PX = 512


@dataclass
class InputReport:
    """Quality figures of one input layer."""

    id: str
    status: str  # "found", "missing", "error"
    origin: str  # "file", "demo" or "-"
    optional: bool
    features: int | None = None
    source_crs: str | None = None
    coverage_pct: float | None = None
    invalid_repaired: int | None = None
    nodata_pct: float | None = None
    message: str = ""
    needed_by: list[str] = field(default_factory=list)  # "solar (required)", "wind (optional)"


@dataclass
class StepReadiness:
    step: str
    status: str  # "ready", "degraded", "blocked"
    lacking: list[str] = field(default_factory=list)
    missing: str = ""  # the missing required inputs with what they must hold (blocked analyses)


@dataclass
class QualityReport:
    region: str
    extent: tuple[float, float, float, float]
    inputs: list[InputReport]
    steps: list[StepReadiness]

    @property
    def ok(self) -> bool:
        """No unreadable input and no analysis blocked."""
        return all(i.status != "error" for i in self.inputs) and all(s.status != "blocked" for s in self.steps)

    def to_dict(self) -> dict:
        return {"region": self.region, "extent": list(self.extent), "ok": self.ok,
                "inputs": [asdict(i) for i in self.inputs], "steps": [asdict(s) for s in self.steps]}


def _coverage_pct(gdf: gpd.GeoDataFrame, extent: tuple[float, float, float, float]) -> float:
    region = box(*extent)
    if gdf.empty:
        return 0.0
    kinds = set(gdf.geom_type)
    if kinds <= {"Polygon", "MultiPolygon"}:
        covered = shapely.union_all(shapely.make_valid(gdf.geometry.values)).intersection(region).area
        return 100.0 * covered / region.area
    xmin, ymin, xmax, ymax = extent
    nx, ny = max(1, int(np.ceil((xmax - xmin) / COVERAGE_CELL_M))), max(1, int(np.ceil((ymax - ymin) / COVERAGE_CELL_M)))
    points = gdf.geometry.representative_point() if not kinds <= {"Point"} else gdf.geometry
    sample = gdf.geometry.segmentize(COVERAGE_CELL_M / 2).get_coordinates() if not kinds <= {"Point"} else \
        points.get_coordinates()
    col = ((sample.x - xmin) // COVERAGE_CELL_M).clip(0, nx - 1).astype(int)
    row = ((sample.y - ymin) // COVERAGE_CELL_M).clip(0, ny - 1).astype(int)
    return 100.0 * len(set(zip(row, col, strict=True))) / (nx * ny)


def _raster_figures(raster: RasterFile, extent) -> tuple[float, float, str]:
    """(coverage %, nodata %, CRS) over the region, from an overview read of the region's window.

    Coverage counts region cells with data; nodata counts, among the cells the raster spans inside the
    region, those marked nodata.
    """
    with rasterio.open(raster.path) as src:
        window = rasterio.windows.from_bounds(*extent, transform=src.transform)
        scale = max(window.width, window.height) / RASTER_OVERVIEW_PX
        shape = (max(1, round(window.height / max(scale, 1))), max(1, round(window.width / max(scale, 1))))
        data = src.read(1, window=window, out_shape=shape, masked=True, boundless=True,
                        resampling=Resampling.nearest)
        valid = ~np.ma.getmaskarray(data) & np.isfinite(np.ma.filled(data.astype(float), np.nan))
        b = src.bounds
        spanned = box(*extent).intersection(box(b.left, b.bottom, b.right, b.top)).area / box(*extent).area
        coverage = 100.0 * valid.mean()
        nodata_pct = 100.0 * max(0.0, spanned - valid.mean()) / spanned if spanned else 100.0
        return coverage, nodata_pct, crs_name(src.crs)


def _source_info(config: RegionConfig, input_id: str) -> tuple[str | None, int | None]:
    """(source CRS, invalid geometries in the raw source) of a file-based vector input."""
    source = config.inputs[input_id]
    path = config.resolve_path(source.path)
    info = pyogrio.read_info(path, layer=source.layer, **source.open_options)
    raw = pyogrio.read_dataframe(path, layer=source.layer, columns=[], read_geometry=True, **source.open_options)
    invalid = int((~shapely.is_valid(raw.geometry.values) & ~raw.geometry.isna().values).sum())
    return info.get("crs") or source.crs, invalid


def needed_by(steps: list[Step], input_id: str, params: Mapping[str, BaseModel] | None = None) -> list[str]:
    """The analyses that read ``input_id`` under ``params``: ``["solar (required)", "wind (optional)"]``."""
    params = params or {}
    return [f"{s.name} ({'required' if input_id in s.required_input_ids(params.get(s.name)) else 'optional'})"
            for s in steps if input_id in (*s.required_input_ids(params.get(s.name)),
                                           *s.optional_input_ids(steps, params.get(s.name)))]


def inspect_input(source: RegionSource, input_id: str, steps: list[Step] | None = None,
                  params: Mapping[str, BaseModel] | None = None) -> InputReport:
    """Read ``input_id`` as the pipeline does, check it against the catalog in the region CRS, measure it."""
    spec = get_layer(input_id)
    config = source.config
    origin = "file" if input_id in config.inputs else "demo" if config.demo is not None else "-"
    users = needed_by(steps or [], input_id, params)
    report = InputReport(input_id, "missing", origin, not any(u.endswith("(required)") for u in users),
                         needed_by=users)
    try:
        data = source(input_id)
        if data is not None:
            check_layer(spec, data, config.crs, extra_values(config.vocabulary(input_id)))
    except GeoserviceError as exc:
        report.status, report.message = "error", str(exc)
        return report
    if data is None:
        return report
    report.status = "found"
    extent = source.extent
    if isinstance(data, RasterFile):
        rows, cols = data.shape
        report.features = rows * cols
        report.coverage_pct, report.nodata_pct, report.source_crs = _raster_figures(data, extent)
    elif isinstance(data, gpd.GeoDataFrame):
        report.features = len(data)
        report.coverage_pct = _coverage_pct(data, extent)
        report.source_crs, report.invalid_repaired = (_source_info(config, input_id) if origin == "file"
                                                      else (config.region.crs, 0))
    else:
        report.features = len(data)
    if report.features == 0:
        report.message = "empty layer"
    return report


def readiness(steps: list[Step], found: set[str], params: Mapping[str, BaseModel] | None = None
              ) -> list[StepReadiness]:
    """Which analyses can run with the inputs ``found`` under ``params``; a blocked producer blocks its
    consumers."""
    params = params or {}
    produced: dict[str, str] = {o: s.name for s in steps for o in s.outputs if get_layer(o).role == "output"}
    status: dict[str, StepReadiness] = {}
    for step in steps:
        required = step.required_input_ids(params.get(step.name))
        optional = step.optional_input_ids(steps, params.get(step.name))
        lacking_required = [i for i in required if get_layer(i).role == "input" and i not in found]
        lacking_optional = [i for i in optional if get_layer(i).role == "input" and i not in found]
        blocked_upstream = [f"{i} (from blocked step {produced[i]})" for i in required
                            if i in produced and status.get(produced[i], StepReadiness("", "ready")).status == "blocked"]
        if lacking_required or blocked_upstream:
            missing = missing_inputs_message(lacking_required, f"analysis {step.name}") if lacking_required else ""
            status[step.name] = StepReadiness(step.name, "blocked", lacking_required + blocked_upstream, missing)
        elif lacking_optional:
            status[step.name] = StepReadiness(step.name, "degraded", lacking_optional)
        else:
            status[step.name] = StepReadiness(step.name, "ready")
    return list(status.values())


def check_region(source: RegionSource, steps: list[Step],
                 params: Mapping[str, Mapping[str, Any]] | None = None) -> QualityReport:
    """Inspect every canonical input of the region and what the analyses can do with them under ``params``
    (the run's parameters, ``geoservice.runner.region_params``; default: the region file's ``[params]``)."""
    ordered = [s for s in steps if s.name != "inputs"]
    params = validate_params(steps, source.config.params if params is None else params, source.config.origin)
    inputs = [inspect_input(source, spec.id, ordered, params) for spec in input_layers()]
    found = {i.id for i in inputs if i.status == "found" and i.features}
    return QualityReport(source.config.region.id, source.extent, inputs, readiness(ordered, found, params))


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    return f"{value:,}{unit}"


def render_text(report: QualityReport) -> str:
    """A terminal table."""
    lines = [f"region {report.region}  extent {', '.join(f'{v:,.0f}' for v in report.extent)} m", "",
             (f"{'input':<24}{'status':<19}{'origin':<7}{'features':>10}{'coverage':>10}{'repaired':>9}"
              f"{'nodata':>8}  crs / message")]
    for i in report.inputs:
        status = i.status if i.status != "missing" or not i.optional else "missing (optional)"
        lines.append(f"{i.id:<24}{status:<19}{i.origin:<7}{_fmt(i.features):>10}{_fmt(i.coverage_pct, ' %'):>10}"
                     f"{_fmt(i.invalid_repaired):>9}{_fmt(i.nodata_pct, ' %'):>8}  {i.message or i.source_crs or ''}")
    lines += ["", f"{'analysis':<14}{'status':<10}lacking"]
    lines += [f"{s.step:<14}{s.status:<10}{', '.join(s.lacking)}" for s in report.steps]
    missing = [s.missing for s in report.steps if s.missing]
    if missing:
        lines += ["", "What the blocked analyses need:", *missing]
    lines.append("")
    lines.append("OK: every analysis can run" if report.ok else "NOT OK: fix the errors or blocked analyses above")
    return "\n".join(lines)


def render_html(report: QualityReport) -> str:
    """A standalone HTML page of the report."""
    rows = "".join(
        f"<tr class='{escape(i.status)}'><td>{escape(i.id)}</td><td>{escape(i.status)}</td><td>{escape(i.origin)}</td>"
        f"<td>{_fmt(i.features)}</td><td>{_fmt(i.coverage_pct, ' %')}</td><td>{_fmt(i.invalid_repaired)}</td>"
        f"<td>{_fmt(i.nodata_pct, ' %')}</td><td>{escape(i.message or i.source_crs or '')}</td></tr>"
        for i in report.inputs)
    steps = "".join(f"<tr class='{s.status}'><td>{escape(s.step)}</td><td>{s.status}</td>"
                    f"<td>{escape(', '.join(s.lacking))}</td></tr>" for s in report.steps)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Data quality: {escape(report.region)}</title>
<style>body{{font:14px sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}.error,.blocked{{background:#f8d7da}}
.missing,.degraded{{background:#fff3cd}}.found,.ready{{background:#d1e7dd}}</style></head><body>
<h1>Data quality: {escape(report.region)}</h1><p>{'Every analysis can run.' if report.ok else
'Some inputs need fixing: see the red rows.'}</p>
<table><tr><th>input</th><th>status</th><th>origin</th><th>features / cells</th><th>coverage</th>
<th>invalid repaired</th><th>nodata</th><th>CRS / message</th></tr>{rows}</table>
<table><tr><th>analysis</th><th>status</th><th>lacking</th></tr>{steps}</table></body></html>"""
