"""The generated input data contract: docs/INPUTS.md equals the catalog, and required/optional is one truth."""

import json
from pathlib import Path

from click.testing import CliRunner

from geoservice.cli import cli
from geoservice.inputs_reference import input_reference, render_markdown
from layers.catalog import input_layers
from processing.steps import all_steps

DOC = Path(__file__).resolve().parents[1] / "docs" / "INPUTS.md"


def test_docs_inputs_md_equals_the_catalog():
    assert DOC.read_text(encoding="utf-8") == render_markdown(all_steps()), (
        "docs/INPUTS.md is out of date: regenerate it with `geoservice inputs --markdown > docs/INPUTS.md`")


def test_every_input_is_described_with_fields_and_analyses():
    records = {r["id"]: r for r in input_reference(all_steps())}
    assert list(records) == [s.id for s in input_layers()]
    buildings = records["buildings"]
    assert buildings["geometry"] == "Polygon" and buildings["from_osm"]
    assert buildings["analyses"] == {"solar": "required", "wind": "required", "geothermal": "required",
                                     "districts": "required"}
    use = next(f for f in buildings["fields"] if f["name"] == "use")
    assert use["type"] == "str" and "residential" in use["values"]
    height = next(f for f in buildings["fields"] if f["name"] == "height_m")
    assert height["unit"] == "m" and height["type"] == "float"
    assert records["geology"]["analyses"] == {"geothermal": "required"} and not records["geology"]["from_osm"]


def test_catalog_optional_flag_agrees_with_the_analyses():
    """One truth: an input the catalog calls optional is required by no analysis."""
    for record in input_reference(all_steps()):
        spec = next(s for s in input_layers() if s.id == record["id"])
        if spec.optional:
            assert not record["required"], record["id"]


def test_inputs_command_prints_json_and_markdown():
    runner = CliRunner()
    as_json = json.loads(runner.invoke(cli, ["inputs", "--json"]).output)
    assert {r["id"] for r in as_json} == {s.id for s in input_layers()}
    markdown = runner.invoke(cli, ["inputs", "--markdown"]).output
    assert markdown == render_markdown(all_steps())
    text = runner.invoke(cli, ["inputs"]).output
    assert "buildings: Polygon layer — needed by solar (required)" in text
