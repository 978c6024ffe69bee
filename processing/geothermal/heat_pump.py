"""Ground heat, delivered heat and electricity of a ground-source heat pump.

A heat pump with seasonal performance factor SPF delivers Q_d = Q_g × SPF / (SPF − 1) of heat from Q_g of
ground heat and draws W = Q_d / SPF of electricity (energy balance Q_d = Q_g + W). Ground, delivered heat
and electricity are kept apart in every published field.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Seasonal performance factor of a brine/water heat pump [-]: VDI 4650-1 and measured field values lie at
#: about 3.5-4.5 (docs/REFERENCES.md "Geothermal"); 4.0 is the middle.
HEAT_PUMP_SPF = 4.0


def delivered_heat(ground_heat: ArrayLike, spf: float) -> np.ndarray:
    """Heat delivered to the building [same unit as ``ground_heat``]: Q_g × SPF / (SPF − 1)."""
    if not spf > 1.0:
        raise ValueError(f"a heat pump's SPF must exceed 1, got {spf}")
    return np.asarray(ground_heat, dtype=float) * spf / (spf - 1.0)


def pump_electricity(delivered: ArrayLike, spf: float) -> np.ndarray:
    """Electricity the heat pump draws [same unit as ``delivered``]: Q_d / SPF."""
    if not spf > 1.0:
        raise ValueError(f"a heat pump's SPF must exceed 1, got {spf}")
    return np.asarray(delivered, dtype=float) / spf


def ground_heat_for(delivered: ArrayLike, spf: float) -> np.ndarray:
    """Ground heat behind ``delivered`` heat [same unit]: Q_d × (SPF − 1) / SPF."""
    return np.asarray(delivered, dtype=float) - pump_electricity(delivered, spf)
