"""Resistance surfaces: declarative tables per sub-network, burnt onto the analysis grid window by window.

Resistance is relative and dimensionless: 1 is the best habitat, so cost distances come out in effective
metres (metres through resistance-1 habitat). The maximum stays finite (``MAX_RESISTANCE``): cost-distance
solvers fail on infinite islands, and a very high finite value still lets a path cross a motorway where
nothing else is possible, which is where a crossing structure is needed.

Tables follow the Omniscape example values quoted in docs/REFERENCES.md (forest 1, shrub 20,
grassland 30, water 100, pasture 200, crops 300, developed open 500, low-intensity built 1,000) on the
scale 1-10,000 of Luxembourg's natural history museum; the classes without an example value (roads by
class, railways, the blue network) are expert estimates on the same scale. Every value can be overridden in
``[params.corridors.resistance]``; the step notes each analysed network whose table a region leaves entirely
at these defaults (:func:`default_tables_note`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import rasterio.features
import rasterio.windows
from shapely.geometry import box

from layers.catalog.inputs import LANDCOVER_CLASSES, RAILWAY_KINDS, ROAD_CLASSES, WATERWAY_KINDS
from layers.errors import ConfigError
from layers.grid import Grid
from layers.rasterize import burn

#: Largest resistance [-] (Luxembourg MNHN log scale 1-10,000); finite on purpose.
MAX_RESISTANCE = 10_000.0
#: Width of the carriageway and verges burnt for each road class [m] (estimate from OSM lane counts).
ROAD_WIDTH_M = {"motorway": 30.0, "trunk": 20.0, "primary": 12.0, "secondary": 10.0, "tertiary": 8.0,
                "residential": 7.0, "service": 5.0, "track": 3.0}
#: Width of a railway corridor [m] (two tracks and ballast; estimate).
RAILWAY_WIDTH_M = 12.0
#: Window size for rasterising [cells].
WINDOW_CELLS = 1024


@dataclass(frozen=True)
class ResistanceTable:
    """Resistance [-] of each class for one sub-network.

    ``landcover`` and the habitat overlays (``water_bodies``, ``wetlands``, ``waterways`` by kind) replace the
    value below them; ``roads`` and ``railways`` (by class) are barriers and raise it (maximum). ``None``
    means the feature does not change resistance for this network. ``unmapped`` applies where no land cover
    is given.
    """

    landcover: Mapping[str, float]
    unmapped: float
    water_bodies: float | None = None
    wetlands: float | None = None
    waterways: Mapping[str, float | None] = field(default_factory=dict)
    roads: Mapping[str, float | None] = field(default_factory=dict)
    railways: Mapping[str, float | None] = field(default_factory=dict)

    def validate(self, network: str, max_resistance: float) -> None:
        """Raise :class:`ConfigError` unless every class is listed and every value is in [1, max_resistance]."""
        for group, keys in (("landcover", LANDCOVER_CLASSES), ("waterways", WATERWAY_KINDS),
                            ("roads", ROAD_CLASSES), ("railways", RAILWAY_KINDS)):
            table = getattr(self, group)
            missing = set(keys) - set(table)
            unknown = set(table) - set(keys)
            if missing or unknown:
                raise ConfigError(f"resistance table {network}.{group}: missing classes {sorted(missing)}, unknown "
                                  f"classes {sorted(unknown)}; classes are {list(keys)}")
        values = {**{f"landcover.{k}": v for k, v in self.landcover.items()},
                  **{f"waterways.{k}": v for k, v in self.waterways.items()},
                  **{f"roads.{k}": v for k, v in self.roads.items()},
                  **{f"railways.{k}": v for k, v in self.railways.items()},
                  "unmapped": self.unmapped, "water_bodies": self.water_bodies, "wetlands": self.wetlands}
        for key, v in values.items():
            if v is not None and not (np.isfinite(v) and 1.0 <= v <= max_resistance):
                raise ConfigError(f"resistance {network}.{key} = {v}: resistances must be finite, between 1 and "
                                  f"max_resistance ({max_resistance:g})")

    def overridden(self, overrides: Mapping[str, object]) -> ResistanceTable:
        """A copy with ``overrides`` applied: ``{"landcover": {"cropland": 250}, "unmapped": 500, ...}``."""
        changes: dict[str, object] = {}
        for group, value in overrides.items():
            if group not in {f for f in self.__dataclass_fields__}:
                raise ConfigError(f"unknown resistance group {group!r}; groups: {list(self.__dataclass_fields__)}")
            current = getattr(self, group)
            if isinstance(current, Mapping):
                if not isinstance(value, Mapping):
                    raise ConfigError(f"resistance group {group!r} takes a table of class = value")
                changes[group] = {**current, **value}
            else:
                changes[group] = value
        return replace(self, **changes)


_ROAD_BARRIERS = {"motorway": 10_000.0, "trunk": 5_000.0, "primary": 2_000.0, "secondary": 1_000.0,
                  "tertiary": 500.0, "residential": 300.0, "service": 100.0, "track": None}
_RAIL_BARRIERS = {"rail": 2_000.0, "tram": 500.0, "disused": None}

#: Default tables per sub-network. Black starts from green; lighting multiplies it (``light.py``).
TABLES: dict[str, ResistanceTable] = {
    "green": ResistanceTable(
        landcover={"forest": 1.0, "wetland": 20.0, "grassland": 30.0, "water": 100.0, "brownfield": 200.0,
                   "cropland": 300.0, "urban": 1_000.0, "industrial": 1_000.0},
        unmapped=500.0, water_bodies=100.0, wetlands=20.0,
        waterways={"river": 300.0, "canal": 500.0, "stream": None, "ditch": None},
        roads=_ROAD_BARRIERS, railways=_RAIL_BARRIERS),
    "blue": ResistanceTable(
        landcover={"water": 1.0, "wetland": 1.0, "forest": 50.0, "grassland": 100.0, "brownfield": 300.0,
                   "cropland": 300.0, "urban": 1_000.0, "industrial": 1_000.0},
        unmapped=500.0, water_bodies=1.0, wetlands=1.0,
        waterways={"river": 1.0, "stream": 1.0, "canal": 5.0, "ditch": 10.0},
        roads=_ROAD_BARRIERS, railways=_RAIL_BARRIERS),
}
TABLES["black"] = TABLES["green"]


def _burn(grid: Grid, out: np.ndarray, geoms: gpd.GeoSeries, values: np.ndarray, *, raise_only: bool,
          all_touched: bool) -> None:
    """Burn ``values`` of ``geoms`` into ``out`` window by window (replace, or keep the maximum)."""
    if len(geoms) == 0:
        return
    order = np.argsort(values, kind="stable")  # the largest value wins where shapes overlap
    geoms, values = geoms.iloc[order], values[order]
    tree = geoms.sindex
    for win, _ in grid.windows(WINDOW_CELLS):
        bounds = rasterio.windows.bounds(win, grid.transform)
        hits = np.sort(tree.query(box(*bounds), predicate="intersects"))
        if len(hits) == 0:
            continue
        shape = (int(win.height), int(win.width))
        burnt = burn(geoms.iloc[hits].values, values[hits], out_shape=shape, transform=grid.window_transform(win),
                     fill=np.nan, all_touched=all_touched, dtype="float32")
        view = out[win.toslices()]
        hit = ~np.isnan(burnt)
        view[hit] = np.maximum(view[hit], burnt[hit]) if raise_only else burnt[hit]


def _values(frame: gpd.GeoDataFrame, column: str, table: Mapping[str, float | None]) -> tuple[gpd.GeoSeries, np.ndarray]:
    vals = frame[column].map(lambda k: table.get(k)).astype(float)
    keep = vals.notna().to_numpy()
    return frame.geometry[keep], vals.to_numpy()[keep]


def resistance_surface(grid: Grid, table: ResistanceTable, *, landcover: gpd.GeoDataFrame,
                       water_bodies: gpd.GeoDataFrame | None = None, wetlands: gpd.GeoDataFrame | None = None,
                       waterways: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None,
                       railways: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Resistance [-] on ``grid`` (float32, rows north to south).

    Order: land cover (cell centres), then water bodies and wetlands, then waterways (lines, every touched
    cell), then railways and roads buffered to their width and burnt on every touched cell so that an
    8-connected path cannot slip diagonally between two barrier cells.
    """
    out = np.full(grid.shape, table.unmapped, dtype=np.float32)
    geoms, vals = _values(landcover, "class", table.landcover)
    _burn(grid, out, geoms, vals, raise_only=False, all_touched=False)
    for frame, value in ((water_bodies, table.water_bodies), (wetlands, table.wetlands)):
        if frame is not None and len(frame) and value is not None:
            _burn(grid, out, frame.geometry, np.full(len(frame), value), raise_only=False, all_touched=False)
    if waterways is not None and len(waterways):
        geoms, vals = _values(waterways, "waterway", table.waterways)
        _burn(grid, out, geoms, vals, raise_only=False, all_touched=True)
    if railways is not None and len(railways):
        geoms, vals = _values(railways, "kind", table.railways)
        _burn(grid, out, geoms.buffer(RAILWAY_WIDTH_M / 2), vals, raise_only=True, all_touched=True)
    if roads is not None and len(roads):
        geoms, vals = _values(roads, "road_class", table.roads)
        widths = roads["road_class"].map(ROAD_WIDTH_M).astype(float).to_numpy()[roads["road_class"].map(
            lambda k: table.roads.get(k)).notna().to_numpy()]
        _burn(grid, out, geoms.buffer(widths / 2), vals, raise_only=True, all_touched=True)
    return out


