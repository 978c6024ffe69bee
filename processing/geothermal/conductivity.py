"""Ground thermal conductivity by lithology (VDI 4640-1) and the indicative VDI 4640-2 extraction class.

The conductivity table holds one typical value per canonical lithology of ``layers.catalog.inputs``;
a region overrides any of them with ``[params.geothermal.conductivity_w_mk]``. Values that VDI 4640-1
does not give are labelled estimates in :data:`CONDUCTIVITY_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from layers.errors import InputDataError

_VDI1 = "VDI 4640-1 typical value"
#: Typical thermal conductivity λ [W m-1 K-1] of the first 100 m, per canonical lithology.
#: Loose sediments are taken water-saturated (a 100 m probe lies mostly below the water table).
VDI4640_1_CONDUCTIVITY_W_MK: dict[str, float] = {
    "limestone": 2.8,   # massive limestone
    "sandstone": 2.3,
    "marl": 2.1,        # VDI 4640-1 (2010) table A1, marl 1.5-3.5, recommended 2.1
    "clay": 1.7,        # water-saturated clay/silt
    "ironstone": 2.3,   # ESTIMATE: Minette oolitic ironstone in a sandy-marly matrix, taken as sandstone
    "alluvium": 1.8,    # ESTIMATE: valley alluvium taken as water-saturated gravel
    "sand": 2.4,        # water-saturated sand
    "gravel": 1.8,      # water-saturated gravel
}
#: Where each default value comes from (published with the layer descriptions and the docs).
CONDUCTIVITY_SOURCES: dict[str, str] = {
    "limestone": _VDI1, "sandstone": _VDI1, "marl": _VDI1, "clay": f"{_VDI1} (water-saturated clay/silt)",
    "ironstone": "estimate (no VDI value; taken as sandstone)",
    "alluvium": "estimate (taken as water-saturated gravel, VDI 4640-1)",
    "sand": f"{_VDI1} (water-saturated)", "gravel": f"{_VDI1} (water-saturated)",
}

#: VDI 4640-2 (2001) general guideline rows: upper λ bound [W m-1 K-1] of the class, label, and specific
#: heat extraction [W m-1] at 1,800 h and 2,400 h of operation per year. INDICATIVE ONLY: withdrawn in the
#: 2019 revision, valid for heating-only systems ≤ 30 kW with 40-100 m probes (docs/REFERENCES.md).
VDI4640_2_CLASSES: tuple[tuple[float, str, float, float], ...] = (
    (1.5, "poor_ground", 25.0, 20.0),     # poor (dry) sediment, λ < 1.5
    (3.0, "normal_ground", 60.0, 50.0),   # normal rock / water-saturated sediment, 1.5 ≤ λ ≤ 3.0
    (np.inf, "high_conductivity_rock", 84.0, 70.0),  # λ > 3.0
)
VDI4640_2_CLASS_LABELS: tuple[str, ...] = tuple(c[1] for c in VDI4640_2_CLASSES)
#: Operating hours per year for which VDI 4640-2 tabulates values [h yr-1].
VDI4640_2_HOURS: tuple[int, ...] = (1800, 2400)


def conductivity_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The lithology → λ [W m-1 K-1] table: VDI 4640-1 defaults updated with ``overrides``."""
    table = dict(VDI4640_1_CONDUCTIVITY_W_MK)
    for lithology, value in (overrides or {}).items():
        if not 0.1 <= float(value) <= 10.0:
            raise InputDataError(f"conductivity of {lithology!r} must lie in 0.1-10 W m-1 K-1, got {value}")
        table[lithology] = float(value)
    return table


def lithology_conductivity(lithology: ArrayLike, table: Mapping[str, float]) -> np.ndarray:
    """λ [W m-1 K-1] of each lithology; NaN where ``lithology`` is missing.

    Raises :class:`InputDataError` naming a lithology the table lacks and how to add it.
    """
    values = np.asarray(lithology, dtype=object)
    present = values[~_isnull(values)]
    unknown = sorted(set(map(str, present)) - set(table))
    if unknown:
        raise InputDataError(f"geology holds lithologies without a thermal conductivity: {unknown}; map them to "
                             f"{sorted(table)} in [inputs.geology] values, or give their λ in "
                             "[params.geothermal.conductivity_w_mk]")
    return np.array([np.nan if _isnull(v) else table[str(v)] for v in values], dtype=float)


def _isnull(values):
    import pandas as pd

    return pd.isna(values)


def vdi4640_2_extraction_w_m(conductivity_w_mk: ArrayLike, operating_hours: int = 1800) -> np.ndarray:
    """Indicative specific heat extraction [W m-1] of the VDI 4640-2 (2001) general guideline rows.

    Parameters
    ----------
    conductivity_w_mk : ground thermal conductivity λ [W m-1 K-1]; NaN gives NaN.
    operating_hours : 1800 or 2400 [h yr-1].

    Notes
    -----
    λ < 1.5 → 25 / 20 W m-1; 1.5 ≤ λ ≤ 3.0 → 60 / 50; λ > 3.0 → 84 / 70 (1,800 h / 2,400 h). Indicative
    only: the 2019 revision withdrew the table.

    References
    ----------
    VDI 4640 Blatt 2 (2001): Thermische Nutzung des Untergrundes - Erdgekoppelte Wärmepumpenanlagen.
    """
    if operating_hours not in VDI4640_2_HOURS:
        raise ValueError(f"VDI 4640-2 tabulates 1800 or 2400 operating hours, got {operating_hours}")
    column = 2 if operating_hours == 1800 else 3
    idx = vdi4640_2_class_index(conductivity_w_mk)
    lookup = np.array([c[column] for c in VDI4640_2_CLASSES] + [np.nan])
    return lookup[idx]


def vdi4640_2_class_index(conductivity_w_mk: ArrayLike) -> np.ndarray:
    """Index into :data:`VDI4640_2_CLASSES` (0 poor, 1 normal, 2 high); ``len(VDI4640_2_CLASSES)`` for NaN."""
    lam = np.asarray(conductivity_w_mk, dtype=float)
    idx = np.where(lam < 1.5, 0, np.where(lam <= 3.0, 1, 2))
    return np.where(np.isnan(lam), len(VDI4640_2_CLASSES), idx)
