"""Build every web map of a region from the published layers: one per analysis, one per commune, an index.

The maps folder is rebuilt next to the old one and swapped in at the end, so a failure never leaves a
half-written set of pages.
"""

from __future__ import annotations

import logging
import re
import shutil
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from layers.catalog import get_layer
from layers.region import RegionConfig
from maps.assets import install_assets
from maps.comparison import comparison_pages, write_comparison_page
from maps.pages import PageSpec, Subset, build_page
from processing.pipeline import Step
from processing.steps import all_steps

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Margin around a commune on its map [m].
COMMUNE_MARGIN_M = 250.0
_DRAW_ORDER = {"raster": 0, "Polygon": 1, "MultiPolygon": 1, "LineString": 2, "MultiLineString": 2,
               "Point": 4, "MultiPoint": 4}


def draw_order(layer_ids):
    """Rasters at the bottom, then polygons, lines, commune outlines and points on top (a :class:`Subset` with
    its layer)."""
    def key(item) -> int:
        layer_id = item.layer_id if isinstance(item, Subset) else item
        spec = get_layer(layer_id)
        return 3 if layer_id == "communes" else _DRAW_ORDER[spec.geometry or "raster"]
    return sorted(layer_ids, key=key)


def slug(text: str) -> str:
    """ASCII file-name slug: ``Käerjeng`` → ``kaerjeng``."""
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")


def analysis_pages(steps: Sequence[Step]) -> list[PageSpec]:
    """Every page the steps declare (:attr:`Step.maps`): their layers (default: the step's outputs) and subsets
    of their inputs (drawn when the step's current outputs used them) over the commune outlines, the first
    raster shown and the others listed but off."""
    pages = []
    for step in steps:
        for page in step.maps:
            ids = [*(page.layers or step.outputs), "communes"]
            hidden = [i for i in ids if get_layer(i).kind == "raster"][1:]
            subsets = [Subset(s.layer, s.where, s.title, read_by=step.outputs[0]) for s in page.subsets]
            pages.append(PageSpec(f"{page.file or step.name}.html", page.title, draw_order([*ids, *subsets]),
                                  page.description, hidden=hidden))
    return pages


def commune_pages(store, steps: Sequence[Step]) -> list[PageSpec]:
    """One page per commune with every step's :attr:`Step.commune_layers` (rasters are left to the analysis
    maps to keep pages light)."""
    if store.current("communes") is None:
        return []
    layers = [i for s in steps for i in s.commune_layers]
    hidden = [i for s in steps for i in s.commune_hidden]
    communes = store.read_vector("communes")
    pages = []
    for _, row in communes.sort_values("name").iterrows():
        b = row.geometry.buffer(COMMUNE_MARGIN_M).bounds
        pages.append(PageSpec(f"commune-{slug(row['name'])}.html", f"{row['name']}: all potentials",
                              draw_order([*layers, "communes"]), bounds=tuple(b), hidden=hidden))
    return pages


def build_all_maps(store, region: RegionConfig, out_dir: Path, version: str = "",
                   steps: Sequence[Step] | None = None) -> Path:
    """Build the index, the analysis maps and the commune maps of ``steps`` (default: every registered step)
    into ``out_dir``; return the index path.

    ``store`` is anything with ``current``, ``read_vector`` and ``raster_path`` (the geoservice stores).
    """
    steps = all_steps() if steps is None else steps
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install_assets(staging)
    communes = store.read_vector("communes") if store.current("communes") is not None else None
    region_bounds = tuple(communes.total_bounds) if communes is not None and len(communes) else region.region.extent
    analyses, per_commune = analysis_pages(steps), commune_pages(store, steps)
    for page in [*analyses, *per_commune]:
        drawn = build_page(store, page, staging, region.crs, region_bounds, synthetic=region.synthetic)
        log.debug("map %s: %s", page.filename, ", ".join(drawn) or "no layer published yet")
    comparisons = comparison_pages(store)
    for a, b, page in comparisons:
        write_comparison_page(store, a, b, page, staging, region, region_bounds)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    html = env.get_template("index.html").render(
        title=region.region.title, description=region.region.description, synthetic=region.synthetic,
        analyses=analyses, communes=per_commune, comparisons=[page for _, _, page in comparisons], version=version,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    (staging / "index.html").write_text(html, encoding="utf-8")
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"
