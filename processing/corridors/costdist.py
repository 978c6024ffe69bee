"""Cost-weighted distance on a resistance grid, and least-cost links between two cores in a bounded window.

Moves go to the 8 neighbours; a move costs its length [m] times the mean resistance of the two cells, the
rule of GRASS r.cost (without knight's moves) and of Linkage Mapper. Costs are in effective metres: metres
through habitat of resistance 1.

Window (halo) rule: cost distance is global by nature, so each core's run is bounded instead. A core's
run covers the bounding box of the core and of every core it will be linked to, grown by a margin
(``margin_m``, 1 km by default). A link A-B is read in the intersection of the two runs' windows, which holds
both cores with at least that margin. Certificate: a path from A to B that leaves that window reaches a
border cell from A before it leaves and comes back through a border cell to B, so it costs at least
``min_border CWD_A + min_border CWD_B``; when the least-cost distance found is no larger, it is the global
least-cost distance (``certified``). Otherwise both runs are redone with the margin doubled, up to
``max_margin_m`` (or the whole grid, which certifies by itself). Sides of a window on the grid's edge are
not borders.

Where the runs happen: a core's first run (at ``margin_m``) is a picklable :class:`CoreRun` task — the
resistance and the core mask cropped to its window — mapped by :func:`core_run` through the step's executor
(in-process or Dask workers) in the order the west-to-east sweep first needs each core, a few cores ahead
of the links being solved; links, their certificates and paths are solved in the calling process in the
sweep order. A failed certificate needs both cores' wider runs before the link can go on: they run as a
pair on the executor (in parallel on two workers). Links therefore come out identical whatever the
executor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.graph import MCP_Geometric

from layers.errors import InputDataError
from processing.windows import WindowExecutor


def _mcp(resistance: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, MCP_Geometric]:
    if resistance.shape != sources.shape:
        raise InputDataError(f"resistance {resistance.shape} and sources {sources.shape} differ in shape")
    if not np.all(np.isfinite(resistance)) or np.any(resistance <= 0):
        raise InputDataError("resistance must be finite and > 0 everywhere (keep the maximum finite)")
    if not sources.any():
        raise InputDataError("cost distance needs at least one source cell")
    # only the rim of a source region can be left from: starting there gives the same costs outside it
    rim = sources & ~ndimage.binary_erosion(sources, structure=np.ones((3, 3), bool), border_value=0)
    mcp = MCP_Geometric(resistance.astype(np.float64, copy=False), fully_connected=True)
    costs, _ = mcp.find_costs(np.argwhere(rim))
    costs[sources] = 0.0
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
class CoreRun:
    """One core's cost-distance run, picklable for a Dask worker: ``box`` (row0, col0, row1, col1) of the
    grid, the ``resistance`` [-] and the core's ``sources`` mask cropped to it, the cell size ``res`` [m]."""

    core: int
    box: tuple[int, int, int, int]
    resistance: np.ndarray
    sources: np.ndarray
    res: float


def core_run(task: CoreRun) -> np.ndarray:
    """Cost distance [effective m] from the core over its box, float32 (7 significant digits)."""
    costs, _ = _mcp(task.resistance, task.sources)
    return (costs * task.res).astype(np.float32)


@dataclass(frozen=True)
class PairLink:
    """Least-cost link between cores A and B.

    ``box`` (row0, col0, row1, col1) is the window common to both cores' cost runs; ``cwd_a``/``cwd_b`` are the
    cost distances [effective m] from A and from B inside it; ``path`` the (row, col) grid cells of the
    least-cost path from A to B; ``lcd`` its cost [effective m]; ``certified`` whether it is provably the
    global least-cost distance; ``margin_m`` the margin of the cost runs.
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


Box = tuple[int, int, int, int]
_STEPS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def _grow(slices: list[tuple[slice, slice]], margin: int, shape: tuple[int, int]) -> Box:
    r0 = min(s[0].start for s in slices) - margin
    c0 = min(s[1].start for s in slices) - margin
    r1 = max(s[0].stop for s in slices) + margin
    c1 = max(s[1].stop for s in slices) + margin
    return max(r0, 0), max(c0, 0), min(r1, shape[0]), min(c1, shape[1])


def _border_min(values: np.ndarray, box: Box, shape: tuple[int, int]) -> float:
    """Smallest value on the sides of ``box`` that are not on the grid's edge (``inf`` if none)."""
    r0, c0, r1, c1 = box
    edges = []
    if r0 > 0:
        edges.append(values[0, :])
    if r1 < shape[0]:
        edges.append(values[-1, :])
    if c0 > 0:
        edges.append(values[:, 0])
    if c1 < shape[1]:
        edges.append(values[:, -1])
    return float(min(e.min() for e in edges)) if edges else np.inf


