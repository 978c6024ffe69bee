"""Hand computations that tests compare models with, written out from the published formulas."""

from __future__ import annotations

import math


def gpot_by_hand(lam: float, length_m: float = 100.0) -> float:
    """Casasso & Sethi (2016) written out with their defaults (T0 11, T_lim -2 degC, rho c 2.3 MJ m-3 K-1,
    183-day season, r_b 0.075 m, R_b 0.1 m K W-1, 50 yr) [MWh yr-1]; gives 8.6 at lambda 2.2 as published."""
    tc, alpha = 183 / 365, lam / 2.3e6
    uc, us = 0.075**2 / (4 * alpha * 183 * 86400), 0.075**2 / (4 * alpha * 50 * 365 * 86400)
    g = -0.619 * tc * math.log(us) + (0.532 * tc - 0.962) * math.log(uc) - 0.455 * tc - 1.619
    return 8 * 13 * lam * length_m * tc / (g + 4 * math.pi * lam * 0.1) * 0.00876
