"""Cost-weighted distance on a resistance grid, and least-cost links between two cores in a bounded window.

Moves go to the 8 neighbours; a move costs its length [m] times the mean resistance of the two cells, the
rule of GRASS r.cost (without knight's moves) and of Linkage Mapper. Costs are in effective metres: metres
through habitat of resistance 1.

Window (halo) rule for a core pair: the cost distances from A and from B are computed on the bounding box of
both cores grown by a margin; the margin starts at ``margin_m`` and doubles until the box certifies the
result or reaches ``max_margin_m`` (or the whole grid). Certificate: any path that leaves the box reaches a
border cell from A and another from B inside the box, so it costs at least
``min_border CWD_A + min_border CWD_B``; when the least-cost distance found inside the box is no larger, it
is the global least-cost distance (``certified``). Sides of the box on the grid's edge are not borders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.graph import MCP_Geometric

from layers.errors import InputDataError


def _mcp(resistance: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, MCP_Geometric]:
    if resistance.shape != sources.shape:
        raise InputDataError(f"resistance {resistance.shape} and sources {sources.shape} differ in shape")
    if not np.all(np.isfinite(resistance)) or np.any(resistance <= 0):
        raise InputDataError("resistance must be finite and > 0 everywhere (keep the maximum finite)")
    starts = np.argwhere(sources)
    if len(starts) == 0:
        raise InputDataError("cost distance needs at least one source cell")
    mcp = MCP_Geometric(resistance.astype(np.float64, copy=False), fully_connected=True)
    costs, _ = mcp.find_costs(starts)
    return costs, mcp


def cost_distance(resistance: np.ndarray, sources: np.ndarray, res: float) -> np.ndarray:
    """Accumulated cost from the nearest source cell [effective m].

    Parameters
    ----------
    resistance : per-cell resistance [-], finite and > 0.
    sources : boolean mask of source cells (cost 0).
    res : cell size [m].

    Notes
    -----
    ``cost(i -> j) = res * L_ij * (r_i + r_j) / 2`` with ``L_ij`` 1 for edge and sqrt(2) for corner
    neighbours; the accumulated cost is the minimum over 8-connected paths (Dijkstra, skimage MCP_Geometric).
    """
    costs, _ = _mcp(resistance, sources)
    return costs * res


@dataclass(frozen=True)
class PairLink:
    """Least-cost link between cores A and B, computed in the window ``box`` (row0, col0, row1, col1).

    ``cwd_a``/``cwd_b`` are the cost distances [effective m] inside the box; ``path`` the (row, col) cells of
    the least-cost path in grid coordinates, from A to B; ``lcd`` its cost [effective m].
    """

    a: int
    b: int
    box: tuple[int, int, int, int]
    cwd_a: np.ndarray
    cwd_b: np.ndarray
    lcd: float
    path: np.ndarray
    certified: bool
    margin_m: float

    def corridor_mask(self, cutoff: float) -> np.ndarray:
        """Linkage Mapper corridor inside the box: ``NLCC = CWD_A + CWD_B - LCD <= cutoff`` [effective m]."""
        return (self.cwd_a + self.cwd_b - self.lcd) <= cutoff


def _box(slices: list[tuple[slice, slice]], margin: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    r0 = min(s[0].start for s in slices) - margin
    c0 = min(s[1].start for s in slices) - margin
    r1 = max(s[0].stop for s in slices) + margin
    c1 = max(s[1].stop for s in slices) + margin
    return max(r0, 0), max(c0, 0), min(r1, shape[0]), min(c1, shape[1])


def _border_min(cwd: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, int]) -> float:
    r0, c0, r1, c1 = box
    edges = []
    if r0 > 0:
        edges.append(cwd[0, :])
    if r1 < shape[0]:
        edges.append(cwd[-1, :])
    if c0 > 0:
        edges.append(cwd[:, 0])
    if c1 < shape[1]:
        edges.append(cwd[:, -1])
    return float(min(e.min() for e in edges)) if edges else np.inf


def least_cost_link(resistance: np.ndarray, labels: np.ndarray, a: int, b: int, res: float, *,
                    slices: dict[int, tuple[slice, slice]], margin_m: float, max_margin_m: float) -> PairLink:
    """Cost distances from cores ``a`` and ``b`` of ``labels`` and their least-cost path, in a certified window.

    Parameters
    ----------
    resistance : grid of resistance [-].
    labels : grid of core labels (0 outside cores).
    a, b : the two core labels.
    res : cell size [m].
    slices : bounding slices of each label (``scipy.ndimage.find_objects``), by label.
    margin_m, max_margin_m : first and largest margin of the window around both cores [m] (module docstring).
    """
    shape = resistance.shape
    margin = max(1, int(np.ceil(margin_m / res)))
    max_margin = max(margin, int(np.ceil(max_margin_m / res)))
    while True:
        box = _box([slices[a], slices[b]], margin, shape)
        r0, c0, r1, c1 = box
        sub, lab = resistance[r0:r1, c0:c1], labels[r0:r1, c0:c1]
        in_a, in_b = lab == a, lab == b
        cost_a, mcp_a = _mcp(sub, in_a)
        cost_b, _ = _mcp(sub, in_b)
        cwd_a, cwd_b = cost_a * res, cost_b * res
        lcd = float(cwd_a[in_b].min())
        certified = lcd <= _border_min(cwd_a, box, shape) + _border_min(cwd_b, box, shape)
        whole = box == (0, 0, shape[0], shape[1])
        if certified or whole or margin >= max_margin:
            break
        margin = min(2 * margin, max_margin)
    flat = np.flatnonzero(in_b)
    end = np.unravel_index(flat[np.argmin(cwd_a.ravel()[flat])], in_b.shape)
    path = np.asarray(mcp_a.traceback(end)) + np.array([r0, c0])  # from A to B, grid coordinates
    return PairLink(a, b, box, cwd_a, cwd_b, lcd, path, bool(certified or whole), margin * res)
