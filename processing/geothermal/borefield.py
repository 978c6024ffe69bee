"""Thermal interference in a field of borehole heat exchangers: g-functions and the field factor.

G.POT (:mod:`.gpot`) gives the sustainable heat of one probe alone. Probes of a field warm (or, here, cool)
each other: over decades a probe in a 3 x 3 field at 6 m sustains markedly less than a probe alone. The
field factor F (:func:`interference_factor`) is the ratio of the sustainable extraction per probe in the
field to that of a single probe, both computed the same way from g-functions (Eskilson 1987) of
``pygfunction`` (Cimmino 2018):

- the load is G.POT's: a constant extraction q' [W m-1] during the heating season of every year, nothing
  the rest of the year, for ``simulation_years``; the fluid is coldest at the end of the last season;
- the temperature drop there is q' (G_s / (2πλ) + R_b), with G_s the seasonal superposition of the g-function
  (:func:`seasonal_g`); the largest q' keeping the fluid above T_lim is ∝ 1 / (G_s / (2πλ) + R_b);
- F = (G_s,single / (2πλ) + R_b) / (G_s,field / (2πλ) + R_b) ≤ 1, and the field sustains
  N × E_G.POT × F [MWh yr-1].

Layouts are classed (:func:`layout_class`) as the compact n1 x n2 rectangle of the lattice with the same
probe count and the aspect of the probes' bounding box, so one g-function (cached per class, spacing,
length and borehole geometry) serves every plot of that class. A real plot's probes (a ring around the
house) interfere somewhat less than the compact rectangle: F is on the safe side.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from processing.geothermal.gpot import DAYS_PER_YEAR, SECONDS_PER_DAY

#: Buried depth of the probe head below the surface [m] (pygfunction's and Cimmino & Bernier's 4 m).
BURIED_DEPTH_M = 4.0
#: Grid of dimensionless time ln(t / t_s), t_s = H² / (9 α), on which g-functions are computed and
#: interpolated: from about a week to beyond steady state for 40-400 m probes and λ 0.5-6 W m-1 K-1.
LN_T_TS = np.linspace(-10.0, 4.0, 29)
#: Boundary condition of the sizing g-functions: uniform borehole wall temperature (Cimmino & Bernier 2014,
#: the usual sizing choice; "UHTR" is uniform heat extraction rate).
BOUNDARY_CONDITION = "UBWT"


@lru_cache(maxsize=1024)
def g_function(n1: int, n2: int, spacing_m: float, length_m: float, *, buried_depth_m: float = BURIED_DEPTH_M,
               radius_m: float = 0.075, boundary: str = BOUNDARY_CONDITION) -> np.ndarray:
    """g-function [-] of an ``n1`` x ``n2`` rectangular field at :data:`LN_T_TS`.

    ``spacing_m`` between neighbouring probes in both directions [m], probe ``length_m`` [m], head at
    ``buried_depth_m`` [m], borehole ``radius_m`` [m]. The g-function is dimensionless in ln(t / t_s), so it
    is computed once at a unit diffusivity and reused for any ground. Cached per arguments.

    References
    ----------
    Cimmino, M. (2018). Fast calculation of the g-functions of geothermal borehole fields using similarities
    in the evaluation of the finite line source solution. J. Build. Perf. Simul. 11(6), 655-668.
    """
    import pygfunction as gt

    alpha = 1.0e-6
    t_s = length_m**2 / (9.0 * alpha)
    field = gt.borefield.Borefield.rectangle_field(n1, n2, spacing_m, spacing_m, length_m, buried_depth_m, radius_m)
    method = "equivalent" if boundary != "UHTR" else "similarities"
    g = gt.gfunction.gFunction(field, alpha, time=t_s * np.exp(LN_T_TS), boundary_condition=boundary,
                               method=method, options={"disp": False}).gFunc
    return np.asarray(g, dtype=float)


def seasonal_g(g: np.ndarray, length_m: float, diffusivity_m2_s: ArrayLike, *, season_days: float,
               years: float) -> np.ndarray:
    """Superposed g [-] at the end of the last heating season of ``years`` seasons of ``season_days``.

    Load pulses switch on at the start of each year and off after the season:
    G_s = Σ_k g(t_end − t_on,k) − Σ_k g(t_end − t_off,k), interpolated in ln(t/t_s) (g is ~0 before the
    grid and constant after it).
    """
    alpha = np.atleast_1d(np.asarray(diffusivity_m2_s, dtype=float))
    t_s = length_m**2 / (9.0 * alpha)
    year = DAYS_PER_YEAR * SECONDS_PER_DAY
    season = season_days * SECONDS_PER_DAY
    n = max(int(round(years)), 1)
    ages_on = (n - 1 - np.arange(n)) * year + season  # [s] since each pulse switched on
    ages_off = (n - 1 - np.arange(n - 1)) * year  # [s] since each earlier pulse switched off
    total = np.zeros(alpha.shape)
    for ages, sign in ((ages_on, 1.0), (ages_off, -1.0)):
        if not len(ages):
            continue
        x = np.log(ages[None, :] / t_s[:, None])
        total += sign * np.interp(x, LN_T_TS, g, left=0.0).sum(axis=1)
    return total


def interference_factor(n1: int, n2: int, spacing_m: float, length_m: float, conductivity_w_mk: ArrayLike, *,
                        heat_capacity_mj_m3k: float, season_days: float, years: float, radius_m: float,
                        resistance_mk_w: float, buried_depth_m: float = BURIED_DEPTH_M) -> np.ndarray:
    """Field factor F [-]: sustainable extraction per probe of the field ÷ that of one probe alone.

    Both from the same g-function model and seasonal load (module docstring); λ [W m-1 K-1] may be an
    array; ρc [MJ m-3 K-1]; borehole thermal resistance R_b [m K W-1]. F = 1 for a single probe.
    """
    lam = np.atleast_1d(np.asarray(conductivity_w_mk, dtype=float))
    if n1 * n2 == 1:
        return np.ones(lam.shape)
    alpha = lam / (heat_capacity_mj_m3k * 1.0e6)
    kw = {"buried_depth_m": buried_depth_m, "radius_m": radius_m}
    single = seasonal_g(g_function(1, 1, spacing_m, length_m, **kw), length_m, alpha, season_days=season_days,
                        years=years)
    field = seasonal_g(g_function(n1, n2, spacing_m, length_m, **kw), length_m, alpha, season_days=season_days,
                       years=years)
    two_pi_lam = 2.0 * math.pi * lam
    return (single / two_pi_lam + resistance_mk_w) / (field / two_pi_lam + resistance_mk_w)


def layout_class(probes: ArrayLike, extent_x_m: ArrayLike, extent_y_m: ArrayLike,
                 spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(n1, n2) of the compact rectangle standing for each plot's probes.

    ``probes`` per plot, and the extents of their bounding box along x and y [m]: the rectangle has the
    box's aspect (in lattice steps), n1 ≤ n2, n1·n2 ≥ probes, and n1·(n2 − 1) < probes.
    """
    n = np.maximum(np.asarray(probes, dtype=int), 1)
    nx = np.asarray(extent_x_m, dtype=float) / spacing_m + 1.0
    ny = np.asarray(extent_y_m, dtype=float) / spacing_m + 1.0
    short = np.minimum(nx, ny) / np.maximum(nx, ny)
    n1 = np.clip(np.rint(np.sqrt(n * short)), 1, n).astype(int)
    n2 = np.ceil(n / n1).astype(int)
    n1 = np.ceil(n / n2).astype(int)  # the fewest rows holding n probes at n2 per row
    return np.minimum(n1, n2), np.maximum(n1, n2)


