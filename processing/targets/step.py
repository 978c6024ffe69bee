"""The ``targets`` step: each commune's emissions against the region's ``[targets]``, and how far the mapped
potentials carry it (layers ``climate_targets``, ``climate_target_communes``, ``climate_target_path``).

Per commune and sector of the inventory (and their total): base-year and latest emissions, the target path
(:mod:`processing.targets.trajectory`), the gap in every target year and the on-track status
(:mod:`processing.targets.gap`), and the part of each gap the potentials close (:mod:`processing.targets.coverage`):
roof PV and wind in the electricity sector, heat pumps and recovered heat in the buildings-heat sector. Every
sector is held to the same percentage as the whole (a proportional split of the region's target).

Without ``[targets]`` or without an inventory the layers are empty and the run says why: no target applies by
default (the PRO-SUD −55 % by 2030 is the demo region's, set in its region file).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.catalog import get_layer
from layers.catalog.targets import POTENTIAL_SECTORS, TARGET_SECTORS, TOTAL_SECTOR
from layers.conform import empty_layer
from layers.data import LayerData
from layers.region import ClimateTargets
from processing.emission_factors import default_factors_note
from processing.pipeline import EXPLANATION, StepContext, log_note
from processing.targets.coverage import avoided_emissions, codes_of, commune_energies
from processing.targets.gap import coverage, path_status, target_and_gap
from processing.targets.installations import FIELDS as INSTALLATION_FIELDS
from processing.targets.installations import check_installations, track
from processing.targets.inventory import base_and_latest, check_inventory, sum_mapped_sectors
from processing.targets.params import TargetsParams
from processing.targets.trajectory import allowed_share

log = logging.getLogger(__name__)

OUTPUTS = ("climate_targets", "climate_target_communes", "climate_target_path")
#: kWp per MWp.
KWP_PER_MWP = 1.0e3
#: Potential → its avoided-emissions field.
POTENTIAL_FIELDS = {p: f"{p}_t_yr" for p in POTENTIAL_SECTORS}
#: The emission factors of ``[params.targets]`` a region replaces with its own.
FACTORS = ("grid_co2_t_mwh", "heat_fuel_co2_t_mwh", "boiler_efficiency")


def _empty_outputs(crs, why: str) -> dict[str, LayerData]:
    log.warning("climate targets: %s", why, extra=EXPLANATION)
    return {layer_id: empty_layer(get_layer(layer_id), crs) for layer_id in OUTPUTS}


def target_years(plan: ClimateTargets) -> list[tuple[int, float, str]]:
    """(year, reduction [%], kind) of every target, in year order: the plan's milestones after the base year,
    neutrality at the region's ``neutrality_reduction_pct``."""
    return [(year, float(reduction), "neutrality" if year == plan.neutrality_year else "reduction")
            for year, reduction in plan.milestones()[1:]]


def with_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """The inventory's sector rows and one ``total`` row per commune, in code and sector order."""
    total = rows.groupby("code", as_index=False).agg(base_t_yr=("base_t_yr", "sum"), latest_year=("latest_year", "max"),
                                                      latest_t_yr=("latest_t_yr", "sum"))
    out = pd.concat([rows, total.assign(sector=TOTAL_SECTOR)], ignore_index=True)
    order = {s: k for k, s in enumerate(TARGET_SECTORS)}
    return out.sort_values(["code", "sector"], key=lambda c: c.map(order) if c.name == "sector" else c
                           ).reset_index(drop=True)


