"""Multi-criteria decision analysis: normalisation, WLC, TOPSIS, AHP weights and weight sensitivity.

Pure numpy functions on a decision matrix ``X`` of shape (alternatives, criteria) with a boolean vector
``benefit`` (True: more is better; False: a cost, less is better) and a weight vector ``w``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Saaty's random consistency index RI by matrix order n = 1..15 (Saaty 1980, *The Analytic Hierarchy
#: Process*, McGraw-Hill, p. 21; docs/REFERENCES.md "Test districts").
RANDOM_INDEX: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                                  9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
#: Largest acceptable consistency ratio (Saaty 1980).
MAX_CONSISTENCY_RATIO = 0.10
#: Relative tolerance on a_ji = 1 / a_ij when checking a pairwise matrix is reciprocal.
RECIPROCAL_RTOL = 0.02


def _check(matrix: np.ndarray, benefit: np.ndarray | None = None) -> np.ndarray:
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"a decision matrix is 2-D (alternatives x criteria), got {x.ndim} dimensions")
    if benefit is not None and len(benefit) != x.shape[1]:
        raise ValueError(f"{x.shape[1]} criteria but {len(benefit)} benefit flags")
    if not np.isfinite(x).all():
        raise ValueError("the decision matrix holds NaN or infinite values; fill missing criteria first")
    return x


def normalise_weights(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Weights scaled to sum to 1; raise ``ValueError`` when negative or all zero."""
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError(f"weights must be finite and non-negative, got {w.tolist()}")
    total = w.sum()
    if total <= 0:
        raise ValueError("at least one criterion needs a positive weight")
    return w / total


