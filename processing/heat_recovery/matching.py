"""Match excess-heat sources to district-heating areas: candidate lines, their cost, the allocation, and the
three result tables (links, sources with used / unused heat, areas with their coverage).

Conservation holds per source: used (sent) + unused = deliverable; per line: sent = delivered + lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from processing.emission_factors import boiler_heat_co2_avoided_t_yr
from processing.heat_recovery import costs
from processing.heat_recovery.allocation import Pair, allocate
from processing.heat_recovery.params import HeatRecoveryParams
from processing.heat_recovery.routes import candidate_pairs, route_lines

log = logging.getLogger(__name__)

MWH_PER_GWH = 1000.0


@dataclass(frozen=True)
class Matching:
    """The three results of :func:`match_sources`."""

    links: gpd.GeoDataFrame
    sources: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame


def match_sources(sources: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None,
                  params: HeatRecoveryParams) -> Matching:
    """Allocate the deliverable heat of ``sources`` (from :func:`.sources.assess_sources`) to ``areas``
    (``area_id``, ``demand_gwh_yr`` [GWh yr-1]) along lines whose levelised cost stays under the ceiling."""
    model = params.cost_model()
    available = sources["deliverable_mwh_yr"].to_numpy(float)
    hours = sources["availability_h_yr"].to_numpy(float)
    demand = areas["demand_gwh_yr"].to_numpy(float) * MWH_PER_GWH
    base_load = params.base_load_share * demand
    found = candidate_pairs(sources.geometry, areas.geometry, params.max_distance_m)
    routes = route_lines(sources.geometry, areas.geometry, found, None if roads is None else roads.geometry,
                         params.detour_factor, params.max_distance_m)
    offered: list[Pair] = []
    offered_routes = []
    for route in routes:
        s, a = route.source, route.area
        share = float(model.delivered_share(route.length_m))
        if share <= 0 or available[s] <= 0 or base_load[a] <= 0:
            continue
        most = min(available[s], base_load[a] / share)
        least = costs.min_viable_sent_mwh_yr(most, route.length_m, hours[s], model, params.cost_ceiling_eur_mwh)
        if least is None:
            continue
        full_cost = costs.levelised_cost_eur_mwh(most, route.length_m, hours[s], model) * share
        offered.append(Pair(s, a, least, most, share, full_cost))
        offered_routes.append(route)
    log.info("heat_recovery: %d candidate pairs within %.0f m, %d under %.1f EUR/MWh", len(routes),
             params.max_distance_m, len(offered), params.cost_ceiling_eur_mwh)
    sent = allocate(offered, available, base_load)
    built = [(p, r, x) for p, r, x in zip(offered, offered_routes, sent, strict=True) if x > 0]
    links = _links(built, sources, areas, hours, model, params)
    return Matching(links, _sources_out(sources, links, available), _areas_out(areas, links, demand, base_load))


def _links(built, sources, areas, hours, model: costs.CostModel, params: HeatRecoveryParams) -> gpd.GeoDataFrame:
    rows = []
    for pair, route, sent in built:
        h = hours[pair.source]
        delivered = sent * pair.delivered_share
        invest = costs.investment_eur(sent, route.length_m, h, model)
        cop = sources["cop"].iloc[pair.source]
        electricity = sent / cop if bool(sources["heat_pump"].iloc[pair.source]) else 0.0
        rows.append({
            "source_id": sources["source_id"].iloc[pair.source],
            "source_name": sources["name"].iloc[pair.source],
            "area_id": int(areas["area_id"].iloc[pair.area]),
            "sent_mwh_yr": sent,
            "delivered_mwh_yr": delivered,
            "loss_mwh_yr": sent - delivered,
            "length_m": route.length_m,
            "straight_distance_m": route.straight_m,
            "route": route.method,
            "capacity_mw": sent / h,
            "capacity_class_mw": costs.capacity_class_mw(sent / h, model.pipe_cost_eur_m),
            "pipe_cost_eur_m": costs.pipe_cost_eur_m(sent / h, model.pipe_cost_eur_m),
            "investment_eur": invest,
            "annual_cost_eur_yr": invest * model.annual_factor,
            "cost_eur_mwh": costs.levelised_cost_eur_mwh(sent, route.length_m, h, model),
            "heat_pump_electricity_mwh_yr": electricity,
            "co2_avoided_t_yr": co2_avoided_t_yr(delivered, electricity, params),
            "geometry": route.geometry,
        })
    columns = ["source_id", "source_name", "area_id", "sent_mwh_yr", "delivered_mwh_yr", "loss_mwh_yr", "length_m",
               "straight_distance_m", "route", "capacity_mw", "capacity_class_mw", "pipe_cost_eur_m",
               "investment_eur", "annual_cost_eur_yr", "cost_eur_mwh", "heat_pump_electricity_mwh_yr",
               "co2_avoided_t_yr"]
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame[columns], geometry=list(frame["geometry"]), crs=sources.crs)


def co2_avoided_t_yr(delivered_mwh_yr, electricity_mwh_yr, params: HeatRecoveryParams):
    """CO2 avoided [t yr-1]: the displaced boilers' fuel (delivered / η × f_fuel) minus the heat pumps' electricity
    (× f_grid)."""
    return boiler_heat_co2_avoided_t_yr(delivered_mwh_yr, electricity_mwh_yr, gas_co2_t_mwh=params.gas_co2_t_mwh,
                                        boiler_efficiency=params.boiler_efficiency,
                                        grid_co2_t_mwh=params.grid_co2_t_mwh)


def _by(keys, values, index) -> np.ndarray:
    sums = pd.Series(np.asarray(values, float)).groupby(np.asarray(keys)).sum()
    return sums.reindex(index, fill_value=0.0).to_numpy(float)


def _names(keys, names, index) -> list[str | None]:
    grouped = pd.Series(list(names)).groupby(list(keys)).agg(lambda v: "; ".join(sorted(set(map(str, v)))))
    return [grouped.get(k) for k in index]


def _sources_out(sources: gpd.GeoDataFrame, links: gpd.GeoDataFrame, available: np.ndarray) -> gpd.GeoDataFrame:
    ids = sources["source_id"].to_numpy()
    used = np.minimum(_by(links["source_id"], links["sent_mwh_yr"], ids), available)
    out = sources.copy()
    out["used_mwh_yr"] = used
    out["unused_mwh_yr"] = available - used
    out["used_share"] = np.where(available > 0, used / np.where(available > 0, available, 1.0), 0.0)
    out["delivered_mwh_yr"] = _by(links["source_id"], links["delivered_mwh_yr"], ids)
    out["links"] = _by(links["source_id"], np.ones(len(links)), ids).astype(np.int64)
    out["areas"] = _names(links["source_id"], links["area_id"], ids)
    return out


def _areas_out(areas: gpd.GeoDataFrame, links: gpd.GeoDataFrame, demand: np.ndarray,
               base_load: np.ndarray) -> gpd.GeoDataFrame:
    ids = areas["area_id"].to_numpy()
    covered = _by(links["area_id"], links["delivered_mwh_yr"], ids)
    annual = _by(links["area_id"], links["annual_cost_eur_yr"], ids)
    out = gpd.GeoDataFrame({
        "area_id": ids.astype(np.int64),
        "demand_mwh_yr": demand,
        "base_load_mwh_yr": base_load,
        "excess_heat_mwh_yr": covered,
        "excess_heat_share": np.where(demand > 0, covered / np.where(demand > 0, demand, 1.0), 0.0),
        "sources": _names(links["area_id"], links["source_name"], ids),
        "transport_cost_eur_mwh": np.where(covered > 0, annual / np.where(covered > 0, covered, 1.0), np.nan),
        "co2_avoided_t_yr": _by(links["area_id"], links["co2_avoided_t_yr"], ids),
    }, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    return out
