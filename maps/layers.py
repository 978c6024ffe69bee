"""Published layers onto a Folium map: vector layers as GeoJSON (or API vector tiles when too big to embed)
and raster layers as coloured image overlays."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import rasterio
import rasterio.transform
import shapely
from folium.plugins import VectorGridProtobuf
from folium.template import Template
from PIL import Image
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from layers.catalog.spec import LayerSpec
from layers.ramp import colorize
from layers.tiles import MAX_ZOOM
from maps import assets
from maps.style import format_value, style_function

#: Embedded GeoJSON above this size is replaced by vector tiles from the API [bytes] (pages stay < 10 MB).
EMBED_BUDGET_BYTES = 6_000_000
#: Longest side of a raster overlay image [px].
OVERLAY_MAX_PX = 1400
#: Opacity of raster overlays where they hold data (0-255).
OVERLAY_ALPHA = 190
#: Coordinate precision of embedded geometries [deg] (≈ 0.1 m).
COORD_PRECISION_DEG = 1e-6


def _simplify_tolerance_m(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> float:
    """Simplification tolerance [m]: finer for small features (roof faces) than for large ones."""
    if spec.geometry in ("Point", "MultiPoint") or gdf.empty:
        return 0.0
    typical = float(np.sqrt(np.median(gdf.geometry.envelope.area))) or 1.0
    return min(5.0, max(0.2, typical / 50.0))


def display_properties(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> list[str]:
    """The fields shown to a person: the style field first, then the catalog's key fields."""
    shown = list(spec.display_fields)
    if spec.style.field and spec.style.field not in shown:
        shown.insert(0, spec.style.field)
    return [f for f in shown if f in gdf.columns]


def _needs_raw_style_value(spec: LayerSpec) -> bool:
    """A colour ramp needs the raw number; a categorical style reads the displayed text itself."""
    return bool(spec.style.field and not spec.style.categories)


def field_label(spec: LayerSpec, name: str) -> str:
    """Tooltip label of a field: its name in words, with its unit (``irradiation kwh m2 yr [kWh m-2 yr-1]``)."""
    unit = spec.get_field(name).unit
    return f"{name.replace('_', ' ')}" + (f" [{unit}]" if unit else "") + ":"


def to_geojson(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> dict:
    """A compact WGS 84 FeatureCollection: simplified geometry, formatted values for display (units go in
    the labels), and the raw value of a colour-ramp field for colouring."""
    tolerance = _simplify_tolerance_m(spec, gdf)
    geoms = gdf.geometry.simplify(tolerance, preserve_topology=True) if tolerance else gdf.geometry
    geoms = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(4326)
    geoms = shapely.set_precision(geoms.values, COORD_PRECISION_DEG)
    fields = display_properties(spec, gdf)
    raw_style = _needs_raw_style_value(spec)
    features = []
    for geom, (_, row) in zip(geoms, gdf.iterrows(), strict=True):
        if geom is None or geom.is_empty:
            continue
        props = {f: format_value(row[f], "") for f in fields}
        if raw_style:
            raw = row[spec.style.field]
            props["_style"] = None if raw is None or (isinstance(raw, float) and np.isnan(raw)) else (
                raw.item() if hasattr(raw, "item") else raw)
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def add_vector_layer(fmap: folium.Map, spec: LayerSpec, gdf: gpd.GeoDataFrame, *, show: bool = True,
                     tile_url: str | None = None) -> str:
    """Add ``gdf`` drawn with its catalog style; return ``"embedded"`` or ``"tiles"``.

    When the embedded GeoJSON would exceed :data:`EMBED_BUDGET_BYTES` and ``tile_url`` (an XYZ MVT URL of
    the API) is given, the layer is read from the API's vector tiles instead.
    """
    collection = to_geojson(spec, gdf)
    if tile_url is not None and len(json.dumps(collection)) > EMBED_BUDGET_BYTES:
        add_vector_tiles(fmap, spec, tile_url, show=show)
        return "tiles"
    styler = style_function(spec)

    def style(feature: dict) -> dict:
        props = dict(feature["properties"])
        if _needs_raw_style_value(spec):
            props[spec.style.field] = props.get("_style")
        return styler({"properties": props})

    fields = display_properties(spec, gdf)
    aliases = [field_label(spec, name) for name in fields]
    kwargs = {}
    if spec.geometry in ("Point", "MultiPoint"):
        kwargs["marker"] = folium.CircleMarker(radius=spec.style.radius, fill=True, weight=1)
    folium.GeoJson(
        collection, name=spec.title, style_function=style, show=show, smooth_factor=0.5,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=False) if fields else None,
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases) if fields else None,
        **kwargs,
    ).add_to(fmap)
    return "embedded"


