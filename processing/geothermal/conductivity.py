"""Ground thermal conductivity by lithology (VDI 4640-1) and the indicative VDI 4640-2 extraction class.

The conductivity table holds one typical value per canonical lithology of ``layers.catalog.inputs`` (sediments,
sedimentary, igneous and metamorphic rocks); a region overrides any of them with
``[params.geothermal.conductivity_w_mk]`` and adds its own lithologies with their λ there or in
``[classes.geology.lithology]``. Values that VDI 4640-1 does not give are labelled estimates in
:data:`CONDUCTIVITY_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from layers.errors import InputDataError

#: Typical thermal conductivity λ [W m-1 K-1] of the first 100 m, per canonical lithology, with its source.
#: Loose sediments are taken water-saturated (a 100 m probe lies mostly below the water table). The rows are
#: VDI 4640-1 (2010) table A1's recommended values (the table's range in brackets; the values as carried in the
#: geothermal literature, not re-checked against the standard's own text here); docs/references/vocabularies.md
#: lists them. The canonical lithology list of the geology input is this table's keys.
VDI4640_1_TABLE: dict[str, tuple[float, str]] = {
    # loose sediments (water-saturated)
    "clay": (1.7, "VDI 4640-1 (water-saturated clay/silt, 1.1-3.1)"),
    "sand": (2.4, "VDI 4640-1 (water-saturated sand, 2.0-3.0)"),
    "gravel": (1.8, "VDI 4640-1 (water-saturated gravel/stones, 1.6-2.5)"),
    "alluvium": (1.8, "estimate (valley alluvium taken as water-saturated gravel, VDI 4640-1)"),
    "till": (2.4, "VDI 4640-1 (till / Geschiebemergel, 1.1-2.9)"),
    "peat": (0.4, "VDI 4640-1 (peat, 0.2-0.7)"),
    # sedimentary rocks
    "claystone": (2.2, "VDI 4640-1 (claystone/siltstone, 1.1-3.5)"),
    "sandstone": (2.3, "VDI 4640-1 (sandstone, 1.3-5.1)"),
    "conglomerate": (2.3, "VDI 4640-1 (conglomerate/breccia, 1.3-5.1)"),
    "marl": (2.1, "VDI 4640-1 (marl, 1.5-3.5)"),
    "limestone": (2.8, "VDI 4640-1 (limestone, 2.0-3.9)"),
    "dolomite": (3.2, "VDI 4640-1 (dolomite, 2.8-4.3)"),
    "anhydrite": (4.1, "VDI 4640-1 (anhydrite, 1.5-7.7)"),
    "gypsum": (1.6, "VDI 4640-1 (gypsum, 1.3-2.8)"),
    "rock_salt": (5.4, "VDI 4640-1 (rock salt, 3.6-6.1)"),
    "coal": (0.4, "VDI 4640-1 (hard coal, 0.3-0.6)"),
    "ironstone": (2.3, "estimate (Minette oolitic ironstone in a sandy-marly matrix, taken as sandstone)"),
    # igneous rocks
    "granite": (3.2, "VDI 4640-1 (granite, 2.1-4.1)"),
    "diorite": (2.6, "VDI 4640-1 (diorite, 2.0-2.9)"),
    "gabbro": (2.0, "VDI 4640-1 (gabbro, 1.7-2.5)"),
    "rhyolite": (3.3, "VDI 4640-1 (acid volcanic rock, 3.1-3.4)"),
    "basalt": (1.7, "VDI 4640-1 (basalt, 1.3-2.3)"),
    "tuff": (1.1, "VDI 4640-1 (tuff)"),
    # metamorphic rocks
    "gneiss": (2.9, "VDI 4640-1 (gneiss, 1.9-4.0)"),
    "migmatite": (2.9, "estimate (migmatite taken as gneiss, VDI 4640-1)"),
    "amphibolite": (2.9, "estimate (amphibolite 2.1-3.6 in the literature; VDI 4640-1 gives no row)"),
    "schist": (2.0, "VDI 4640-1 (mica schist, 1.5-3.1)"),
    "slate": (2.1, "VDI 4640-1 (argillaceous slate, 1.5-2.6)"),
    "quartzite": (5.5, "VDI 4640-1 (quartzite, 5.0-6.0)"),
    "marble": (2.1, "VDI 4640-1 (marble, 1.3-3.1)"),
}
#: λ [W m-1 K-1] per canonical lithology.
VDI4640_1_CONDUCTIVITY_W_MK: dict[str, float] = {k: v[0] for k, v in VDI4640_1_TABLE.items()}
#: Where each default value comes from (published with the layer descriptions and the docs).
CONDUCTIVITY_SOURCES: dict[str, str] = {k: v[1] for k, v in VDI4640_1_TABLE.items()}

#: VDI 4640-2 (2001) general guideline rows: upper λ bound [W m-1 K-1] of the class, label, and specific
#: heat extraction [W m-1] at 1,800 h and 2,400 h of operation per year. INDICATIVE ONLY: withdrawn in the
#: 2019 revision, valid for heating-only systems ≤ 30 kW with 40-100 m probes (docs/REFERENCES.md).
VDI4640_2_CLASSES: tuple[tuple[float, str, float, float], ...] = (
    (1.5, "poor_ground", 25.0, 20.0),     # poor (dry) sediment, λ < 1.5
    (3.0, "normal_ground", 60.0, 50.0),   # normal rock / water-saturated sediment, 1.5 ≤ λ ≤ 3.0
    (np.inf, "high_conductivity_rock", 84.0, 70.0),  # λ > 3.0
)
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
