"""Green roofs: FLL slope classes, one use per face, retention against the FLL table (worked by hand)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from layers.catalog import get_layer
from layers.errors import InputDataError
from processing.green_roofs import STEP
from processing.green_roofs.assess import assess_faces
from processing.green_roofs.classes import face_use, green_class, slope_class
from processing.green_roofs.effects import (
    FLL_PRECIPITATION_RANGE_MM_YR,
    RUNOFF_COEFFICIENT,
    latent_cooling_mwh_yr,
    retention_m3_yr,
    retention_mm_yr,
)
from processing.green_roofs.params import GreenRoofsParams
from processing.pipeline import RegionContext, StepContext

CRS = "EPSG:2169"


@pytest.mark.parametrize(("tilt", "expected"), [
    (0.0, "flat"), (5.0, "flat"), (5.001, "pitched"), (15.0, "pitched"), (15.001, "steep_with_measures"),
    (35.0, "steep_with_measures"), (35.001, "too_steep"), (60.0, "too_steep")])
def test_fll_slope_classes_at_their_boundaries(tilt, expected):
    # FLL: flat ≤ 5°, standard extensive ≤ 15°, with shear protection ≤ 35°, steeper not greened
    assert slope_class(np.array([tilt]))[0] == expected


def test_too_small_only_for_green_suitable_faces():
    out = green_class(np.array([2.0, 2.0, 50.0]), np.array([9.9, 10.0, 5.0]), min_area_m2=10.0)
    assert out.tolist() == ["too_small", "flat", "too_steep"]


def test_fll_retention_table_and_worked_example():
    """FLL Dachbegrünungsrichtlinie, water retention by build-up (650–800 mm/yr): retention = 1 − Ψa in %
    of annual precipitation — 40, 45, 50, 55, 60 % for extensive 2-4 ... 15-20 cm; 60, 70, > 90 % intensive."""
    retained_share = {k: round(1.0 - v, 2) for k, v in RUNOFF_COEFFICIENT.items()}
    assert retained_share == {"extensive_2_4cm": 0.40, "extensive_4_6cm": 0.45, "extensive_6_10cm": 0.50,
                              "extensive_10_15cm": 0.55, "extensive_15_20cm": 0.60, "intensive_15_25cm": 0.60,
                              "intensive_25_50cm": 0.70, "intensive_over_50cm": 0.90}
    # worked example: 1,000 m2 flat roof, extensive 8 cm (Ψa 0.5), 750 mm/yr → 375 mm/yr retained = 375 m3/yr;
    # evaporating 375,000 kg at 2.45 MJ/kg (FAO-56) = 918,750 MJ = 255.2 MWh/yr of latent heat
    mm = retention_mm_yr(750.0, RUNOFF_COEFFICIENT["extensive_6_10cm"])
    assert mm == pytest.approx(375.0)
    assert retention_m3_yr(mm, 1000.0) == pytest.approx(375.0)
    assert latent_cooling_mwh_yr(mm, 1000.0) == pytest.approx(375_000 * 2.45 / 3.6 / 1000.0)  # MJ → kWh → MWh
    assert latent_cooling_mwh_yr(mm, 1000.0) == pytest.approx(255.2, abs=0.05)


def _faces(rows):
    """rows: (tilt [deg], side [m] of the square projected outline, solar class, usable_area_m2)."""
    geoms, area = [], []
    for i, (tilt, side, _, _) in enumerate(rows):
        geoms.append(shapely.box(100.0 * i, 0.0, 100.0 * i + side, side))
        area.append(side * side / np.cos(np.radians(tilt)))
    return gpd.GeoDataFrame({
        "building_id": [f"B{i}" for i in range(len(rows))], "face_id": [f"F{i}" for i in range(len(rows))],
        "commune": ["Kayl"] * len(rows), "area_m2": area, "tilt_deg": [r[0] for r in rows],
        "usable_area_m2": [r[3] for r in rows], "kwp": [0.2 * r[3] for r in rows], "class": [r[2] for r in rows],
    }, geometry=geoms, crs=CRS)


def test_face_areas_and_effects_by_hand():
    # a 10 × 10 m flat face loses a 0.5 m edge strip → 9 × 9 = 81 m2; a 30° face of 10 × 10 m projection
    # → 81 m2 projected, 81 / cos 30° = 93.53 m2 true area; retention counts the horizontal projection
    faces = _faces([(2.0, 10.0, "unsuitable", 0.0), (30.0, 10.0, "unsuitable", 0.0)])
    out = assess_faces(faces, GreenRoofsParams(annual_precipitation_mm=800.0))
    assert out.green_area_m2.tolist() == pytest.approx([81.0 / np.cos(np.radians(2.0)), 81.0 / np.cos(np.radians(30.0))])
    # flat: extensive 6-10 cm (Ψa 0.5) → 400 mm; pitched: extensive 4-6 cm (Ψa 0.55) → 360 mm
    assert out.retention_mm_yr.tolist() == pytest.approx([400.0, 360.0])
    assert out.retention_m3_yr.tolist() == pytest.approx([0.400 * 81.0, 0.360 * 81.0])
    assert out.evapotranspiration_mm_yr.tolist() == out.retention_mm_yr.tolist()
    assert out.green_class.tolist() == ["flat", "steep_with_measures"]
    assert (out.precipitation == "region").all()
    assert (assess_faces(faces, GreenRoofsParams()).precipitation == "default_estimate").all()


def test_no_face_counted_twice():
    rows = [(1.0, 20.0, "very_good", 150.0),   # flat + PV → biosolar
            (3.0, 20.0, "unsuitable", 0.0),    # flat, no PV → green only
            (30.0, 10.0, "good", 90.0),        # pitched + PV → PV only
            (10.0, 10.0, "conditional", 60.0),  # pitched, PV not claiming (conditional) → green only
            (50.0, 10.0, "very_good", 90.0),   # too steep + PV → PV only
            (50.0, 10.0, "unsuitable", 0.0),   # too steep, no PV → none
            (2.0, 3.0, "unsuitable", 0.0)]     # flat but too small → none
    out = assess_faces(_faces(rows), GreenRoofsParams(annual_precipitation_mm=800.0))
    assert out.use.tolist() == ["biosolar", "green_only", "pv_only", "green_only", "pv_only", "none", "none"]
    green = out.green_area_m2 > 0
    pv = out.pv_area_m2 > 0
    assert (green == out.use.isin(["biosolar", "green_only"])).all()
    assert (pv == out.use.isin(["biosolar", "pv_only"])).all()
    assert (out.biosolar_area_m2 == np.where(out.use == "biosolar", out.green_area_m2, 0.0)).all()
    # each face has exactly one use, so the three categories partition the faces and their areas add up
    by_use = out.groupby("use")["area_m2"].sum()
    assert by_use.sum() == pytest.approx(out.area_m2.sum())
    assert out.retention_m3_yr[~green].eq(0).all()
    assert face_use(np.array(["flat"]), np.array([True]))[0] == "biosolar"


def test_missing_solar_fields_refused():
    faces = _faces([(2.0, 10.0, "good", 50.0)]).drop(columns=["class"])
    with pytest.raises(InputDataError, match="solar_roofs lacks"):
        assess_faces(faces, GreenRoofsParams())


def test_params_refuse_unordered_slopes():
    with pytest.raises(ValueError, match="flat_max_deg <= extensive_max_deg"):
        GreenRoofsParams(flat_max_deg=8.0, extensive_max_deg=6.0)


def _run_step(caplog, precipitation_mm=None):
    """The step on two faces, the solar layer's other fields filled with placeholders; its output and the notes
    it logged (warnings that explain, ``extra=EXPLANATION``)."""
    faces = _faces([(2.0, 10.0, "unsuitable", 0.0), (30.0, 10.0, "good", 20.0)])
    for field in get_layer("solar_roofs").fields:
        if field.name not in faces:
            faces[field.name] = field.values[0] if field.values else {"float": 0.0, "int": 0, "bool": False,
                                                                      "str": "x"}[field.dtype]
    region = RegionContext("t", pyproj.CRS.from_user_input(CRS), (0.0, 0.0, 200.0, 20.0), {})
    params = {} if precipitation_mm is None else {"annual_precipitation_mm": precipitation_mm}
    ctx = StepContext(region, {"solar_roofs": faces}, STEP.parse_params(params), lambda f, m: None, Path("."),
                      step=STEP)
    out = STEP.run(ctx)["green_roofs"]
    return out, [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]


@pytest.mark.parametrize("precipitation_mm", [870.0, 600.0])
def test_precipitation_outside_the_fll_range_is_noted(caplog, precipitation_mm):
    # FLL: the table holds for 650-800 mm/yr; the demo's 870 (Luxembourg-Findel) and 600 lie outside
    assert FLL_PRECIPITATION_RANGE_MM_YR == (650.0, 800.0)
    out, notes = _run_step(caplog, precipitation_mm)
    assert out.retention_mm_yr[out.green_class == "flat"].tolist() == pytest.approx([0.5 * precipitation_mm])
    assert len(notes) == 1
    assert f"annual_precipitation_mm = {precipitation_mm:g} ([params.green_roofs]) lies outside the 650-800 mm/yr" \
        in notes[0] and "extrapolated" in notes[0] and "snow" in notes[0]


@pytest.mark.parametrize("precipitation_mm", [650.0, 725.0, 800.0, None])
def test_precipitation_inside_the_fll_range_is_not_noted(caplog, precipitation_mm):
    # bounds inclusive; unset takes the 725 mm default, which has its own (degrading) warning instead
    assert _run_step(caplog, precipitation_mm)[1] == []
