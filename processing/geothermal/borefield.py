"""Thermal interference in a field of borehole heat exchangers: g-functions of the actual layout, field factor.

G.POT (:mod:`.gpot`) gives the sustainable heat of one probe alone. Probes of a field cool each other: over
decades a probe in a 3 x 3 field at 6 m sustains markedly less than a probe alone. The field factor F
(:func:`interference_factor`) is the ratio of the sustainable extraction per probe in the field to that of a
single probe, both computed the same way from g-functions (Eskilson 1987):

- the g-function of a layout with uniform, equal heat extraction along every probe (Cimmino & Bernier 2014's
  "uniform heat extraction rate") is the mean over probes of the finite-line-source responses:
  g = h_0 + (2 / N) Σ_{i<j} h(d_ij), with h the finite line source of ``pygfunction``
  (:func:`pair_response`; h_0 at the borehole radius). On the probe lattice every distance is s·sqrt(k) with
  k = Δi² + Δj², so one response per k (cached per spacing, length and borehole geometry) serves every plot,
  and each plot's g-function is that of its actual probes (:func:`pair_counts`);
- the load is G.POT's: a constant extraction q' [W m-1] during the heating season of every year, nothing
  the rest of the year, for ``simulation_years``; the fluid is coldest at the end of the last season;
- the temperature drop there is q' (G_s / (2πλ) + R_b), with G_s the seasonal superposition of the g-function
  (:func:`seasonal_g`); the largest q' keeping the fluid above T_lim is ∝ 1 / (G_s / (2πλ) + R_b);
- F = (G_s,single / (2πλ) + R_b) / (G_s,field / (2πλ) + R_b) ≤ 1, and the field sustains
  N × E_G.POT × F [MWh yr-1].

References
----------
Eskilson, P. (1987). Thermal analysis of heat extraction boreholes. PhD thesis, Lund University.
Cimmino, M., Bernier, M. (2014). A semi-analytical method to generate g-functions for geothermal bore fields.
Int. J. Heat Mass Transfer 70, 641-650.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from processing.geothermal.gpot import DAYS_PER_YEAR, SECONDS_PER_DAY

#: Buried depth of the probe head below the surface [m] (pygfunction's and Cimmino & Bernier's 4 m).
BURIED_DEPTH_M = 4.0
#: Grid of dimensionless time ln(t / t_s), t_s = H² / (9 α), on which responses are computed and interpolated:
#: from about a week to beyond steady state for 40-400 m probes and λ 0.5-6 W m-1 K-1.
LN_T_TS = np.linspace(-10.0, 4.0, 29)


@lru_cache(maxsize=64)
def lattice_responses(max_k: int, spacing_m: float, length_m: float, *, buried_depth_m: float = BURIED_DEPTH_M,
                      radius_m: float = 0.075) -> np.ndarray:
    """Finite-line-source responses h [-] at :data:`LN_T_TS` (columns) of a probe at distance s·sqrt(k) for
    k = 0..``max_k`` (rows; k = 0: the probe's own wall, at ``radius_m``), averaged over the receiving probe's
    length (pygfunction, one vectorised call). Dimensionless in ln(t / t_s), so computed once at a unit
    diffusivity; cached per arguments (callers round ``max_k`` up so that plots share one table).
    """
    import pygfunction as gt

    alpha = 1.0e-6
    t_s = length_m**2 / (9.0 * alpha)
    distance = np.concatenate([[radius_m], spacing_m * np.sqrt(np.arange(1, max_k + 1))])
    h = gt.heat_transfer.finite_line_source_vectorized(t_s * np.exp(LN_T_TS), alpha, distance, length_m,
                                                       buried_depth_m, length_m, buried_depth_m)
    return np.asarray(h, dtype=float).reshape(max_k + 1, len(LN_T_TS))


def _table_size(max_k: int) -> int:
    """``max_k`` rounded up to a power of two (at least 64), so plots share response tables."""
    return max(64, 1 << int(max_k).bit_length())


def pair_counts(ix: ArrayLike, iy: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Squared lattice distances k = Δi² + Δj² between the probes at integer lattice positions (ix, iy), and
    how many pairs (i < j) have each."""
    ix, iy = np.asarray(ix, dtype=np.int64), np.asarray(iy, dtype=np.int64)
    i, j = np.triu_indices(len(ix), 1)
    k = (ix[i] - ix[j]) ** 2 + (iy[i] - iy[j]) ** 2
    values, counts = np.unique(k, return_counts=True)
    return values, counts


def field_g(ix: ArrayLike, iy: ArrayLike, spacing_m: float, length_m: float, *,
            buried_depth_m: float = BURIED_DEPTH_M, radius_m: float = 0.075) -> np.ndarray:
    """g-function [-] at :data:`LN_T_TS` of the probes at lattice positions (ix, iy), uniform heat extraction:
    h_0 + (2 / N) Σ_k c_k h_k."""
    ks, counts = pair_counts(ix, iy)
    table = lattice_responses(_table_size(int(ks.max()) if len(ks) else 0), spacing_m, length_m,
                              buried_depth_m=buried_depth_m, radius_m=radius_m)
    n = len(np.atleast_1d(ix))
    return table[0] + 2.0 / n * (counts[:, None] * table[ks]).sum(axis=0)


def seasonal_weights(length_m: float, diffusivity_m2_s: float, *, season_days: float, years: float) -> np.ndarray:
    """Weights W over :data:`LN_T_TS` such that the seasonal superposition of a response g is g @ W.

    Load pulses switch on at the start of each year and off after the season; at the end of the last season
    G_s = Σ_k g(t_end − t_on,k) − Σ_k g(t_end − t_off,k), each term linearly interpolated in ln(t/t_s)
    (g is 0 before the grid and constant after it), hence linear in g.
    """
    t_s = length_m**2 / (9.0 * diffusivity_m2_s)
    year = DAYS_PER_YEAR * SECONDS_PER_DAY
    n = max(round(years), 1)
    ages_on = (n - 1 - np.arange(n)) * year + season_days * SECONDS_PER_DAY  # [s] since each pulse switched on
    ages_off = (n - 1 - np.arange(n - 1)) * year  # [s] since each earlier pulse switched off
    weights = np.zeros(len(LN_T_TS))
    for ages, sign in ((ages_on, 1.0), (ages_off, -1.0)):
        x = np.clip(np.log(ages / t_s), None, LN_T_TS[-1])
        inside = x >= LN_T_TS[0]
        hi = np.clip(np.searchsorted(LN_T_TS, x[inside]), 1, len(LN_T_TS) - 1)
        frac = (x[inside] - LN_T_TS[hi - 1]) / (LN_T_TS[hi] - LN_T_TS[hi - 1])
        np.add.at(weights, hi - 1, sign * (1.0 - frac))
        np.add.at(weights, hi, sign * frac)
    return weights


def seasonal_g(g: np.ndarray, length_m: float, diffusivity_m2_s: ArrayLike, *, season_days: float,
               years: float) -> np.ndarray:
    """Superposed g [-] at the end of the last heating season (:func:`seasonal_weights`), one value per
    diffusivity [m2 s-1]."""
    alpha = np.atleast_1d(np.asarray(diffusivity_m2_s, dtype=float))
    return np.array([np.asarray(g) @ seasonal_weights(length_m, a, season_days=season_days, years=years)
                     for a in alpha])


def _factor(single: float, field: float, conductivity_w_mk, resistance_mk_w: float):
    two_pi_lam = 2.0 * math.pi * conductivity_w_mk
    return (single / two_pi_lam + resistance_mk_w) / (field / two_pi_lam + resistance_mk_w)


def interference_factor(ix: ArrayLike, iy: ArrayLike, spacing_m: float, length_m: float,
                        conductivity_w_mk: ArrayLike, *, heat_capacity_mj_m3k: float, season_days: float,
                        years: float, radius_m: float, resistance_mk_w: float,
                        buried_depth_m: float = BURIED_DEPTH_M) -> np.ndarray:
    """Field factor F [-] of the probes at lattice positions (ix, iy): sustainable extraction per probe of the
    field ÷ that of one probe alone (module docstring); λ [W m-1 K-1] may be an array; ρc [MJ m-3 K-1];
    borehole thermal resistance R_b [m K W-1]. F = 1 for a single probe."""
    lam = np.atleast_1d(np.asarray(conductivity_w_mk, dtype=float))
    alpha = lam / (heat_capacity_mj_m3k * 1.0e6)
    season = {"season_days": season_days, "years": years}
    wall = lattice_responses(_table_size(0), spacing_m, length_m, buried_depth_m=buried_depth_m,
                             radius_m=radius_m)[0]
    single = seasonal_g(wall, length_m, alpha, **season)
    field = seasonal_g(field_g(ix, iy, spacing_m, length_m, buried_depth_m=buried_depth_m, radius_m=radius_m),
                       length_m, alpha, **season)
    return _factor(single, field, lam, resistance_mk_w)


def field_factors(x: np.ndarray, y: np.ndarray, plot: np.ndarray, plots: int, length_m: np.ndarray,
                  conductivity_w_mk: np.ndarray, *, spacing_m: float, heat_capacity_mj_m3k: float,
                  season_days: float, years: float, radius_m: float, resistance_mk_w: float) -> np.ndarray:
    """Field factor F [-] of every plot from its actual probes (1 without probes or with one).

    ``x``, ``y`` [m] of every probe, on the lattice of ``spacing_m``; ``plot`` the plot index of each probe
    (0..``plots`` − 1); per plot its probe ``length_m`` [m] (rounded to whole metres) and λ. Plots sharing a
    length and λ share the seasonal responses of every lattice distance, computed once.
    """
    out = np.ones(plots)
    order = np.argsort(plot, kind="stable")
    starts = np.searchsorted(plot[order], np.arange(plots + 1))
    ix, iy = np.rint(x / spacing_m).astype(np.int64), np.rint(y / spacing_m).astype(np.int64)
    lam = np.asarray(conductivity_w_mk, dtype=float)
    length = np.rint(np.nan_to_num(np.asarray(length_m, dtype=float)))
    layouts = {}
    for b in range(plots):
        members = order[starts[b]:starts[b + 1]]
        if len(members) >= 2 and np.isfinite(lam[b]) and length[b] > 0:
            layouts[b] = pair_counts(ix[members], iy[members])
    if not layouts:
        return out
    size = _table_size(max(int(ks.max()) for ks, _ in layouts.values()))
    seasonal: dict[tuple[float, float], np.ndarray] = {}
    for b, (ks, counts) in layouts.items():
        key = (float(length[b]), float(lam[b]))
        if key not in seasonal:  # seasonal response of every lattice distance for this length and ground
            table = lattice_responses(size, spacing_m, key[0], radius_m=radius_m)
            seasonal[key] = table @ seasonal_weights(key[0], key[1] / (heat_capacity_mj_m3k * 1e6),
                                                     season_days=season_days, years=years)
        s = seasonal[key]
        n = starts[b + 1] - starts[b]
        out[b] = _factor(s[0], s[0] + 2.0 / n * float(counts @ s[ks]), key[1], resistance_mk_w)
    return out
