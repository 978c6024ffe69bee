"""Output layers of the ecological-corridors step (green, blue and black networks).

Costs are cost-weighted distances in effective metres: metres through habitat of resistance 1 (resistance
is relative, 1-10,000). Connectivity shares (dPC, dIIC) are percentages of the network's PC or IIC numerator.
"""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

NETWORKS = ("green", "blue", "black")
NETWORK_CATEGORIES = (
    Category("green", "green (forest, grassland)", "#1a9850"),
    Category("blue", "blue (water, wetland)", "#2166ac"),
    Category("black", "black (darkness)", "#3f007d"),
)
BARRIER_KINDS = ("road", "railway", "light", "river_obstacle")

_NETWORK = Field("network", "str", description="Sub-network.", values=NETWORKS)
_COST = "Cost-weighted distance [effective m: metres through habitat of resistance 1]."


def _link_fields() -> tuple[Field, ...]:
    return (
        _NETWORK,
        Field("link_id", "str", description="Link identifier (core A, core B)."),
        Field("core_a", "str", description="core_id of one end."),
        Field("core_b", "str", description="core_id of the other end."),
        Field("cost", "float", "m", "Least-cost distance between the two cores. " + _COST),
        Field("dpc_link_pct", "float", "%", "Share of the network's PC lost if this link alone is cut (link "
              "importance)."),
        Field("importance_rank", "int", description="Rank of the link in its network by dpc_link_pct, 1 = most "
              "important."),
    )


LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="habitat_cores",
        title="Habitat cores",
        description="Habitat patches large enough to anchor a network, with their connectivity importance. "
                    "Protected semi-natural land counts in Natura 2000 sites and reserves, and of a biosphere "
                    "only in its core zone (processing.corridors.cores).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            _NETWORK,
            Field("core_id", "str", description="Core identifier."),
            Field("area_ha", "float", "ha", "Area."),
            Field("commune", "str", description="Commune holding the core's representative point (layers.communes, "
                  "method representative_point).", required=False),
            Field("link_count", "int", description="Number of least-cost links to other cores."),
            Field("dpc_pct", "float", "%", "Importance for the network: share of PC lost if the core is lost (dPC)."),
            Field("dpc_intra_pct", "float", "%", "Part of dPC from the habitat inside the core (intra)."),
            Field("dpc_flux_pct", "float", "%", "Part of dPC from dispersal flux to and from the core (flux)."),
            Field("dpc_connector_pct", "float", "%", "Part of dPC from the core as a stepping stone between others "
                  "(connector)."),
            Field("diic_pct", "float", "%", "Share of IIC lost if the core is lost (dIIC)."),
            Field("iic", "float", "", "Integral Index of Connectivity of the whole network, landscape = region."),
            Field("pc", "float", "", "Probability of Connectivity of the whole network, landscape = region."),
        ),
        style=Style(field="network", fill_opacity=0.5, categories=NETWORK_CATEGORIES),
        key_fields=("network", "core_id", "area_ha", "dpc_pct", "dpc_connector_pct", "link_count", "commune"),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridors",
        title="Ecological corridors",
        description="Least-cost corridors between neighbouring cores: cells whose cost-weighted detour over the "
                    "least-cost path (CWD_A + CWD_B - LCD) is within the cut-off, outside the cores.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(*_link_fields(),
                Field("cutoff_cost", "float", "m", "Corridor width cut-off on CWD_A + CWD_B - LCD. " + _COST),
                Field("area_ha", "float", "ha", "Corridor area outside the cores.")),
        style=Style(field="network", fill_opacity=0.35, categories=NETWORK_CATEGORIES),
        key_fields=("network", "importance_rank", "dpc_link_pct", "core_a", "core_b", "area_ha"),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridor_paths",
        title="Least-cost paths",
        description="Least-cost path lines between neighbouring cores.",
        kind="vector",
        role="output",
        geometry="LineString",
        fields=(*_link_fields(),
                Field("length_m", "float", "m", "Length of the path."),
                Field("euclidean_m", "float", "m", "Straight-line distance between the path's ends."),
                Field("cost_ratio", "float", "", "cost / euclidean_m: how hostile the land between the cores is "
                      "(1 = straight through habitat of resistance 1)."),
                Field("certified", "bool", description="True when the window the path was searched in provably "
                      "holds the global least-cost path.")),
        style=Style(field="network", weight=2.5, categories=NETWORK_CATEGORIES),
        key_fields=("network", "importance_rank", "cost", "length_m", "cost_ratio", "dpc_link_pct"),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridor_barriers",
        title="Corridor barriers",
        description="Where corridors meet roads, railways, lit areas or river obstacles, ranked by importance.",
        kind="vector",
        role="output",
        geometry="Point",
        fields=(
            _NETWORK,
            Field("barrier_id", "str", description="Barrier identifier."),
            Field("kind", "str", description="What cuts the corridor.", values=BARRIER_KINDS),
            Field("detail", "str", description="Road class, railway kind, or for light 'strong' (within the Myotis "
                  "distance) or 'avoided' (within the Eptesicus distance)."),
            Field("link_id", "str", description="Link whose least-cost path the barrier cuts."),
            Field("resistance", "float", "", "Resistance of the road or railway [-]; for light, the resistance "
                  "multiplier of the lit stretch [-]."),
            Field("dpc_link_pct", "float", "%", "Importance of the link cut (share of PC it carries)."),
            Field("importance_rank", "int", description="Rank in the network, 1 = act first (most important link, "
                  "then strongest barrier)."),
        ),
        style=Style(field="kind", radius=5.0, categories=(
            Category("road", "road", "#d7301f"), Category("railway", "railway", "#252525"),
            Category("light", "light", "#fec44f"), Category("river_obstacle", "river obstacle", "#0570b0"))),
        key_fields=("network", "kind", "detail", "importance_rank", "dpc_link_pct"),
        produced_by="corridors",
    ),
    LayerSpec(
        id="corridor_commune_summary",
        title="Ecological networks by commune",
        description="Per commune and sub-network: cores, corridors, barriers and the connectivity the commune's "
                    "cores hold (IIC and PC with the commune as landscape, links through the whole region).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("commune", "str", description="Commune name."),
            Field("code", "str", description="Commune code."),
            _NETWORK,
            Field("core_count", "int", description="Cores with any part inside the commune (a core across a "
                  "commune boundary counts in each commune it reaches)."),
            Field("core_area_ha", "float", "ha", "Core area inside the commune (by intersection, the same rule)."),
            Field("core_share_pct", "float", "%", "Core area as a share of the commune's area."),
            Field("corridor_area_ha", "float", "ha", "Corridor area inside the commune (overlaps counted once)."),
            Field("path_length_m", "float", "m", "Length of least-cost paths inside the commune."),
            Field("barrier_count", "int", description="Barriers inside the commune."),
            Field("pc_share_pct", "float", "%", "Share of the regional PC (sum of a_i a_j p*_ij) carried by the "
                  "core area inside the commune; additive, 100 % over communes covering every core."),
            Field("iic", "float", "", "IIC of the cores' parts inside the commune, commune area as landscape."),
            Field("pc", "float", "", "PC of the cores' parts inside the commune, commune area as landscape."),
        ),
        style=Style(field="pc", fill_opacity=0.5, stops=(0.0, 0.01, 0.05, 0.2),
                    colors=("#f7fcf5", "#a1d99b", "#41ab5d", "#005a32")),
        produced_by="corridors",
    ),
)
