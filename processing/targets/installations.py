"""Observed installations against the potentials: what each commune has installed, its recent pace, and (for
roof PV) the pace that would realise the mapped potential by the target year.

With L the latest year of the installations table (the whole region's: a commune without rows that year
installed nothing), the pace is the mean yearly addition over the :data:`PACE_YEARS` years up to L, and the
PV pace needed is (potential − installed) / (target year − L). A kind the table never mentions stays empty
(unknown), a commune without rows of a mentioned kind has installed none.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from layers.errors import InputDataError

#: Years the recent pace is averaged over [yr].
PACE_YEARS = 3
#: Output field of the cumulative and of the pace of each kind.
KIND_FIELDS = {"pv_kwp": ("pv_installed_kwp", "pv_pace_kwp_yr"),
               "heat_pumps": ("heat_pumps_installed", "heat_pumps_pace_yr"),
               "dh_connections": ("dh_connections_installed", "dh_connections_pace_yr")}
FIELDS = ("pv_installed_kwp", "pv_potential_kwp", "pv_realised_pct", "pv_pace_kwp_yr", "pv_needed_kwp_yr",
          "heat_pumps_installed", "heat_pumps_pace_yr", "dh_connections_installed", "dh_connections_pace_yr")


def check_installations(table: pd.DataFrame, codes: Iterable[str]) -> None:
    """Raise :class:`InputDataError` naming negative additions, repeated (code, year, kind) rows and codes the
    communes input does not have."""
    problems = []
    negative = table[table["added"] < 0]
    if len(negative):
        problems.append(f"{len(negative)} rows add a negative amount (e.g. {negative.iloc[0]['code']}/"
                        f"{negative.iloc[0]['year']}/{negative.iloc[0]['kind']}): give what was installed each year")
    repeated = table[table.duplicated(["code", "year", "kind"], keep=False)]
    if len(repeated):
        problems.append(f"{len(repeated)} rows share a commune, year and kind (e.g. {repeated.iloc[0]['code']}/"
                        f"{repeated.iloc[0]['year']}/{repeated.iloc[0]['kind']}): give one row each (sum them first)")
    unknown = sorted(set(table["code"]) - set(codes))
    if unknown:
        problems.append(f"commune codes {unknown[:5]} are not in the communes input: fix or map them (values = "
                        "{ code = { ... } } in [inputs.installations])")
    if problems:
        raise InputDataError("input 'installations' cannot be used:\n  - " + "\n  - ".join(problems))


def track(table: pd.DataFrame | None, codes: list[str], pv_potential_kwp: pd.Series,
          target_year: pd.Series) -> pd.DataFrame:
    """:data:`FIELDS` per commune code (rows ``codes``); all empty without a table.

    ``pv_potential_kwp`` and ``target_year`` are indexed by code.
    """
    out = pd.DataFrame(np.nan, index=pd.Index(codes, name="code"), columns=list(FIELDS))
    if table is None or not len(table):
        return out
    latest = int(table["year"].max())
    recent = table[table["year"] > latest - PACE_YEARS]
    for kind, (installed, pace) in KIND_FIELDS.items():
        if kind not in set(table["kind"]):
            continue
        out[installed] = table[table["kind"] == kind].groupby("code")["added"].sum().reindex(out.index, fill_value=0.0)
        out[pace] = (recent[recent["kind"] == kind].groupby("code")["added"].sum()
                     .reindex(out.index, fill_value=0.0) / PACE_YEARS)
    potential = pv_potential_kwp.reindex(out.index)
    out["pv_potential_kwp"] = potential
    out["pv_realised_pct"] = 100.0 * out["pv_installed_kwp"] / potential.where(potential > 0)
    years_left = target_year.reindex(out.index) - latest
    out["pv_needed_kwp_yr"] = (potential - out["pv_installed_kwp"]).clip(lower=0.0) / years_left.where(years_left > 0)
    return out
