"""Horizon ray marching, sky-view factors and the per-face shading tables, against geometry done by hand."""

from __future__ import annotations

import numpy as np
import pytest

from processing.solar import horizon, shading
from processing.solar.sky import plane_components, representative_sky


def test_sectors_are_north_clockwise():
    assert horizon.sector_azimuths(16)[[0, 4, 8, 12]].tolist() == [0.0, 90.0, 180.0, 270.0]
    assert horizon.sector_of(np.array([0.0, 11.0, 12.0, 91.0, 359.0]), 16).tolist() == [0, 0, 1, 4, 0]


def test_horizon_of_a_wall_to_the_south():
    """A 20 m wall 40 m south of the observer: horizon atan(20/40) = 26.57° in the south sector (± 0.5°), 0 north."""
    z = np.zeros((301, 301), np.float32)
    z[190:200, :] = 20.0  # rows grow southwards; observer at row 150: wall from 40 m to 49 m south
    h = horizon.horizon_angles(z, np.array([150]), np.array([150]), 1.0, n_sectors=16, search_distance_m=140.0)
    assert h[0, 8] == pytest.approx(np.degrees(np.arctan(20.0 / 40.0)), abs=0.5)
    assert h[0, 0] == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("step_growth", [0.0, 0.05])
def test_horizon_of_a_plane_is_its_own_slope(step_growth):
    """On a plane rising north at 30°, the uphill horizon towards φ is atan(tan 30° cos φ) within 1.2°.

    Beyond the bilinear near zone, rays sample the nearest (or max-pooled) cell, so they err high, never low.
    """
    rows, _ = np.mgrid[0:401, 0:401]
    z = ((400 - rows) * np.tan(np.radians(30.0))).astype(np.float32)
    h = horizon.horizon_angles(z, np.array([200]), np.array([200]), 1.0, search_distance_m=150.0,
                               step_growth=step_growth)[0]
    phi = np.radians(horizon.sector_azimuths(16))
    expected = np.degrees(np.arctan(np.tan(np.radians(30.0)) * np.cos(phi)))
    uphill = expected >= 0.0
    assert h[uphill] == pytest.approx(expected[uphill], abs=1.2)
    assert np.all(h >= expected - 0.05)  # never below the true horizon


def test_sky_view_factors():
    open_sky = np.full((1, 16), -10.0)
    assert horizon.sky_view_factor(open_sky)[0] == pytest.approx(1.0)
    # horizontal plane under a uniform 30° horizon: cos² 30° = 0.75 (Dozier & Marks 1987)
    assert horizon.sky_view_factor(np.full((1, 16), 30.0))[0] == pytest.approx(0.75)
    assert horizon.diffuse_view_factor(np.full((1, 16), 30.0), [0.0], [180.0])[0] == pytest.approx(0.75)
    # an unobstructed tilted plane sees all of its own sky, (1 + cos β)/2 of the isotropic sky
    assert horizon.diffuse_view_factor(open_sky, [35.0], [180.0])[0] == pytest.approx(1.0)
    from processing.solar.horizon import _sector_sky

    n = 720
    phi = np.radians(horizon.sector_azimuths(n))
    cos_rel = np.cos(phi - np.pi)
    own = np.maximum(-np.arctan(np.tan(np.radians(35.0)) * cos_rel), 0.0)
    total = (_sector_sky(own, np.full(n, 35.0), cos_rel) * (2 * np.pi / n)).sum() / np.pi
    assert total == pytest.approx((1 + np.cos(np.radians(35.0))) / 2, rel=1e-3)


@pytest.fixture(scope="module")
def sky():
    return representative_sky(49.5, 6.0, 300.0, None)


def test_blocked_beam_matches_a_hand_calculation(sky):
    """A roof cell with a 30 m tall, 80 m wide block 30-50 m to its south.

    Hand calculation (exact geometry, every hour of the year): the sun is blocked when the ray towards it
    meets the block below its top. The ray-marched, 32-sector shading must reproduce the blocked share of
    direct (beam + circumsolar) irradiation within 2 percentage points (sector discretisation: a sector's
    horizon is that of its centre ray).
    """
    res, size = 1.0, 241
    z = np.zeros((size, size), np.float32)
    obs_r = obs_c = 120
    # block: 30 m to 50 m south (rows obs+30..obs+49), 40 m either side
    z[obs_r + 30:obs_r + 50, obs_c - 40:obs_c + 41] = 30.0
    h = horizon.horizon_angles(z, np.array([obs_r]), np.array([obs_c]), res, n_sectors=32, search_distance_m=100.0,
                               step_growth=0.0)
    comp = plane_components(sky, [35.0], [180.0])
    bins = shading.sun_bins(sky, 32, 0.5)
    table = shading.direct_tables(comp.direct, bins, sky.hours)
    got = shading.cell_direct(table, np.array([0]), h, 0.5)[0]
    total = comp.direct[0].sum() * sky.hours / 1000.0
    # hand: walk the exact ray towards the sun in 0.1 m steps
    az, el = np.radians(sky.azimuth), np.radians(sky.elevation)
    blocked = np.zeros(az.size, bool)
    for d in np.arange(0.1, 100.0, 0.1):
        east, south = d * np.sin(az), -d * np.cos(az)
        inside = (south >= 29.5) & (south <= 49.5) & (np.abs(east) <= 40.5)
        blocked |= inside & (d * np.tan(el) < 30.0)
    hand = (comp.direct[0] * ~blocked).sum() * sky.hours / 1000.0
    assert 1.0 - hand / total > 0.1  # the block matters
    assert got / total == pytest.approx(hand / total, abs=0.02)
    # the face-level sunlit share gives the same energy as the cell table
    lit = shading.sunlit_share(np.array([0]), h, 1, bins)
    assert (comp.direct[0] * lit[0]).sum() * sky.hours / 1000.0 == pytest.approx(got, rel=0.01)


def test_unshaded_cell_gets_the_full_plane_irradiation(sky):
    comp = plane_components(sky, [35.0], [180.0])
    bins = shading.sun_bins(sky, 16, 0.5)
    table = shading.direct_tables(comp.direct, bins, sky.hours)
    got = shading.cell_direct(table, np.array([0]), np.full((1, 16), -5.0), 0.5)[0]
    assert got == pytest.approx(comp.direct.sum() * sky.hours / 1000.0, rel=1e-6)
