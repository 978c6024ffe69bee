"""Horizon angles by ray marching over a surface model, and the sky-view factors they imply.

A ray leaves each observer cell in the centre direction of every azimuth sector and samples the surface at
growing distances up to the search distance; the sector's horizon is the largest elevation angle seen. Near
the observer (≤ ``near_distance_m``) the surface is interpolated bilinearly, so a cell on a plane sees that
plane's own elevation exactly. Farther, the step grows with distance (``step_growth`` × distance) and the
ray samples a max-pooled copy of the surface whose cell matches the step, so that no obstacle narrower than
the step is skipped (the horizon errs on the high side by at most the pooling's lateral extent).

Azimuths are degrees from north, clockwise; sector k is centred on k · 360/n.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

#: Value standing in for nodata and for the padding outside the surface: never an obstacle.
NO_OBSTACLE = -1.0e9
#: Coarsest max-pooling level (2**level cells).
MAX_POOL_LEVEL = 5


def sector_azimuths(n_sectors: int) -> np.ndarray:
    """Centre azimuth of each sector [deg from north, clockwise]."""
    return np.arange(n_sectors) * (360.0 / n_sectors)


def sector_of(azimuth_deg: np.ndarray, n_sectors: int) -> np.ndarray:
    """Index of the sector holding each azimuth [deg from north, clockwise]."""
    width = 360.0 / n_sectors
    return (np.floor(((np.asarray(azimuth_deg) + width / 2.0) % 360.0) / width).astype(np.int64)) % n_sectors


def march_distances(search_distance_m: float, res: float, step_growth: float = 0.05) -> np.ndarray:
    """Sample distances of a ray [m]: steps of one cell, growing to ``step_growth`` × distance further out."""
    distances = []
    d = res
    while d <= search_distance_m + 1e-9:
        distances.append(d)
        d += max(res, step_growth * d)
    return np.asarray(distances)


def halo_cells(search_distance_m: float, res: float) -> int:
    """Cells of surface a window needs on every side so that rays of ``search_distance_m`` stay inside."""
    return math.ceil(search_distance_m / res) + 2


def horizon_angles(surface: np.ndarray, rows: np.ndarray, cols: np.ndarray, res: float, *, n_sectors: int = 16,
                   search_distance_m: float = 200.0, step_growth: float = 0.05,
                   near_distance_m: float = 8.0) -> np.ndarray:
    """Horizon elevation angle per observer cell and sector [deg].

    Parameters
    ----------
    surface : surface elevation [m] (DSM), NaN where unknown; rows north to south.
    rows, cols : observer cells in ``surface``.
    res : cell size [m].
    n_sectors : number of azimuth sectors.
    search_distance_m : how far a ray looks [m].
    step_growth : beyond ``near_distance_m``, the step is max(res, step_growth · distance) [-].
    near_distance_m : distance up to which the surface is interpolated bilinearly [m].

    Returns
    -------
    (cells, n_sectors) float32 array of horizon angles [deg], negative when everything lies below the observer
    (−90 when the ray saw nothing).

    Notes
    -----
    h_k = atan(max_d (z(p + d·u_k) − z(p)) / d), u_k = (sin φ_k, cos φ_k) (east, north), φ_k = k·360/n.
    Cost: cells × sectors × samples, samples ≈ near/res + ln(search/near)/ln(1 + step_growth).
    """
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    n = rows.size
    out = np.full((n, n_sectors), -90.0, np.float32)
    if n == 0:
        return out
    pad = halo_cells(search_distance_m, res) + 2
    z = np.where(np.isfinite(surface), surface, NO_OBSTACLE).astype(np.float32)
    z = np.pad(z, pad, constant_values=NO_OBSTACLE)
    width = z.shape[1]
    base = (rows + pad) * width + (cols + pad)
    z0 = z.ravel()[base]
    distances = march_distances(search_distance_m, res, step_growth)
    steps = np.diff(np.concatenate([[0.0], distances]))
    levels = np.zeros(distances.size, np.int64)
    far = distances > near_distance_m
    levels[far] = np.clip(np.floor(np.log2(np.maximum(steps[far] / res, 1.0))), 0, MAX_POOL_LEVEL).astype(np.int64)
    pooled = {0: z.ravel()}
    for level in sorted(set(levels[levels > 0].tolist())):
        pooled[level] = ndimage.maximum_filter(z, size=2 ** level, mode="nearest").ravel()
    flat0 = pooled[0]
    for k, phi in enumerate(np.radians(sector_azimuths(n_sectors))):
        best = np.full(n, -np.inf, np.float32)
        east, north = math.sin(phi), math.cos(phi)
        for d, level in zip(distances, levels, strict=True):
            dr, dc = -north * d / res, east * d / res
            if d <= near_distance_m:
                r0, c0 = math.floor(dr), math.floor(dc)
                wr, wc = dr - r0, dc - c0
                o = r0 * width + c0
                zs = ((1 - wr) * (1 - wc)) * flat0[base + o] + ((1 - wr) * wc) * flat0[base + o + 1] \
                    + (wr * (1 - wc)) * flat0[base + o + width] + (wr * wc) * flat0[base + o + width + 1]
            else:
                zs = pooled[level][base + (round(dr) * width + round(dc))]
            np.maximum(best, (zs - z0) * np.float32(1.0 / d), out=best)
        out[:, k] = np.degrees(np.arctan(np.maximum(best, -1e6)))
    return out


def sky_view_factor(horizon_deg: np.ndarray) -> np.ndarray:
    """Sky-view factor of a horizontal surface [-]: the share of isotropic diffuse it receives.

    Notes
    -----
    SVF = (1/n) Σ_k cos²(max(h_k, 0)) (cosine-weighted visible sky of a horizontal plane; Dozier & Marks 1987,
    Zakšek et al. 2011 discuss the unweighted variant 1 − mean sin h).
    """
    h = np.radians(np.maximum(np.asarray(horizon_deg, float), 0.0))
    return np.mean(np.cos(h) ** 2, axis=-1)


def _sector_sky(h_low: np.ndarray, tilt: np.ndarray, cos_rel: np.ndarray) -> np.ndarray:
    """∫ over elevation h_low..90° of cos(incidence)·cos e de for one sector [-] (per unit azimuth)."""
    b = np.radians(tilt)
    return (np.cos(b) * np.cos(h_low) ** 2 / 2.0
            + np.sin(b) * cos_rel * (np.pi / 4.0 - h_low / 2.0 - np.sin(2.0 * h_low) / 4.0))


def diffuse_view_factor(horizon_deg: np.ndarray, tilt: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """Share of a tilted plane's unobstructed isotropic sky diffuse that its horizon leaves visible [-].

    Parameters
    ----------
    horizon_deg : (cells, sectors) horizon angles [deg].
    tilt, azimuth : plane tilt [deg] and azimuth [deg from north, clockwise] per cell.

    Notes
    -----
    In each sector φ_k the plane sees sky from e_low = max(0, h_k, e_p) to the zenith, e_p = −atan(tan β cos(φ_k − γ))
    being the plane's own horizon. The visible sky weighted by cos(incidence) is
    Σ_k Δφ [cos β cos² e_low / 2 + sin β cos(φ_k − γ)(π/4 − e_low/2 − sin 2e_low / 4)];
    the factor is that sum over the same sum with h_k = −∞ (which equals π(1 + cos β)/2 as Δφ → 0).
    A horizontal plane gets :func:`sky_view_factor`.
    """
    horizon = np.radians(np.asarray(horizon_deg, float))
    n_sectors = horizon.shape[-1]
    phi = np.radians(sector_azimuths(n_sectors))[None, :]
    tilt = np.asarray(tilt, float)[:, None]
    gamma = np.radians(np.asarray(azimuth, float))[:, None]
    cos_rel = np.cos(phi - gamma)
    own = -np.arctan(np.tan(np.radians(tilt)) * cos_rel)
    free_low = np.maximum(own, 0.0)
    seen = _sector_sky(np.maximum(free_low, horizon), tilt, cos_rel).sum(axis=-1)
    free = _sector_sky(free_low, tilt, cos_rel).sum(axis=-1)
    return np.clip(seen / np.maximum(free, 1e-12), 0.0, 1.0)
