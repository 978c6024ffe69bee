"""Designations and legacies: protected areas, drinking-water protection zones, geology, mining legacy,
contaminated sites, brownfields, the airfield, flood zones and waste-heat sources."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import unary_union

from layers.demo.classify import polygonize, smooth_noise
from layers.demo.frame import DemoFrame
from layers.demo.layout import Layout, _ellipse, _rect
from layers.demo.terrain import COARSE_RES_M, Terrain

#: Lithologies of the Minett (Lias limestones and marls, Minette ironstone, valley fills), the demo's geology.
LITHOLOGIES = ("limestone", "sandstone", "marl", "clay", "ironstone", "alluvium", "sand", "gravel")
LITHO = {name: i + 1 for i, name in enumerate(LITHOLOGIES)}
#: Return periods mapped for flood zones [yr] and the half-width of each zone beyond the valley floor [m].
FLOOD_ZONES = ((10, 0.5), (100, 1.6))
#: Radii of the drinking-water protection rings around a well field [m] (before scaling): forbidden,
#: conditions, depth-limited.
PROTECTION_RADII_M = (200.0, 600.0, 1200.0)
#: Demo excess-heat sources, placed on the largest industrial halls in this order (repeated on larger demos):
#: (type, name, heat [MWh yr-1], temperature [degC], availability [h yr-1]); magnitudes in docs/REFERENCES.md
#: ("Heat recovery"): an incinerator of SIDOR's size (150 kt/yr x 2.78 MWh/t x 0.30 recoverable), an
#: electric-arc steel works of 1 Mt/yr (x 100 kWh/t), a data centre of 5 MW IT load running all year.
DEMO_HEAT_SOURCES = (
    ("incinerator", "Waste incinerator, SIDOR size", 125_000.0, 120.0, 8_000.0),
    ("steel", "Electric-arc steel works", 100_000.0, 200.0, 6_000.0),
    ("data_centre", "Data centre, 5 MW IT", 43_800.0, 30.0, 8_760.0),
)
#: Where along the main river (share of its length) the demo's waste-water plant sits; its heat, temperature
#: and hours are left empty so the analysis fills them from the type's defaults (and says so).
WASTEWATER_AT = 0.8


def _built(layout: Layout):
    return unary_union([s.disc for s in layout.settlements] + [s.polygon for s in layout.industrial]
                       + [s.polygon for s in layout.brownfields])


def _pick_cell(frame: DemoFrame, terrain: Terrain, rng, mask: np.ndarray, avoid, min_distance: float):
    """A random cell centre where ``mask`` holds, at least ``min_distance`` [m] from ``avoid``."""
    rows, cols = np.nonzero(mask)
    order = rng.permutation(len(rows))
    for k in order[:400]:
        x, y = terrain.grid.transform @ (cols[k] + 0.5, rows[k] + 0.5)
        if avoid is None or avoid.distance(shapely.Point(x, y)) >= min_distance:
            return float(x), float(y)
    return None


def _uv_grid(frame: DemoFrame, terrain: Terrain):
    rows, cols = terrain.grid.shape
    c, r = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    return frame.uv(*(terrain.grid.transform @ (c, r)))


def make_protected_areas(frame: DemoFrame, layout: Layout, terrain: Terrain, landcover_codes: np.ndarray,
                         wetlands: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Natura 2000 (habitats along the river, birds at the lake), a nature reserve on a wetland, and the
    biosphere: a small core zone in the western woods, a buffer ring, and the transition zone elsewhere."""
    rng = frame.rng("protected_areas")
    ls = frame.linear_scale
    built = _built(layout)
    u, _ = _uv_grid(frame, terrain)
    forest = landcover_codes == 1
    spot = _pick_cell(frame, terrain, rng, forest & (u < 0.5), built, 250.0 * ls) or \
        _pick_cell(frame, terrain, rng, u < 0.5, None, 0.0)
    core = shapely.intersection(_ellipse(*spot, 420.0 * ls, 260.0 * ls, float(rng.uniform(0, 180))).difference(built),
                                frame.polygon)
    buffer = shapely.intersection(core.buffer(250.0 * ls), frame.polygon).difference(core)
    transition = frame.polygon.difference(core.buffer(250.0 * ls))
    main = layout.main_river.line
    stretch = shapely.ops.substring(main, 0.55, 0.85, normalized=True)
    habitats = unary_union([stretch.buffer(220.0 * ls), core.buffer(150.0 * ls)]).difference(built)
    birds = layout.lake.buffer(300.0 * ls).difference(built)
    rows = [("Vallée de l'Alzette (synthetic)", "natura2000_habitats", "whole", habitats),
            ("Lac du Minett (synthetic)", "natura2000_birds", "whole", birds),
            ("Minett UNESCO Biosphere (synthetic)", "biosphere", "core", core),
            ("Minett UNESCO Biosphere (synthetic)", "biosphere", "buffer", buffer),
            ("Minett UNESCO Biosphere (synthetic)", "biosphere", "transition", transition)]
    if len(wetlands):
        biggest = wetlands.geometry.iloc[int(np.argmax(wetlands.geometry.area.to_numpy()))]
        rows.append(("Zone humide (synthetic)", "nature_reserve", "whole", biggest.buffer(30.0).difference(built)))
    geoms = [shapely.intersection(g, frame.polygon) for *_, g in rows]
    keep = [not g.is_empty for g in geoms]
    out = gpd.GeoDataFrame({"name": [r[0] for r in rows], "designation": [r[1] for r in rows],
                            "zone": [r[2] for r in rows]}, geometry=geoms, crs=frame.crs)
    return out[keep].reset_index(drop=True)


