"""Which source sends how much heat to which area: a mixed-integer linear programme (scipy ``milp``, HiGHS).

Variables per candidate pair (i, j): the heat sent s_ij [MWh yr-1] and whether the line is built, y_ij ∈ {0, 1}.

- a built line carries between its least viable flow and its most: m_ij·y_ij ≤ s_ij ≤ M_ij·y_ij, where M_ij is
  the most the pair can use and m_ij the least flow at which the line's levelised cost stays under the cost
  ceiling (:func:`processing.heat_recovery.costs.min_viable_sent_mwh_yr`); a pair that stays above the
  ceiling at any flow is not offered;
- a source sends at most what it has: Σ_j s_ij ≤ A_i;
- an area takes at most its base-load demand: Σ_i s_ij·δ_ij ≤ B_j (δ_ij the share arriving after losses).

Stage 1 maximises the heat delivered Σ s_ij·δ_ij; stage 2 keeps that (within a relative 1e-9) and minimises the
annual cost, each line counted at its cost per MWh at full use times its flow. Raising the ceiling only lowers
the m_ij and offers more pairs, so the delivered heat never falls (the optimum of a larger feasible set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from layers.errors import StepFailed


@dataclass(frozen=True)
class Pair:
    """A candidate line: source and area indices, least and most flow sent [MWh yr-1], the share delivered
    [-] and the cost per MWh sent at full use [EUR MWh-1] (stage-2 weight)."""

    source: int
    area: int
    min_sent: float
    max_sent: float
    delivered_share: float
    cost_per_sent: float


def allocate(pairs: list[Pair], available: np.ndarray, base_load: np.ndarray) -> np.ndarray:
    """Heat sent on each pair [MWh yr-1] (0 where the line is not built), same order as ``pairs``."""
    n = len(pairs)
    if n == 0:
        return np.zeros(0)
    n_src, n_area = len(available), len(base_load)
    share = np.array([p.delivered_share for p in pairs])
    lo = np.array([p.min_sent for p in pairs])
    hi = np.array([p.max_sent for p in pairs])
    scale = max(float(hi.max()), 1.0)  # keep the coefficients near 1 for the solver
    lo, hi = lo / scale, hi / scale
    # x = [s (n), y (n)]
    eye = np.eye(n)
    link_rows = [np.hstack([eye, -np.diag(hi)]), np.hstack([-eye, np.diag(lo)])]  # s - M y <= 0, m y - s <= 0
    src_rows = np.zeros((n_src, 2 * n))
    area_rows = np.zeros((n_area, 2 * n))
    for k, p in enumerate(pairs):
        src_rows[p.source, k] = 1.0
        area_rows[p.area, k] = share[k]
    constraints = [
        LinearConstraint(np.vstack(link_rows), -np.inf, 0.0),
        LinearConstraint(src_rows, -np.inf, np.asarray(available, float) / scale),
        LinearConstraint(area_rows, -np.inf, np.asarray(base_load, float) / scale),
    ]
    bounds = Bounds(np.zeros(2 * n), np.concatenate([hi, np.ones(n)]))
    integrality = np.concatenate([np.zeros(n), np.ones(n)])
    options = {"mip_rel_gap": 0.0, "presolve": True}
    stage1 = milp(np.concatenate([-share, np.zeros(n)]), constraints=constraints, bounds=bounds,
                  integrality=integrality, options=options)
    if not stage1.success:
        raise StepFailed("heat_recovery", f"the allocation programme found no solution: {stage1.message}")
    best = float(share @ stage1.x[:n])
    keep = LinearConstraint(np.concatenate([share, np.zeros(n)])[None, :], best * (1.0 - 1e-9) - 1e-12, np.inf)
    cost = np.array([p.cost_per_sent for p in pairs])
    stage2 = milp(np.concatenate([cost / max(float(cost.max()), 1e-12), np.zeros(n)]),
                  constraints=[*constraints, keep], bounds=bounds, integrality=integrality, options=options)
    x = stage2.x if stage2.success else stage1.x
    sent = np.where(x[n:] > 0.5, x[:n], 0.0) * scale
    return np.clip(sent, 0.0, None)
