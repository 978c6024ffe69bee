"""Catalog styles turned into Leaflet styles, colour ramps and legend HTML."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import numpy as np

from layers.catalog.spec import LayerSpec, Style
from layers.ramp import ramp_rgb

NO_DATA_COLOR = "#999999"


def _ramp_hex(value: float, style: Style) -> str:
    r, g, b = ramp_rgb(np.asarray([value]), style)[0]
    return f"#{r:02x}{g:02x}{b:02x}"


def feature_color(properties: Mapping[str, Any], style: Style) -> str:
    """The colour of one feature under ``style``."""
    if style.field is None:
        return style.color
    value = properties.get(style.field)
    if value is None:
        return NO_DATA_COLOR
    if style.categories:
        return next((c.color for c in style.categories if c.value == str(value)), NO_DATA_COLOR)
    if style.stops:
        return _ramp_hex(float(value), style)
    return style.color


def style_function(spec: LayerSpec) -> Callable[[dict], dict]:
    """A folium ``style_function`` drawing ``spec`` as the catalog says."""
    style = spec.style
    line = spec.geometry in ("LineString", "MultiLineString")

    def _style(feature: dict) -> dict:
        color = feature_color(feature.get("properties", {}), style)
        # classed layers are outlined in their own colour so small features keep it; plain ones in grey
        outline = color if line or style.fill_opacity == 0 or style.field else "#333333"
        return {"color": outline, "weight": style.weight, "fillColor": color, "fillOpacity": style.fill_opacity,
                "opacity": 0.9}

    return _style


def legend_html(spec: LayerSpec) -> str:
    """One legend section for ``spec``: categories, a colour bar with its unit, or a single swatch."""
    style = spec.style
    title = escape(spec.title)
    if style.categories:
        rows = "".join(f'<div><span class="gs-swatch" style="background:{c.color}"></span>{escape(c.label)}</div>'
                       for c in style.categories)
        return f'<div class="gs-legend-section" data-layer="{spec.id}"><b>{title}</b>{rows}</div>'
    if style.stops:
        gradient = ", ".join(style.colors)
        unit = escape(style.unit or spec.unit)
        low, high = style.stops[0], style.stops[-1]
        return (f'<div class="gs-legend-section" data-layer="{spec.id}"><b>{title}</b>'
                f'<div class="gs-ramp" style="background:linear-gradient(to right, {gradient})"></div>'
                f'<div class="gs-ramp-labels"><span>{low:g}</span><span>{high:g} {unit}</span></div></div>')
    return (f'<div class="gs-legend-section" data-layer="{spec.id}"><span class="gs-swatch" '
            f'style="background:{style.color}"></span><b>{title}</b></div>')


LEGEND_CSS = """
.gs-legend{position:absolute;z-index:1000;bottom:24px;right:10px;background:rgba(255,255,255,.92);padding:6px 9px;
 font:12px/1.35 sans-serif;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.35);max-height:38%;overflow:auto}
.gs-legend-section{margin:3px 0 6px}
.gs-swatch{display:inline-block;width:12px;height:12px;margin-right:5px;border:1px solid #555;vertical-align:middle}
.gs-ramp{height:10px;width:160px;border:1px solid #555;margin-top:2px}
.gs-ramp-labels{display:flex;justify-content:space-between;width:160px}
.gs-banner{position:absolute;z-index:1000;top:10px;left:50%;transform:translateX(-50%);background:#fff3cd;
 color:#664d03;border:1px solid #ffda6a;padding:4px 10px;font:13px sans-serif;border-radius:4px}
.gs-note{position:absolute;z-index:1000;bottom:64px;left:10px;background:rgba(255,255,255,.9);padding:4px 8px;
 font:12px sans-serif;border-radius:4px;max-width:45%}
"""


def format_value(value: Any, unit: str) -> str:
    """A value as a person reads it: thousands separators, sensible decimals, unit appended."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        text = f"{int(value):,}"
    elif isinstance(value, float | np.floating):
        v = float(value)  # about three significant digits: 1,088 · 86.1 · 5.84 · 0.153
        a = abs(v)
        text = f"{v:,.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3g}"
    else:
        text = str(value)
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}".strip()


_SUPERSCRIPTS = str.maketrans("23", "²³")


def display_unit(unit: str | None) -> str:
    """A catalog unit as people write it: ``kWh m-2 yr-1`` → ``kWh/m²/yr``, ``m2`` → ``m²``, ``deg`` → ``°``."""
    if not unit:
        return ""
    if unit == "deg":
        return "°"
    above, below = [], []
    for token in unit.split():
        base, _, power = token.partition("-")
        name = base.rstrip("0123456789")
        exponent = base[len(name):]
        if power and power[0].isdigit() and name:
            below.append(name + ("" if power == "1" else power.translate(_SUPERSCRIPTS)))
        else:
            above.append(name + exponent.translate(_SUPERSCRIPTS) if name else token)
    return "·".join(above) + "".join(f"/{b}" for b in below)
