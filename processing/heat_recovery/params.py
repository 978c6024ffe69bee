"""Parameters of the heat-recovery step (``[params.heat_recovery]`` of a region file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from processing.emission_factors import GAS_BOILER_EFFICIENCY, GAS_CO2_T_MWH, GRID_CO2_T_MWH, BoilerEfficiency
from processing.heat_recovery import costs

#: Circuity of road travel: road distance / straight distance (Ballou et al. 2002; docs/REFERENCES.md).
DETOUR_FACTOR = 1.3


class HeatRecoveryParams(BaseModel):
    """Pair search, line costs and losses, allocation and CO2; every default is documented in
    docs/REFERENCES.md ("Heat recovery")."""

    model_config = ConfigDict(extra="forbid")

    max_distance_m: float = Field(10_000.0, gt=0.0, le=100_000.0,
                                  description="Search radius: largest straight distance from a source to an area [m] "
                                              "(Hotmaps leaves it to the user).")
    detour_factor: float = Field(DETOUR_FACTOR, ge=1.0, le=3.0,
                                 description="Line length per metre of straight distance where no road path exists [-].")
    cost_ceiling_eur_mwh: float = Field(20.0, gt=0.0, le=1000.0,
                                        description="Largest levelised cost of transported heat a line may have "
                                                    "[EUR MWh-1] (Hotmaps' transmission-line threshold).")
    interest_rate: float = Field(0.04, ge=0.0, le=0.3, description="Discount rate of the annuity [-].")
    lifetime_yr: float = Field(30.0, ge=1.0, le=100.0, description="Depreciation period of the line [yr].")
    om_share: float = Field(0.01, ge=0.0, le=0.2,
                            description="Operation and maintenance per year as a share of the investment [yr-1].")
    cost_factor: float = Field(1.0, gt=0.0, le=10.0,
                               description="Multiplies every investment of the Hotmaps cost table [-].")
    loss_pct_per_km: float = Field(0.5, ge=0.0, le=10.0,
                                   description="Heat lost per km of line as a share of the heat sent [% km-1] "
                                               "(estimate for a large pre-insulated pipe pair).")
    base_load_share: float = Field(0.5, gt=0.0, le=1.0,
                                   description="Share of an area's annual demand a steady excess-heat supply can "
                                               "cover (the rest is peak and summer load) [-] (estimate).")
    supply_temperature_c: float = Field(70.0, ge=20.0, le=150.0,
                                        description="Network supply temperature; colder sources need a heat pump "
                                                    "[degC].")
    carnot_efficiency: float = Field(0.5, gt=0.1, le=0.8,
                                     description="Share of the Carnot COP a real heat pump reaches [-].")
    gas_co2_t_mwh: float = Field(GAS_CO2_T_MWH, ge=0.0, le=1.0,
                                 description="Emission factor of the displaced fuel [t CO2 MWh-1 of fuel].")
    boiler_efficiency: BoilerEfficiency = Field(GAS_BOILER_EFFICIENCY,
                                                description="Efficiency of the displaced boilers [-].")
    grid_co2_t_mwh: float = Field(GRID_CO2_T_MWH, ge=0.0, le=2.0,
                                  description="Emission factor of the electricity heat pumps draw [t CO2 MWh-1].")

    def cost_model(self) -> costs.CostModel:
        return costs.CostModel(interest_rate=self.interest_rate, lifetime_yr=self.lifetime_yr,
                               om_share=self.om_share, cost_factor=self.cost_factor,
                               loss_share_per_km=self.loss_pct_per_km / 100.0)
