"""Ranking criteria, each tagged with the ÉcoQuartier dimension it serves, and their computation per unit.

ÉcoQuartier référentiel (French Ministry of Ecological Transition, 2016 edition, 4 dimensions and
20 engagements): process & governance, living environment & uses, territorial development, environment &
climate. Process & governance cannot be read from maps; the council judges it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.catalog.inputs import BUILDING_USES
from processing.districts.overlay import (
    M2_PER_HA,
    area_share,
    nearest_distance,
    overlap_sum,
    representative_points,
    sample,
    unit_of_points,
    zonal_mean,
)
from processing.geothermal.heat_pump import delivered_heat, pump_electricity

log = logging.getLogger(__name__)

#: ÉcoQuartier dimensions: key → label.
DIMENSIONS: dict[str, str] = {
    "process": "process & governance",
    "living": "living environment & uses",
    "territorial": "territorial development",
    "environment": "environment & climate",
}
#: Protected-area designations that are Natura 2000 sites.
NATURA2000 = ("natura2000_habitats", "natura2000_birds")
#: kWh per MWh.
KWH_PER_MWH = 1.0e3


@dataclass(frozen=True)
class Criterion:
    """One ranking criterion.

    key : weight key in ``[params.districts.weights]``; the normalised field is ``<key>_norm``.
    field : value field of ``test_district_candidates`` (its name carries the unit).
    unit : unit of the value.
    label : noun phrase for explanations ("roof solar").
    dimension : ÉcoQuartier dimension key (:data:`DIMENSIONS`).
    benefit : True when more is better, False for a cost.
    default_weight : illustrative default weight (planning choice, not literature).
    """

    key: str
    field: str
    unit: str
    label: str
    dimension: str
    benefit: bool
    default_weight: float

    @property
    def norm_field(self) -> str:
        return f"{self.key}_norm"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("solar", "solar_mwh_ha_yr", "MWh ha-1 yr-1", "roof solar", "environment", True, 0.15),
    Criterion("heat_density", "heat_demand_mwh_ha_yr", "MWh ha-1 yr-1", "heat-demand density", "environment",
              True, 0.10),
    Criterion("dh_area", "dh_share", "", "heat-network area", "environment", True, 0.10),
    Criterion("geothermal", "geothermal_mwh_probe_yr", "MWh yr-1", "geothermal potential", "environment", True,
              0.10),
    Criterion("drilling", "drilling_restricted_share", "", "drilling restrictions", "environment", False, 0.05),
    Criterion("energy_balance", "energy_balance_mwh_ha_yr", "MWh ha-1 yr-1", "local energy balance",
              "environment", True, 0.10),
    Criterion("rail", "rail_distance_m", "m", "railway access", "territorial", False, 0.10),
    Criterion("bus", "bus_distance_m", "m", "bus and tram access", "territorial", False, 0.05),
    Criterion("brownfield", "brownfield_share", "", "brownfield land", "territorial", True, 0.10),
    Criterion("use_mix", "use_mix_index", "", "mix of building uses", "living", True, 0.05),
    Criterion("corridor_conflict", "corridor_conflict_share", "", "overlap with corridors and habitat cores",
              "environment", False, 0.10),
)
CRITERIA_BY_KEY: dict[str, Criterion] = {c.key: c for c in CRITERIA}
DEFAULT_WEIGHTS: dict[str, float] = {c.key: c.default_weight for c in CRITERIA}


def _get(inputs: Mapping[str, object], layer_id: str) -> gpd.GeoDataFrame | None:
    data = inputs.get(layer_id)
    if data is None or (isinstance(data, pd.DataFrame) and len(data) == 0):
        return None
    return data


def shannon_evenness(floor_area_by_use: np.ndarray) -> np.ndarray:
    """Shannon evenness H / ln K of the floor-area shares per use (rows: units, columns: K uses) [0-1].

    Notes
    -----
    H = −Σ p_k ln p_k over uses with p_k > 0; 0 for a single use or no buildings, 1 for equal shares of all
    K uses (Pielou 1966, J. Theor. Biol. 13:131-144).
    """
    a = np.asarray(floor_area_by_use, dtype=float)
    total = a.sum(axis=1, keepdims=True)
    p = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return np.maximum(h / np.log(a.shape[1]), 0.0)  # no negative zero


def use_mix(units: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None) -> np.ndarray:
    """:func:`shannon_evenness` of building uses by floor area (footprint × storeys, at least one) [0-1]."""
    out = np.zeros(len(units))
    if buildings is None or not len(units):
        return out
    idx = unit_of_points(units, representative_points(buildings))
    levels = buildings["levels"].fillna(1).clip(lower=1).to_numpy(float) if "levels" in buildings else 1.0
    floor = buildings.geometry.area.to_numpy() * levels
    uses = pd.Categorical(buildings["use"], categories=BUILDING_USES).codes
    table = np.zeros((len(units), len(BUILDING_USES)))
    ok = (idx >= 0) & (uses >= 0)
    np.add.at(table, (idx[ok], uses[ok]), floor[ok])
    return shannon_evenness(table)


def suitable_roofs(roofs: gpd.GeoDataFrame | None, classes: tuple[str, ...]) -> gpd.GeoDataFrame | None:
    """Roof faces whose suitability ``class`` is in ``classes`` (all faces when the layer has no class)."""
    if roofs is None or "class" not in roofs:
        return roofs
    return roofs.loc[roofs["class"].astype(str).isin(classes)]


def _stop_distance(units, stops: gpd.GeoDataFrame | None, modes: tuple[str, ...]) -> np.ndarray:
    if stops is None:
        return np.full(len(units), np.nan)
    chosen = stops.loc[stops["mode"].isin(modes)]
    if not len(chosen):
        return np.full(len(units), np.nan)
    return nearest_distance(units, chosen)


def heat_table(inputs: Mapping[str, object], params) -> gpd.GeoDataFrame | None:
    """Heat demand and usable geothermal heat as features: per building or per 1-ha cell.

    Returns a GeoDataFrame with ``demand_mwh_yr``, ``delivered_mwh_yr`` (heat the heat pumps deliver, at most
    the demand), ``ground_mwh_yr`` (the ground heat behind it) and ``electricity_mwh_yr`` (what the pumps
    draw) [MWh yr-1] (NaN when unknown), ``in_dh`` and ``per_building``, or ``None`` without any heat layer.

    Notes
    -----
    With ``building_heat_supply`` (geothermal step) a building's usable heat is its field's delivered heat
    capped at its demand, nothing where drilling is forbidden; ground heat and electricity scale with that cap
    (delivered = ground + electricity); ``in_dh`` copies its ``in_district_heating_area`` flag (NaN when
    unknown, and for cells). Otherwise each ``heat_demand_density`` cell demands ``demand_mwh_ha_yr ×
    area_ha``; ``probes_per_ha`` probes of ``geothermal_potential`` (ground heat [MWh yr-1 per 100 m probe]
    at the cell centre) deliver ``× SPF / (SPF − 1)`` of it (``heat_pump_spf``), capped at the demand, and
    nothing where ``geothermal_restrictions`` forbid drilling.
    """
    supply = _get(inputs, "building_heat_supply")
    if supply is not None and {"demand_mwh_yr", "ground_heat_mwh_yr", "delivered_heat_mwh_yr",
                               "heat_pump_electricity_mwh_yr"} <= set(supply.columns):
        demand = supply["demand_mwh_yr"].astype(float).to_numpy()
        potential = np.nan_to_num(supply["delivered_heat_mwh_yr"].astype(float).to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            used = np.where(potential > 0, np.minimum(potential, demand) / potential, 0.0)
        if "restriction_class" in supply:
            used = np.where(supply["restriction_class"].astype(str).to_numpy() == "forbidden", 0.0, used)
        in_dh = (supply["in_district_heating_area"].astype(bool).to_numpy()
                 if "in_district_heating_area" in supply else np.full(len(supply), np.nan))
        return gpd.GeoDataFrame({
            "demand_mwh_yr": demand, "delivered_mwh_yr": potential * used,
            "ground_mwh_yr": np.nan_to_num(supply["ground_heat_mwh_yr"].astype(float).to_numpy()) * used,
            "electricity_mwh_yr": np.nan_to_num(supply["heat_pump_electricity_mwh_yr"].astype(float).to_numpy()) * used,
            "in_dh": in_dh, "per_building": True}, geometry=supply.geometry.values, crs=supply.crs)
    cells = _get(inputs, "heat_demand_density")
    if cells is None:
        return None
    area_ha = cells.geometry.area.to_numpy() / M2_PER_HA
    demand = cells["demand_mwh_ha_yr"].astype(float).to_numpy() * area_ha
    potential = inputs.get("geothermal_potential")
    if potential is not None:
        centres = cells.geometry.centroid
        per_probe = sample(potential, centres.values)
        ground = np.nan_to_num(per_probe) * params.probes_per_ha * area_ha
        delivered = np.minimum(demand, delivered_heat(ground, params.heat_pump_spf))
        restrictions = _get(inputs, "geothermal_restrictions")
        if restrictions is not None:
            forbidden = restrictions.loc[restrictions["restriction_class"] == "forbidden"]
            if len(forbidden):
                delivered = np.where(unit_of_points(forbidden, centres.values) >= 0, 0.0, delivered)
        electricity = pump_electricity(delivered, params.heat_pump_spf)
        ground = delivered - electricity
    else:
        delivered = ground = electricity = np.full(len(cells), np.nan)
    return gpd.GeoDataFrame({"demand_mwh_yr": demand, "delivered_mwh_yr": delivered, "ground_mwh_yr": ground,
                             "electricity_mwh_yr": electricity, "in_dh": np.nan, "per_building": False},
                            geometry=cells.geometry.values, crs=cells.crs)


def is_per_building(heat: gpd.GeoDataFrame) -> bool:
    """Whether a :func:`heat_table` holds buildings (else 1-ha cells)."""
    return bool(len(heat)) and bool(heat["per_building"].iloc[0])


def _sum_to_units(units, table: gpd.GeoDataFrame, column: str, by_overlap: bool) -> np.ndarray:
    """Sum an extensive column over units: cells by overlap share, buildings by representative point."""
    values = table[column].to_numpy(float)
    if by_overlap:
        return overlap_sum(units, table, values)
    idx = unit_of_points(units, representative_points(table))
    out = np.zeros(len(units))
    ok = idx >= 0
    np.add.at(out, idx[ok], np.nan_to_num(values[ok]))
    return out


def compute_criteria(units: gpd.GeoDataFrame, inputs: Mapping[str, object], params) -> pd.DataFrame:
    """Criteria values, hard-constraint shares and energy figures of every unit.

    Columns: every :data:`CRITERIA` field (NaN where its source layer is missing), ``flood_share``,
    ``natura2000_share``, ``forbidden_drilling_share``, ``solar_mwh_yr``, ``geothermal_mwh_yr``,
    ``heat_demand_mwh_yr`` [MWh yr-1], ``corridor_networks`` and ``buildings``.
    """
    n = len(units)
    nan = np.full(n, np.nan)
    area_ha = units.geometry.area.to_numpy() / M2_PER_HA
    safe_ha = np.where(area_ha > 0, area_ha, np.nan)
    out: dict[str, object] = {}
    buildings = _get(inputs, "buildings")

    # energy: roof PV, heat demand, geothermal heat
    roofs = suitable_roofs(_get(inputs, "solar_roofs"), tuple(params.solar_classes))
    if roofs is not None:
        idx = unit_of_points(units, representative_points(roofs))
        solar = np.zeros(n)
        ok = idx >= 0
        np.add.at(solar, idx[ok], np.nan_to_num(roofs["yield_kwh_yr"].to_numpy(float)[ok]) / KWH_PER_MWH)
    else:
        solar = nan.copy()
    heat = heat_table(inputs, params)
    if heat is not None:
        cells = not is_per_building(heat)
        demand = _sum_to_units(units, heat, "demand_mwh_yr", cells)
        known = heat["delivered_mwh_yr"].notna().any()
        geo, pump = ((_sum_to_units(units, heat, "delivered_mwh_yr", cells),
                      _sum_to_units(units, heat, "electricity_mwh_yr", cells)) if known else (nan.copy(), nan.copy()))
    else:
        demand, geo, pump = nan.copy(), nan.copy(), nan.copy()
    out["solar_mwh_yr"], out["heat_demand_mwh_yr"], out["geothermal_mwh_yr"] = solar, demand, geo
    out["solar_mwh_ha_yr"] = solar / safe_ha
    out["heat_demand_mwh_ha_yr"] = demand / safe_ha
    if heat is not None:
        # PV minus the heat pumps' electricity, plus the heat they deliver, minus the heat demand (= PV + ground
        # heat − demand: delivered heat = ground heat + electricity)
        out["energy_balance_mwh_ha_yr"] = (np.nan_to_num(solar) - np.nan_to_num(pump) + np.nan_to_num(geo)
                                           - demand) / safe_ha
    else:
        out["energy_balance_mwh_ha_yr"] = nan.copy()

    dh = _get(inputs, "district_heating_areas")
    out["dh_share"] = area_share(units, dh) if dh is not None else nan.copy()
    if dh is None and heat is not None:
        out["dh_share"] = np.zeros(n)  # heat analysed, no area reaches the critical mass

    potential = inputs.get("geothermal_potential")
    out["geothermal_mwh_probe_yr"] = zonal_mean(potential, units) if potential is not None else nan.copy()
    restrictions = _get(inputs, "geothermal_restrictions")
    if restrictions is not None:
        out["drilling_restricted_share"] = area_share(units, restrictions)
        out["forbidden_drilling_share"] = area_share(
            units, restrictions.loc[restrictions["restriction_class"] == "forbidden"])
    elif potential is not None:
        out["drilling_restricted_share"] = np.zeros(n)
        out["forbidden_drilling_share"] = np.zeros(n)
    else:
        out["drilling_restricted_share"] = nan.copy()
        out["forbidden_drilling_share"] = nan.copy()

    # access and land
    stops = _get(inputs, "transit_stops")
    out["rail_distance_m"] = _stop_distance(units, stops, ("rail",))
    out["bus_distance_m"] = _stop_distance(units, stops, ("bus", "tram"))
    brownfields = _get(inputs, "brownfields")
    out["brownfield_share"] = area_share(units, brownfields) if brownfields is not None else np.zeros(n)
    out["use_mix_index"] = use_mix(units, buildings) if buildings is not None else nan.copy()

    # ecology and hard constraints
    cores, corridors = _get(inputs, "habitat_cores"), _get(inputs, "corridors")
    eco = [f[["network", "geometry"]] for f in (corridors, cores) if f is not None]
    if eco:
        eco_all = pd.concat(eco, ignore_index=True)
        out["corridor_conflict_share"] = area_share(units, eco_all)
        out["corridor_networks"] = _networks(units, eco_all)
    else:
        out["corridor_conflict_share"] = nan.copy()
        out["corridor_networks"] = [None] * n
    floods = _get(inputs, "flood_zones")
    out["flood_share"] = area_share(units, floods) if floods is not None else nan.copy()
    protected = _get(inputs, "protected_areas")
    if protected is not None:
        out["natura2000_share"] = area_share(units, protected.loc[protected["designation"].isin(NATURA2000)])
    else:
        out["natura2000_share"] = nan.copy()
    if buildings is not None:
        idx = unit_of_points(units, representative_points(buildings))
        out["buildings"] = np.bincount(idx[idx >= 0], minlength=n)
    else:
        out["buildings"] = np.zeros(n, dtype=int)
    return pd.DataFrame(out, index=units.index)


def _networks(units, eco: gpd.GeoDataFrame) -> list[str | None]:
    """Comma-separated networks (in catalog order green, blue, black) each unit overlaps by area."""
    names = []
    order = {"green": 0, "blue": 1, "black": 2}
    tree = eco.sindex
    for geom in units.geometry.values:
        hits = eco.iloc[np.sort(tree.query(geom, predicate="intersects"))]
        hits = hits.loc[hits.geometry.intersection(geom).area > 0] if len(hits) else hits
        nets = sorted(set(hits["network"].astype(str)), key=lambda s: (order.get(s, 9), s))
        names.append(", ".join(nets) if nets else None)
    return names
