"""Layers of a comparison of two scenarios (``geoservice compare A B``), published under the tag ``A..B``.

"A" is the reference (often ``baseline``), "B" the choice being weighed; every delta is B − A.
"""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

#: What ``effect`` says of B against A.
EFFECTS = ("lowers emissions", "raises emissions", "unchanged")
#: How a candidate's rank moved from A to B.
RANK_MOVES = ("up", "down", "same", "ranked in B only", "ranked in A only")

_COMMUNE = Field("commune", "str", description="Commune name.")

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="comparison_indicators",
        title="Scenario comparison: commune indicators",
        description="Every numeric commune indicator in scenario A and B and its change B − A, per commune and "
                    "for the whole region (commune 'all communes').",
        kind="table",
        role="comparison",
        fields=(
            _COMMUNE,
            Field("indicator", "str", description="Field of commune_indicators (its name carries its unit)."),
            Field("unit", "str", description="Unit of the indicator."),
            Field("value_a", "float", description="Value in scenario A.", required=False),
            Field("value_b", "float", description="Value in scenario B.", required=False),
            Field("delta", "float", description="B − A, in the indicator's unit.", required=False),
            Field("delta_pct", "float", "%", "(B − A) / A × 100 (empty when A is 0).", required=False),
        ),
        produced_by="compare",
    ),
    LayerSpec(
        id="comparison_emissions",
        title="Scenario comparison: effect on emissions",
        description="Per commune, the CO2 the mapped potentials can avoid in A and B and what choosing B does "
                    "to emissions: avoidable CO2 up means emissions down by as much.",
        kind="vector",
        role="comparison",
        geometry="Polygon",
        fields=(
            _COMMUNE,
            Field("code", "str", description="Official commune code.", required=False),
            Field("renewable_a_gwh_yr", "float", "GWh yr-1", "Renewable potential in A."),
            Field("renewable_b_gwh_yr", "float", "GWh yr-1", "Renewable potential in B."),
            Field("co2_avoidable_a_t_yr", "float", "t yr-1", "Avoidable CO2 in A (commune_indicators)."),
            Field("co2_avoidable_b_t_yr", "float", "t yr-1", "Avoidable CO2 in B."),
            Field("emissions_change_t_yr", "float", "t yr-1",
                  "Change in emissions when B is chosen instead of A: −(avoidable B − avoidable A); negative "
                  "lowers emissions."),
            Field("effect", "str", description="What choosing B does to emissions.", values=EFFECTS),
            Field("target_year", "int", description="Next climate-target year (climate_target_communes); empty "
                  "without the targets step in both scenarios.", required=False),
            Field("uncovered_a_t_yr", "float", "t yr-1", "Gap to that target the mapped potentials leave "
                  "uncovered in A [t CO2e].", required=False),
            Field("uncovered_b_t_yr", "float", "t yr-1", "The same in B.", required=False),
            Field("gap_change_t_yr", "float", "t yr-1", "Change of the uncovered gap when B is chosen (B − A); "
                  "negative brings the commune closer to its target.", required=False),
        ),
        style=Style(field="effect", fill_opacity=0.35, categories=(  # blue/orange: apart from the land's green/red
            Category("lowers emissions", "B lowers emissions", "#4575b4"),
            Category("raises emissions", "B raises emissions", "#f46d43"),
            Category("unchanged", "unchanged", "#bdbdbd"))),
        key_fields=("commune", "effect", "emissions_change_t_yr", "co2_avoidable_a_t_yr", "co2_avoidable_b_t_yr",
                    "renewable_a_gwh_yr", "renewable_b_gwh_yr"),
        produced_by="compare",
    ),
    LayerSpec(
        id="comparison_wind_areas",
        title="Scenario comparison: wind-eligible land gained and lost",
        description="Land eligible for wind turbines in B but not in A (gained) and in A but not in B (lost).",
        kind="vector",
        role="comparison",
        geometry="Polygon",
        fields=(
            Field("change", "str", description="gained (eligible in B only) or lost (eligible in A only).",
                  values=("gained", "lost")),
            Field("area_ha", "float", "ha", "Area of the part."),
        ),
        style=Style(field="change", fill_opacity=0.6, categories=(
            Category("gained", "eligible in B only", "#1a9850"), Category("lost", "eligible in A only", "#d73027"))),
        produced_by="compare",
    ),
    LayerSpec(
        id="comparison_wind_sites",
        title="Scenario comparison: wind-turbine sites added and removed",
        description="Turbine sites of B not in A (added) and of A not in B (removed), matched by position.",
        kind="vector",
        role="comparison",
        geometry="Point",
        fields=(
            Field("change", "str", description="added (a site of B only) or removed (a site of A only).",
                  values=("added", "removed")),
            Field("capacity_mw", "float", "MW", "Rated power of the site."),
            Field("aep_net_mwh_yr", "float", "MWh yr-1", "Net annual energy of the site."),
            Field("commune", "str", description="Commune of the site.", required=False),
        ),
        style=Style(field="change", radius=6.0, fill_opacity=0.9, categories=(
            Category("added", "site in B only", "#1a9850"), Category("removed", "site in A only", "#d73027"))),
        produced_by="compare",
    ),
    LayerSpec(
        id="comparison_candidate_ranks",
        title="Scenario comparison: test-district candidates moving rank",
        description="Every test-district candidate with its rank in A and B (matched by candidate id); a "
                    "positive rank_change moved up (a better rank in B).",
        kind="vector",
        role="comparison",
        geometry="Polygon",
        fields=(
            Field("candidate_id", "str", description="Candidate identifier."),
            Field("name", "str", description="District or brownfield name, where known.", required=False),
            Field("commune", "str", description="Commune of the candidate.", required=False),
            Field("rank_a", "int", description="Rank in A, 1 = best (empty when excluded or absent).",
                  required=False),
            Field("rank_b", "int", description="Rank in B (empty when excluded or absent).", required=False),
            Field("rank_change", "int", description="rank_a − rank_b: places moved up in B.", required=False),
            Field("score_a", "float", "", "Score in A, 0-1.", required=False),
            Field("score_b", "float", "", "Score in B, 0-1.", required=False),
            Field("move", "str", description="How the rank moved from A to B.", values=RANK_MOVES),
        ),
        style=Style(field="move", fill_opacity=0.6, categories=(
            Category("up", "better rank in B", "#1a9850"), Category("down", "worse rank in B", "#d73027"),
            Category("same", "same rank", "#bdbdbd"), Category("ranked in B only", "ranked in B only", "#66bd63"),
            Category("ranked in A only", "ranked in A only", "#f46d43"))),
        key_fields=("candidate_id", "name", "commune", "rank_a", "rank_b", "rank_change", "move"),
        produced_by="compare",
    ),
    LayerSpec(
        id="comparison_layers",
        title="Scenario comparison: layers changed",
        description="Every layer published in A or B: its version in each, whether B changed it (another "
                    "computation than A's) and its feature or cell counts.",
        kind="table",
        role="comparison",
        fields=(
            Field("layer_id", "str", description="Layer id."),
            Field("version_a", "int", description="Version in A (empty when not published there).", required=False),
            Field("version_b", "int", description="Version in B (empty when not published there).", required=False),
            Field("changed", "bool", description="Whether B's version was computed with other inputs or parameters "
                  "than A's (a different cache key)."),
            Field("features_a", "int", description="Features, rows or cells in A.", required=False),
            Field("features_b", "int", description="Features, rows or cells in B.", required=False),
        ),
        produced_by="compare",
    ),
)
