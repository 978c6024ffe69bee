"""Graph-based connectivity indices of a habitat network: IIC, PC and the dPC fractions of each core.

A network is given as core areas and a matrix of direct link distances between cores (``inf`` where two
cores are not directly linked). Distances may be Euclidean [m] or cost-weighted (effective metres: metres
through habitat of resistance 1); the dispersal parameters must use the same unit.

References
----------
Pascual-Hortal, L. & Saura, S. (2006). Comparison and development of new graph-based landscape connectivity
indices. Landscape Ecology 21, 959-967 (IIC).
Saura, S. & Pascual-Hortal, L. (2007). A new habitat availability index to integrate connectivity in
landscape conservation planning. Landscape and Urban Planning 83, 91-103 (PC).
Saura, S. & Rubio, L. (2010). A common currency for the different ways in which patches and links can
contribute to habitat availability and connectivity in the landscape. Ecography 33, 523-537 (dPC fractions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import csgraph_from_dense, shortest_path

from layers.errors import InputDataError


def _check(areas: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(areas, dtype=float)
    d = np.array(distances, dtype=float)
    if a.ndim != 1 or d.shape != (a.size, a.size):
        raise InputDataError(f"connectivity needs n areas and an n x n distance matrix, got {a.shape} and {d.shape}")
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise InputDataError("core areas must be finite and non-negative")
    if np.any(np.isnan(d)) or np.any(d < 0):
        raise InputDataError("link distances must be non-negative (use inf for 'no direct link'), not NaN")
    d = np.minimum(d, d.T)  # links are undirected
    np.fill_diagonal(d, 0.0)
    return a, d


def decay_constant(dispersal_distance: float, dispersal_probability: float) -> float:
    """Rate ``k`` [1 / distance unit] of ``p = exp(-k d)`` so that ``p(dispersal_distance) = dispersal_probability``."""
    if not (dispersal_distance > 0 and 0 < dispersal_probability < 1):
        raise InputDataError("dispersal distance must be > 0 and its probability strictly between 0 and 1")
    return -np.log(dispersal_probability) / dispersal_distance


def _graph_shortest(d: np.ndarray, *, unweighted: bool) -> np.ndarray:
    graph = csgraph_from_dense(d, null_value=np.inf)  # zero-length links (touching cores) stay links
    return shortest_path(graph, method="D", directed=False, unweighted=unweighted)


def topological_distances(distances: np.ndarray, link_distance: float) -> np.ndarray:
    """Number of links ``nl_ij`` on the shortest topological path; a link exists when ``d_ij <= link_distance``.

    ``inf`` between cores in different components.
    """
    _, d = _check(np.ones(len(distances)), distances)
    linked = np.where(d <= link_distance, d, np.inf)
    return _graph_shortest(linked, unweighted=True)


def max_product_probabilities(distances: np.ndarray, k: float) -> np.ndarray:
    """Maximum-product dispersal probability ``p*_ij`` over all paths of the graph, ``p*_ii = 1``.

    Notes
    -----
    With ``p_ij = exp(-k d_ij)``, ``-ln p`` is additive along a path, so the maximum-product path is the
    shortest path in ``d`` and ``p*_ij = exp(-k * D_ij)`` with ``D`` the graph's shortest-path distances.
    """
    _, d = _check(np.ones(len(distances)), distances)
    return np.exp(-k * _graph_shortest(d, unweighted=False))


def iic_numerator(areas: np.ndarray, nl: np.ndarray) -> float:
    """``sum_i sum_j a_i a_j / (1 + nl_ij)`` [area2]."""
    a = np.asarray(areas, dtype=float)
    return float(a @ (1.0 / (1.0 + nl)) @ a)


def pc_numerator(areas: np.ndarray, pstar: np.ndarray) -> float:
    """``sum_i sum_j a_i a_j p*_ij`` [area2]."""
    a = np.asarray(areas, dtype=float)
    return float(a @ pstar @ a)


def iic_index(areas, distances, landscape_area: float, link_distance: float) -> float:
    """Integral Index of Connectivity [-] (Pascual-Hortal & Saura 2006).

    Parameters
    ----------
    areas : core areas [any area unit, e.g. ha].
    distances : direct link distances [m or effective m]; ``inf`` for no link.
    landscape_area : total landscape area ``A_L`` [same unit as ``areas``].
    link_distance : two cores are linked when their distance is at most this [same unit as ``distances``].

    Notes
    -----
    ``IIC = sum_i sum_j a_i a_j / (1 + nl_ij) / A_L^2``.
    """
    a, d = _check(areas, distances)
    return iic_numerator(a, topological_distances(d, link_distance)) / landscape_area**2


def pc_index(areas, distances, landscape_area: float, dispersal_distance: float,
             dispersal_probability: float = 0.5) -> float:
    """Probability of Connectivity [-] (Saura & Pascual-Hortal 2007).

    Notes
    -----
    ``PC = sum_i sum_j a_i a_j p*_ij / A_L^2`` with ``p_ij = exp(-k d_ij)``, ``k`` set by
    ``p(dispersal_distance) = dispersal_probability``.
    """
    a, d = _check(areas, distances)
    k = decay_constant(dispersal_distance, dispersal_probability)
    return pc_numerator(a, max_product_probabilities(d, k)) / landscape_area**2


@dataclass(frozen=True)
class CoreImportance:
    """Each core's contribution to a network's connectivity [%] (arrays in core order)."""

    dpc: np.ndarray
    dpc_intra: np.ndarray
    dpc_flux: np.ndarray
    dpc_connector: np.ndarray
    diic: np.ndarray
    iic: float
    pc: float


def core_importance(areas, distances, landscape_area: float, *, link_distance: float, dispersal_distance: float,
                    dispersal_probability: float = 0.5) -> CoreImportance:
    """dPC of each core split into intra, flux and connector fractions, and dIIC [%].

    Notes
    -----
    ``dPC_k = 100 (PCnum - PCnum_without_k) / PCnum`` (``A_L`` cancels). Saura & Rubio (2010):
    ``intra_k = a_k^2 / PCnum``, ``flux_k = 2 sum_{i != k} a_i a_k p*_ik / PCnum`` and
    ``connector_k = dPC_k - intra_k - flux_k`` (what paths *through* ``k`` add between other cores).
    """
    a, d = _check(areas, distances)
    n = a.size
    k = decay_constant(dispersal_distance, dispersal_probability)
    pstar = max_product_probabilities(d, k)
    nl = topological_distances(d, link_distance)
    pc_num, iic_num = pc_numerator(a, pstar), iic_numerator(a, nl)
    dpc, intra, flux, diic = (np.zeros(n) for _ in range(4))
    for i in range(n):
        keep = np.arange(n) != i
        sub = d[np.ix_(keep, keep)]
        without_pc = pc_numerator(a[keep], max_product_probabilities(sub, k))
        without_iic = iic_numerator(a[keep], topological_distances(sub, link_distance))
        dpc[i] = 100.0 * (pc_num - without_pc) / pc_num if pc_num > 0 else 0.0
        diic[i] = 100.0 * (iic_num - without_iic) / iic_num if iic_num > 0 else 0.0
        if pc_num > 0:
            intra[i] = 100.0 * a[i] ** 2 / pc_num
            flux[i] = 100.0 * 2.0 * float(a[i] * (a[keep] @ pstar[i, keep])) / pc_num
    connector = np.maximum(dpc - intra - flux, 0.0)  # >= 0 up to rounding
    return CoreImportance(dpc, intra, flux, connector, diic, iic_num / landscape_area**2, pc_num / landscape_area**2)


def link_importance(areas, distances, links: list[tuple[int, int]], *, dispersal_distance: float,
                    dispersal_probability: float = 0.5) -> np.ndarray:
    """dPC of each direct link [%]: the share of ``PCnum`` lost when the link alone is removed."""
    a, d = _check(areas, distances)
    k = decay_constant(dispersal_distance, dispersal_probability)
    pc_num = pc_numerator(a, max_product_probabilities(d, k))
    out = np.zeros(len(links))
    for n, (i, j) in enumerate(links):
        cut = d.copy()
        cut[i, j] = cut[j, i] = np.inf
        out[n] = 100.0 * (pc_num - pc_numerator(a, max_product_probabilities(cut, k))) / pc_num if pc_num > 0 else 0.0
    return out
