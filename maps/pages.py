"""One web map page: base map choice, published layers with legends, and the standard controls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

import folium
import geopandas as gpd
from folium.plugins import Fullscreen, MeasureControl, Search
from pyproj import Transformer

from layers.catalog import get_layer
from maps import assets
from maps.layers import add_raster_layer, add_vector_layer
from maps.style import LEGEND_CSS, legend_html

#: Optional basemap (needs internet); the default is a plain background that needs nothing.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"


@dataclass(frozen=True)
class Subset:
    """Rows of ``layer_id`` whose bool field ``where`` is true, drawn as a layer titled ``title`` when the current
    version of ``read_by`` (an output of the page's analysis) was computed from ``layer_id``."""

    layer_id: str
    where: str
    title: str
    read_by: str

    @property
    def label(self) -> str:
        """How :func:`build_page` names it among the layers drawn: ``layer_id[where]``."""
        return f"{self.layer_id}[{self.where}]"


@dataclass(frozen=True)
class PageSpec:
    """What one page shows: its file name, title, layers (ids, or :class:`Subset` of a layer; drawn in order)
    and an optional crop."""

    filename: str
    title: str
    layer_ids: Sequence[str | Subset]
    description: str = ""
    bounds: tuple[float, float, float, float] | None = None  # region CRS [m]
    hidden: Sequence[str] = ()  # layers listed in the control but off at first


def _offline(element, js, css=()) -> None:
    """Point a Folium element at the local copies of its scripts and stylesheets."""
    element.default_js = list(js)
    element.default_css = list(css)


def new_map(bounds_wgs84: tuple[float, float, float, float]) -> folium.Map:
    """A map with a plain background (no external tiles) and the optional OpenStreetMap basemap."""
    west, south, east, north = bounds_wgs84
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None, control_scale=True,
                      prefer_canvas=False, zoom_start=13)
    _offline(fmap, assets.LEAFLET_JS, assets.LEAFLET_CSS)
    folium.TileLayer(tiles="", name="Plain background (offline)", attr="geoservice", overlay=False,
                     control=True, show=True).add_to(fmap)
    folium.TileLayer(tiles=OSM_TILES, name="OpenStreetMap (needs internet)", attr=OSM_ATTRIBUTION, overlay=False,
                     control=True, show=False, max_zoom=19).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def _controls(fmap: folium.Map, communes_layer: folium.GeoJson | None) -> None:
    full = Fullscreen(position="topleft")
    _offline(full, assets.FULLSCREEN_JS, assets.FULLSCREEN_CSS)
    full.add_to(fmap)
    measure = MeasureControl(position="topleft", primary_length_unit="meters", primary_area_unit="hectares")
    _offline(measure, assets.MEASURE_JS, assets.MEASURE_CSS)
    measure.add_to(fmap)
    if communes_layer is not None:
        search = Search(communes_layer, search_label="name", placeholder="Search a commune", collapsed=False,
                        position="topright")
        _offline(search, assets.SEARCH_JS, assets.SEARCH_CSS)
        search.add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)


def _overlay_html(title: str, legends: list[str], notes: list[str], synthetic: bool) -> str:
    banner = ('<div class="gs-banner" id="gs-synthetic">SYNTHETIC DEMO DATA: generated, not real '
              'measurements</div>') if synthetic else ""
    note = f'<div class="gs-note">{"<br>".join(escape(n) for n in notes)}</div>' if notes else ""
    return (f"<style>{LEGEND_CSS}</style>{banner}{note}"
            f'<div class="gs-legend" id="gs-legend"><div><b>{escape(title)}</b></div>{"".join(legends)}</div>')


def _used_by(store, subset: Subset) -> bool:
    """Whether the current version of ``subset.read_by`` was computed from ``subset.layer_id``."""
    current = store.current(subset.read_by)
    inputs = (current.provenance or {}).get("input_checksums", {}) if current is not None else {}
    return subset.layer_id in inputs and store.current(subset.layer_id) is not None


def build_page(store, page: PageSpec, out_dir: Path, region_crs, region_bounds, *, synthetic: bool,
               tile_base: str = "..") -> list[str]:
    """Write ``out_dir/page.filename``; return the ids of the layers drawn (a subset by its label).

    A :class:`Subset` its analysis did not use is left out without a note; one without a matching row here gets
    a note.

    ``tile_base`` is the API root relative to the maps folder (pages are served under ``/maps/``).
    """
    bounds = page.bounds or region_bounds
    to_wgs = Transformer.from_crs(region_crs, 4326, always_xy=True)
    fmap = new_map(to_wgs.transform_bounds(*bounds))
    legends, notes, drawn = [], [], []
    communes_layer = None
    for layer_id in page.layer_ids:
        if isinstance(layer_id, Subset):
            subset = layer_id
            if not _used_by(store, subset):
                continue
            gdf = store.read_vector(subset.layer_id, bbox=page.bounds)
            gdf = gdf.loc[gdf[subset.where].fillna(False).astype(bool)]
            if gdf.empty:
                notes.append(f"{subset.title}: none here.")
                continue
            spec = replace(get_layer(subset.layer_id), title=subset.title)
            add_vector_layer(fmap, spec, gdf)  # embedded: a subset is small, and tiles would draw every row
            legends.append(legend_html(spec))
            drawn.append(subset.label)
            continue
        spec = get_layer(layer_id)
        if store.current(layer_id) is None:
            notes.append(f"{spec.title}: not computed yet (run `geoservice run`).")
            continue
        show = layer_id not in page.hidden
        if spec.kind == "raster":
            if add_raster_layer(fmap, spec, store.raster_path(layer_id), bounds=page.bounds, show=show):
                legends.append(legend_html(spec))
                drawn.append(layer_id)
            continue
        gdf: gpd.GeoDataFrame = store.read_vector(layer_id, bbox=page.bounds)
        if gdf.empty:
            notes.append(f"{spec.title}: no feature here.")
            continue
        tile_url = f"{tile_base}/collections/{layer_id}/tiles/xyz/{{z}}/{{x}}/{{y}}.mvt"
        how = add_vector_layer(fmap, spec, gdf, show=show, tile_url=tile_url)
        if how == "tiles":
            notes.append(f"{spec.title}: read as vector tiles from the API (open this map through `geoservice serve`).")
        if layer_id == "communes":
            communes_layer = fmap._children[list(fmap._children)[-1]]
        legends.append(legend_html(spec))
        drawn.append(layer_id)
    _controls(fmap, communes_layer)
    fmap.get_root().html.add_child(folium.Element(_overlay_html(page.title, legends, notes, synthetic)))
    fmap.get_root().header.add_child(folium.Element(f"<title>{escape(page.title)}</title>"))
    fmap.save(str(out_dir / page.filename))
    return drawn
