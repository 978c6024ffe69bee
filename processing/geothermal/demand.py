"""Building heat demand: heated floor area × specific demand by use and construction period.

The specific-demand table [kWh m-2 yr-1] (space heating and domestic hot water, final energy, per m² of
heated floor area) is an ESTIMATE: the residential row follows the order of magnitude of the typical
values of the German residential building typology (TABULA DE, IWU 2015; Luxembourg has no TABULA
typology) for buildings in their current, partly refurbished state, with the ≥ 2017 period at the level of
Luxembourg's nearly-zero-energy requirement; the non-residential rows are project estimates. A region
overrides any row with ``[params.geothermal.specific_demand_kwh_m2_yr]`` and the periods with
``period_end_years``.

References
----------
Loga, T., Stein, B., Diefenbach, N. (2016). TABULA building typologies in 20 European countries.
Energy and Buildings 132, 4-12. IWU (2015): Deutsche Wohngebäudetypologie, 2nd edition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputDataError

#: Last construction year of each period but the last (the last period is open-ended): ≤1918, 1919-1948,
#: 1949-1978, 1979-1994, 1995-2008, 2009-2016, ≥2017: after the construction-year classes of the German
#: TABULA typology (IWU 2015), grouped (boundaries to 1994 as TABULA DE's), the newest period from Luxembourg's
#: nearly-zero-energy requirement. Used for every region: a region sets its own in ``[params.geothermal]
#: period_end_years`` (with its rows of ``specific_demand_kwh_m2_yr``), and the step notes the default.
PERIOD_END_YEARS: tuple[int, ...] = (1918, 1948, 1978, 1994, 2008, 2016)

#: Specific heat demand [kWh m-2 yr-1] by use (rows) and construction period (columns of PERIOD_END_YEARS
#: plus the open-ended last period). ESTIMATE, see the module docstring.
SPECIFIC_DEMAND_KWH_M2_YR: dict[str, tuple[float, ...]] = {
    "residential": (190.0, 200.0, 185.0, 145.0, 110.0, 75.0, 45.0),
    "mixed": (180.0, 185.0, 175.0, 140.0, 105.0, 75.0, 48.0),
    "commercial": (170.0, 170.0, 160.0, 130.0, 100.0, 75.0, 50.0),
    "public": (170.0, 170.0, 160.0, 130.0, 100.0, 75.0, 50.0),
    "industrial": (120.0, 120.0, 110.0, 90.0, 70.0, 55.0, 40.0),   # space heating of halls; process heat excluded
    "agricultural": (40.0, 40.0, 40.0, 35.0, 30.0, 25.0, 20.0),    # mostly unheated barns and sheds
}
#: Use of a building whose use is missing.
MISSING_USE = "residential"
#: Heated (net conditioned) floor area per gross floor area (footprint × storeys) [-]; ESTIMATE.
HEATED_AREA_FACTOR = 0.8
#: Storey height used to derive storeys from the building height when ``levels`` is missing [m].
STOREY_HEIGHT_M = 3.0
#: Kilowatt-hours per megawatt-hour.
KWH_PER_MWH = 1000.0


def building_uses(use: Sequence[str] | np.ndarray) -> np.ndarray:
    """The use of each building as the table's row name, :data:`MISSING_USE` where it is missing."""
    return pd.Series(np.asarray(use, dtype=object)).fillna(MISSING_USE).astype(str).to_numpy()


def default_rows_note(use: Sequence[str] | np.ndarray, table: Mapping[str, Sequence[float]],
                      period_end_years: Sequence[int] = PERIOD_END_YEARS) -> str | None:
    """What the step says when buildings of the uses ``use`` take their specific demand from rows of ``table``
    equal to :data:`SPECIFIC_DEMAND_KWH_M2_YR` (the region did not replace them), and whether the periods
    ``period_end_years`` are the default :data:`PERIOD_END_YEARS`; ``None`` when no default row is used."""
    rows = sorted(u for u in set(building_uses(use))
                  if u in table and tuple(table[u]) == SPECIFIC_DEMAND_KWH_M2_YR.get(u))
    if not rows:
        return None
    periods = where = ""
    if tuple(period_end_years) == PERIOD_END_YEARS:
        periods = (f" on the default construction periods period_end_years = "
                   f"{', '.join(map(str, PERIOD_END_YEARS))} (after the German TABULA typology's construction-year "
                   f"classes, grouped)")
        where = " and the periods in [params.geothermal] period_end_years"
    return (f"heat demand uses the default specific-demand rows {', '.join(rows)} (estimates for a central-European "
            f"climate: residential after the German TABULA typology, the newest period at Luxembourg's "
            f"nearly-zero-energy level; processing/geothermal/demand.py){periods}, not the region's own: set the "
            f"rows in [params.geothermal.specific_demand_kwh_m2_yr]{where}")