def make_water_protection(frame: DemoFrame, layout: Layout, terrain: Terrain) -> gpd.GeoDataFrame:
    """The 4 drilling classes: forbidden wells, conditions ring, depth-limited ring, allowed elsewhere."""
    rng = frame.rng("water_protection")
    ls = frame.linear_scale
    u, _ = _uv_grid(frame, terrain)
    built = _built(layout)
    n = max(1, round(2 * frame.scale))
    wells = []
    for _ in range(n):
        spot = _pick_cell(frame, terrain, rng, (terrain.valley > 0.6) & (u < 0.55), built, 300.0 * ls)
        if spot:
            wells.append(shapely.Point(spot))
    r_forbidden, r_conditions, r_depth = (r * ls for r in PROTECTION_RADII_M)
    forbidden = unary_union([w.buffer(r_forbidden) for w in wells])
    conditions = unary_union([w.buffer(r_conditions) for w in wells]).difference(forbidden)
    depth = unary_union([w.buffer(r_depth) for w in wells]).difference(forbidden.union(conditions))
    allowed = frame.polygon.difference(unary_union([forbidden, conditions, depth]))
    rows = [("forbidden", None, forbidden), ("conditions", None, conditions), ("depth_limited", 50.0, depth),
            ("allowed", None, allowed)]
    geoms = [shapely.intersection(g, frame.polygon) for *_, g in rows]
    out = gpd.GeoDataFrame({"drilling_class": [r[0] for r in rows], "max_depth_m": [r[1] for r in rows]},
                           geometry=geoms, crs=frame.crs)
    out["max_depth_m"] = out.max_depth_m.astype(float)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def geology_classes(frame: DemoFrame, terrain: Terrain) -> np.ndarray:
    """Lithology codes (:data:`LITHO`) on the terrain grid: alluvium on valley floors, marl on the lower slopes,
    the Minette ironstone below the plateau edge, limestone plateaus, sandstone and clay patches."""
    rng = frame.rng("geology")
    patches = smooth_noise(rng, terrain.grid.shape, 500.0 / COARSE_RES_M)
    _, v = _uv_grid(frame, terrain)
    s = terrain.valley
    codes = np.full(s.shape, LITHO["limestone"], dtype=np.uint8)
    codes[(v > 0.7) & (patches > 0.35) & (s > 0.7)] = LITHO["sandstone"]
    codes[s < 0.72] = LITHO["ironstone"]
    codes[s < 0.55] = LITHO["marl"]
    codes[(s < 0.55) & (patches < -0.55)] = LITHO["clay"]
    codes[s <= 0.02] = LITHO["alluvium"]
    return codes


def make_geology(frame: DemoFrame, terrain: Terrain) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    codes = geology_classes(frame, terrain)
    return polygonize(codes, terrain.grid, LITHOLOGIES, "lithology"), codes


