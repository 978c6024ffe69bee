"""How each ranking criterion is computed per candidate unit.

The criteria themselves (field, unit, ÉcoQuartier dimension, benefit or cost, default weight) are one table,
:data:`layers.catalog.districts.CRITERIA`; this module gives every key of it exactly one compute function
(:func:`criterion` registers it; a key without one, or with two, fails at import).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.catalog.districts import CRITERIA, CRITERIA_BY_KEY
from layers.catalog.inputs import BUILDING_USES
from layers.communes import Method, zone_index
from layers.sample import sample_points
from processing.districts.overlay import (
    M2_PER_HA,
    area_share,
    nearest_distance,
    overlap_sum,
    zonal_mean,
)
from processing.geothermal.heat_pump import delivered_heat, pump_electricity

#: Protected-area designations that are Natura 2000 sites.
NATURA2000 = ("natura2000_habitats", "natura2000_birds")
#: kWh per MWh.
KWH_PER_MWH = 1.0e3
#: How a building, roof face or heat cell is given to a candidate unit (:mod:`layers.communes`): the unit holding
#: its representative point, so each counts in one unit at most.
UNIT_METHOD: Method = "representative_point"


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
    idx = zone_index(buildings, units, UNIT_METHOD)
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
        per_probe = sample_points(potential, centres.values)
        ground = np.nan_to_num(per_probe) * params.probes_per_ha * area_ha
        delivered = np.minimum(demand, delivered_heat(ground, params.heat_pump_spf))
        restrictions = _get(inputs, "geothermal_restrictions")
        if restrictions is not None:
            forbidden = restrictions.loc[restrictions["restriction_class"] == "forbidden"]
            if len(forbidden):
                delivered = np.where(zone_index(centres.values, forbidden, "representative_point") >= 0, 0.0, delivered)
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
    idx = zone_index(table, units, UNIT_METHOD)
    out = np.zeros(len(units))
    ok = idx >= 0
    np.add.at(out, idx[ok], np.nan_to_num(values[ok]))
    return out


class Units:
    """Candidate units with the run's inputs and parameters, and what several criteria share (computed once).

    Every array has one value per unit, in the order of ``units``; NaN where the source layer is missing.
    """

    def __init__(self, units: gpd.GeoDataFrame, inputs: Mapping[str, object], params) -> None:
        self.units, self.inputs, self.params = units, inputs, params
        self.n = len(units)
        area_ha = units.geometry.area.to_numpy() / M2_PER_HA
        #: Unit area [ha], NaN for an empty unit.
        self.safe_ha = np.where(area_ha > 0, area_ha, np.nan)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame | None:
        """An input layer, ``None`` when it is missing or empty."""
        return _get(self.inputs, layer_id)

    def missing(self) -> np.ndarray:
        """A new all-NaN value per unit (a criterion whose source layer is missing)."""
        return np.full(self.n, np.nan)

    @cached_property
    def solar_mwh_yr(self) -> np.ndarray:
        """Roof-PV yield of the suitable roof faces by representative point [MWh yr-1]."""
        roofs = suitable_roofs(self.layer("solar_roofs"), tuple(self.params.solar_classes))
        if roofs is None:
            return self.missing()
        idx = zone_index(roofs, self.units, UNIT_METHOD)
        solar = np.zeros(self.n)
        ok = idx >= 0
        np.add.at(solar, idx[ok], np.nan_to_num(roofs["yield_kwh_yr"].to_numpy(float)[ok]) / KWH_PER_MWH)
        return solar

    @cached_property
    def heat(self) -> gpd.GeoDataFrame | None:
        """:func:`heat_table` of the inputs."""
        return heat_table(self.inputs, self.params)

    @cached_property
    def _heat_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        heat = self.heat
        if heat is None:
            return self.missing(), self.missing(), self.missing()
        cells = not is_per_building(heat)
        demand = _sum_to_units(self.units, heat, "demand_mwh_yr", cells)
        if not heat["delivered_mwh_yr"].notna().any():
            return demand, self.missing(), self.missing()
        return (demand, _sum_to_units(self.units, heat, "delivered_mwh_yr", cells),
                _sum_to_units(self.units, heat, "electricity_mwh_yr", cells))

    @property
    def heat_demand_mwh_yr(self) -> np.ndarray:
        """Building heat demand [MWh yr-1]."""
        return self._heat_sums[0]

    @property
    def geothermal_mwh_yr(self) -> np.ndarray:
        """Heat the ground-source heat pumps deliver (at most the demand) [MWh yr-1]."""
        return self._heat_sums[1]

    @property
    def pump_electricity_mwh_yr(self) -> np.ndarray:
        """Electricity those heat pumps draw [MWh yr-1]."""
        return self._heat_sums[2]

    @cached_property
    def ecology(self) -> gpd.GeoDataFrame | None:
        """Corridors and habitat cores together (``network`` and geometry), ``None`` without either."""
        eco = [f[["network", "geometry"]] for f in (self.layer("corridors"), self.layer("habitat_cores"))
               if f is not None]
        return pd.concat(eco, ignore_index=True) if eco else None


#: Compute function of each criterion key: values of its ``field`` per unit.
COMPUTE: dict[str, Callable[[Units], np.ndarray]] = {}


def criterion(key: str) -> Callable[[Callable[[Units], np.ndarray]], Callable[[Units], np.ndarray]]:
    """Register the compute function of the criterion ``key`` of :data:`layers.catalog.districts.CRITERIA`."""
    def register(fn: Callable[[Units], np.ndarray]) -> Callable[[Units], np.ndarray]:
        if key not in CRITERIA_BY_KEY:
            raise LookupError(f"{fn.__name__}: no criterion {key!r} in layers.catalog.districts.CRITERIA")
        if key in COMPUTE:
            raise LookupError(f"criterion {key!r} has two compute functions: {COMPUTE[key].__name__}, {fn.__name__}")
        COMPUTE[key] = fn
        return fn
    return register


@criterion("solar")
def _solar(u: Units) -> np.ndarray:
    return u.solar_mwh_yr / u.safe_ha


@criterion("heat_density")
def _heat_density(u: Units) -> np.ndarray:
    return u.heat_demand_mwh_yr / u.safe_ha


@criterion("dh_area")
def _dh_area(u: Units) -> np.ndarray:
    dh = u.layer("district_heating_areas")
    if dh is not None:
        return area_share(u.units, dh)
    return np.zeros(u.n) if u.heat is not None else u.missing()  # heat analysed, no area reaches the critical mass


@criterion("geothermal")
def _geothermal(u: Units) -> np.ndarray:
    potential = u.inputs.get("geothermal_potential")
    return zonal_mean(potential, u.units) if potential is not None else u.missing()


@criterion("drilling")
def _drilling(u: Units) -> np.ndarray:
    restrictions = u.layer("geothermal_restrictions")
    if restrictions is not None:
        return area_share(u.units, restrictions)
    return np.zeros(u.n) if u.inputs.get("geothermal_potential") is not None else u.missing()


@criterion("energy_balance")
def _energy_balance(u: Units) -> np.ndarray:
    # PV minus the heat pumps' electricity, plus the heat they deliver, minus the heat demand (= PV + ground heat
    # − demand: delivered heat = ground heat + electricity)
    if u.heat is None:
        return u.missing()
    return (np.nan_to_num(u.solar_mwh_yr) - np.nan_to_num(u.pump_electricity_mwh_yr)
            + np.nan_to_num(u.geothermal_mwh_yr) - u.heat_demand_mwh_yr) / u.safe_ha


@criterion("rail")
def _rail(u: Units) -> np.ndarray:
    return _stop_distance(u.units, u.layer("transit_stops"), ("rail",))


@criterion("bus")
def _bus(u: Units) -> np.ndarray:
    return _stop_distance(u.units, u.layer("transit_stops"), ("bus", "tram"))


@criterion("brownfield")
def _brownfield(u: Units) -> np.ndarray:
    brownfields = u.layer("brownfields")
    return area_share(u.units, brownfields) if brownfields is not None else np.zeros(u.n)


@criterion("use_mix")
def _use_mix(u: Units) -> np.ndarray:
    buildings = u.layer("buildings")
    return use_mix(u.units, buildings) if buildings is not None else u.missing()


@criterion("corridor_conflict")
def _corridor_conflict(u: Units) -> np.ndarray:
    return area_share(u.units, u.ecology) if u.ecology is not None else u.missing()


_unregistered = [c.key for c in CRITERIA if c.key not in COMPUTE]
if _unregistered:
    raise LookupError(f"criteria without a compute function in {__name__}: {', '.join(_unregistered)}")


def compute_criteria(units: gpd.GeoDataFrame, inputs: Mapping[str, object], params) -> pd.DataFrame:
    """Criteria values, hard-constraint shares and energy figures of every unit.

    Columns: every :data:`layers.catalog.districts.CRITERIA` field (NaN where its source layer is missing),
    ``flood_share``, ``natura2000_share``, ``forbidden_drilling_share``, ``solar_mwh_yr``,
    ``geothermal_mwh_yr``, ``heat_demand_mwh_yr`` [MWh yr-1], ``corridor_networks`` and ``buildings``.
    """
    u = Units(units, inputs, params)
    out: dict[str, object] = {c.field: COMPUTE[c.key](u) for c in CRITERIA}
    out["solar_mwh_yr"], out["heat_demand_mwh_yr"] = u.solar_mwh_yr, u.heat_demand_mwh_yr
    out["geothermal_mwh_yr"] = u.geothermal_mwh_yr

    # hard constraints and what the explanations name
    restrictions = u.layer("geothermal_restrictions")
    if restrictions is not None:
        out["forbidden_drilling_share"] = area_share(
            units, restrictions.loc[restrictions["restriction_class"] == "forbidden"])
    else:
        out["forbidden_drilling_share"] = np.zeros(u.n) if inputs.get("geothermal_potential") is not None \
            else u.missing()
    out["corridor_networks"] = _networks(units, u.ecology) if u.ecology is not None else [None] * u.n
    floods = u.layer("flood_zones")
    out["flood_share"] = area_share(units, floods) if floods is not None else u.missing()
    protected = u.layer("protected_areas")
    if protected is not None:
        out["natura2000_share"] = area_share(units, protected.loc[protected["designation"].isin(NATURA2000)])
    else:
        out["natura2000_share"] = u.missing()
    buildings = u.layer("buildings")
    if buildings is not None:
        idx = zone_index(buildings, units, UNIT_METHOD)
        out["buildings"] = np.bincount(idx[idx >= 0], minlength=u.n)
    else:
        out["buildings"] = np.zeros(u.n, dtype=int)
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
