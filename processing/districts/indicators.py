"""Commune key figures of the climate plan, and their CSV export."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.catalog import COMMUNE_SUMS, get_layer
from layers.catalog.corridors import NETWORKS
from layers.communes import zone_index
from layers.lengths import length_within
from processing.districts.criteria import KWH_PER_MWH, heat_table, suitable_roofs
from processing.districts.overlay import area_share
from processing.emission_factors import boiler_heat_co2_avoided_t_yr, electricity_co2_t_yr

log = logging.getLogger(__name__)

#: MWh per GWh; m per km; m2 per km2.
MWH_PER_GWH, M_PER_KM, M2_PER_KM2 = 1.0e3, 1.0e3, 1.0e6
#: Distance within which a corridor path counts as reaching a habitat core [m] (paths start at core edges).
CORE_SNAP_M = 1.0


def co2_avoidable(pv_mwh_yr, wind_mwh_yr, delivered_heat_mwh_yr, pump_electricity_mwh_yr, *,
                  grid_co2_t_mwh: float, gas_co2_t_mwh: float,
                  boiler_efficiency: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Avoidable CO2 [t yr-1] of roof PV, wind and ground-source heat pumps.

    Notes
    -----
    PV and wind replace grid electricity: E × f_grid. Heat pumps delivering Q_d replace a gas boiler burning
    Q_d / η and themselves draw W = Q_d / SPF of grid electricity: Q_d f_gas / η − W f_grid. Negative where the
    grid is dirtier than the boiler it replaces.
    """
    geo = boiler_heat_co2_avoided_t_yr(delivered_heat_mwh_yr, pump_electricity_mwh_yr, gas_co2_t_mwh=gas_co2_t_mwh,
                                       boiler_efficiency=boiler_efficiency, grid_co2_t_mwh=grid_co2_t_mwh)
    return electricity_co2_t_yr(pv_mwh_yr, grid_co2_t_mwh), electricity_co2_t_yr(wind_mwh_yr, grid_co2_t_mwh), geo


def _by_commune(communes, features: gpd.GeoDataFrame | None, columns: list[str]) -> np.ndarray:
    """Sums of ``columns`` (and the count, last column) over features by commune (representative point)."""
    if features is None or not len(features):
        return np.zeros((len(communes), len(columns) + 1))
    return _sum_by_index(len(communes), zone_index(features, communes, "representative_point"), features,
                         columns)


def _by_commune_name(communes, features: gpd.GeoDataFrame | None, columns: list[str]) -> np.ndarray:
    """As :func:`_by_commune`, but by the features' own ``commune`` name where they carry one (the solar roofs
    name the commune of their building), so a user's sums of the layer by commune match; features without a
    name are placed by representative point."""
    if features is None or not len(features) or "commune" not in features or "name" not in communes:
        return _by_commune(communes, features, columns)
    where = {name: k for k, name in enumerate(communes["name"].astype(str))}
    named = features["commune"].notna().to_numpy()
    idx = np.full(len(features), -1)
    idx[named] = [where.get(str(c), -1) for c in features["commune"][named]]
    if (~named).any():
        idx[~named] = zone_index(features.loc[~named], communes, "representative_point")
    return _sum_by_index(len(communes), idx, features, columns)


def _sum_by_index(n: int, idx: np.ndarray, features: gpd.GeoDataFrame, columns: list[str]) -> np.ndarray:
    out = np.zeros((n, len(columns) + 1))
    ok = idx >= 0
    if (~ok).any():
        log.info("%d features lie outside every commune and are not counted", int((~ok).sum()))
    for j, col in enumerate(columns):
        np.add.at(out[:, j], idx[ok], np.nan_to_num(features[col].to_numpy(float)[ok]))
    np.add.at(out[:, -1], idx[ok], 1.0)
    return out


