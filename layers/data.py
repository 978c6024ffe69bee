"""The data a layer holds, and where a published version of it comes from.

Both belong to the data model shared by the analyses, the stores and the API, so they live here rather than
in the pipeline that produces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from layers.raster import Raster, RasterFile

#: A layer's data: a GeoDataFrame (vector), a Raster in memory or a RasterFile on disk, or a DataFrame (table).
LayerData = gpd.GeoDataFrame | Raster | RasterFile | pd.DataFrame


@dataclass(frozen=True)
class Provenance:
    """Where a published layer version comes from."""

    job_id: str
    step: str
    params: Mapping[str, Any]
    input_checksums: Mapping[str, str]
    code_version: str
    cache_key: str
    synthetic: bool = False
    region: str | None = None
    """Id of the region the version was computed for (``[region] id``); ``None`` in versions published before
    versions carried it. One store serves one region (``geoservice.runner`` refuses to mix them)."""

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "step": self.step, "params": dict(self.params),
                "input_checksums": dict(self.input_checksums), "code_version": self.code_version,
                "cache_key": self.cache_key, "synthetic": self.synthetic, "region": self.region}
