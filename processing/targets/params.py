"""Parameters of the climate-targets step (``[params.targets]``; the targets themselves are the region's
``[targets]``, which the runner passes in as ``plan``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from layers.region import ClimateTargets
from processing.emission_factors import GAS_BOILER_EFFICIENCY, GAS_CO2_T_MWH, GRID_CO2_T_MWH, BoilerEfficiency


class TargetsParams(BaseModel):
    """Emission factors the potentials are credited with, and the region's targets.

    The factors are the districts step's defaults (``processing/emission_factors.py``): set the national grid
    factor and the fuel mix heat pumps and heat networks displace (docs/REFERENCES.md, "Emission factors").
    """

    model_config = ConfigDict(extra="forbid")

    plan: ClimateTargets | None = Field(
        None, description="The targets: set them in the region's [targets] section (the runner copies it here); "
        "no default applies — without targets the step publishes empty layers and says why.")
    grid_co2_t_mwh: float = Field(
        GRID_CO2_T_MWH, ge=0.0, le=2.0, description="Grid electricity that PV and wind displace and heat pumps "
        "draw [t CO2 MWh-1].")
    heat_fuel_co2_t_mwh: float = Field(
        GAS_CO2_T_MWH, ge=0.0, le=1.0, description="Fuel burnt for the heat that heat pumps and recovered heat "
        "replace [t CO2 MWh-1 of fuel]; default natural gas 0.202 (IPCC 2006); for a mix take the weighted mean, "
        "e.g. 60 % gas and 40 % heating oil (0.267): 0.228.")
    boiler_efficiency: BoilerEfficiency = Field(
        GAS_BOILER_EFFICIENCY, description="Seasonal efficiency of the boilers replaced [-] "
        "(heat delivered per unit of fuel).")
