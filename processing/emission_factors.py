"""Emission factors shared by every analysis that reports avoided CO2 (one source, one unit).

t CO2 per MWh equals kg CO2 per kWh: the solar step's per-face figures and the districts step's commune
indicators take their defaults from here, so a user's sums of ``solar_roofs.co2_avoided_t_yr`` and the
indicators agree unless a region sets the two parameters differently.
"""

#: Grid electricity displaced by PV and wind [t CO2 MWh-1 = kg CO2 kWh-1] (estimate: EU-27 generation mix
#: ≈ 0.25 in 2022, EEA indicator "Greenhouse gas emission intensity of electricity generation"; set the
#: national figure).
GRID_CO2_T_MWH = 0.25
#: Natural gas burnt in the boilers heat pumps replace [t CO2 MWh-1 of fuel]: 56,100 kg TJ-1 × 3.6 TJ per
#: 1,000 MWh (IPCC 2006 Guidelines, Vol. 2, Table 2.2, stationary combustion).
GAS_CO2_T_MWH = 0.202