def make_mining_zones(frame: DemoFrame, layout: Layout, terrain: Terrain, geology: np.ndarray) -> gpd.GeoDataFrame:
    """Iron-ore galleries under the ironstone outcrop in the west and south, subsidence inside them, one pit."""
    rng = frame.rng("mining")
    ls = frame.linear_scale
    u, v = _uv_grid(frame, terrain)
    candidates = (geology == LITHO["ironstone"]) & ((u < 0.5) | (v < 0.4))
    rows = []
    for _ in range(max(2, round(3 * frame.scale))):
        spot = _pick_cell(frame, terrain, rng, candidates, None, 0.0)
        if spot is None:
            break
        angle = float(rng.uniform(0, 180))
        rows.append(("gallery", _ellipse(*spot, 650.0 * ls, 320.0 * ls, angle)))
        rows.append(("subsidence", _ellipse(spot[0] + 60.0 * ls, spot[1], 130.0 * ls, 70.0 * ls, angle)))
    if rows:
        c = rows[0][1].centroid
        pit = _ellipse(c.x - 250.0 * ls, c.y + 150.0 * ls, 260.0 * ls, 130.0 * ls, float(rng.uniform(0, 180)))
        rows.append(("open_pit", pit.difference(_built(layout))))
    geoms = [shapely.intersection(g, frame.polygon) for _, g in rows]
    out = gpd.GeoDataFrame({"kind": [k for k, _ in rows]}, geometry=geoms, crs=frame.crs)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def make_contaminated_sites(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    """Confirmed sites on the brownfields, suspected ones in industrial zones and scattered in towns."""
    rng = frame.rng("contaminated")
    rows = []
    for status, sites in (("confirmed", layout.brownfields), ("suspected", layout.industrial)):
        for site in sites:
            minx, miny, maxx, maxy = site.polygon.bounds
            for _ in range(int(rng.integers(1, 4))):
                for _ in range(20):
                    x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                    if site.polygon.contains(shapely.Point(x, y)):
                        rows.append((status, _rect(x, y, rng.uniform(50, 140), rng.uniform(40, 90), rng.uniform(0, 180))))
                        break
    for _ in range(max(3, round(8 * frame.scale))):  # old petrol stations, workshops
        town = layout.settlements[int(rng.integers(len(layout.settlements)))]
        a, r = rng.uniform(0, 2 * np.pi), town.radius * np.sqrt(rng.uniform(0, 0.8))
        rows.append(("suspected", _rect(town.x + r * np.sin(a), town.y + r * np.cos(a), 45.0, 35.0, town.angle)))
    geoms = [shapely.intersection(g, frame.polygon) for _, g in rows]
    out = gpd.GeoDataFrame({"status": [s for s, _ in rows]}, geometry=geoms, crs=frame.crs)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def make_brownfields(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [s.name for s in layout.brownfields]},
                            geometry=[s.polygon for s in layout.brownfields], crs=frame.crs)


def make_airports(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [layout.airfield.name]},
                            geometry=[shapely.intersection(layout.airfield.polygon, frame.polygon)], crs=frame.crs)


def make_flood_zones(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    """HQ10 and HQ100 zones: bands along every waterway, as wide as its valley floor and more."""
    rows = []
    for period, factor in FLOOD_ZONES:
        zone = unary_union([r.line.buffer(r.width_m / 2 + factor * r.valley_m) for r in layout.rivers])
        rows.append((period, shapely.intersection(zone.union(layout.lake), frame.polygon)))
    return gpd.GeoDataFrame({"return_period_yr": np.array([p for p, _ in rows], dtype="int64")},
                            geometry=[g for _, g in rows], crs=frame.crs)


def make_heat_sources(frame: DemoFrame, buildings: gpd.GeoDataFrame, layout: Layout) -> gpd.GeoDataFrame:
    """Excess-heat sources: :data:`DEMO_HEAT_SOURCES` on the largest industrial halls, and a waste-water plant
    on the main river with no figures (defaults by type apply)."""
    halls = buildings[buildings.use == "industrial"]
    halls = halls.assign(area=halls.geometry.area).sort_values(["area", "building_id"], ascending=[False, True])
    top = halls.head(max(len(DEMO_HEAT_SOURCES), round(len(DEMO_HEAT_SOURCES) * frame.scale)))
    rows = [DEMO_HEAT_SOURCES[i % len(DEMO_HEAT_SOURCES)] for i in range(len(top))]
    names = [f"{name} {b} (synthetic)" for (_, name, *_), b in zip(rows, top.building_id, strict=True)]
    plant = layout.main_river.line.interpolate(WASTEWATER_AT, normalized=True)
    return gpd.GeoDataFrame({
        "name": [*names, "Waste-water treatment plant (synthetic)"],
        "source_type": [r[0] for r in rows] + ["wastewater"],
        "heat_mwh_yr": [r[2] for r in rows] + [np.nan],
        "temperature_c": [r[3] for r in rows] + [np.nan],
        "availability_h_yr": [r[4] for r in rows] + [np.nan],
    }, geometry=[*top.geometry.centroid.to_numpy(), plant], crs=frame.crs)
