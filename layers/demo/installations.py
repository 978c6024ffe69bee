"""A SYNTHETIC table of observed installations in the demo communes (``installations``): roof PV added [kWp],
heat pumps and district-heating connections added [units] per commune and year, 2017 to 2022 (the inventory's
latest year), so the targets step can track each commune's pace against its potentials.

Magnitudes scale with the commune's inhabitants (:func:`layers.demo.inventory.inhabitants`, without the
inventory's floor: a commune without housing has no rows, so it installed nothing) and follow the order
of Luxembourg's national additions per inhabitant (rounded estimates, docs/REFERENCES.md "Climate targets"):
roof PV rising from about 15 W to 130 W added per head and year, heat pumps from about 1.5 to 4.5 per 1,000
inhabitants and year; each commune draws its own factor on both. District-heating connections, about 0.5-1.5
per 1,000 inhabitants and year, only in the towns large enough to run a heat network. Not real data: it only
gives the demo's targets step installed totals and paces of the right order.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.demo.frame import DemoFrame
from layers.demo.inventory import inhabitants

#: Years of the demo table [yr]; the last is the inventory's latest year.
YEARS = (2017, 2018, 2019, 2020, 2021, 2022)
#: Roof PV added per inhabitant in each year [W per head] (estimates; see the module notes).
PV_W_PER_HEAD = {2017: 15.0, 2018: 20.0, 2019: 40.0, 2020: 50.0, 2021: 90.0, 2022: 130.0}
#: Heat pumps added per 1,000 inhabitants in each year [units] (estimates).
HEAT_PUMPS_PER_1000 = {2017: 1.5, 2018: 1.8, 2019: 2.2, 2020: 2.8, 2021: 3.5, 2022: 4.5}
#: Range of a commune's own factor on the PV and heat-pump figures [-].
COMMUNE_FACTOR_RANGE = (0.6, 1.4)
#: Fewest inhabitants of a commune with a heat network; connections added per 1,000 inhabitants and year there.
DH_MIN_INHABITANTS = 3000
DH_CONNECTIONS_PER_1000_RANGE = (0.5, 1.5)
#: Relative noise on each year's PV addition [-].
NOISE = 0.1
#: W per kW.
W_PER_KW = 1.0e3
#: What the file says about itself (a column the reader ignores).
SOURCE_NOTE = "SYNTHETIC demo installations (layers/demo/installations.py); not real data"


def make_installations(frame: DemoFrame, communes: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """The ``installations`` table (``code``, ``year``, ``kind``, ``added``, and ``source`` saying it is
    synthetic): one row per inhabited commune, year of :data:`YEARS` and kind (``dh_connections`` only where the
    commune has a heat network)."""
    rng = frame.rng("installations")
    rows = []
    for code, people in zip(communes["code"].astype(str), inhabitants(communes, buildings, minimum=0.0), strict=True):
        if people <= 0:
            continue
        factor = rng.uniform(*COMMUNE_FACTOR_RANGE)
        dh_rate = rng.uniform(*DH_CONNECTIONS_PER_1000_RANGE) if people >= DH_MIN_INHABITANTS else None
        for year in YEARS:
            pv_kwp = people * PV_W_PER_HEAD[year] / W_PER_KW * factor * (1.0 + rng.normal(0.0, NOISE))
            rows.append((code, year, "pv_kwp", round(max(pv_kwp, 0.0), 1), SOURCE_NOTE))
            heat_pumps = rng.poisson(people / 1000.0 * HEAT_PUMPS_PER_1000[year] * factor)
            rows.append((code, year, "heat_pumps", float(heat_pumps), SOURCE_NOTE))
            if dh_rate is not None:
                rows.append((code, year, "dh_connections", float(rng.poisson(people / 1000.0 * dh_rate)),
                             SOURCE_NOTE))
    return pd.DataFrame(rows, columns=["code", "year", "kind", "added", "source"])
