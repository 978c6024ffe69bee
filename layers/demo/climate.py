"""Monthly climate table for the Minett: all-sky global horizontal irradiation and air temperature."""

from __future__ import annotations

import pandas as pd

#: Monthly all-sky GHI in southern Luxembourg [kWh m-2], Jan–Dec, totalling ≈1,090 kWh m-2 yr-1.
#: Estimate shaped on PVGIS-SARAH monthly values for 49.5 N 6.0 E; docs/REFERENCES.md gives ≈1,080–1,150 yr-1.
MONTHLY_GHI_KWH_M2 = (22.0, 40.0, 82.0, 122.0, 152.0, 168.0, 163.0, 142.0, 98.0, 58.0, 27.0, 18.0)
#: Monthly mean air temperature [degC], Jan–Dec (estimate after Luxembourg-Findel climate normals).
MONTHLY_TEMP_AIR_C = (1.0, 1.9, 5.3, 8.9, 12.9, 16.0, 18.0, 17.5, 14.0, 9.8, 5.0, 1.9)


def make_climate() -> pd.DataFrame:
    """The ``climate`` table: month (1 = January), ``ghi_kwh_m2`` [kWh m-2], ``temp_air_c`` [degC]."""
    return pd.DataFrame({"month": list(range(1, 13)), "ghi_kwh_m2": list(MONTHLY_GHI_KWH_M2),
                         "temp_air_c": list(MONTHLY_TEMP_AIR_C)})
