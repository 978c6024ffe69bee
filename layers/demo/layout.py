"""The skeleton every other demo layer hangs on: rivers, the lake, towns, villages, industrial zones,
brownfields and the airfield.

Drawn once per generation so that terrain, land cover, buildings, networks and designations agree (rivers
run in valley bottoms, towns have streets and industry beside them, the north-east block stays open).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import unary_union

from layers.demo.frame import DemoFrame

#: Real localities of the PRO-SUD communes, used as synthetic village names.
VILLAGE_NAMES = ("Ehlerange", "Lamadelaine", "Oberkorn", "Niederkorn", "Foetz", "Noertzange", "Huncherange",
                 "Bergem", "Pontpierre", "Linger", "Fingig", "Soleuvre", "Belvaux", "Tétange", "Bascharage",
                 "Clemency", "Lasauvage", "Rodange", "Kayl-Haut", "Limpach")
#: The 11 PRO-SUD communes (docs/REFERENCES.md), used as commune and town names.
COMMUNE_NAMES = ("Esch-sur-Alzette", "Differdange", "Dudelange", "Sanem", "Pétange", "Schifflange",
                 "Käerjeng", "Bettembourg", "Kayl", "Mondercange", "Rumelange")

#: Valley-floor elevation of the main river where it enters (south) and leaves (north) [m].
MAIN_RIVER_FLOOR_M = (292.0, 276.0)
#: Lake surface elevation [m].
LAKE_LEVEL_M = 330.0


@dataclass(frozen=True)
class River:
    """A waterway centre line drawn from upstream to downstream with its valley-floor elevations [m]."""

    name: str
    kind: str  # "river" or "stream"
    line: LineString
    width_m: float
    floor_up_m: float
    floor_down_m: float
    valley_m: float  # half-width of the flat valley floor [m]


@dataclass(frozen=True)
class Settlement:
    """A town or village: centre [m], radius [m] and the orientation of its street grid [deg from north]."""

    name: str
    kind: str  # "town" or "village"
    x: float
    y: float
    radius: float
    angle: float

    @property
    def disc(self) -> Polygon:
        return Point(self.x, self.y).buffer(self.radius, 32)


@dataclass(frozen=True)
class Site:
    """A named polygon: an industrial zone, a brownfield, the airfield."""

    name: str
    polygon: Polygon


@dataclass(frozen=True)
class Layout:
    frame: DemoFrame
    rivers: tuple[River, ...]
    lake: Polygon
    settlements: tuple[Settlement, ...]
    industrial: tuple[Site, ...]
    brownfields: tuple[Site, ...]
    airfield: Site

    @property
    def towns(self) -> tuple[Settlement, ...]:
        return tuple(s for s in self.settlements if s.kind == "town")

    @property
    def main_river(self) -> River:
        return self.rivers[0]


def _ellipse(x: float, y: float, a: float, b: float, angle: float) -> Polygon:
    """Ellipse with semi-axes ``a`` (along ``angle``, deg from north) and ``b`` [m]."""
    return affinity.rotate(affinity.scale(Point(x, y).buffer(1.0, 32), a, b), 90.0 - angle, origin=(x, y))


def _rect(x: float, y: float, length: float, width: float, angle: float) -> Polygon:
    """Rectangle centred on (x, y), ``length`` along ``angle`` (deg from north)."""
    r = box(x - length / 2, y - width / 2, x + length / 2, y + width / 2)
    return affinity.rotate(r, 90.0 - angle, origin=(x, y))


def _meander(frame: DemoFrame, rng: np.random.Generator, start, end, amplitude: float, step: float = 25.0
             ) -> LineString:
    """A smooth meandering line from ``start`` to ``end`` (region CRS) with lateral ``amplitude`` [m]."""
    (xa, ya), (xb, yb) = start, end
    length = math.hypot(xb - xa, yb - ya)
    n = max(8, int(length / step))
    t = np.linspace(0.0, 1.0, n)
    nx, ny = -(yb - ya) / length, (xb - xa) / length
    offset = np.zeros_like(t)
    for k in (1.0, 2.3, 4.1):
        offset += amplitude / k * np.sin(math.pi * k * t + rng.uniform(0, 2 * math.pi)) * np.sin(math.pi * t)
    return LineString(np.column_stack([xa + (xb - xa) * t + nx * offset, ya + (yb - ya) * t + ny * offset]))


def _rivers(frame: DemoFrame, rng: np.random.Generator, lake_centre) -> tuple[River, ...]:
    ls = frame.linear_scale
    main = _meander(frame, rng, frame.xy(0.38, 0.0), frame.xy(0.45, 1.0), 0.03 * frame.width_m)
    up, down = MAIN_RIVER_FLOOR_M

    def on_main(v: float):
        p = main.interpolate(v, normalized=True)
        return (p.x, p.y), up + (down - up) * v

    rivers = [River("Alzette (synthetic)", "river", main, 12.0, up, down, 90.0 * ls)]
    for name, start, v_join, floor_up in (
            ("Chiers (synthetic)", frame.xy(0.0, 0.42), 0.50, 318.0),
            ("Kayl brook (synthetic)", frame.xy(1.0, 0.22), 0.30, 320.0),
            ("Lake outlet (synthetic)", lake_centre, 0.74, LAKE_LEVEL_M)):
        junction, floor_down = on_main(v_join)
        line = _meander(frame, rng, (float(start[0]), float(start[1])), junction, 0.04 * frame.width_m * ls)
        rivers.append(River(name, "stream", line, 4.0, floor_up, floor_down, 40.0 * ls))
    return tuple(rivers)


def _place_settlements(frame: DemoFrame, rng: np.random.Generator, obstacles: Polygon, rivers) -> list[Settlement]:
    ls = frame.linear_scale
    n_towns = max(1, round(4 * frame.scale))
    n_villages = max(1, round(6 * frame.scale))
    core = frame.open_core
    setback = frame.open_core_setback_m
    placed: list[Settlement] = []
    names = iter(COMMUNE_NAMES)
    village_names = iter(VILLAGE_NAMES)
    counter = 0
    for kind, count, rmin, rmax in (("town", n_towns, 520.0, 760.0), ("village", n_villages, 170.0, 260.0)):
        made = 0
        for _ in range(400 * count):
            if made == count:
                break
            radius = rng.uniform(rmin, rmax) * ls
            x, y = frame.xy(rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0))
            x, y = float(x), float(y)
            margin = 0.4 * radius
            if not (frame.x0 + margin < x < frame.x0 + frame.width_m - margin
                    and frame.y0 + margin < y < frame.y0 + frame.height_m - margin):
                continue
            centre = Point(x, y)
            if core.distance(centre) < setback + radius or obstacles.distance(centre) < radius + 120.0 * ls:
                continue
            if any(math.hypot(x - s.x, y - s.y) < radius + s.radius + 250.0 * ls for s in placed):
                continue
            counter += 1
            name = next(names, None) or f"Town {counter}" if kind == "town" else \
                next(village_names, None) or f"Village {counter}"
            placed.append(Settlement(name, kind, x, y, radius, float(rng.uniform(0.0, 90.0))))
            made += 1
    return placed


def _attach_sites(frame: DemoFrame, rng: np.random.Generator, towns, blocked, count: int, size, label: str
                  ) -> list[Site]:
    """Rectangles beside towns (industry, brownfields), clear of ``blocked`` and the open block."""
    ls = frame.linear_scale
    inner = box(*frame.bounds).buffer(-20.0)
    core_zone = frame.open_core.buffer(frame.open_core_setback_m * 0.7)
    sites: list[Site] = []
    for i in range(count):
        town = towns[i % len(towns)]
        for attempt in range(240):
            shrink = 0.85 ** (attempt // 40)  # smaller sites when big ones do not fit
            length, width = rng.uniform(*size[0]) * ls * shrink, rng.uniform(*size[1]) * ls * shrink
            bearing = rng.uniform(0.0, 2 * math.pi)
            d = town.radius + max(length, width) / 2 + 30.0
            x, y = town.x + d * math.sin(bearing), town.y + d * math.cos(bearing)
            poly = _rect(x, y, length, width, town.angle)
            if not inner.contains(poly) or poly.intersects(core_zone) or poly.intersects(blocked):
                continue
            sites.append(Site(f"{town.name} {label} {i + 1}", poly))
            blocked = blocked.union(poly.buffer(60.0))
            break
    return sites


def make_layout(frame: DemoFrame) -> Layout:
    """Draw the region's skeleton from the frame's seed."""
    rng = frame.rng("layout")
    ls = frame.linear_scale
    lake_x, lake_y = (float(c) for c in frame.xy(0.22, 0.80))
    lake = _ellipse(lake_x, lake_y, 560.0 * ls, 340.0 * ls, float(rng.uniform(60.0, 120.0)))
    rivers = _rivers(frame, rng, (lake_x, lake_y))
    ax, ay = (float(c) for c in frame.xy(0.0, 0.0))
    runway = 600.0 * ls
    airfield = Site("Aérodrome du Sud (synthetic)", _rect(ax + 0.55 * runway + 40.0, ay + 140.0 * ls + 40.0,
                                                          runway, 90.0 * ls, 100.0))
    obstacles = unary_union([lake, airfield.polygon.buffer(150.0 * ls)])
    settlements = _place_settlements(frame, rng, obstacles, rivers)
    towns = [s for s in settlements if s.kind == "town"] or settlements
    blocked = unary_union([s.disc.buffer(40.0) for s in settlements] + [lake.buffer(80.0), airfield.polygon.buffer(80.0)]
                          + [r.line.buffer(r.width_m + 30.0) for r in rivers])
    industrial = _attach_sites(frame, rng, towns, blocked, max(1, round(3 * frame.scale)),
                               ((320.0, 520.0), (220.0, 320.0)), "industrial zone")
    blocked = blocked.union(unary_union([s.polygon.buffer(60.0) for s in industrial])) if industrial else blocked
    brownfields = _attach_sites(frame, rng, towns[::-1], blocked, max(1, round(2 * frame.scale)),
                                ((220.0, 340.0), (150.0, 230.0)), "former steelworks")
    return Layout(frame, rivers, lake, tuple(settlements), tuple(industrial), tuple(brownfields), airfield)


#: Street spacing (block size) in towns and villages [m].
STREET_SPACING_M = {"town": 95.0, "village": 105.0}


def street_grid(settlement: Settlement) -> list[LineString]:
    """Residential streets of a settlement: a grid rotated by its angle, clipped to its disc."""
    g = STREET_SPACING_M[settlement.kind]
    n = int(settlement.radius // g) + 1
    phi = math.radians(settlement.angle)
    a = np.array([math.sin(phi), math.cos(phi)])  # along the first street direction
    b = np.array([math.cos(phi), -math.sin(phi)])  # perpendicular to it
    centre = np.array([settlement.x, settlement.y])
    disc = settlement.disc
    lines = []
    for k in range(-n, n + 1):
        for d1, d2 in ((a, b), (b, a)):
            p0 = centre + k * g * d2 - (settlement.radius + 1.0) * d1
            p1 = centre + k * g * d2 + (settlement.radius + 1.0) * d1
            clipped = LineString([tuple(p0), tuple(p1)]).intersection(disc)
            if not clipped.is_empty and clipped.length > 30.0:
                lines.append(clipped)
    return lines