def field_factors(probes: np.ndarray, extent_x_m: np.ndarray, extent_y_m: np.ndarray, length_m: np.ndarray,
                  conductivity_w_mk: np.ndarray, *, spacing_m: float, heat_capacity_mj_m3k: float,
                  season_days: float, years: float, radius_m: float, resistance_mk_w: float) -> np.ndarray:
    """Field factor F [-] of every plot (1 without probes or with one); one g-function per layout class.

    Probe lengths are rounded to whole metres for the class (g varies smoothly with H).
    """
    probes = np.asarray(probes, dtype=int)
    out = np.ones(len(probes))
    many = (probes > 1) & np.isfinite(conductivity_w_mk) & (np.asarray(length_m) > 0)
    if not many.any():
        return out
    n1, n2 = layout_class(probes[many], extent_x_m[many], extent_y_m[many], spacing_m)
    length = np.rint(np.asarray(length_m, dtype=float)[many])
    lam = np.asarray(conductivity_w_mk, dtype=float)[many]
    keys = np.stack([n1, n2, length], axis=1)
    classes, inverse = np.unique(keys, axis=0, return_inverse=True)
    factor = np.empty(len(keys))
    for k, (a, b, h) in enumerate(classes):
        members = inverse.ravel() == k
        factor[members] = interference_factor(int(a), int(b), spacing_m, float(h), lam[members],
                                              heat_capacity_mj_m3k=heat_capacity_mj_m3k, season_days=season_days,
                                              years=years, radius_m=radius_m, resistance_mk_w=resistance_mk_w)
    out[many] = factor
    return out
