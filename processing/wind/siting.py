"""Turbine siting: as many turbines as fit in the eligible cells with an elliptical separation.

Two turbines are far enough apart when each lies outside the other's separation ellipse: semi-axis
``along_m`` along the prevailing wind direction and ``across_m`` across it (8 × 4 rotor diameters by
default, docs/REFERENCES.md). The ellipse is symmetric, so the relation is mutual.

Candidates are cell centres on a regular lattice (every ``stride``-th cell of the analysis grid). On a
lattice the ellipse is a fixed set of (row, column) offsets, so placing a turbine blocks its neighbours with
one vectorised write. The placement is greedy: the lattice is swept in an order (rows across the wind first,
or along it, in both senses) and the first candidate not blocked is kept; the sweep order that fits most
turbines wins.
"""

from __future__ import annotations

import math

import numpy as np

#: Candidates examined per vectorised step of the greedy sweep.
_CHUNK = 4096


def to_wind_frame(x, y, direction_deg: float):
    """Coordinates along (``u``) and across (``w``) the wind direction ``direction_deg`` [deg from north,
    clockwise] from easting ``x`` and northing ``y`` [m]."""
    a = math.radians(direction_deg)
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    return x * math.sin(a) + y * math.cos(a), x * math.cos(a) - y * math.sin(a)


def ellipse_violations(x, y, direction_deg: float, along_m: float, across_m: float) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of points closer than the separation ellipse (semi-axes ``along_m``, ``across_m``
    [m]): :math:`(\\Delta u / a)^2 + (\\Delta w / b)^2 < 1`. Brute force, O(n²): for checks."""
    u, w = to_wind_frame(x, y, direction_deg)
    du = (u[:, None] - u[None, :]) / along_m
    dw = (w[:, None] - w[None, :]) / across_m
    close = du ** 2 + dw ** 2 < 1.0 - 1e-9
    i, j = np.nonzero(np.triu(close, k=1))
    return list(zip(i.tolist(), j.tolist()))


def ellipse_offsets(spacing_m: float, direction_deg: float, along_m: float, across_m: float) -> np.ndarray:
    """(row, col) offsets of the lattice points strictly inside the separation ellipse of the origin
    (rows grow southwards, columns eastwards; lattice spacing ``spacing_m`` [m])."""
    n = math.ceil(max(along_m, across_m) / spacing_m)
    dr, dc = np.mgrid[-n:n + 1, -n:n + 1]
    u, w = to_wind_frame(dc * spacing_m, -dr * spacing_m, direction_deg)
    inside = (u / along_m) ** 2 + (w / across_m) ** 2 < 1.0 - 1e-9
    return np.stack([dr[inside], dc[inside]], axis=1)


def _greedy(candidates: np.ndarray, order: np.ndarray, offsets: np.ndarray) -> list[int]:
    rows, cols = candidates.shape
    blocked = ~candidates.ravel()
    kept: list[int] = []
    pos = 0
    while pos < len(order):
        chunk = order[pos:pos + _CHUNK]
        free = np.flatnonzero(~blocked[chunk])
        if len(free) == 0:
            pos += len(chunk)
            continue
        first = int(chunk[free[0]])
        kept.append(first)
        r, c = divmod(first, cols)
        rr, cc = r + offsets[:, 0], c + offsets[:, 1]
        ok = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        blocked[rr[ok] * cols + cc[ok]] = True
        blocked[first] = True
        pos += int(free[0]) + 1
    return kept


def place_on_lattice(candidates: np.ndarray, spacing_m: float, direction_deg: float, along_m: float,
                     across_m: float) -> np.ndarray:
    """Greedy packing on a boolean lattice of ``candidates`` (row 0 north, spacing ``spacing_m`` [m]).

    Returns the (row, col) indices [n × 2] of the kept sites, no two closer than the ellipse with semi-axes
    ``along_m`` along ``direction_deg`` [deg from north, clockwise] and ``across_m`` across [m].
    """
    flat = np.flatnonzero(candidates.ravel())
    if len(flat) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    offsets = ellipse_offsets(spacing_m, direction_deg, along_m, across_m)
    r, c = np.divmod(flat, candidates.shape[1])
    u, w = to_wind_frame(c * spacing_m, -r * spacing_m, direction_deg)
    su, sw = u / along_m, w / across_m
    best: list[int] = []
    for keys in ((su, sw), (sw, su), (-su, sw), (sw, -su)):
        kept = _greedy(candidates, flat[np.lexsort(keys)], offsets)  # last key is the primary sort key
        if len(kept) > len(best):
            best = kept
    best_arr = np.sort(np.asarray(best, dtype=np.int64))
    return np.stack(np.divmod(best_arr, candidates.shape[1]), axis=1)
