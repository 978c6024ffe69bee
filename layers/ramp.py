"""The one colour-ramp rule of the project, used by the API's PNG raster tiles and by the web maps (raster
overlays, features coloured by a numeric field, legends).

A catalog :class:`~layers.catalog.spec.Style` with ``stops`` and ``colors`` maps a value to a colour by linear
interpolation of each RGB channel between the two stops around it, clamped to the first and last colour
outside the stops, rounded to the nearest integer (half to even). A raster style without stops is drawn in
grey from black (the smallest valid value) to white (the largest).
"""

from __future__ import annotations

import numpy as np

from layers.catalog.spec import Style


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` → (r, g, b) in 0-255."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def ramp_rgb(values, style: Style) -> np.ndarray:
    """Colours of ``values`` on the style's ramp (module rule), shape (..., 3) uint8."""
    stops = np.asarray(style.stops, dtype=float)
    rgb = np.asarray([hex_to_rgb(c) for c in style.colors], dtype=float)
    v = np.asarray(values, dtype=float)
    return np.stack([np.interp(v, stops, rgb[:, i]) for i in range(3)], axis=-1).round().astype(np.uint8)


def colorize(values: np.ndarray, style: Style, alpha: int = 255) -> np.ndarray:
    """RGBA uint8 image of ``values`` (NaN = no data, transparent; others opacity ``alpha``) under ``style``,
    or grey between the smallest and largest valid value when the style has no stops."""
    values = np.asarray(values, dtype=float)
    valid = np.isfinite(values)
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    if not valid.any():
        return rgba
    if not style.stops:
        lo, hi = float(values[valid].min()), float(values[valid].max())
        style = Style(stops=(lo, hi if hi > lo else lo + 1.0), colors=("#000000", "#ffffff"))
    rgba[..., :3] = ramp_rgb(np.where(valid, values, style.stops[0]), style)
    rgba[..., 3] = np.where(valid, alpha, 0)
    return rgba
