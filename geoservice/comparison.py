"""``geoservice compare A B``: read two scenarios from the store, compare them (:mod:`processing.comparison`)
and publish the comparison layers under the tag ``A..B``; plus the readable summary the CLI prints.

The unmodified run is the scenario ``baseline``. A scenario that was never run, or a comparison that lacks
``commune_indicators`` in either scenario, is refused with what to run.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geoservice import __version__
from geoservice.store.base import LayerVersion, Store
from geoservice.store.common import BASELINE
from layers.catalog import CATALOG, get_layer
from layers.data import Provenance
from layers.errors import ConfigError
from processing import comparison

#: API path under which ``/{name}`` serves a scenario's (or a comparison's) layers as an OGC API of its own.
SCENARIOS_PATH = "/scenarios"
#: Id of the HTTP process that compares two scenarios (the worker runs it).
COMPARE_PROCESS = "compare"
#: The comparison layers built from a pair of layers published in both scenarios (comparison layer →
#: the scenarios' layer it compares); left out, with a note, when either scenario lacks that layer.
_PAIRWISE = {"comparison_wind_areas": "wind_eligible_areas", "comparison_wind_sites": "wind_turbine_sites",
             "comparison_candidate_ranks": "test_district_candidates"}
_FUNCTIONS = {"comparison_wind_areas": comparison.wind_area_changes, "comparison_wind_sites": comparison.site_changes,
              "comparison_candidate_ranks": comparison.rank_moves}


@dataclass
class ScenarioComparison:
    """A published comparison of scenario ``b`` against ``a`` (every delta B − A)."""

    a: str
    b: str
    layers: dict[str, Any]
    versions: list[LayerVersion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        """The scenario tag the comparison layers are published under."""
        return comparison_tag(self.a, self.b)


def comparison_tag(a: str, b: str) -> str:
    return f"{a}..{b}"


def run_scenarios(store: Store) -> list[str]:
    """The scenarios with published versions (comparison tags left out), baseline first."""
    names = [s for s in store.scenarios() if ".." not in s]
    return sorted(names, key=lambda s: (s != BASELINE, s))


def check_pair(store: Store, a: str, b: str) -> None:
    """ConfigError saying what to run when ``a`` or ``b`` has never been run, or when they are the same."""
    available = run_scenarios(store)
    for name in (a, b):
        if name in available:
            continue
        close = difflib.get_close_matches(name, available, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        how = "`geoservice run`" if name == BASELINE else f"`geoservice run --scenario {name}`"
        raise ConfigError(f"scenario {name!r} has not been run{hint}; run it first with {how} (the region file's "
                          f"[scenarios.<name>]); scenarios run so far: {', '.join(available) or 'none'}")
    if a == b:
        raise ConfigError(f"compare two different scenarios, e.g. `geoservice compare {BASELINE} {a}`"
                          if a != BASELINE else "compare the baseline with a scenario: `geoservice compare baseline NAME`")


def _layer_table(store_a: Store, store_b: Store) -> pd.DataFrame:
    """Every layer published in A or B: versions, whether B computed it differently, sizes."""
    in_a = {v.layer_id: v for v in store_a.published()}
    in_b = {v.layer_id: v for v in store_b.published()}
    rows = []
    for layer_id in [i for i in CATALOG if i in in_a or i in in_b]:
        va, vb = in_a.get(layer_id), in_b.get(layer_id)
        changed = (va is None or vb is None
                   or va.provenance.get("cache_key") != vb.provenance.get("cache_key"))
        rows.append({"layer_id": layer_id, "version_a": va.version if va else None,
                     "version_b": vb.version if vb else None, "changed": bool(changed),
                     "features_a": va.feature_count if va else None, "features_b": vb.feature_count if vb else None})
    frame = pd.DataFrame(rows, columns=["layer_id", "version_a", "version_b", "changed", "features_a", "features_b"])
    for name in ("version_a", "version_b", "features_a", "features_b"):
        frame[name] = frame[name].astype("Int64")
    return frame


def compare_scenarios(store: Store, a: str, b: str, *, job_id: str = "local") -> ScenarioComparison:
    """Compare scenario ``b`` with ``a`` and publish the comparison layers under ``A..B`` (a rerun with the
    same versions on both sides reuses the published comparison)."""
    check_pair(store, a, b)
    store_a, store_b = store.for_scenario(a), store.for_scenario(b)
    for name, side in ((a, store_a), (b, store_b)):
        if side.current("commune_indicators") is None:
            raise ConfigError(f"scenario {name!r} has no commune_indicators; run the districts step in it "
                              f"(`geoservice run{'' if name == BASELINE else ' --scenario ' + name}`)")
    notes: list[str] = []
    spec = get_layer("commune_indicators")
    units = {f.name: f.unit for f in spec.fields if f.dtype in ("int", "float")}
    indicators_a, indicators_b = store_a.read_vector("commune_indicators"), store_b.read_vector("commune_indicators")
    inputs = {"commune_indicators": (store_a.current("commune_indicators"), store_b.current("commune_indicators"))}
    targets = (store_a.current("climate_target_communes"), store_b.current("climate_target_communes"))
    if None in targets:
        notes.append(f"climate_target_communes is not published in {a if targets[0] is None else b}: no change "
                     "of the target gap")
        target_frames = (None, None)
    else:
        inputs["climate_target_communes"] = targets
        target_frames = (store_a.read_vector("climate_target_communes"),
                         store_b.read_vector("climate_target_communes"))
    layers: dict[str, Any] = {
        "comparison_indicators": comparison.indicator_deltas(indicators_a, indicators_b, units),
        "comparison_emissions": comparison.emissions_effect(indicators_a, indicators_b, *target_frames),
    }
    for out_id, layer_id in _PAIRWISE.items():
        va, vb = store_a.current(layer_id), store_b.current(layer_id)
        if va is None or vb is None:
            notes.append(f"{layer_id} is not published in {a if va is None else b}: no {out_id}")
            continue
        inputs[layer_id] = (va, vb)
        layers[out_id] = _FUNCTIONS[out_id](store_a.read_vector(layer_id), store_b.read_vector(layer_id))
    layers["comparison_layers"] = _layer_table(store_a, store_b)
    checksums = {f"{layer_id}@{side}": f"v{v.version}" for layer_id, pair in inputs.items()
                 for side, v in zip((a, b), pair)}
    key = hashlib.sha256(json.dumps({"compare": [a, b], "inputs": checksums, "code": __version__},
                                    sort_keys=True).encode()).hexdigest()
    source = inputs["commune_indicators"][1].provenance
    provenance = Provenance(job_id, "compare", {"a": a, "b": b}, checksums, __version__, key,
                            bool(source.get("synthetic")), source.get("region"))
    published = store.for_scenario(comparison_tag(a, b)).publish_layers(layers, provenance)
    return ScenarioComparison(a, b, layers, list(published), notes)


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:+,.{digits}f}" if value else f"{0:,.{digits}f}"


def summary_lines(result: ScenarioComparison) -> list[str]:
    """The comparison in a few readable lines: what changed, and whether choosing B raises or lowers
    emissions and by how much."""
    a, b = result.a, result.b
    lines = [f"Comparison of {b} against {a} (every change is {b} − {a}); published as scenario {result.tag!r}"]
    table = result.layers["comparison_layers"]
    changed = table.loc[table["changed"], "layer_id"].tolist()
    lines.append(f"Layers recomputed differently: {', '.join(changed) or 'none'} "
                 f"({len(changed)} of {len(table)}; the others are the same computation)")
    emissions = result.layers["comparison_emissions"]
    avoid_a, avoid_b = emissions["co2_avoidable_a_t_yr"].sum(), emissions["co2_avoidable_b_t_yr"].sum()
    renew_a, renew_b = emissions["renewable_a_gwh_yr"].sum(), emissions["renewable_b_gwh_yr"].sum()
    change = -(avoid_b - avoid_a)
    if abs(change) < comparison.UNCHANGED_T_YR:
        verdict = "does not change emissions"
    else:
        verdict = f"{'lowers' if change < 0 else 'raises'} emissions by {abs(change):,.0f} t CO2/yr"
    lines.append(f"Emissions: choosing {b} instead of {a} {verdict} (CO2 the mapped potentials can avoid: "
                 f"{avoid_a:,.0f} → {avoid_b:,.0f} t/yr; renewable potential {renew_a:,.1f} → {renew_b:,.1f} GWh/yr)")
    if emissions["gap_change_t_yr"].notna().any():
        year = int(emissions["target_year"].dropna().iloc[0])
        gap_a, gap_b = emissions["uncovered_a_t_yr"].sum(), emissions["uncovered_b_t_yr"].sum()
        lines.append(f"Climate target {year}: the gap the mapped potentials leave uncovered goes from {gap_a:,.0f} to "
                     f"{gap_b:,.0f} t CO2e/yr ({_fmt(gap_b - gap_a)} t; negative is closer to the target)")
    moved = emissions[emissions["effect"] != "unchanged"].sort_values("emissions_change_t_yr")
    for row in moved.itertuples():
        lines.append(f"  {row.commune}: {row.effect} by {abs(row.emissions_change_t_yr):,.0f} t CO2/yr")
    areas = result.layers.get("comparison_wind_areas")
    if areas is not None:
        gained = areas.loc[areas["change"] == "gained", "area_ha"].sum()
        lost = areas.loc[areas["change"] == "lost", "area_ha"].sum()
        lines.append(f"Wind-eligible land: {gained:,.1f} ha gained, {lost:,.1f} ha lost (net {_fmt(gained - lost, 1)} ha)")
    sites = result.layers.get("comparison_wind_sites")
    if sites is not None:
        added, removed = sites[sites["change"] == "added"], sites[sites["change"] == "removed"]
        lines.append(f"Wind-turbine sites: {len(added)} added ({added['capacity_mw'].sum():,.1f} MW, "
                     f"{added['aep_net_mwh_yr'].sum():,.0f} MWh/yr), {len(removed)} removed "
                     f"({removed['capacity_mw'].sum():,.1f} MW, {removed['aep_net_mwh_yr'].sum():,.0f} MWh/yr)")
    ranks = result.layers.get("comparison_candidate_ranks")
    if ranks is not None:
        counts = ranks["move"].value_counts()
        lines.append("Test-district candidates: " + ", ".join(f"{counts.get(m, 0)} {m}" for m in
                                                               ("up", "down", "same")))
        movers = ranks[ranks["rank_change"].fillna(0) != 0].copy()
        movers["size"] = movers["rank_change"].abs()
        for row in movers.sort_values(["size", "candidate_id"], ascending=[False, True]).head(5).itertuples():
            lines.append(f"  {row.candidate_id} ({row.name if isinstance(row.name, str) else row.commune}): "
                         f"rank {row.rank_a} → {row.rank_b}")
    deltas = result.layers["comparison_indicators"]
    region = deltas[(deltas["commune"] == comparison.ALL_COMMUNES) & (deltas["delta"].abs() > 1e-9)]
    if len(region):
        lines.append("Indicators that changed (all communes):")
        for row in region.itertuples():
            lines.append(f"  {row.indicator}: {row.value_a:,.2f} → {row.value_b:,.2f} ({_fmt(row.delta, 2)} "
                         f"{row.unit})".rstrip())
    lines += [f"Note: {n}" for n in result.notes]
    return lines
