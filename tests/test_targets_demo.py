"""The targets step in the whole demo run: the synthetic inventory against the demo region's PRO-SUD targets
(−55 % by 2030 vs 2005, neutrality 2050), its potentials taken from the published commune indicators.

Checks are independent of the step's code where they can be: the potentials' avoided emissions are recomputed
from ``commune_indicators`` and the emission factors (relative tolerance 1e-9), and the inventory's magnitudes
from its per-head basis (``layers/demo/inventory.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.demo.installations import YEARS as INSTALLATION_YEARS
from layers.demo.inventory import PER_HEAD_2005_T_YR
from processing.emission_factors import GRID_CO2_T_MWH


def test_targets_step_ran_on_the_demo(demo_run):
    report = next(s for s in demo_run.summary.steps if s.step == "targets")
    assert report.status == "done", report.notes
    assert report.outputs["climate_target_communes"] == 11


def test_every_commune_and_sector_in_both_target_years(demo_store):
    table = demo_store.read_table("climate_targets")
    assert len(table) == 11 * (len(PER_HEAD_2005_T_YR) + 1) * 2
    assert set(table["target_year"]) == {2030, 2050}
    assert set(table["base_year"]) == {2005} and set(table["latest_year"]) == {2022}
    assert (table["coverable_t_yr"] + table["uncovered_t_yr"] - table["gap_t_yr"]).abs().max() < 1e-6
    assert table["coverable_share_pct"].dropna().between(0, 100).all()
    assert demo_store.current("climate_targets").provenance["synthetic"] is True


def test_magnitudes_follow_the_per_head_basis(demo_store):
    """The synthetic 2005 inventory: sector shares as the per-head figures (8.8 t per head in all)."""
    table = demo_store.read_table("climate_targets")
    base = table[table["target_year"] == 2030].groupby("sector")["base_t_yr"].sum()
    shares = base.drop("total") / base["total"]
    expected = {s: v / sum(PER_HEAD_2005_T_YR.values()) for s, v in PER_HEAD_2005_T_YR.items()}
    assert shares.to_dict() == pytest.approx(expected, rel=1e-3)  # base year carries no noise; rounding 0.1 t


def test_potentials_recomputed_from_the_commune_indicators(demo_store):
    indicators = demo_store.read_vector("commune_indicators").set_index("code")
    communes = demo_store.read_vector("climate_target_communes").set_index("code")
    pv = indicators["pv_gwh_yr"] * 1e3 * GRID_CO2_T_MWH
    wind = indicators["wind_gwh_yr"] * 1e3 * GRID_CO2_T_MWH
    np.testing.assert_allclose(communes["pv_t_yr"], pv.reindex(communes.index), rtol=1e-9)
    np.testing.assert_allclose(communes["wind_t_yr"], wind.reindex(communes.index), rtol=1e-9)
    assert (communes["pv_t_yr"] > 0).sum() >= 5  # communes without housing have no roofs
    assert communes["status"].str.match(r"^(on track|behind by [\d,]+ t)$").all()
    # the path in 2022 allows 1 - 0.55 * 17/25 = 62.6 % of 2005
    np.testing.assert_allclose(communes["path_latest_t_yr"], communes["base_t_yr"] * 0.626, rtol=1e-12)


def test_path_table_spans_base_to_neutrality(demo_store):
    path = demo_store.read_table("climate_target_path")
    assert (path["year"].min(), path["year"].max()) == (2005, 2050)
    observed = path.dropna(subset=["observed_t_yr"])
    assert sorted(set(observed["year"])) == [2005, 2010, 2015, 2019, 2022]
    assert (path.loc[path["year"] == 2050, "path_t_yr"] == 0).all()


def test_api_serves_the_target_layers(demo_run):
    """The catalog's new layers are collections with no API change: the table filtered with CQL2, the commune
    layer with geometries."""
    from fastapi.testclient import TestClient

    from geoservice.api import create_app

    with TestClient(create_app(demo_run.settings)) as client:
        rows = client.get("/collections/climate_targets/items",
                          params={"filter": "sector = 'total' AND target_year = 2030", "limit": 100, "f": "json"})
        assert rows.status_code == 200, rows.text
        features = rows.json()["features"]
        assert len(features) == 11
        assert {f["properties"]["status"].split(" by ")[0] for f in features} <= {"on track", "behind"}
        communes = client.get("/collections/climate_target_communes/items", params={"f": "json"}).json()
        assert len(communes["features"]) == 11 and all(f["geometry"] for f in communes["features"])


def test_demo_installations_are_tracked(demo_run, demo_store):
    """The synthetic installations table reaches climate_target_communes. Recomputed from the generated CSV by
    the rule of processing.targets.installations: installed = Σ added, pace = Σ added over the last three years
    (2020-2022) / 3, PV realised = installed / potential; a kind a commune lacks rows of counts as 0."""
    report = next(s for s in demo_run.summary.steps if s.step == "targets")
    assert not [n for n in report.notes if "installations" in n], report.notes
    table = pd.read_csv(demo_run.settings.inputs_dir / "minett-demo" / "installations.csv")
    assert table["source"].str.startswith("SYNTHETIC").all()
    assert sorted(set(table["year"])) == list(INSTALLATION_YEARS)
    communes = demo_store.read_vector("climate_target_communes").set_index("code")
    assert len(communes) == 11
    fields = {"pv_kwp": ("pv_installed_kwp", "pv_pace_kwp_yr"), "heat_pumps": ("heat_pumps_installed",
              "heat_pumps_pace_yr"), "dh_connections": ("dh_connections_installed", "dh_connections_pace_yr")}
    for kind, (installed, pace) in fields.items():
        rows = table[table["kind"] == kind]
        total = rows.groupby("code")["added"].sum().reindex(communes.index, fill_value=0.0)
        recent = rows[rows["year"] >= 2020].groupby("code")["added"].sum().reindex(communes.index, fill_value=0.0)
        np.testing.assert_allclose(communes[installed], total, rtol=1e-12)
        np.testing.assert_allclose(communes[pace], recent / 3, rtol=1e-12)
    # installations only where people live: the communes with roofs (the others have no buildings)
    assert ((communes["pv_installed_kwp"] > 0) == (communes["pv_potential_kwp"] > 0)).all()
    assert (communes["pv_installed_kwp"] > 0).sum() >= 5 and (communes["dh_connections_installed"] > 0).sum() >= 1
    realised = 100 * communes["pv_installed_kwp"] / communes["pv_potential_kwp"].where(communes["pv_potential_kwp"] > 0)
    np.testing.assert_allclose(communes["pv_realised_pct"], realised, rtol=1e-12)
