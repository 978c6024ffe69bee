"""Connectivity indices against the worked example of docs/REFERENCES.md ("Corridors").

Source: Pascual-Hortal & Saura (2006), Saura & Pascual-Hortal (2007), Saura & Rubio (2010); the figures
(IIC 0.0808, PC 0.0675, dPC A 29.63 %, B 20.69 % with a 2.17 % connector share, C 74.07 %) are printed to
3-4 significant digits, so the tolerance is half a unit of the last printed digit.
"""

import numpy as np
import pytest

from layers.errors import InputDataError
from processing.corridors.connectivity import (
    core_importance,
    iic_index,
    link_importance,
    max_product_probabilities,
    pc_index,
)

AREAS_HA = np.array([10.0, 5.0, 20.0])  # A, B, C
LANDSCAPE_HA = 100.0
D_KM = np.array([[0.0, 1.0, 3.5], [1.0, 0.0, 2.0], [3.5, 2.0, 0.0]])


def test_iic_worked_example():
    assert iic_index(AREAS_HA, D_KM, LANDSCAPE_HA, link_distance=2.5) == pytest.approx(0.0808, abs=5e-5)


def test_pc_worked_example():
    assert pc_index(AREAS_HA, D_KM, LANDSCAPE_HA, dispersal_distance=1.0,
                    dispersal_probability=0.5) == pytest.approx(0.0675, abs=5e-5)


def test_pstar_goes_through_b():
    pstar = max_product_probabilities(D_KM, np.log(2.0))
    assert pstar[0, 2] == pytest.approx(0.125, rel=1e-12)  # via B, not 0.5 ** 3.5
    assert np.allclose(np.diag(pstar), 1.0)


def test_dpc_worked_example():
    imp = core_importance(AREAS_HA, D_KM, LANDSCAPE_HA, link_distance=2.5, dispersal_distance=1.0,
                          dispersal_probability=0.5)
    assert imp.dpc == pytest.approx([29.63, 20.69, 74.07], abs=5e-3)
    assert imp.dpc_connector[1] == pytest.approx(2.17, abs=5e-3)
    assert imp.dpc_connector[[0, 2]] == pytest.approx([0.0, 0.0], abs=1e-9)  # ends of the chain connect nothing
    assert imp.dpc_intra + imp.dpc_flux + imp.dpc_connector == pytest.approx(imp.dpc, abs=1e-9)
    assert imp.iic == pytest.approx(0.0808, abs=5e-5) and imp.pc == pytest.approx(0.0675, abs=5e-5)


def test_link_importance_by_hand():
    inf = np.inf
    d = np.array([[0.0, 1.0, inf], [1.0, 0.0, 2.0], [inf, 2.0, 0.0]])
    ab, bc = link_importance(AREAS_HA, d, [(0, 1), (1, 2)], dispersal_distance=1.0)
    # without AB, A is cut off: PCnum loses 2 * (10*5*0.5 + 10*20*0.125) = 100 of 675;
    # without BC, C is cut off: it loses 2 * (5*20*0.25 + 10*20*0.125) = 100 of 675 too
    assert (ab, bc) == pytest.approx((100 / 675 * 100, 100 / 675 * 100), rel=1e-9)


@pytest.mark.parametrize("bad", [np.array([[0.0, np.nan], [np.nan, 0.0]]), np.array([[0.0, -1.0], [-1.0, 0.0]])])
def test_bad_distances(bad):
    with pytest.raises(InputDataError, match="link distances"):
        pc_index([1.0, 1.0], bad, 10.0, dispersal_distance=1.0)


def test_bad_dispersal():
    with pytest.raises(InputDataError, match="probability strictly between"):
        pc_index([1.0], [[0.0]], 10.0, dispersal_distance=1.0, dispersal_probability=1.0)


def test_commune_summary_on_the_worked_example():
    """Cores A, B, C (10, 5, 20 ha; p*_AB 0.5, p*_BC 0.25, p*_AC 0.125) as squares; commune West holds A, B and
    half of C, East the other half of C. Hand computation: PC numerator Σ a_i a_j p*_ij = 525 + 150 = 675 ha²;
    West carries 10·15 + 5·15 + 10·22.5 = 450 → 66.67 %, East 10·22.5 = 225 → 33.33 % (1e-9); C counts in both
    communes, with its area split by intersection (one rule for count and area)."""
    import geopandas as gpd
    from shapely.geometry import box

    from processing.corridors.network import NetworkResult
    from processing.corridors.summary import commune_summary

    side = np.sqrt(AREAS_HA * 1e4)
    cores = gpd.GeoDataFrame({"area_ha": AREAS_HA, "dpc_pct": [29.63, 20.69, 74.07]}, crs="EPSG:2169", geometry=[
        box(0, 0, side[0], side[0]), box(1000, 0, 1000 + side[1], side[1]), box(3000, 0, 3000 + side[2], side[2])])
    cut = 3000 + side[2] / 2
    communes = gpd.GeoDataFrame({"name": ["West", "East"], "code": ["W", "E"]}, crs="EPSG:2169",
                                geometry=[box(-100, -100, cut, 1000), box(cut, -100, 4000, 1000)])
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:2169"))
    result = NetworkResult(cores, empty, empty, empty, nl=np.zeros((3, 3)),
                           pstar=max_product_probabilities(D_KM, np.log(2.0)))
    s = commune_summary("green", result, communes).set_index("commune")
    assert s.loc["West", "pc_share_pct"] == pytest.approx(100 * 450 / 675, rel=1e-9)
    assert s.loc["East", "pc_share_pct"] == pytest.approx(100 * 225 / 675, rel=1e-9)
    assert s["pc_share_pct"].sum() == pytest.approx(100.0, rel=1e-12)
    assert s.loc["West", "core_count"] == 3 and s.loc["East", "core_count"] == 1
    assert s.loc["West", "core_area_ha"] == pytest.approx(25.0, rel=1e-9)
    assert s.loc["East", "core_area_ha"] == pytest.approx(10.0, rel=1e-9)
    assert ((s["core_count"] > 0) == (s["core_area_ha"] > 0)).all()
