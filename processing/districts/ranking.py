"""Rank candidate units: normalised criteria, WLC and TOPSIS scores and ranks, rank range under weight
changes, and ÉcoQuartier dimension scores.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from layers.catalog.districts import CRITERIA, SCORED_DIMENSIONS
from processing.districts.mcda import rank, topsis, weight_sensitivity, wlc

log = logging.getLogger(__name__)


def active_criteria(values: pd.DataFrame, eligible: np.ndarray, weights: Mapping[str, float]) -> list[str]:
    """Criteria with a positive weight and a value for at least one eligible unit."""
    keys = []
    for c in CRITERIA:
        if weights.get(c.key, 0.0) <= 0:
            continue
        column = values[c.field].to_numpy(float)[eligible]
        if not np.isfinite(column).any():
            if not eligible.any():
                continue
            log.warning("criterion %r has no data (its source layer is missing); its weight is dropped", c.key)
            continue
        keys.append(c.key)
    return keys


def _filled_matrix(values: pd.DataFrame, eligible: np.ndarray, keys: Sequence[str]) -> np.ndarray:
    """Eligible rows × criteria, a missing value replaced by the criterion's median over eligible units."""
    by_key = {c.key: c for c in CRITERIA}
    cols = []
    for key in keys:
        column = values[by_key[key].field].to_numpy(float)[eligible]
        missing = ~np.isfinite(column)
        if missing.any():
            log.info("criterion %r: %d units without a value take the median", key, int(missing.sum()))
            column = np.where(missing, np.nanmedian(column), column)
        cols.append(column)
    return np.column_stack(cols) if cols else np.empty((int(eligible.sum()), 0))


def normalised_criteria(values: pd.DataFrame, eligible: np.ndarray) -> pd.DataFrame:
    """``<key>_norm`` of every criterion: min-max over the eligible units (1 = best), applied to all units and
    clipped to [0, 1]; NaN where the value is missing."""
    out = {}
    for c in CRITERIA:
        x = values[c.field].to_numpy(float)
        ref = x[eligible & np.isfinite(x)]
        if not len(ref):
            out[c.norm_field] = np.full(len(x), np.nan)
            continue
        lo, hi = ref.min(), ref.max()
        if hi > lo:
            r = (x - lo) / (hi - lo) if c.benefit else (hi - x) / (hi - lo)
            out[c.norm_field] = np.clip(r, 0.0, 1.0)
        else:
            out[c.norm_field] = np.where(np.isfinite(x), 1.0, np.nan)  # as minmax_normalise: all equal → 1
    return pd.DataFrame(out, index=values.index)


def rank_candidates(
    values: pd.DataFrame,
    eligible: np.ndarray,
    weights: Mapping[str, float],
    ids: Sequence[str],
    method: str = "wlc",
    change: float = 0.2,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Scores and ranks of the eligible units; NaN/NA for the others.

    Parameters
    ----------
    values : criteria values, one column per criterion field.
    eligible : boolean mask of units not excluded by a hard constraint.
    weights : criterion key → weight [-] (rescaled over the active criteria).
    ids : candidate ids, the tie-break of equal scores (ascending).
    method : ``wlc`` or ``topsis``, the method behind ``score``, ``rank`` and the rank range.
    change : relative weight change of the sensitivity analysis [-].

    Returns
    -------
    (table, used_weights) : table with ``<key>_norm``, ``wlc_score``, ``wlc_rank``, ``topsis_score``,
        ``topsis_rank``, ``score``, ``rank``, ``rank_min``, ``rank_max``, ``dim_<dimension>_score``;
        ``used_weights`` the weights of the active criteria, summing to 1.
    """
    eligible = np.asarray(eligible, dtype=bool)
    n = len(values)
    table = normalised_criteria(values, eligible)
    keys = active_criteria(values, eligible, weights)
    total = sum(weights[k] for k in keys)
    used = {k: weights[k] / total for k in keys} if total > 0 else {}
    nan = np.full(n, np.nan)
    na = pd.array([pd.NA] * n, dtype="Int64")
    for col in ("wlc_score", "topsis_score", "score"):
        table[col] = nan.copy()
    for col in ("wlc_rank", "topsis_rank", "rank", "rank_min", "rank_max"):
        table[col] = na.copy()
    for dim in SCORED_DIMENSIONS:
        table[f"dim_{dim}_score"] = _dimension_score(table, used, dim)
    m = int(eligible.sum())
    if not m or not used:
        if m:
            log.warning("no criterion has both a weight and data: candidates stay unranked")
        return table, used

    by_key = {c.key: c for c in CRITERIA}
    x = _filled_matrix(values, eligible, keys)
    benefit = np.array([by_key[k].benefit for k in keys])
    w = np.array([used[k] for k in keys])
    eligible_ids = [str(i) for i, e in zip(ids, eligible, strict=True) if e]
    scores = {"wlc": wlc(x, w, benefit), "topsis": topsis(x, w, benefit)}
    rows = np.flatnonzero(eligible)
    for name, s in scores.items():
        table.loc[table.index[rows], f"{name}_score"] = s
        table.loc[table.index[rows], f"{name}_rank"] = rank(s, eligible_ids)
    score_fn = (lambda ww: wlc(x, ww, benefit)) if method == "wlc" else (lambda ww: topsis(x, ww, benefit))
    lo, hi = weight_sensitivity(score_fn, w, change, eligible_ids)
    table["score"] = table[f"{method}_score"]
    table["rank"] = table[f"{method}_rank"]
    table.loc[table.index[rows], "rank_min"] = lo
    table.loc[table.index[rows], "rank_max"] = hi
    return table, used


def _dimension_score(norms: pd.DataFrame, used: Mapping[str, float], dim: str) -> np.ndarray:
    """Weighted mean of the normalised criteria of one dimension (missing values skipped) [0-1]."""
    keys = [c for c in CRITERIA if c.dimension == dim and used.get(c.key, 0) > 0]
    if not keys:
        return np.full(len(norms), np.nan)
    vals = np.column_stack([norms[c.norm_field].to_numpy(float) for c in keys])
    w = np.array([used[c.key] for c in keys])
    ok = np.isfinite(vals)
    wsum = (ok * w).sum(axis=1)
    num = (np.where(ok, vals, 0.0) * w).sum(axis=1)
    return np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1.0), np.nan)