def credited(rows: pd.DataFrame, avoided: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Per row, what each potential avoids in the row's sector [t CO2 yr-1] (0 in sectors it does not touch),
    and what they avoid together (the sum for a sector row; for a total row, the sum of its sector rows' own,
    each held to its sector's latest emissions). Potentials whose sector the commune's inventory lacks are not
    credited (the run says so)."""
    sectors = set(zip(rows["code"], rows["sector"], strict=True))
    per = pd.DataFrame(0.0, index=rows.index, columns=list(POTENTIAL_FIELDS.values()))
    for potential, sector in POTENTIAL_SECTORS.items():
        field = POTENTIAL_FIELDS[potential]
        values = rows["code"].map(avoided[field]).fillna(0.0).to_numpy()
        has_sector = np.array([(c, sector) in sectors for c in rows["code"]])
        applies = (rows["sector"].to_numpy() == sector) | ((rows["sector"].to_numpy() == TOTAL_SECTOR) & has_sector)
        per[field] = np.where(applies, values, 0.0)
        lost = ~has_sector & (rows["sector"].to_numpy() == TOTAL_SECTOR) & (values != 0.0)
        if lost.any():
            log.warning("climate targets: the inventory of %s has no %s sector, so %s (%.0f t CO2/yr) is not "
                        "credited", ", ".join(rows.loc[lost, "code"]), sector, field, values[lost].sum(),
                        extra=EXPLANATION)
    is_total = rows["sector"].to_numpy() == TOTAL_SECTOR
    sector_avoidable = np.minimum(np.maximum(per.sum(axis=1).to_numpy(), 0.0), rows["latest_t_yr"].to_numpy())
    by_code = pd.Series(np.where(is_total, 0.0, sector_avoidable)).groupby(rows["code"].to_numpy()).sum()
    together = np.where(is_total, rows["code"].map(by_code).to_numpy(), per.sum(axis=1).to_numpy())
    return per, together


def targets_table(rows: pd.DataFrame, plan: ClimateTargets, per: pd.DataFrame, together: np.ndarray,
                  names: Mapping[str, str]) -> pd.DataFrame:
    """The ``climate_targets`` table: every row of ``rows`` (:func:`with_totals`) in every target year."""
    milestones = plan.milestones()
    base, latest = rows["base_t_yr"].to_numpy(float), rows["latest_t_yr"].to_numpy(float)
    path_latest = base * allowed_share(milestones, rows["latest_year"].to_numpy(), plan.path)
    behind, on_track, status = path_status(latest, path_latest)
    change = np.divide(100.0 * (latest - base), base, out=np.full(base.shape, np.nan), where=base > 0)
    frames = []
    for year, reduction, kind in target_years(plan):
        target, gap = target_and_gap(base, latest, reduction)
        avoidable, coverable, uncovered, share = coverage(together, latest, gap)
        frames.append(pd.DataFrame({
            "commune": rows["code"].map(names).to_numpy(), "code": rows["code"].to_numpy(),
            "sector": rows["sector"].to_numpy(), "target_year": year, "target_kind": kind,
            "reduction_pct": reduction, "base_year": plan.base_year, "base_t_yr": base,
            "latest_year": rows["latest_year"].to_numpy(int), "latest_t_yr": latest, "change_pct": change,
            "target_t_yr": target, "gap_t_yr": gap, **{c: per[c].to_numpy() for c in per.columns},
            "avoidable_t_yr": avoidable, "coverable_t_yr": coverable, "uncovered_t_yr": uncovered,
            "coverable_share_pct": share, "path_latest_t_yr": path_latest, "behind_t_yr": behind,
            "on_track": on_track, "status": status}))
    table = pd.concat(frames, ignore_index=True).sort_values(["code", "target_year"], kind="stable")
    return table[list(get_layer("climate_targets").field_names)].reset_index(drop=True)


def communes_layer(table: pd.DataFrame, communes: gpd.GeoDataFrame, plan: ClimateTargets,
                   installations: pd.DataFrame | None = None,
                   pv_potential_kwp: pd.Series | None = None) -> gpd.GeoDataFrame:
    """The ``climate_target_communes`` layer: each commune's total row in its next target year (the first after
    its latest inventory year, else the last), with the neutrality figures and the installations tracked
    against the PV potential [kWp] by code (:mod:`processing.targets.installations`)."""
    total = table[table["sector"] == TOTAL_SECTOR]
    years = sorted(set(total["target_year"]))

    def milestone(latest_year: int) -> int:
        return next((y for y in years if y > latest_year), years[-1])

    chosen = total[total["target_year"] == total["latest_year"].map(milestone)].copy()
    neutral = total[total["target_kind"] == "neutrality"].set_index("code")
    chosen["neutrality_year"] = plan.neutrality_year
    chosen["neutrality_uncovered_t_yr"] = (chosen["code"].map(neutral["uncovered_t_yr"])
                                           if plan.neutrality_year is not None else np.nan)
    tracked = track(installations, list(chosen["code"]), pv_potential_kwp if pv_potential_kwp is not None
                    else pd.Series(dtype=float), chosen.set_index("code")["target_year"])
    for name in INSTALLATION_FIELDS:
        chosen[name] = tracked[name].to_numpy()
    geometry = communes.set_index(communes["code"].astype(str)).geometry
    fields = list(get_layer("climate_target_communes").field_names)
    if plan.neutrality_year is not None:
        chosen["neutrality_year"] = chosen["neutrality_year"].astype(int)
    return gpd.GeoDataFrame(chosen[fields].reset_index(drop=True),
                            geometry=geometry.reindex(chosen["code"]).to_numpy(), crs=communes.crs)


def path_table(rows: pd.DataFrame, inventory: pd.DataFrame, plan: ClimateTargets,
               names: Mapping[str, str]) -> pd.DataFrame:
    """The ``climate_target_path`` table: every row of ``rows`` in every year from the earlier of the base year
    and the first inventory year to the last target year, with the observed emissions where the inventory has
    them (a total where the commune has any row that year)."""
    last = max(y for y, _ in plan.milestones())
    years = np.arange(min(plan.base_year, int(inventory["year"].min())), max(last, int(inventory["year"].max())) + 1)
    share = allowed_share(plan.milestones(), years, plan.path)
    totals = inventory.groupby(["code", "year"], as_index=False)["emissions_t_yr"].sum().assign(sector=TOTAL_SECTOR)
    observed = pd.concat([inventory, totals], ignore_index=True).set_index(["code", "sector", "year"])["emissions_t_yr"]
    n = len(years)
    frame = pd.DataFrame({
        "commune": np.repeat(rows["code"].map(names).to_numpy(), n), "code": np.repeat(rows["code"].to_numpy(), n),
        "sector": np.repeat(rows["sector"].to_numpy(), n), "year": np.tile(years, len(rows)),
        "path_t_yr": np.repeat(rows["base_t_yr"].to_numpy(float), n) * np.tile(share, len(rows))})
    keys = pd.MultiIndex.from_frame(frame[["code", "sector", "year"]])
    frame["observed_t_yr"] = observed.reindex(keys).to_numpy()
    return frame[list(get_layer("climate_target_path").field_names)]


def run(ctx: StepContext[TargetsParams]) -> Mapping[str, LayerData]:
    """Targets, gaps, coverage and paths per commune and sector."""
    params = ctx.params
    crs = ctx.region.crs
    plan = params.plan
    if plan is None:
        return _empty_outputs(crs, "the region sets no [targets] (base_year, reductions_pct, neutrality_year), so "
                                   "there is nothing to measure against; no target applies by default")
    inventory = ctx.table("ghg_inventory")
    if inventory is None or not len(inventory):
        return _empty_outputs(crs, "no greenhouse-gas inventory: give [inputs.ghg_inventory] (code, year, sector, "
                                   "emissions_t_yr)")
    communes = ctx.vector("communes", required=True)
    inventory = inventory.assign(code=inventory["code"].astype(str), sector=inventory["sector"].astype(str))
    check_inventory(inventory, communes["code"].astype(str), plan.base_year)
    inventory, summed = sum_mapped_sectors(inventory)
    log_note(log, "climate targets", summed)
    names = dict(zip(communes["code"].astype(str), communes["name"].astype(str), strict=True))
    absent = sorted(set(names) - set(inventory["code"]))
    if absent:
        log.warning("climate targets: the inventory has no rows for the communes %s; they are left out",
                    ", ".join(names[c] for c in absent))
    rows = with_totals(base_and_latest(inventory, plan.base_year))
    ctx.progress(0.3, f"{rows['code'].nunique()} communes, {len(set(rows['sector'])) - 1} sectors")
    indicators = ctx.vector("commune_indicators")
    if indicators is None:
        log.warning("climate targets: without commune_indicators no potential is credited against the gaps")
    log_note(log, "climate targets", default_factors_note(params, FACTORS, "[params.targets]"))
    codes = {name: code for code, name in names.items()}
    energies = commune_energies(sorted(set(rows["code"])), codes, indicators,
                                ctx.vector("heat_recovery_areas"), ctx.vector("heat_recovery_links"))
    avoided = avoided_emissions(energies, grid_co2_t_mwh=params.grid_co2_t_mwh,
                                heat_fuel_co2_t_mwh=params.heat_fuel_co2_t_mwh,
                                boiler_efficiency=params.boiler_efficiency)
    per, together = credited(rows, avoided)
    table = targets_table(rows, plan, per, together, names)
    ctx.progress(0.8, f"{len(table)} target rows")
    installations = ctx.table("installations")
    if installations is not None:
        installations = installations.assign(code=installations["code"].astype(str))
        check_installations(installations, names)
    pv_potential = None if indicators is None else pd.Series(
        indicators["pv_mwp"].to_numpy(float) * KWP_PER_MWP, index=codes_of(indicators, codes)).groupby(level=0).sum()
    return {"climate_targets": table,
            "climate_target_communes": communes_layer(table, communes, plan, installations, pv_potential),
            "climate_target_path": path_table(rows, inventory, plan, names)}