def specific_demand_kwh_m2_yr(
    use: Sequence[str] | np.ndarray,
    year_built: Sequence[float] | np.ndarray,
    table: Mapping[str, Sequence[float]] = SPECIFIC_DEMAND_KWH_M2_YR,
    period_end_years: Sequence[int] = PERIOD_END_YEARS,
) -> np.ndarray:
    """Specific heat demand [kWh m-2 yr-1] of each building from its use and construction year.

    A missing construction year takes the oldest period (the conservative, high-demand guess). Raises
    :class:`InputDataError` for a use the table lacks.
    """
    uses = building_uses(use)
    unknown = sorted(set(uses) - set(table))
    if unknown:
        raise InputDataError(f"buildings hold uses without a specific heat demand: {unknown}; give their row in "
                             "[params.geothermal.specific_demand_kwh_m2_yr]")
    n_periods = len(period_end_years) + 1
    for name, row in table.items():
        if len(row) != n_periods:
            raise InputDataError(f"specific_demand_kwh_m2_yr[{name!r}] has {len(row)} values; the "
                                 f"{len(period_end_years)} period_end_years define {n_periods} periods")
    years = pd.to_numeric(pd.Series(np.asarray(year_built, dtype=object)), errors="coerce").to_numpy(float)
    period = np.searchsorted(np.asarray(period_end_years, dtype=float), years, side="left")
    period = np.where(np.isnan(years), 0, period)
    rows = {name: np.asarray(row, dtype=float) for name, row in table.items()}
    out = np.empty(len(uses), dtype=float)
    for name, row in rows.items():
        sel = uses == name
        out[sel] = row[period[sel]]
    return out


def heated_floor_area_m2(
    buildings: gpd.GeoDataFrame,
    heated_area_factor: float = HEATED_AREA_FACTOR,
    storey_height_m: float = STOREY_HEIGHT_M,
) -> np.ndarray:
    """Heated floor area [m2]: a given ``heated_floor_area_m2`` column, else footprint × storeys × factor.

    Storeys come from ``levels``; where it is missing or not positive, from ``height_m / storey_height_m``
    (at least one storey).
    """
    footprint = buildings.geometry.area.to_numpy(float)
    levels = pd.to_numeric(buildings.get("levels"), errors="coerce") if "levels" in buildings else None
    levels = np.full(len(buildings), np.nan) if levels is None else levels.to_numpy(float)
    height = (pd.to_numeric(buildings["height_m"], errors="coerce").to_numpy(float) if "height_m" in buildings
              else np.full(len(buildings), np.nan))
    derived = np.maximum(1.0, np.round(np.nan_to_num(height, nan=storey_height_m) / storey_height_m))
    storeys = np.where(np.isfinite(levels) & (levels > 0), levels, derived)
    area = footprint * storeys * heated_area_factor
    if "heated_floor_area_m2" in buildings:
        given = pd.to_numeric(buildings["heated_floor_area_m2"], errors="coerce").to_numpy(float)
        area = np.where(np.isfinite(given) & (given >= 0), given, area)
    return area


def building_heat_demand(
    buildings: gpd.GeoDataFrame,
    *,
    table: Mapping[str, Sequence[float]] = SPECIFIC_DEMAND_KWH_M2_YR,
    period_end_years: Sequence[int] = PERIOD_END_YEARS,
    heated_area_factor: float = HEATED_AREA_FACTOR,
    storey_height_m: float = STOREY_HEIGHT_M,
) -> pd.DataFrame:
    """Per building: ``heated_area_m2`` [m2], ``specific_demand_kwh_m2_yr`` and ``demand_mwh_yr`` [MWh yr-1].

    The frame shares the index of ``buildings``.
    """
    for column in ("use", "year_built"):
        if column not in buildings:
            raise InputDataError(f"buildings lack the field {column!r}; map it in [inputs.buildings] fields")
    area = heated_floor_area_m2(buildings, heated_area_factor, storey_height_m)
    specific = specific_demand_kwh_m2_yr(buildings["use"].to_numpy(), buildings["year_built"].to_numpy(),
                                         table, period_end_years)
    return pd.DataFrame({"heated_area_m2": area, "specific_demand_kwh_m2_yr": specific,
                         "demand_mwh_yr": area * specific / KWH_PER_MWH}, index=buildings.index)