def linked_cores(cores: gpd.GeoDataFrame, paths: gpd.GeoDataFrame | None) -> np.ndarray:
    """Whether each habitat core is linked to another core of its network by a least-cost path.

    Uses the cores' ``link_count`` when the corridors step gives it; else the paths' ``core_a``/``core_b``
    ids; else geometry: a path of the core's network that reaches it (within :data:`CORE_SNAP_M`) and at
    least one other core.
    """
    if "link_count" in cores:
        return cores["link_count"].fillna(0).to_numpy(float) > 0
    linked = np.zeros(len(cores), dtype=bool)
    if paths is None or not len(paths):
        return linked
    use_net = "network" in paths and "network" in cores
    nets_core = cores["network"].astype(str).to_numpy() if use_net else np.full(len(cores), "")
    nets_path = paths["network"].astype(str).to_numpy() if use_net else np.full(len(paths), "")
    if {"core_a", "core_b"} <= set(paths.columns) and "core_id" in cores:
        ends = set(zip(nets_path, paths["core_a"].astype(str), strict=True))
        ends |= set(zip(nets_path, paths["core_b"].astype(str), strict=True))
        return np.array([key in ends for key in zip(nets_core, cores["core_id"].astype(str), strict=True)],
                        dtype=bool)
    tree = shapely.STRtree(np.asarray(cores.geometry.values, dtype=object))
    for geom, net in zip(paths.geometry.values, nets_path, strict=True):
        hit = tree.query(geom, predicate="dwithin", distance=CORE_SNAP_M)
        if net:
            hit = hit[nets_core[hit] == net]
        if len(hit) >= 2:
            linked[hit] = True
    return linked


def connectivity(communes, cores: gpd.GeoDataFrame | None, paths: gpd.GeoDataFrame | None) -> np.ndarray:
    """Share of each commune's habitat-core area in cores linked to another core (:func:`linked_cores`) [0-1].

    NaN for a commune without core area.
    """
    n = len(communes)
    if cores is None or not len(cores):
        return np.full(n, np.nan)
    linked = linked_cores(cores, paths)
    area = communes.geometry.area.to_numpy()
    core_area = area_share(communes, cores) * area
    linked_area = area_share(communes, cores.loc[linked]) * area if linked.any() else np.zeros(n)
    return np.where(core_area > 0, linked_area / np.where(core_area > 0, core_area, 1.0), np.nan)


def network_pc(communes, summary: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """``pc_<network>``: the corridors step's Probability of Connectivity of each commune's cores, by name."""
    out = {f"pc_{net}": np.full(len(communes), np.nan) for net in NETWORKS}
    if summary is None or not len(summary) or not {"commune", "network", "pc"} <= set(summary.columns):
        return out
    names = communes["name"].astype(str).tolist() if "name" in communes else []
    table = summary.assign(commune=summary["commune"].astype(str)).groupby(["commune", "network"])["pc"].first()
    for net in NETWORKS:
        out[f"pc_{net}"] = np.array([float(table.get((name, net), np.nan)) for name in names])
    return out


def commune_indicators(
    communes: gpd.GeoDataFrame,
    inputs: Mapping[str, object],
    candidates: gpd.GeoDataFrame | None,
    params,
) -> gpd.GeoDataFrame:
    """Per-commune key figures (the ``commune_indicators`` layer).

    Parameters
    ----------
    communes : the communes input (``name``, ``code``).
    inputs : the other analyses' layers by id (``solar_roofs``, ``wind_turbine_sites``,
        ``heat_demand_density`` or ``building_heat_supply``, ``district_heating_areas``,
        ``geothermal_potential``, ``geothermal_restrictions``, ``corridor_paths``, ``habitat_cores``,
        ``corridor_commune_summary``, ``heat_recovery_areas``, ``green_roofs``);
        a missing layer counts as zero.
    candidates : the ``test_district_candidates`` layer (``excluded``), counted by representative point.
    params : emission factors and ``probes_per_ha`` (:class:`processing.districts.params.DistrictsParams`).
    """
    n = len(communes)
    roofs = suitable_roofs(inputs.get("solar_roofs"), tuple(params.solar_classes))
    pv = _by_commune_name(communes, roofs, ["kwp", "yield_kwh_yr"])
    wind = _by_commune(communes, inputs.get("wind_turbine_sites"), ["capacity_mw", "aep_net_mwh_yr"])
    heat = heat_table(inputs, params)
    if heat is not None:
        heat_sums = _by_commune(communes, heat, ["demand_mwh_yr", "delivered_mwh_yr", "ground_mwh_yr",
                                                 "electricity_mwh_yr"])
        demand, geo, ground, pump = heat_sums[:, 0], heat_sums[:, 1], heat_sums[:, 2], heat_sums[:, 3]
        dh = inputs.get("district_heating_areas")
        known = heat["in_dh"].notna().all() and len(heat)
        if known or (dh is not None and len(dh) and len(heat)):
            in_dh = (heat["in_dh"].astype(bool).to_numpy() if known
                     else zone_index(heat, dh, "representative_point") >= 0)
            dh_demand = _by_commune(communes, heat.loc[in_dh], ["demand_mwh_yr"])[:, 0]
        else:
            dh_demand = np.zeros(n)
        dh_share = np.where(demand > 0, dh_demand / np.where(demand > 0, demand, 1.0), np.nan)
    else:
        demand, geo, ground, pump, dh_share = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, np.nan)
    pv_mwh, wind_mwh = pv[:, 1] / KWH_PER_MWH, wind[:, 1]
    co2_pv, co2_wind, co2_geo = co2_avoidable(
        pv_mwh, wind_mwh, geo, pump, grid_co2_t_mwh=params.grid_co2_t_mwh, gas_co2_t_mwh=params.gas_co2_t_mwh,
        boiler_efficiency=params.boiler_efficiency)
    paths = inputs.get("corridor_paths")
    if candidates is not None and len(candidates):
        eligible = candidates.loc[~candidates["excluded"].astype(bool)]
        n_candidates = _by_commune(communes, eligible, [])[:, -1]
    else:
        n_candidates = np.zeros(n)
    names = communes["name"].astype(str).to_numpy() if "name" in communes else [f"commune {k + 1}" for k in range(n)]
    codes = communes["code"] if "code" in communes else pd.Series([None] * n, index=communes.index)
    frame = {
        "commune": list(names),
        "code": [None if pd.isna(c) else str(c) for c in codes],
        "area_km2": communes.geometry.area.to_numpy() / M2_PER_KM2,
        "pv_mwp": pv[:, 0] / KWH_PER_MWH,
        "pv_gwh_yr": pv_mwh / MWH_PER_GWH,
        "wind_sites": wind[:, -1].astype(int),
        "wind_mw": wind[:, 0],
        "wind_gwh_yr": wind_mwh / MWH_PER_GWH,
        "geothermal_gwh_yr": np.nan_to_num(geo) / MWH_PER_GWH,
        "geothermal_ground_gwh_yr": np.nan_to_num(ground) / MWH_PER_GWH,
        "heat_pump_electricity_gwh_yr": np.nan_to_num(pump) / MWH_PER_GWH,
        "heat_demand_gwh_yr": demand / MWH_PER_GWH,
        "heat_demand_in_dh_share": dh_share,
        "renewable_gwh_yr": (pv_mwh + wind_mwh + np.nan_to_num(ground)) / MWH_PER_GWH,
        "corridor_length_km": length_within(communes, paths) / M_PER_KM if paths is not None else np.zeros(n),
        "connectivity": connectivity(communes, inputs.get("habitat_cores"), paths),
        **network_pc(communes, inputs.get("corridor_commune_summary")),
        "candidate_districts": n_candidates.astype(int),
        "co2_pv_t_yr": co2_pv,
        "co2_wind_t_yr": co2_wind,
        "co2_geothermal_t_yr": np.nan_to_num(co2_geo),
        "co2_avoidable_t_yr": co2_pv + co2_wind + np.nan_to_num(co2_geo),
        **contributed(communes, inputs),
    }
    fields = get_layer("commune_indicators").field_names
    return gpd.GeoDataFrame({f: frame[f] for f in fields}, geometry=communes.geometry.values, crs=communes.crs)


