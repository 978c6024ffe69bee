"""Output layers of the ecological-corridors step (green, blue and black networks)."""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

NETWORKS = ("green", "blue", "black")
NETWORK_CATEGORIES = (
    Category("green", "green (forest, grassland)", "#1a9850"),
    Category("blue", "blue (water, wetland)", "#2166ac"),
    Category("black", "black (darkness)", "#3f007d"),
)

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="habitat_cores",
        title="Habitat cores",
        description="Habitat patches large enough to anchor a network, with their connectivity importance.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("network", "str", description="Sub-network.", values=NETWORKS),
            Field("core_id", "str", description="Core identifier."),
            Field("area_ha", "float", "ha", "Area."),
        ),
        style=Style(field="network", fill_opacity=0.5, categories=NETWORK_CATEGORIES),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridors",
        title="Ecological corridors",
        description="Least-cost corridors between neighbouring cores.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(Field("network", "str", description="Sub-network.", values=NETWORKS),),
        style=Style(field="network", fill_opacity=0.35, categories=NETWORK_CATEGORIES),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridor_paths",
        title="Least-cost paths",
        description="Least-cost path lines between neighbouring cores.",
        kind="vector",
        role="output",
        geometry="LineString",
        fields=(Field("network", "str", description="Sub-network.", values=NETWORKS),),
        style=Style(field="network", weight=2.5, categories=NETWORK_CATEGORIES),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridor_barriers",
        title="Corridor barriers",
        description="Where corridors meet roads, railways, lit areas or river obstacles, ranked by importance.",
        kind="vector",
        role="output",
        geometry="Point",
        fields=(Field("network", "str", description="Sub-network.", values=NETWORKS),),
        style=Style(color="#d7301f", radius=5.0),
        produced_by="corridors",
    ),
)
