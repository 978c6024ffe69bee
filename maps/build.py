"""Build every web map of a region from the published layers: one per analysis, one per commune, an index.

The maps folder is rebuilt next to the old one and swapped in at the end, so a failure never leaves a
half-written set of pages.
"""

from __future__ import annotations

import logging
import re
import shutil
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from layers.catalog import get_layer, output_layers
from layers.region import RegionConfig
from maps.assets import install_assets
from maps.pages import PageSpec, build_page

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The analysis maps: step → (title, description).
ANALYSIS_MAPS = {
    "solar": ("Solar roofs", "irradiation, PV capacity and yield per roof face, with suitability classes"),
    "wind": ("Wind", "exclusions and their rules, eligible areas, hub-height wind and turbine sites"),
    "geothermal": ("Geothermal and heat",
                   "ground potential, drilling restrictions, heat demand and district-heating areas"),
    "heat_recovery": ("Waste-heat recovery",
                      "excess-heat sources with used and unused heat, transmission lines with their cost, and the "
                      "share of district-heating demand they cover"),
    "green_roofs": ("Green roofs", "green-roof, biosolar and PV-only roof faces with FLL slope classes and "
                                   "stormwater retained"),
    "corridors": ("Ecological corridors", "green, blue and black habitat cores, corridors, paths and barriers"),
    "districts": ("Test districts", "ranked candidate districts and commune indicators"),
}
#: Layers shown on each commune's map (rasters are left to the analysis maps to keep pages light).
COMMUNE_LAYERS = ("wind_eligible_areas", "district_heating_areas", "heat_recovery_areas", "corridors",
                  "test_district_candidates", "solar_roofs", "green_roofs", "corridor_paths", "heat_recovery_links",
                  "wind_turbine_sites", "heat_sources_assessed")
#: Commune-page layers listed but off at first (they repeat the outlines of a layer shown).
COMMUNE_HIDDEN = ("green_roofs", "heat_recovery_areas")
#: Margin around a commune on its map [m].
COMMUNE_MARGIN_M = 250.0
_DRAW_ORDER = {"raster": 0, "Polygon": 1, "MultiPolygon": 1, "LineString": 2, "MultiLineString": 2,
               "Point": 4, "MultiPoint": 4}


def draw_order(layer_ids) -> list[str]:
    """Rasters at the bottom, then polygons, lines, commune outlines and points on top."""
    def key(layer_id: str) -> int:
        spec = get_layer(layer_id)
        return 3 if layer_id == "communes" else _DRAW_ORDER[spec.geometry or "raster"]
    return sorted(layer_ids, key=key)


def slug(text: str) -> str:
    """ASCII file-name slug: ``Käerjeng`` → ``kaerjeng``."""
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")


def analysis_pages() -> list[PageSpec]:
    pages = []
    for step, (title, description) in ANALYSIS_MAPS.items():
        ids = [s.id for s in output_layers(step)] + ["communes"]
        hidden = [s.id for s in output_layers(step) if s.kind == "raster"][1:]  # first raster on, others off
        pages.append(PageSpec(f"{step}.html", title, draw_order(ids), description, hidden=hidden))
    return pages


def commune_pages(store) -> list[PageSpec]:
    if store.current("communes") is None:
        return []
    communes = store.read_vector("communes")
    pages = []
    for _, row in communes.sort_values("name").iterrows():
        b = row.geometry.buffer(COMMUNE_MARGIN_M).bounds
        pages.append(PageSpec(f"commune-{slug(row['name'])}.html", f"{row['name']}: all potentials",
                              draw_order([*COMMUNE_LAYERS, "communes"]), bounds=tuple(b), hidden=COMMUNE_HIDDEN))
    return pages


def build_all_maps(store, region: RegionConfig, out_dir: Path, version: str = "") -> Path:
    """Build the index, the analysis maps and the commune maps into ``out_dir``; return the index path.

    ``store`` is anything with ``current``, ``read_vector`` and ``raster_path`` (the geoservice stores).
    """
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install_assets(staging)
    communes = store.read_vector("communes") if store.current("communes") is not None else None
    region_bounds = tuple(communes.total_bounds) if communes is not None and len(communes) else region.region.extent
    analyses, per_commune = analysis_pages(), commune_pages(store)
    for page in [*analyses, *per_commune]:
        drawn = build_page(store, page, staging, region.crs, region_bounds, synthetic=region.synthetic)
        log.debug("map %s: %s", page.filename, ", ".join(drawn) or "no layer published yet")
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    html = env.get_template("index.html").render(
        title=region.region.title, description=region.region.description, synthetic=region.synthetic,
        analyses=analyses, communes=per_commune, version=version,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    (staging / "index.html").write_text(html, encoding="utf-8")
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"