class ApiVectorTiles(VectorGridProtobuf):
    """Vector tiles read from the API, added only when the page is served over HTTP (a page opened from disk
    cannot fetch tiles; its note says to open it through ``geoservice serve``)."""

    _template = Template("""
        {% macro script(this, kwargs) -%}
        var {{ this.get_name() }} = (window.location.protocol === 'file:') ? L.layerGroup() :
            L.vectorGrid.protobuf({{ this.url|tojson }}, {{ this.options|tojavascript }});
        {%- endmacro %}
        """)
    default_js = assets.VECTORGRID_JS


def add_vector_tiles(fmap: folium.Map, spec: LayerSpec, tile_url: str, *, show: bool = True) -> None:
    """Add ``spec`` as Mapbox Vector Tiles read from the API (for layers too big to embed)."""
    layer_style = {"weight": spec.style.weight, "color": spec.style.color, "fill": True,
                   "fillColor": spec.style.color, "fillOpacity": spec.style.fill_opacity}
    ApiVectorTiles(tile_url, spec.title, {"vectorTileLayerStyles": {spec.id: layer_style}, "maxNativeZoom": MAX_ZOOM},
                   overlay=True, show=show).add_to(fmap)


def raster_overlay(path: Path, style_spec: LayerSpec,
                   bounds: tuple[float, float, float, float] | None = None) -> tuple[bytes, list[list[float]]] | None:
    """A coloured PNG of a raster (warped to Web Mercator, at most :data:`OVERLAY_MAX_PX` wide) and its
    bounds ``[[south, west], [north, east]]`` [deg]; ``bounds`` (in the raster CRS) crops it.
    ``None`` when the crop holds no data."""
    with rasterio.open(path) as src:
        crop = bounds or tuple(src.bounds)
        to_merc = Transformer.from_crs(src.crs, 3857, always_xy=True)
        xmin, ymin, xmax, ymax = to_merc.transform_bounds(*crop)
        # a VRT covering exactly the crop, at most OVERLAY_MAX_PX on its longer side
        res = max(xmax - xmin, ymax - ymin) / OVERLAY_MAX_PX
        native = abs(src.transform.a) * 0.5
        res = max(res, native)
        width, height = max(1, round((xmax - xmin) / res)), max(1, round((ymax - ymin) / res))
        transform = rasterio.transform.from_bounds(xmin, ymin, xmax, ymax, width, height)
        with WarpedVRT(src, crs="EPSG:3857", transform=transform, width=width, height=height,
                       resampling=Resampling.average) as vrt:
            data = vrt.read(1, masked=True)
    values = np.ma.filled(data.astype("float64"), np.nan)
    valid = np.isfinite(values)
    if not valid.any():
        return None
    rgba = colorize(values, style_spec.style, alpha=OVERLAY_ALPHA)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", optimize=True)
    to_wgs = Transformer.from_crs(3857, 4326, always_xy=True)
    west, south, east, north = to_wgs.transform_bounds(xmin, ymin, xmax, ymax)
    return buffer.getvalue(), [[south, west], [north, east]]


def add_raster_layer(fmap: folium.Map, spec: LayerSpec, path: Path, *,
                     bounds: tuple[float, float, float, float] | None = None, show: bool = True) -> bool:
    """Add a raster as an embedded PNG image overlay; False when the crop holds no data."""
    overlay = raster_overlay(path, spec, bounds)
    if overlay is None:
        return False
    png, latlon_bounds = overlay
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    folium.raster_layers.ImageOverlay(image=url, bounds=latlon_bounds, name=spec.title, show=show,
                                      interactive=False, cross_origin=False).add_to(fmap)
    return True