def default_tables_note(networks: Sequence[str], overrides: Mapping[str, Mapping[str, object]]) -> str | None:
    """What the step says when networks among ``networks`` keep the default table (no override in
    ``overrides``, the region's ``[params.corridors.resistance]``); ``None`` when every one is overridden."""
    unset = [net for net in networks if not overrides.get(net)]
    if not unset:
        return None
    return (f"resistance tables {', '.join(unset)} are the defaults (Omniscape example values on the 1-10,000 scale "
            f"of Luxembourg's natural history museum, expert estimates for roads, railways and the blue network; "
            f"processing/corridors/resistance.py), not the region's own: set them in "
            f"[params.corridors.resistance], e.g. green = {{landcover = {{cropland = 250}}}}")


def tables_for(networks: Sequence[str], overrides: Mapping[str, Mapping[str, object]],
               max_resistance: float) -> dict[str, ResistanceTable]:
    """The table of each network with the region's overrides applied and validated."""
    unknown = set(overrides) - set(TABLES)
    if unknown:
        raise ConfigError(f"resistance overrides for unknown networks {sorted(unknown)}; networks: {list(TABLES)}")
    tables = {}
    for net in networks:
        table = TABLES[net].overridden(overrides.get(net, {}))
        table.validate(net, max_resistance)
        tables[net] = table
    return tables
