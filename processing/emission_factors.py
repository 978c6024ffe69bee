"""Emission factors shared by every analysis that reports avoided CO2 (one source, one unit: t CO2 per MWh).

t CO2 per MWh equals kg CO2 per kWh. The solar step's per-face figures, the heat-recovery step's areas and
the districts step's commune indicators take their defaults from here and compute avoided CO2 with the two
functions below, so a user's sums of ``solar_roofs.co2_avoided_t_yr`` and the indicators agree unless a
region sets the steps' parameters differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, Field

#: Grid electricity displaced by PV and wind [t CO2 MWh-1 = kg CO2 kWh-1] (estimate: EU-27 generation mix
#: ≈ 0.25 in 2022, EEA indicator "Greenhouse gas emission intensity of electricity generation"; set the
#: national figure).
GRID_CO2_T_MWH = 0.25
#: Natural gas burnt in the boilers heat pumps replace [t CO2 MWh-1 of fuel]: 56,100 kg TJ-1 × 3.6 TJ per
#: 1,000 MWh (IPCC 2006 Guidelines, Vol. 2, Table 2.2, stationary combustion).
GAS_CO2_T_MWH = 0.202
#: Seasonal efficiency of the gas boiler that recovered heat or a heat pump replaces [-] (estimate:
#: condensing boiler): heat Q replaces Q / η of fuel.
GAS_BOILER_EFFICIENCY = 0.90
#: Lowest seasonal boiler efficiency a parameter accepts [-]: the oldest non-condensing boilers still in service
#: reach about 0.65-0.75; below 0.5 the figure is a typing error, not a boiler.
BOILER_EFFICIENCY_MIN = 0.5
#: Highest seasonal boiler efficiency a parameter accepts [-]: efficiencies are stated on the lower heating value,
#: and a condensing boiler that recovers the latent heat of the flue gas's water vapour reaches about 1.05-1.09 on
#: it; natural gas's higher-to-lower heating value ratio, about 1.11, is the limit no boiler reaches.
BOILER_EFFICIENCY_MAX = 1.1
#: A seasonal boiler efficiency parameter [-] (heat delivered per unit of fuel, lower heating value), between
#: :data:`BOILER_EFFICIENCY_MIN` and :data:`BOILER_EFFICIENCY_MAX`: one bound for every step that credits heat
#: replacing boilers.
BoilerEfficiency = Annotated[float, Field(ge=BOILER_EFFICIENCY_MIN, le=BOILER_EFFICIENCY_MAX)]


def electricity_co2_t_yr(energy_mwh_yr: ArrayLike, grid_co2_t_mwh: float) -> np.ndarray:
    """CO2 [t yr-1] of grid electricity that ``energy_mwh_yr`` [MWh yr-1] replaces (or draws): E × f_grid."""
    return np.asarray(energy_mwh_yr, dtype=float) * grid_co2_t_mwh


def boiler_heat_co2_avoided_t_yr(delivered_mwh_yr: ArrayLike, electricity_mwh_yr: ArrayLike, *,
                                 gas_co2_t_mwh: float, boiler_efficiency: float,
                                 grid_co2_t_mwh: float) -> np.ndarray:
    """CO2 avoided [t yr-1] by heat ``delivered_mwh_yr`` [MWh yr-1] that replaces gas boilers, net of the grid
    electricity ``electricity_mwh_yr`` [MWh yr-1] it takes (heat pumps): Q f_gas / η − W f_grid.

    Negative where the grid is dirtier than the boilers the heat replaces.
    """
    return (np.asarray(delivered_mwh_yr, dtype=float) * gas_co2_t_mwh / boiler_efficiency
            - electricity_co2_t_yr(electricity_mwh_yr, grid_co2_t_mwh))


def default_factors_note(params: BaseModel, names: Sequence[str], section: str) -> str | None:
    """What a step says when the region left the emission factors ``names`` of ``params`` at this module's
    defaults (EU-27 grid mix, natural-gas boilers: estimates, not any region's own figures); ``None`` when the
    region (``section``, e.g. ``[params.targets]``) set them all."""
    unset = [f"{name} = {getattr(params, name):g}" for name in names if name not in params.model_fields_set]
    if not unset:
        return None
    return (f"avoided CO2 uses the default emission factors {', '.join(unset)} (processing/emission_factors.py: "
            f"EU-27 grid mix, natural-gas condensing boilers), not the region's own: set them in {section}")