def contributed(communes, inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    """The other analyses' commune indicators (:data:`layers.catalog.COMMUNE_SUMS`): sums of a field over a
    layer's features by representative point, in the indicator's unit; zero where the layer is missing."""
    out: dict[str, np.ndarray] = {}
    for layer_id in dict.fromkeys(c.layer for c in COMMUNE_SUMS):
        sums = [c for c in COMMUNE_SUMS if c.layer == layer_id]
        layer = inputs.get(layer_id)
        if layer is not None and len(layer):  # a filtered sum reads a column zeroed where its flag is false
            layer = layer.assign(**{f"_sum{k}": np.where(layer[c.where].fillna(False).astype(bool),
                                                         layer[c.column].to_numpy(float), 0.0)
                                    for k, c in enumerate(sums) if c.where})
        columns = [f"_sum{k}" if c.where else c.column for k, c in enumerate(sums)]
        totals = _by_commune(communes, layer, columns)
        out.update({c.field.name: totals[:, k] / c.divide_by for k, c in enumerate(sums)})
    return out


def indicators_to_csv(indicators: pd.DataFrame, path: str | Path | None = None, *, decimals: int = 3) -> str:
    """The indicators as CSV (UTF-8, comma-separated, header of field names, no geometry).

    Field names carry their units (``pv_gwh_yr``); floats are rounded to ``decimals``. Writes ``path`` when
    given; returns the text in any case.
    """
    table = pd.DataFrame(indicators.drop(columns=[c for c in indicators.columns
                                                  if c == getattr(indicators, "_geometry_column_name", None)]))
    float_cols = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    table[float_cols] = table[float_cols].round(decimals)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    text = buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
