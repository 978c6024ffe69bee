"""What changes from scenario A to scenario B: pure functions on the two scenarios' published layers.

Every delta is B − A. The layers they build are declared in ``layers/catalog/comparisons.py``; the glue that
reads the two scenarios from a store and publishes the comparison is :mod:`geoservice.comparison`.

- Indicators: each numeric field of ``commune_indicators`` per commune (matched by name) and summed over
  the region.
- Emissions: avoidable CO2 (``co2_avoidable_t_yr``: PV + wind + heat pumps, net of their electricity; see
  ``processing/emission_factors.py``) is what the mapped potentials can take off the communes' emissions, so
  choosing B changes emissions by −(avoidable B − avoidable A) [t CO2 yr-1]; where the targets step ran in both,
  also the change of the gap to the next climate target that the potentials leave uncovered.
- Wind-eligible land: gained = B \\ A, lost = A \\ B of the dissolved ``wind_eligible_areas`` (parts smaller
  than :data:`MIN_PART_M2` are noise of the two overlays and dropped).
- Turbine sites: matched by position within :data:`SITE_MATCH_M`.
- Test-district candidates: matched by ``candidate_id``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Parts of gained or lost wind land below this area [m2] are dropped (slivers of the overlay of two
#: polygon sets cut from the same 10 m grid; a cell is 100 m2).
MIN_PART_M2 = 1.0
#: Two turbine sites closer than this [m] are the same site.
SITE_MATCH_M = 0.5
#: |emissions change| below this [t CO2 yr-1] counts as unchanged (rounding of the indicators).
UNCHANGED_T_YR = 0.5
#: Name of the region-wide row of the indicator comparison.
ALL_COMMUNES = "all communes"


def indicator_deltas(a: pd.DataFrame, b: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """One row per commune and numeric indicator (``units``: field → unit) plus the region totals:
    value in A, in B, B − A and (B − A) / A [%] (empty when A is 0)."""
    left = a.set_index("commune")
    right = b.set_index("commune")
    communes = list(dict.fromkeys([*left.index, *right.index]))
    rows = []
    for commune in [*communes, ALL_COMMUNES]:
        for field, unit in units.items():
            if commune == ALL_COMMUNES:
                va, vb = float(left[field].sum()), float(right[field].sum())
            else:
                va = float(left.at[commune, field]) if commune in left.index else np.nan
                vb = float(right.at[commune, field]) if commune in right.index else np.nan
            delta = vb - va
            pct = delta / va * 100.0 if np.isfinite(va) and va != 0 and np.isfinite(vb) else np.nan
            rows.append({"commune": commune, "indicator": field, "unit": unit, "value_a": va, "value_b": vb,
                         "delta": delta, "delta_pct": pct})
    return pd.DataFrame(rows, columns=["commune", "indicator", "unit", "value_a", "value_b", "delta", "delta_pct"])


def emissions_effect(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, targets_a: gpd.GeoDataFrame | None = None,
                     targets_b: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Per commune (B's outlines): renewable potential and avoidable CO2 in A and B, the emissions change of
    choosing B [t CO2 yr-1] = −(avoidable B − avoidable A), and whether that lowers or raises emissions.

    With both scenarios' ``climate_target_communes`` (the targets step): the gap to the next target the mapped
    potentials leave uncovered in A and in B [t CO2e yr-1], and its change B − A (negative: B brings the commune
    closer to its target); empty where either side has no target row.
    """
    left = a.set_index("commune")
    out = b[["commune", "code", "geometry"]].copy()
    out["renewable_a_gwh_yr"] = out["commune"].map(left["renewable_gwh_yr"]).fillna(0.0).to_numpy(float)
    out["renewable_b_gwh_yr"] = b["renewable_gwh_yr"].to_numpy(float)
    out["co2_avoidable_a_t_yr"] = out["commune"].map(left["co2_avoidable_t_yr"]).fillna(0.0).to_numpy(float)
    out["co2_avoidable_b_t_yr"] = b["co2_avoidable_t_yr"].to_numpy(float)
    change = -(out["co2_avoidable_b_t_yr"] - out["co2_avoidable_a_t_yr"])
    out["emissions_change_t_yr"] = change
    out["effect"] = np.where(change <= -UNCHANGED_T_YR, "lowers emissions",
                             np.where(change >= UNCHANGED_T_YR, "raises emissions", "unchanged"))
    out["target_year"] = pd.array([pd.NA] * len(out), dtype="Int64")
    for column in ("uncovered_a_t_yr", "uncovered_b_t_yr", "gap_change_t_yr"):
        out[column] = np.nan
    if targets_a is not None and targets_b is not None and len(targets_a) and len(targets_b):
        gap_a = targets_a.set_index("commune")["uncovered_t_yr"]
        gap_b = targets_b.set_index("commune")
        out["target_year"] = out["commune"].map(gap_b["target_year"]).astype("Int64")
        out["uncovered_a_t_yr"] = out["commune"].map(gap_a).to_numpy(float)
        out["uncovered_b_t_yr"] = out["commune"].map(gap_b["uncovered_t_yr"]).to_numpy(float)
        out["gap_change_t_yr"] = out["uncovered_b_t_yr"] - out["uncovered_a_t_yr"]
    return out.reset_index(drop=True)


