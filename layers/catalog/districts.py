"""Output layers of the test-district and commune-indicator step."""

from __future__ import annotations

from layers.catalog.spec import Field, LayerSpec, Style

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="test_district_candidates",
        title="Test-district candidates",
        description="Candidate districts ranked by an explainable multi-criteria analysis (ÉcoQuartier spirit).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("candidate_id", "str", description="Candidate identifier."),
            Field("score", "float", "", "Weighted score, 0-1."),
            Field("rank", "int", description="Rank, 1 = best."),
            Field("explanation", "str", description="Why the candidate ranks where it does."),
        ),
        style=Style(field="score", fill_opacity=0.6, stops=(0.0, 0.5, 1.0),
                    colors=("#f7fcf5", "#74c476", "#00441b")),
        produced_by="districts",
    ),
    LayerSpec(
        id="commune_indicators",
        title="Commune indicators",
        description="Key climate-plan figures per commune.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(Field("commune", "str", description="Commune name."),),
        style=Style(color="#525252", fill_opacity=0.2),
        produced_by="districts",
    ),
)
