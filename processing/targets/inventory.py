"""The greenhouse-gas inventory checked against the communes and the base year, and reduced to what the
targets need: base-year and latest emissions per commune and sector [t CO2e yr-1].

Every problem is found at once and named with what to fix (:func:`check_inventory`): negative emissions,
a (commune, year, source sector) given twice, codes the communes input does not have, a commune or sector
without the base year, a sector missing from a commune's latest year.

Real inventories split sectors finer than the canonical ones (Résidentiel and Tertiaire; Kaukolämpö,
Sähkölämmitys and Öljylämmitys): rows of several source sectors that the input's ``values`` map onto one sector
are summed per code, year and sector (:func:`sum_mapped_sectors`), told apart from a double entry by the source
sector the reader keeps in ``sector_source``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from layers.errors import InputDataError

#: Examples shown per problem.
EXAMPLES = 5
#: The optional column holding each row's sector as the source names it (filled by :mod:`layers.sources`).
SOURCE_SECTOR = "sector_source"
#: The columns of a summed inventory.
COLUMNS = ["code", "year", "sector", "emissions_t_yr"]


def _rows(frame: pd.DataFrame) -> str:
    shown = [f"{r.code}/{r.year}/{r.sector} = {r.emissions_t_yr:g}" for r in frame.head(EXAMPLES).itertuples()]
    return ", ".join(shown) + (f" and {len(frame) - EXAMPLES} more" if len(frame) > EXAMPLES else "")


def source_sectors(inventory: pd.DataFrame) -> pd.Series:
    """Each row's sector as the source names it: ``sector_source`` where given, else ``sector``."""
    if SOURCE_SECTOR not in inventory:
        return inventory["sector"].astype(str)
    given = inventory[SOURCE_SECTOR]
    return given.where(given.notna(), inventory["sector"]).astype(str)


def _source_rows(frame: pd.DataFrame) -> str:
    """Rows named by their source sector, with the sector it maps onto when that differs."""
    shown = [f"{r.code}/{r.year}/{r.source}{'' if r.source == r.sector else f' ({r.sector})'} = "
             f"{r.emissions_t_yr:g}" for r in frame.head(EXAMPLES).itertuples()]
    return ", ".join(shown) + (f" and {len(frame) - EXAMPLES} more" if len(frame) > EXAMPLES else "")


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    pairs = list(pairs)
    shown = ", ".join(f"{c}/{s}" for c, s in pairs[:EXAMPLES])
    return shown + (f" and {len(pairs) - EXAMPLES} more" if len(pairs) > EXAMPLES else "")


def check_inventory(inventory: pd.DataFrame, codes: Iterable[str], base_year: int) -> None:
    """Raise :class:`InputDataError` listing every problem of ``inventory`` (``code``, ``year``, ``sector``,
    ``emissions_t_yr``) against the communes' ``codes`` and the targets' ``base_year``."""
    problems: list[str] = []
    negative = inventory[inventory["emissions_t_yr"] < 0]
    if len(negative):
        problems.append(f"{len(negative)} rows have negative emissions ({_rows(negative)}): emissions are ≥ 0 t "
                        "CO2e/yr; fix these rows (sinks and removals are not part of this inventory)")
    keys = ["code", "year", "source"]
    sourced = inventory.assign(source=source_sectors(inventory))
    repeated = sourced[sourced.duplicated(keys, keep=False)].sort_values(keys)
    if len(repeated):
        problems.append(f"{len(repeated)} rows share a commune, year and source sector ({_source_rows(repeated)}): "
                        "a double entry in the source; give one row per code, year and sector (rows of different "
                        "source sectors that values map onto one sector are summed)")
    known = set(map(str, codes))
    unknown = sorted(set(inventory["code"]) - known)
    if unknown:
        problems.append(f"commune codes {unknown[:EXAMPLES]}{' ...' if len(unknown) > EXAMPLES else ''} are not in "
                        f"the communes input (its codes: {', '.join(sorted(known)[:12])}"
                        f"{' ...' if len(known) > 12 else ''}); fix them or map them with values = {{ code = "
                        "{ \"<inventory code>\" = \"<commune code>\" } } in [inputs.ghg_inventory]")
    years = sorted(set(inventory["year"]))
    in_base = inventory[inventory["year"] == base_year]
    without_base = sorted(set(inventory["code"]) - set(in_base["code"]))
    if without_base:
        problems.append(f"communes {without_base[:EXAMPLES]}{' ...' if len(without_base) > EXAMPLES else ''} have "
                        f"no rows for the base year {base_year} ([targets] base_year; the inventory has the years "
                        f"{', '.join(map(str, years))}): add their base-year emissions or choose a base year all "
                        "communes have")
    else:
        base_pairs = set(zip(in_base["code"], in_base["sector"], strict=True))
        later = set(zip(inventory["code"], inventory["sector"], strict=True)) - base_pairs
        if later:
            problems.append(f"sectors {_pairs(sorted(later))} (code/sector) have later years but no base-year "
                            f"{base_year} row: add it (0 if the sector did not emit then)")
    latest = inventory.groupby("code")["year"].transform("max")
    in_latest = inventory[inventory["year"] == latest]
    latest_pairs = set(zip(in_latest["code"], in_latest["sector"], strict=True))
    dropped = sorted(set(zip(inventory["code"], inventory["sector"], strict=True)) - latest_pairs)
    if dropped:
        problems.append(f"sectors {_pairs(dropped)} (code/sector) are missing from their commune's latest year: "
                        "give every sector in every year (0 if it stopped emitting)")
    if problems:
        raise InputDataError("input 'ghg_inventory' cannot be used:\n  - " + "\n  - ".join(problems))


def sum_mapped_sectors(inventory: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """One row per code, year and sector (``code``, ``year``, ``sector``, ``emissions_t_yr``), the rows of several
    source sectors mapped onto one sector summed; and a note naming, per sector, the source sectors summed into it
    and how many rows (empty when nothing was summed). The inventory must have passed :func:`check_inventory`."""
    keys = ["code", "year", "sector"]
    frame = inventory.assign(source=source_sectors(inventory))
    merged = frame[frame.groupby(keys)["emissions_t_yr"].transform("size") > 1]
    summed = frame.groupby(keys, as_index=False)["emissions_t_yr"].sum()[COLUMNS]
    if merged.empty:
        return summed, ""
    parts = []
    for sector, rows in merged.groupby("sector", sort=True):
        sources = ", ".join(dict.fromkeys(rows["source"]))
        parts.append(f"{sources} into {sector} ({len(rows)} rows into {rows.groupby(['code', 'year']).ngroups})")
    return summed, ("the inventory's rows of several source sectors mapped onto one sector were summed per "
                    "commune and year: " + "; ".join(parts))


def base_and_latest(inventory: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """One row per commune code and sector: ``base_t_yr``, ``latest_year`` (the commune's latest inventory
    year), ``latest_t_yr``; in code and sector order. The inventory must have passed :func:`check_inventory`."""
    base = inventory[inventory["year"] == base_year].set_index(["code", "sector"])["emissions_t_yr"]
    latest_year = inventory.groupby("code")["year"].max()
    latest = inventory[inventory["year"] == inventory["code"].map(latest_year)]
    out = latest.set_index(["code", "sector"])["emissions_t_yr"].rename("latest_t_yr").to_frame()
    out["base_t_yr"] = base.reindex(out.index).to_numpy()
    out = out.reset_index()
    out["latest_year"] = out["code"].map(latest_year).astype(int)
    return out[["code", "sector", "base_t_yr", "latest_year", "latest_t_yr"]].sort_values(
        ["code", "sector"]).reset_index(drop=True)
