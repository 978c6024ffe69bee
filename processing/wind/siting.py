"""Turbine siting: as many turbines as fit in the eligible cells with an elliptical separation.

Two turbines are far enough apart when each lies outside the other's separation ellipse: semi-axis
``along_d · D`` along the prevailing wind direction and ``across_d · D`` across it (8 × 4 rotor diameters
by default, ../shared/REFERENCES.md). In the frame scaled by those semi-axes the ellipse is the unit circle,
so the check is a distance test in a hash grid of unit buckets.

The placement is greedy: candidate cell centres (on a lattice of ``step_m``) are scanned in a sweep order
and each is kept when no kept turbine is within its ellipse. Several sweep orders are tried (across-wind
rows first, along-wind rows first, both directions) and the one that fits most turbines wins.
"""

from __future__ import annotations

import math

import numpy as np


def to_wind_frame(x, y, direction_deg: float):
    """Coordinates along (``u``) and across (``w``) the wind direction ``direction_deg`` [deg from north,
    clockwise] from easting ``x`` and northing ``y`` [m]."""
    a = math.radians(direction_deg)
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    return x * math.sin(a) + y * math.cos(a), x * math.cos(a) - y * math.sin(a)


def ellipse_violations(x, y, direction_deg: float, along_m: float, across_m: float) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of points closer than the separation ellipse (semi-axes ``along_m``, ``across_m``
    [m]). Brute force, O(n²): for checks."""
    u, w = to_wind_frame(x, y, direction_deg)
    du = (u[:, None] - u[None, :]) / along_m
    dw = (w[:, None] - w[None, :]) / across_m
    close = du ** 2 + dw ** 2 < 1.0 - 1e-9
    i, j = np.nonzero(np.triu(close, k=1))
    return list(zip(i.tolist(), j.tolist()))


def _greedy(su: np.ndarray, sw: np.ndarray, order: np.ndarray) -> list[int]:
    buckets: dict[tuple[int, int], list[int]] = {}
    kept: list[int] = []
    fu, fw = np.floor(su).astype(np.int64), np.floor(sw).astype(np.int64)
    for i in order.tolist():
        bu, bw = int(fu[i]), int(fw[i])
        ok = True
        for ku in (bu - 1, bu, bu + 1):
            for kw in (bw - 1, bw, bw + 1):
                for j in buckets.get((ku, kw), ()):
                    if (su[i] - su[j]) ** 2 + (sw[i] - sw[j]) ** 2 < 1.0:
                        ok = False
                        break
                if not ok:
                    break
            if not ok:
                break
        if ok:
            kept.append(i)
            buckets.setdefault((bu, bw), []).append(i)
    return kept


def place_turbines(x, y, direction_deg: float, along_m: float, across_m: float) -> np.ndarray:
    """Indices of the candidate points ``(x, y)`` [m] kept as turbine sites, no two closer than the
    separation ellipse (semi-axes ``along_m`` along ``direction_deg`` and ``across_m`` across) [m]."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    u, w = to_wind_frame(x, y, direction_deg)
    su, sw = u / along_m, w / across_m
    best: list[int] = []
    for keys in ((su, sw), (sw, su), (-su, sw), (sw, -su)):
        kept = _greedy(su, sw, np.lexsort(keys))  # last key is the primary sort key
        if len(kept) > len(best):
            best = kept
    return np.sort(np.asarray(best, dtype=np.int64))
