"""The target path: the share of base-year emissions a region's targets allow in each year.

Milestones are (year, reduction vs the base year [%]) from the base year (0 %) to the last target
(:meth:`layers.region.ClimateTargets.milestones`). Between two milestones the allowed share ``f = 1 − r/100``
falls along a straight line (``linear``) or by a constant annual rate (``constant_rate``:
f(t) = f0 · (f1/f0)^((t − t0)/(t1 − t0)), the same percentage cut every year; a stretch ending at zero stays a
straight line, since no constant rate reaches zero). Before the base year the share is 1, after the last
milestone it stays at the last target's.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def allowed_share(milestones: Sequence[tuple[int, float]], years, path: str = "linear") -> np.ndarray:
    """Share of base-year emissions [0-1] the path allows in each of ``years``.

    Parameters
    ----------
    milestones : (year, reduction [%]) in increasing year order, the first the base year.
    years : the years asked for.
    path : ``linear`` or ``constant_rate``.
    """
    if path not in ("linear", "constant_rate"):
        raise ValueError(f"unknown path shape {path!r}; use 'linear' or 'constant_rate'")
    t = np.asarray(years, dtype=float)
    knots = np.array([y for y, _ in milestones], dtype=float)
    shares = 1.0 - np.array([r for _, r in milestones], dtype=float) / 100.0
    out = np.interp(t, knots, shares)  # linear inside, held flat outside
    if path == "constant_rate":
        for (t0, t1), (f0, f1) in zip(itertools.pairwise(knots), itertools.pairwise(shares), strict=True):
            inside = (t > t0) & (t < t1)
            if f0 > 0.0 and f1 > 0.0 and inside.any():
                out[inside] = f0 * (f1 / f0) ** ((t[inside] - t0) / (t1 - t0))
    return out
