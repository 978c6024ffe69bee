"""Shading of roof faces and cells by their horizon, precomputed per face so that the cost scales with
faces × hours + cells × sectors, never cells × hours.

For each face (tilt, azimuth) the direct irradiance (beam + circumsolar) of every daylight step is binned by
the sun's horizon sector and elevation; the reverse cumulative sum over elevation gives, per sector, the
direct irradiation a cell receives if its horizon in that sector is h. A cell's direct irradiation is then
the sum over sectors of that table read at its own horizon angles. The face's hourly shading (for the PV
yield, which is non-linear in irradiance through cell temperature) is the share of its cells whose horizon
in the sun's sector lies below the sun.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from processing.solar.horizon import sector_of
from processing.solar.sky import WH_PER_KWH, Sky


@dataclass(frozen=True)
class SunBins:
    """Sector and elevation bin of the sun at every daylight step."""

    sector: np.ndarray
    bin: np.ndarray
    frac: np.ndarray
    n_sectors: int
    n_bins: int
    bin_deg: float

    def matrix(self) -> sparse.csr_matrix:
        """(steps × sectors·bins) indicator of each step's (sector, bin)."""
        cols = self.sector * self.n_bins + self.bin
        steps = self.sector.size
        return sparse.csr_matrix((np.ones(steps), (np.arange(steps), cols)), shape=(steps, self.n_sectors * self.n_bins))


def sun_bins(sky: Sky, n_sectors: int, bin_deg: float = 0.5) -> SunBins:
    """Bin the sun's daylight positions by horizon sector and elevation (``bin_deg`` [deg] wide)."""
    n_bins = int(np.ceil(90.0 / bin_deg))
    x = np.clip(sky.elevation / bin_deg, 0.0, n_bins - 1e-9)
    k = np.floor(x).astype(np.int64)
    return SunBins(sector_of(sky.azimuth, n_sectors), k, x - k, n_sectors, n_bins, bin_deg)


def direct_tables(direct: np.ndarray, bins: SunBins, hours: float) -> np.ndarray:
    """Per face and sector, direct irradiation of the sun above each elevation [kWh m-2 yr-1].

    Parameters
    ----------
    direct : (faces, steps) unshaded direct (beam + circumsolar) irradiance on each face [W m-2].
    bins : sun bins of the same steps.
    hours : step length [h].

    Returns
    -------
    (faces, sectors, bins + 1) float32: G[f, s, k] = Σ over steps with sun in sector s and elevation ≥ k·δ.
    """
    per_bin = (bins.matrix().T @ direct.T).T * (hours / WH_PER_KWH)
    per_bin = per_bin.reshape(direct.shape[0], bins.n_sectors, bins.n_bins)
    table = np.zeros((direct.shape[0], bins.n_sectors, bins.n_bins + 1), np.float32)
    table[:, :, :-1] = np.cumsum(per_bin[:, :, ::-1], axis=2)[:, :, ::-1]
    return table


def cell_direct(table: np.ndarray, face: np.ndarray, horizon_deg: np.ndarray, bin_deg: float) -> np.ndarray:
    """Direct irradiation of cells [kWh m-2 yr-1]: Σ_sectors table[face, s, at horizon h_s].

    ``face``: row of ``table`` per cell; ``horizon_deg``: (cells, sectors). Linear between bin edges.
    """
    n_bins = table.shape[2] - 1
    x = np.clip(np.asarray(horizon_deg, float) / bin_deg, 0.0, n_bins)
    k0 = np.minimum(np.floor(x).astype(np.int64), n_bins - 1)
    w = x - k0
    sectors = np.arange(table.shape[1])[None, :]
    f = face[:, None]
    return (table[f, sectors, k0] * (1.0 - w) + table[f, sectors, k0 + 1] * w).sum(axis=1)


def sunlit_share(face: np.ndarray, horizon_deg: np.ndarray, n_faces: int, bins: SunBins) -> np.ndarray:
    """Share of each face's cells that see the sun at every step [-], shape (faces, steps).

    Notes
    -----
    C[f, s, k] = share of the cells of f whose horizon in sector s is below k·δ; the share at a step is C read
    at the sun's sector and elevation (linear within the bin).
    """
    n_sectors, n_bins = bins.n_sectors, bins.n_bins
    jj = np.clip(np.floor(np.asarray(horizon_deg, float) / bins.bin_deg), -1, n_bins).astype(np.int64) + 1
    sector = np.broadcast_to(np.arange(n_sectors)[None, :], jj.shape)
    flat = (face[:, None] * n_sectors + sector) * (n_bins + 2) + jj
    counts = np.bincount(flat.ravel(), minlength=n_faces * n_sectors * (n_bins + 2))
    counts = counts.reshape(n_faces, n_sectors, n_bins + 2).astype(np.float32)
    cdf = np.cumsum(counts, axis=2) / np.maximum(np.bincount(face, minlength=n_faces), 1)[:, None, None]
    lo = cdf[:, bins.sector, bins.bin]
    hi = cdf[:, bins.sector, bins.bin + 1]
    return lo * (1.0 - bins.frac[None, :]) + hi * bins.frac[None, :]
