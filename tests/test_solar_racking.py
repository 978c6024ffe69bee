"""Racked module rows on flat roofs: row spacing from the winter-solstice noon sun, against hand computation
and the cadastre convention of docs/REFERENCES.md ("⅓-½ of a flat roof usable with racked modules")."""

import math

import numpy as np
import pytest

from processing.solar.racking import (
    equator_azimuth,
    flat_usable_share,
    ground_coverage_ratio,
    module_plane,
    winter_noon_elevation,
)


def test_ground_coverage_ratio_by_hand():
    """49.5 N: noon sun at the winter solstice 90 − 49.5 − 23.44 = 17.06°; a 1 m row at 15° needs cos 15° +
    sin 15° / tan 17.06° = 0.9659 + 0.8436 = 1.8095 m of roof: GCR 0.5526 (1e-4)."""
    assert winter_noon_elevation(49.5) == pytest.approx(17.06, abs=1e-9)
    h = math.radians(17.06)
    expected = 1 / (math.cos(math.radians(15)) + math.sin(math.radians(15)) / math.tan(h))
    assert ground_coverage_ratio(15.0, 180.0, 49.5) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.5526, abs=1e-4)


@pytest.mark.parametrize("tilt", [10.0, 15.0])
def test_usable_share_inside_the_cadastre_convention_at_the_minett(tilt):
    """Baden-Württemberg / Swiss cadastres: ⅓-½ of a flat roof usable with racked modules (49.5 N)."""
    assert 1 / 3 <= flat_usable_share(tilt, 180.0, 49.5) <= 0.52


def test_share_follows_latitude_and_orientation():
    """Higher latitude, lower winter sun, wider rows; east-west rows (parallel to the noon sun) are only
    limited by their footprint: GCR = min(1, 1 / cos β)."""
    helsinki, minett, toulouse = (flat_usable_share(15.0, 180.0, lat) for lat in (60.2, 49.5, 43.6))
    assert helsinki < minett < toulouse
    assert ground_coverage_ratio(15.0, 90.0, 49.5) == pytest.approx(1.0)
    assert equator_azimuth(49.5) == 180.0 and equator_azimuth(-33.9) == 0.0
    assert flat_usable_share(15.0, 0.0, -33.9) == pytest.approx(flat_usable_share(15.0, 180.0, 33.9))


def test_module_plane_replaces_flat_faces_only():
    tilt, azimuth = module_plane(np.array([0.0, 4.0, 30.0]), np.array([12.0, 270.0, 135.0]), flat_tilt_deg=10.0,
                                 module_tilt_deg=15.0, module_azimuth_deg=180.0)
    assert tilt.tolist() == [15.0, 15.0, 30.0] and azimuth.tolist() == [180.0, 180.0, 135.0]
