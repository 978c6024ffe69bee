"""What the mapped potentials avoid per commune [t CO2 yr-1], from their energies [MWh yr-1].

- Roof PV and wind replace grid electricity: E · f_grid.
- Ground-source heat pumps deliver Q_hp and draw W_hp: Q_hp · f_fuel / η − W_hp · f_grid (the boilers they
  replace burn Q/η of fuel).
- Recovered excess heat delivered into district-heating areas, Q_dh, with the electricity W_dh of the heat pumps
  lifting low-temperature sources: Q_dh · f_fuel / η − W_dh · f_grid.

Heat pumps and the heat network can serve the same buildings, so their heat together is held to the commune's
heat demand D: the recovered heat counts first (it is delivered into the areas), the heat pumps' delivered heat
and electricity are scaled to at most D − Q_dh. Factors: :class:`processing.targets.params.TargetsParams`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: MWh per GWh.
MWH_PER_GWH = 1.0e3
#: Energy columns of :func:`commune_energies` [MWh yr-1].
ENERGY_COLUMNS = ("pv_mwh_yr", "wind_mwh_yr", "heat_pump_heat_mwh_yr", "heat_pump_electricity_mwh_yr",
                  "heat_demand_mwh_yr", "recovered_heat_mwh_yr", "recovered_heat_electricity_mwh_yr")
#: The commune_indicators field [GWh yr-1] behind each energy column it provides.
_INDICATOR_FIELDS = {"pv_mwh_yr": "pv_gwh_yr", "wind_mwh_yr": "wind_gwh_yr",
                     "heat_pump_heat_mwh_yr": "geothermal_gwh_yr",
                     "heat_pump_electricity_mwh_yr": "heat_pump_electricity_gwh_yr",
                     "heat_demand_mwh_yr": "heat_demand_gwh_yr", "recovered_heat_mwh_yr": "excess_heat_used_gwh_yr"}


def commune_energies(codes: list[str], names: Mapping[str, str], indicators: pd.DataFrame | None,
                     recovery_areas: pd.DataFrame | None, recovery_links: pd.DataFrame | None) -> pd.DataFrame:
    """The potentials' energies per commune code [MWh yr-1] (:data:`ENERGY_COLUMNS`), zero where a layer is
    missing.

    Parameters
    ----------
    codes : commune codes, the rows of the result.
    names : commune name → code (the communes input), for layers that name communes only.
    indicators : the ``commune_indicators`` layer (``code`` or ``commune`` and the GWh fields).
    recovery_areas, recovery_links : ``heat_recovery_areas`` (``area_id``, ``commune``) and
        ``heat_recovery_links`` (``area_id``, ``heat_pump_electricity_mwh_yr``), for the electricity of the
        recovered heat.
    """
    out = pd.DataFrame(0.0, index=pd.Index(codes, name="code"), columns=list(ENERGY_COLUMNS))
    if indicators is not None and len(indicators):
        keys = codes_of(indicators, names)
        for column, source in _INDICATOR_FIELDS.items():
            values = pd.Series(np.nan_to_num(indicators[source].to_numpy(float)) * MWH_PER_GWH, index=keys)
            out[column] = values.groupby(level=0).sum().reindex(out.index, fill_value=0.0)
    if recovery_areas is not None and recovery_links is not None and len(recovery_areas) and len(recovery_links):
        per_area = (recovery_links.assign(e=np.nan_to_num(recovery_links["heat_pump_electricity_mwh_yr"]
                                                           .to_numpy(float)))
                    .groupby("area_id")["e"].sum())
        area_code = pd.Series(codes_of(recovery_areas, names), index=recovery_areas["area_id"].to_numpy())
        electricity = per_area.groupby(area_code.reindex(per_area.index).to_numpy()).sum()
        out["recovered_heat_electricity_mwh_yr"] = electricity.reindex(out.index, fill_value=0.0)
    return out


def codes_of(frame: pd.DataFrame, names: Mapping[str, str]) -> list[str | None]:
    """Each row's commune code: its ``code`` where given, else its ``commune`` name looked up in ``names``."""
    codes = frame["code"] if "code" in frame else pd.Series([None] * len(frame), index=frame.index)
    communes = frame["commune"] if "commune" in frame else pd.Series([None] * len(frame), index=frame.index)
    return [str(c) if c is not None and not pd.isna(c) else names.get(str(n)) for c, n in
            zip(codes, communes, strict=True)]


def avoided_emissions(energies: pd.DataFrame, *, grid_co2_t_mwh: float, heat_fuel_co2_t_mwh: float,
                      boiler_efficiency: float) -> pd.DataFrame:
    """``pv_t_yr``, ``wind_t_yr``, ``heat_pump_t_yr``, ``district_heating_t_yr`` [t CO2 yr-1] per commune from
    :func:`commune_energies` (see the module notes; a heat pump on a grid dirtier than the boiler it replaces
    gives a negative figure)."""
    fuel = heat_fuel_co2_t_mwh / boiler_efficiency  # t CO2 per MWh of heat delivered by a boiler
    recovered = energies["recovered_heat_mwh_yr"]
    room = (energies["heat_demand_mwh_yr"] - recovered).clip(lower=0.0)
    delivered = energies["heat_pump_heat_mwh_yr"]
    scale = np.where(delivered > room, room / delivered.where(delivered > 0, 1.0), 1.0)
    return pd.DataFrame({
        "pv_t_yr": energies["pv_mwh_yr"] * grid_co2_t_mwh,
        "wind_t_yr": energies["wind_mwh_yr"] * grid_co2_t_mwh,
        "heat_pump_t_yr": scale * (delivered * fuel - energies["heat_pump_electricity_mwh_yr"] * grid_co2_t_mwh),
        "district_heating_t_yr": recovered * fuel - energies["recovered_heat_electricity_mwh_yr"] * grid_co2_t_mwh,
    }, index=energies.index)