def _parts(geom, change: str, crs) -> gpd.GeoDataFrame:
    parts = [p for p in shapely.get_parts(geom) if p.area >= MIN_PART_M2] if geom is not None else []
    return gpd.GeoDataFrame({"change": [change] * len(parts), "area_ha": [p.area / 1e4 for p in parts]},
                            geometry=parts, crs=crs)


def wind_area_changes(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Wind-eligible land gained (B \\ A) and lost (A \\ B), one polygon per part, with its area [ha]."""
    crs = b.crs or a.crs
    union_a = shapely.union_all(shapely.make_valid(a.geometry.values)) if len(a) else shapely.Polygon()
    union_b = shapely.union_all(shapely.make_valid(b.geometry.values)) if len(b) else shapely.Polygon()
    gained = _parts(shapely.difference(union_b, union_a), "gained", crs)
    lost = _parts(shapely.difference(union_a, union_b), "lost", crs)
    polygons = [g for g in (gained, lost) if len(g)]
    if not polygons:
        return gpd.GeoDataFrame({"change": [], "area_ha": []}, geometry=[], crs=crs)
    out = pd.concat(polygons, ignore_index=True)
    keep = out.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    return gpd.GeoDataFrame(out[keep].reset_index(drop=True), geometry="geometry", crs=crs)


def site_changes(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turbine sites of B without a site of A within :data:`SITE_MATCH_M` (added) and the reverse (removed)."""
    crs = b.crs or a.crs
    fields = ["capacity_mw", "aep_net_mwh_yr", "commune"]

    def unmatched(these: gpd.GeoDataFrame, others: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if not len(others):
            return these
        tree = shapely.STRtree(others.geometry.values)
        hits = tree.query(these.geometry.values, predicate="dwithin", distance=SITE_MATCH_M)
        matched = np.zeros(len(these), dtype=bool)
        matched[hits[0]] = True
        return these[~matched]

    added = unmatched(b, a)[fields + ["geometry"]].assign(change="added")
    removed = unmatched(a, b)[fields + ["geometry"]].assign(change="removed")
    out = pd.concat([added, removed], ignore_index=True)
    return gpd.GeoDataFrame(out[["change", *fields, "geometry"]], geometry="geometry", crs=crs)


def rank_moves(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every candidate of A or B (matched by ``candidate_id``; B's outline and name where it has one) with
    its rank and score in each, ``rank_change`` = rank A − rank B (positive: moved up) and how it moved."""
    cols = ["candidate_id", "name", "commune", "rank", "score", "geometry"]
    merged = pd.merge(b[cols], a[cols], on="candidate_id", how="outer", suffixes=("_b", "_a"))
    geometry = merged["geometry_b"].where(merged["geometry_b"].notna(), merged["geometry_a"])
    rank_a = merged["rank_a"].astype("Int64")
    rank_b = merged["rank_b"].astype("Int64")
    change = rank_a - rank_b
    move = np.select(
        [rank_a.isna().to_numpy() & rank_b.isna().to_numpy(), rank_a.isna().to_numpy(), rank_b.isna().to_numpy(),
         (change > 0).fillna(False).to_numpy(), (change < 0).fillna(False).to_numpy()],
        ["same", "ranked in B only", "ranked in A only", "up", "down"], default="same")
    out = gpd.GeoDataFrame({
        "candidate_id": merged["candidate_id"],
        "name": merged["name_b"].where(merged["name_b"].notna(), merged["name_a"]),
        "commune": merged["commune_b"].where(merged["commune_b"].notna(), merged["commune_a"]),
        "rank_a": rank_a, "rank_b": rank_b, "rank_change": change,
        "score_a": merged["score_a"].astype(float), "score_b": merged["score_b"].astype(float),
        "move": move}, geometry=gpd.GeoSeries(geometry.values, crs=b.crs or a.crs), crs=b.crs or a.crs)
    order = np.lexsort((out["candidate_id"].to_numpy(str), out["rank_b"].fillna(10**9).to_numpy(np.int64)))
    return out.iloc[order].reset_index(drop=True)
