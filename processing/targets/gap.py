"""The arithmetic of a target [t CO2e yr-1], element-wise over arrays of commune × sector rows.

- target T = B · (1 − r/100) for base-year emissions B and a reduction r [%];
- gap G = max(L − T, 0) for the latest emissions L: what must still go by the target year;
- the potentials avoid A = min(max(Σ avoided, 0), L) in the sector (a sector cannot fall below zero);
- they close C = min(A, G) of the gap, U = G − C stays uncovered, C / G · 100 % is coverable (empty for G = 0);
- on the path P (emissions the path allows in the latest year), the commune is on track when L ≤ P, else
  behind by L − P: "behind by 1,234 t".
"""

from __future__ import annotations

import numpy as np

#: Emissions within this of the path count as on it [t CO2e yr-1] (rounding of the inventory).
ON_PATH_TOLERANCE_T_YR = 0.5


def target_and_gap(base_t_yr, latest_t_yr, reduction_pct) -> tuple[np.ndarray, np.ndarray]:
    """(target, gap) [t CO2e yr-1]."""
    target = np.asarray(base_t_yr, dtype=float) * (1.0 - np.asarray(reduction_pct, dtype=float) / 100.0)
    return target, np.maximum(np.asarray(latest_t_yr, dtype=float) - target, 0.0)


def coverage(avoided_t_yr, latest_t_yr, gap_t_yr) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(avoidable, coverable, uncovered [t CO2e yr-1], coverable share [%], NaN without a gap)."""
    latest = np.asarray(latest_t_yr, dtype=float)
    gap = np.asarray(gap_t_yr, dtype=float)
    avoidable = np.minimum(np.maximum(np.asarray(avoided_t_yr, dtype=float), 0.0), latest)
    coverable = np.minimum(avoidable, gap)
    ratio = np.divide(avoidable, gap, out=np.full(gap.shape, np.nan), where=gap > 0)
    share = 100.0 * np.minimum(ratio, 1.0)  # exactly 100 % where the potentials close the whole gap
    return avoidable, coverable, gap - coverable, share


def path_status(latest_t_yr, path_latest_t_yr) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(behind [t CO2e yr-1], on track, status text) of the latest emissions against the path."""
    behind = np.maximum(np.asarray(latest_t_yr, dtype=float) - np.asarray(path_latest_t_yr, dtype=float), 0.0)
    on_track = behind <= ON_PATH_TOLERANCE_T_YR
    text = ["on track" if ok else f"behind by {b:,.0f} t" for ok, b in zip(on_track, behind, strict=True)]
    return np.where(on_track, 0.0, behind), on_track, text
