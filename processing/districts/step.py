"""The districts step: candidate units → criteria → hard constraints → ranking → explanations, and the
commune indicators."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.catalog import get_layer
from layers.communes import commune_of
from layers.data import LayerData
from processing.districts.criteria import compute_criteria
from processing.districts.explain import explain
from processing.districts.indicators import commune_indicators
from processing.districts.mcda import ahp_weights
from processing.districts.overlay import M2_PER_HA
from processing.districts.params import DistrictsParams
from processing.districts.ranking import rank_candidates
from processing.districts.units import candidate_units
from processing.emission_factors import default_factors_note
from processing.pipeline import StepContext, log_note

log = logging.getLogger(__name__)

REQUIRED_INPUTS = ("communes", "buildings")
#: The emission factors of ``[params.districts]`` (the commune indicators' CO2) a region replaces with its own.
FACTORS = ("grid_co2_t_mwh", "gas_co2_t_mwh", "boiler_efficiency")
#: Optional region inputs; the other analyses' layers come from their steps' ``district_layers``.
OPTIONAL_INPUTS = ("roads", "transit_stops", "brownfields", "flood_zones", "protected_areas", "districts")
#: Rank fields: nullable integers (empty for excluded units).
_INT64 = ("rank", "wlc_rank", "topsis_rank", "rank_min", "rank_max")


def exclusion_reasons(values: pd.DataFrame, params: DistrictsParams) -> list[str | None]:
    """Hard constraints per unit: ``None`` when none applies, else the reasons joined by '; '.

    A unit is excluded when more than ``max_flood_share`` of it lies in a flood zone, more than
    ``max_natura2000_share`` in Natura 2000, or — when geothermal is the plan — more than
    ``max_forbidden_drilling_share`` where drilling is forbidden. A missing layer excludes nothing.
    """
    rules = [("flood_share", params.max_flood_share, "in a flood zone"),
             ("natura2000_share", params.max_natura2000_share, "in Natura 2000")]
    if params.geothermal_is_plan:
        rules.append(("forbidden_drilling_share", params.max_forbidden_drilling_share,
                      "where drilling is forbidden (geothermal is the heat plan)"))
    reasons = []
    for i in range(len(values)):
        hits = []
        for column, limit, text in rules:
            v = values[column].iloc[i]
            if pd.notna(v) and v > limit:
                hits.append(f"{round(100 * float(v)):d} % {text}")
        reasons.append("; ".join(hits) if hits else None)
    return reasons


def rank_districts(units: gpd.GeoDataFrame, inputs: Mapping[str, object], params: DistrictsParams,
                   communes: gpd.GeoDataFrame, progress=lambda f, m: None) -> gpd.GeoDataFrame:
    """The ``test_district_candidates`` layer for ``units`` (see :func:`run`)."""
    values = compute_criteria(units, inputs, params)
    progress(0.6, "hard constraints and ranking")
    reasons = exclusion_reasons(values, params)
    eligible = np.array([r is None for r in reasons], dtype=bool)
    weights = params.criterion_weights()
    ids = units["candidate_id"].astype(str).tolist()
    ranking, used = rank_candidates(values, eligible, weights, ids, params.method, params.sensitivity_change)
    log.info("weights used: %s", ", ".join(f"{k} {w:.3f}" for k, w in used.items()))
    sentences = explain(values, ranking, used, reasons, values["corridor_networks"].tolist(),
                        params.sensitivity_change)
    frame = pd.concat([units.drop(columns="geometry").reset_index(drop=True),
                       values.reset_index(drop=True), ranking.reset_index(drop=True)], axis=1)
    frame["commune"] = commune_of(units, communes, "representative_point")
    frame["area_ha"] = units.geometry.area.to_numpy() / M2_PER_HA
    frame["buildings"] = frame["buildings"].astype(int)
    frame["method"] = params.method
    frame["ahp_consistency_ratio"] = params.consistency_ratio()
    frame["excluded"] = ~eligible
    frame["exclusion_reason"] = reasons
    frame["explanation"] = sentences
    fields = get_layer("test_district_candidates").field_names
    out = gpd.GeoDataFrame({f: frame[f].to_numpy() if f not in _INT64 else frame[f].astype("Int64").array
                            for f in fields}, geometry=units.geometry.values, crs=units.crs)
    if not params.keep_excluded:
        out = out.loc[~out["excluded"]].reset_index(drop=True)
    return out


def run(ctx: StepContext[DistrictsParams]) -> Mapping[str, LayerData]:
    """Rank test-district candidates and sum the commune indicators.

    Candidate units come from the districts input, road-bounded blocks or a hexagon grid (``unit_mode``),
    plus every brownfield. Criteria come from the other analyses' layers; a missing optional layer drops its
    criterion (with a warning) and counts as zero in the indicators.
    """
    params = ctx.params
    communes = ctx.require("communes")
    buildings = ctx.require("buildings")
    inputs = dict(ctx.inputs)
    if params.weighting == "ahp":
        log.info("AHP weights %s, consistency ratio %.3f", dict(zip(params.ahp_criteria, ahp_weights(
            params.ahp_matrix).weights.round(3), strict=True)), params.consistency_ratio())
    ctx.progress(0.05, "candidate units")
    outline = shapely.union_all(np.asarray(communes.geometry.values, dtype=object))
    units = candidate_units(buildings=buildings, roads=inputs.get("roads"), brownfields=inputs.get("brownfields"),
                            districts=inputs.get("districts"), outline=outline, params=params, crs=ctx.region.crs)
    ctx.progress(0.2, f"criteria of {len(units)} candidate units")
    candidates = rank_districts(units, inputs, params, communes, ctx.progress)
    ctx.progress(0.85, "commune indicators")
    indicators = commune_indicators(communes, inputs, candidates, params)
    log_note(log, "commune indicators", default_factors_note(params, FACTORS, "[params.districts]"))
    indicators = indicators.set_crs(ctx.region.crs, allow_override=True)
    ranked = candidates["rank"].notna().sum()
    ctx.progress(1.0, f"{len(candidates)} candidates ({ranked} ranked), {len(indicators)} communes")
    return {"test_district_candidates": candidates, "commune_indicators": indicators}