def _crop(values: np.ndarray, outer: Box, inner: Box) -> np.ndarray:
    return values[inner[0] - outer[0]:inner[2] - outer[0], inner[1] - outer[1]:inner[3] - outer[1]]


def trace_path(cwd: np.ndarray, resistance: np.ndarray, end: tuple[int, int], res: float) -> np.ndarray:
    """Cells of a least-cost path from the source to ``end``, by backtracking the cost surface.

    From each cell the previous one is the neighbour ``y`` minimising ``CWD(y) + cost(y -> x)`` (the Dijkstra
    predecessor), until a source cell (cost 0) is reached. Returns (row, col) cells, source first.
    """
    rows, cols = cwd.shape
    path = [end]
    r, c = end
    for _ in range(cwd.size):
        if cwd[r, c] == 0.0:
            break
        best, nxt = np.inf, None
        for dr, dc in _STEPS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < rows and 0 <= cc < cols:
                v = cwd[rr, cc] + res * np.hypot(dr, dc) * (resistance[r, c] + resistance[rr, cc]) / 2.0
                if v < best:
                    best, nxt = v, (rr, cc)
        r, c = nxt
        path.append(nxt)
    return np.asarray(path[::-1])


class LinkSolver:
    """Least-cost links between cores, one cost-distance run per core and window margin.

    A core's run covers the bounding box of the core and all its neighbours grown by the margin, so one run
    serves every link of the core; runs are kept until :meth:`release` (callers release a core after its
    last link so memory follows the sweep, not the region; they are kept in float32, 7 significant digits).
    See the module docstring for the certificate;
    a link whose certificate fails is recomputed with both cores' margins doubled, up to ``max_margin_m``.

    Parameters
    ----------
    resistance : grid of resistance [-].
    labels : grid of core labels (0 outside cores).
    res : cell size [m].
    neighbours : label -> labels it will be linked to.
    margin_m, max_margin_m : first and largest margin of the windows [m].
    """

    def __init__(self, resistance: np.ndarray, labels: np.ndarray, res: float, neighbours: dict[int, set[int]],
                 *, margin_m: float, max_margin_m: float):
        self.resistance, self.labels, self.res, self.neighbours = resistance, labels, res, neighbours
        self.slices = {i + 1: s for i, s in enumerate(ndimage.find_objects(labels)) if s is not None}
        self.margins = [max(1, int(np.ceil(margin_m / res)))]
        while self.margins[-1] < int(np.ceil(max_margin_m / res)):
            self.margins.append(min(2 * self.margins[-1], int(np.ceil(max_margin_m / res))))
        self._runs: dict[tuple[int, int], tuple[Box, np.ndarray]] = {}
        self._stream: Iterator[tuple[CoreRun, np.ndarray]] | None = None
        self._ready: dict[int, np.ndarray] = {}  # first runs back from the executor, not yet used
        self._wider: dict[tuple[int, int], np.ndarray] = {}  # wider runs computed as a pair, not yet used
        self.executor: WindowExecutor | None = None
        self.runs = 0  # cost-distance runs so far

    def task(self, core: int, level: int = 0) -> CoreRun:
        """The run of ``core`` at margin level ``level``, as a task."""
        group = [self.slices[core], *(self.slices[n] for n in self.neighbours.get(core, ()))]
        box = _grow(group, self.margins[level], self.labels.shape)
        r0, c0, r1, c1 = box
        return CoreRun(core, box, self.resistance[r0:r1, c0:c1], self.labels[r0:r1, c0:c1] == core, self.res)

    def prefetch(self, cores: Sequence[int], executor: WindowExecutor) -> None:
        """Compute the first runs of ``cores`` on ``executor``, in that order, as :meth:`link` needs them."""
        self.executor = executor
        self._stream = executor.imap(core_run, (self.task(c) for c in cores))

    def close(self) -> None:
        """Stop the prefetch (cancel the runs still queued on the executor)."""
        if self._stream is not None:
            self._stream.close()  # type: ignore[attr-defined]
            self._stream = None
        self._ready.clear()

    def _first_run(self, core: int) -> np.ndarray:
        while core not in self._ready and self._stream is not None:
            try:
                task, cwd = next(self._stream)
            except StopIteration:
                self._stream = None
                break
            self._ready[task.core] = cwd
        cwd = self._ready.pop(core, None)
        return cwd if cwd is not None else core_run(self.task(core))

    def _run(self, core: int, level: int) -> tuple[Box, np.ndarray]:
        key = (core, level)
        if key not in self._runs:
            for old in [k for k in self._runs if k[0] == core]:  # a wider run replaces a narrower one
                del self._runs[old]
            task = self.task(core, level)
            cwd = self._first_run(core) if level == 0 else self._wider.pop(key, None)
            cwd = core_run(task) if cwd is None else cwd
            self._runs[key] = (task.box, cwd)  # kept: 4 bytes per cell
            self.runs += 1
        return self._runs[key]

    def _level(self, core: int) -> int:
        return max((k[1] for k in self._runs if k[0] == core), default=0)

    def release(self, core: int) -> None:
        """Forget the runs of ``core``."""
        for k in [k for k in self._runs if k[0] == core]:
            del self._runs[k]
        self._ready.pop(core, None)

    def _widen(self, a: int, b: int, level: int) -> None:
        """Both cores' runs at a wider ``level`` at once on the executor's workers (a failed certificate)."""
        missing = [c for c in (a, b) if (c, level) not in self._runs]
        if self.executor is None or self.executor.workers < 2 or len(missing) < 2:
            return  # computed one by one in :meth:`_run`
        for task, cwd in self.executor.imap(core_run, [self.task(c, level) for c in missing]):
            self._wider[(task.core, level)] = cwd

    def link(self, a: int, b: int) -> PairLink:
        """The least-cost link between cores ``a`` and ``b``."""
        shape = self.labels.shape
        level = max(self._level(a), self._level(b))
        while True:
            if level > 0:
                self._widen(a, b, level)
            box_a, cwd_a = self._run(a, level)
            box_b, cwd_b = self._run(b, level)
            box = (max(box_a[0], box_b[0]), max(box_a[1], box_b[1]), min(box_a[2], box_b[2]),
                   min(box_a[3], box_b[3]))
            ca, cb = _crop(cwd_a, box_a, box), _crop(cwd_b, box_b, box)
            lab = self.labels[box[0]:box[2], box[1]:box[3]]
            in_a, in_b = lab == a, lab == b
            lcd_ab, lcd_ba = float(ca[in_b].min()), float(cb[in_a].min())  # float32 -> float
            lcd = min(lcd_ab, lcd_ba)
            certified = lcd <= _border_min(ca, box, shape) + _border_min(cb, box, shape)
            if certified or level == len(self.margins) - 1:
                break
            level += 1
        # trace on the run where the minimum was found, from its best cell in the other core
        src, other, (run_box, run_cwd), crop = ((a, in_b, (box_a, cwd_a), ca) if lcd_ab <= lcd_ba
                                                else (b, in_a, (box_b, cwd_b), cb))
        flat = np.flatnonzero(other)
        end = np.unravel_index(flat[np.argmin(crop.ravel()[flat])], other.shape)
        end_run = (end[0] + box[0] - run_box[0], end[1] + box[1] - run_box[1])
        sub_res = self.resistance[run_box[0]:run_box[2], run_box[1]:run_box[3]]
        path = trace_path(run_cwd, sub_res, end_run, self.res) + np.array([run_box[0], run_box[1]])
        if src == b:
            path = path[::-1]
        return PairLink(a, b, box, ca, cb, lcd, path, bool(certified), self.margins[level] * self.res)