def minmax_normalise(matrix: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """Linear min-max normalisation to [0, 1], 1 = best.

    Notes
    -----
    r_ij = (x_ij − min_j) / (max_j − min_j) for a benefit criterion, (max_j − x_ij) / (max_j − min_j) for a
    cost. A criterion on which every alternative is equal gets 1 for all (pymcdm's convention): it shifts
    every WLC score equally and changes no rank.
    """
    x = _check(matrix, benefit)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    r = np.where(np.asarray(benefit, dtype=bool), (x - lo) / safe, (hi - x) / safe)
    return np.where(span > 0, r, 1.0)


def wlc(matrix: np.ndarray, weights: Sequence[float], benefit: np.ndarray) -> np.ndarray:
    """Weighted linear combination (simple additive weighting) of min-max normalised criteria, 0-1.

    Notes
    -----
    S_i = Σ_j w_j r_ij with Σ w_j = 1 and r from :func:`minmax_normalise`.
    """
    return minmax_normalise(matrix, benefit) @ normalise_weights(weights)


def topsis(matrix: np.ndarray, weights: Sequence[float], benefit: np.ndarray) -> np.ndarray:
    """TOPSIS relative closeness to the ideal solution, 0-1 (1 = the ideal).

    Notes
    -----
    Vector normalisation r_ij = x_ij / sqrt(Σ_i x_ij²), v_ij = w_j r_ij; the positive ideal takes the
    best v of each criterion (max for a benefit, min for a cost), the negative ideal the worst;
    C_i = D_i⁻ / (D_i⁺ + D_i⁻) with Euclidean distances D. A criterion that is zero for every alternative
    contributes nothing. When every alternative is the same, C = 1 for all.

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making*, Springer, pp. 128-140.
    """
    x = _check(matrix, benefit)
    w = normalise_weights(weights)
    norm = np.sqrt((x ** 2).sum(axis=0))
    v = x / np.where(norm > 0, norm, 1.0) * w
    b = np.asarray(benefit, dtype=bool)
    best = np.where(b, v.max(axis=0), v.min(axis=0))
    worst = np.where(b, v.min(axis=0), v.max(axis=0))
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_best + d_worst
    return np.where(total > 0, d_worst / np.where(total > 0, total, 1.0), 1.0)


def rank(scores: np.ndarray, tiebreak: Sequence[str] | None = None) -> np.ndarray:
    """Ranks 1..n by decreasing score; ties broken by ``tiebreak`` keys (ascending), then by position.

    Deterministic: the same scores and keys always give the same ranks.
    """
    s = np.asarray(scores, dtype=float)
    keys = np.arange(len(s)) if tiebreak is None else np.asarray(list(tiebreak), dtype=object)
    # round away floating-point noise so that equal scores really tie
    order = sorted(range(len(s)), key=lambda i: (-round(float(s[i]), 12), keys[i], i))
    ranks = np.empty(len(s), dtype=int)
    ranks[order] = np.arange(1, len(s) + 1)
    return ranks


@dataclass(frozen=True)
class AHPResult:
    """Weights from a pairwise comparison matrix and its consistency.

    weights : principal right eigenvector scaled to sum to 1.
    lambda_max : principal eigenvalue.
    ci : consistency index (λmax − n) / (n − 1).
    cr : consistency ratio CI / RI(n) (0 for n ≤ 2).
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float

    @property
    def consistent(self) -> bool:
        return self.cr <= MAX_CONSISTENCY_RATIO


def ahp_weights(pairwise: Sequence[Sequence[float]] | np.ndarray) -> AHPResult:
    """AHP priority weights (principal eigenvector) and consistency ratio of a pairwise matrix.

    Parameters
    ----------
    pairwise : n x n positive reciprocal matrix on Saaty's 1-9 scale; a_ij says how much more important
        criterion i is than criterion j, and a_ji = 1 / a_ij.

    Notes
    -----
    A w = λmax w; CI = (λmax − n)/(n − 1); CR = CI / RI(n) with Saaty's :data:`RANDOM_INDEX`. Judgments
    with CR > 0.10 should be revised.

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    """
    a = np.asarray(pairwise, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"an AHP pairwise matrix is square, got shape {a.shape}")
    n = a.shape[0]
    if n not in RANDOM_INDEX:
        raise ValueError(f"AHP supports 1 to {max(RANDOM_INDEX)} criteria (Saaty's RI table), got {n}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ValueError("AHP pairwise judgments must be positive numbers")
    if not np.allclose(a * a.T, 1.0, rtol=RECIPROCAL_RTOL, atol=0.0):
        i, j = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=RECIPROCAL_RTOL, atol=0.0))[0]
        raise ValueError(f"AHP matrix is not reciprocal: a[{i}][{j}] = {a[i, j]:g} but a[{j}][{i}] = "
                         f"{a[j, i]:g}; set a[{j}][{i}] = 1/{a[i, j]:g}")
    eigval, eigvec = np.linalg.eig(a)
    k = int(np.argmax(eigval.real))
    w = np.abs(eigvec[:, k].real)
    w = w / w.sum()
    lam = float(eigval[k].real)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ci = max(ci, 0.0)  # λmax ≥ n for a positive reciprocal matrix; remove round-off below n
    ri = RANDOM_INDEX[n]
    return AHPResult(weights=w, lambda_max=lam, ci=ci, cr=ci / ri if ri > 0 else 0.0)


def weight_sensitivity(
    score_fn: Callable[[np.ndarray], np.ndarray],
    weights: Sequence[float],
    change: float = 0.2,
    tiebreak: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank of every alternative when any one weight changes by ±``change``.

    Each criterion with a positive weight is scaled by (1 − change) and (1 + change) in turn, the weights
    renormalised to sum to 1, and the alternatives re-scored by ``score_fn(weights)`` and re-ranked. The
    base ranking is included.

    Returns
    -------
    (rank_min, rank_max) : integer arrays, 1 = best.
    """
    w = normalise_weights(weights)
    base = rank(score_fn(w), tiebreak)
    lo, hi = base.copy(), base.copy()
    for j in np.flatnonzero(w > 0):
        for factor in (1.0 - change, 1.0 + change):
            wj = w.copy()
            wj[j] *= factor
            r = rank(score_fn(normalise_weights(wj)), tiebreak)
            lo, hi = np.minimum(lo, r), np.maximum(hi, r)
    return lo, hi
