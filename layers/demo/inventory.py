"""A SYNTHETIC greenhouse-gas inventory of the demo communes (``ghg_inventory``): t CO2e yr-1 per commune,
year and sector, for the years a climate pact's inventories typically have.

Magnitudes are per-inhabitant figures of a Luxembourg commune's territorial inventory (residents' own
mobility, without the fuel sold to non-residents and transit), rounded estimates after the national inventory
(docs/REFERENCES.md, "Climate targets"): buildings heat 3.3, electricity 1.4 (about 3.5 MWh per head at 0.40 t
CO2 MWh-1), transport 2.6, industry outside emissions trading 0.9, agriculture 0.5, waste 0.1 t CO2e per head in
2005 — 8.8 t in all. Inhabitants come from the commune's synthetic residential floor area (54 m2 per head, about
Luxembourg's dwelling floor space per person; mixed-use buildings count half) and grow by 5-35 % from 2005 to
the latest year. Each sector's emissions per head change from 2005 to 2022 by the factor below, times a commune's
own draw (the buildings-heat factor spans a commune that connected to a heat network and one that did nothing),
and move in straight lines between, with a little noise. Not real data: it only gives the demo's targets step
figures of the right order.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.demo.frame import DemoFrame

#: Inventory years of the demo [yr]: the base year, then years a commune inventory typically has.
YEARS = (2005, 2010, 2015, 2019, 2022)
#: 2005 emissions per inhabitant by sector [t CO2e yr-1] (estimates; see the module notes).
PER_HEAD_2005_T_YR = {"buildings_heat": 3.3, "electricity": 1.4, "transport": 2.6, "industry": 0.9,
                      "agriculture": 0.5, "waste": 0.1}
#: Range of each sector's per-head factor 2022 / 2005 a commune draws from [-] (electricity: a grid factor
#: falling from about 0.40 to 0.25 t MWh-1 and a little less consumption; transport: efficiency and electric
#: cars against more driving).
FACTOR_2022_RANGE = {"buildings_heat": (0.45, 0.9), "electricity": (0.5, 0.7), "transport": (0.8, 0.95),
                     "industry": (0.6, 0.95), "agriculture": (0.85, 1.0), "waste": (0.6, 0.8)}
#: Residential floor area per inhabitant [m2]; share of a building's gross floor area that is usable [-].
FLOOR_M2_PER_HEAD, USABLE_SHARE = 54.0, 0.8
#: Share of a mixed-use building's floor area that is dwellings [-].
MIXED_RESIDENTIAL_SHARE = 0.5
#: Fewest inhabitants a commune is given (communes with hardly any synthetic housing).
MIN_INHABITANTS = 500
#: Population growth from 2005 to the latest year [-].
GROWTH_RANGE = (1.05, 1.35)
#: Relative noise on every inventory value [-].
NOISE = 0.03
#: What the file says about itself (a column the reader ignores).
SOURCE_NOTE = "SYNTHETIC demo inventory (layers/demo/inventory.py); not real data"


def inhabitants(communes: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame,
                minimum: float = MIN_INHABITANTS) -> np.ndarray:
    """Inhabitants of each commune in the latest year, from its residential floor area, at least ``minimum``."""
    share = np.select([buildings["use"] == "residential", buildings["use"] == "mixed"], [1.0, MIXED_RESIDENTIAL_SHARE],
                      0.0)
    floor = buildings.geometry.area.to_numpy() * buildings["levels"].to_numpy(float) * USABLE_SHARE * share
    points = shapely.point_on_surface(np.asarray(buildings.geometry.values, dtype=object))
    tree = shapely.STRtree(np.asarray(communes.geometry.values, dtype=object))
    pairs = tree.query(points, predicate="within")
    per = np.zeros(len(communes))
    np.add.at(per, pairs[1], floor[pairs[0]])
    return np.maximum(per / FLOOR_M2_PER_HEAD, minimum)


def make_ghg_inventory(frame: DemoFrame, communes: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """The ``ghg_inventory`` table (``code``, ``year``, ``sector``, ``emissions_t_yr``, and ``source`` saying
    it is synthetic) for every commune, sector and year of :data:`YEARS`."""
    rng = frame.rng("ghg_inventory")
    latest = inhabitants(communes, buildings)
    first, last = YEARS[0], YEARS[-1]
    rows = []
    for code, people in zip(communes["code"].astype(str), latest, strict=True):
        growth = rng.uniform(*GROWTH_RANGE)
        factors = {s: rng.uniform(*r) for s, r in FACTOR_2022_RANGE.items()}
        for year in YEARS:
            t = (year - first) / (last - first)
            heads = people / growth * (1.0 + (growth - 1.0) * t)
            for sector, per_head in PER_HEAD_2005_T_YR.items():
                value = heads * per_head * (1.0 + (factors[sector] - 1.0) * t)
                noise = 1.0 if year == first else 1.0 + rng.normal(0.0, NOISE)
                rows.append((code, year, sector, round(value * noise, 1), SOURCE_NOTE))
    return pd.DataFrame(rows, columns=["code", "year", "sector", "emissions_t_yr", "source"])
