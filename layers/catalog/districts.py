"""Output layers of the test-district and commune-indicator step, and the ranking criteria they publish.

:data:`CRITERIA` is the one table of the ranking criteria: each row carries its facts (weight key, value
field and unit, description, ÉcoQuartier dimension, benefit or cost, default weight); the candidate layer's
criteria fields derive from it, and ``processing.districts.criteria`` gives each key its compute function
(checked at import: one function per key). Criteria values and normalised values are empty when the layer
they come from is missing from the run.

ÉcoQuartier référentiel (French Ministry of Ecological Transition, 2016 edition, 4 dimensions and
20 engagements): process & governance, living environment & uses, territorial development, environment &
climate. Process & governance cannot be read from maps; the council judges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.catalog.spec import Field, LayerSpec, Style

UNIT_KINDS = ("district", "block", "hexagon", "brownfield")
SCORING_METHODS = ("wlc", "topsis")

#: ÉcoQuartier dimensions: key → label.
DIMENSIONS: dict[str, str] = {
    "process": "process & governance",
    "living": "living environment & uses",
    "territorial": "territorial development",
    "environment": "environment & climate",
}
#: Dimensions with a score field ``dim_<key>_score`` (process & governance is not measured from maps).
SCORED_DIMENSIONS: tuple[str, ...] = ("living", "territorial", "environment")


@dataclass(frozen=True)
class Criterion:
    """One ranking criterion.

    key : weight key in ``[params.districts.weights]``; the normalised field is ``<key>_norm``.
    field : value field of ``test_district_candidates`` (its name carries the unit).
    unit : unit of the value.
    description : what the value is (the field's description).
    label : noun phrase for explanations ("roof solar").
    dimension : ÉcoQuartier dimension key (:data:`DIMENSIONS`).
    benefit : True when more is better, False for a cost.
    default_weight : illustrative default weight (planning choice, not literature).
    """

    key: str
    field: str
    unit: str
    description: str
    label: str
    dimension: str
    benefit: bool
    default_weight: float

    @property
    def norm_field(self) -> str:
        return f"{self.key}_norm"


#: Every ranking criterion, in publishing order.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("solar", "solar_mwh_ha_yr", "MWh ha-1 yr-1",
              "Roof-PV yield of the unit's suitable roof faces per hectare of unit.",
              "roof solar", "environment", True, 0.15),
    Criterion("heat_density", "heat_demand_mwh_ha_yr", "MWh ha-1 yr-1", "Building heat demand per hectare of unit.",
              "heat-demand density", "environment", True, 0.10),
    Criterion("dh_area", "dh_share", "", "Share of the unit's area inside a district-heating area, 0-1.",
              "heat-network area", "environment", True, 0.10),
    Criterion("geothermal", "geothermal_mwh_probe_yr", "MWh yr-1",
              "Mean sustainable heat of one 100 m borehole heat exchanger over the unit.",
              "geothermal potential", "environment", True, 0.10),
    Criterion("drilling", "drilling_restricted_share", "",
              "Share of the unit's area under any drilling restriction, 0-1.",
              "drilling restrictions", "environment", False, 0.05),
    Criterion("energy_balance", "energy_balance_mwh_ha_yr", "MWh ha-1 yr-1",
              "Roof PV minus heat-pump electricity, plus heat-pump delivered heat, minus heat demand, per hectare "
              "(= PV + ground heat - demand).",
              "local energy balance", "environment", True, 0.10),
    Criterion("rail", "rail_distance_m", "m", "Distance from the unit to the nearest railway station.",
              "railway access", "territorial", False, 0.10),
    Criterion("bus", "bus_distance_m", "m", "Distance from the unit to the nearest bus or tram stop.",
              "bus and tram access", "territorial", False, 0.05),
    Criterion("brownfield", "brownfield_share", "", "Share of the unit's area on brownfield land, 0-1.",
              "brownfield land", "territorial", True, 0.10),
    Criterion("use_mix", "use_mix_index", "", "Shannon evenness of building uses weighted by floor area, 0-1.",
              "mix of building uses", "living", True, 0.05),
    Criterion("corridor_conflict", "corridor_conflict_share", "",
              "Share of the unit's area on ecological corridors or habitat cores, 0-1.",
              "overlap with corridors and habitat cores", "environment", False, 0.10),
)
CRITERIA_BY_KEY: dict[str, Criterion] = {c.key: c for c in CRITERIA}
#: Default weight of every criterion (``[params.districts.weights]``).
DEFAULT_WEIGHTS: dict[str, float] = {c.key: c.default_weight for c in CRITERIA}


def _criteria_fields() -> tuple[Field, ...]:
    values = tuple(Field(c.field, "float", c.unit, c.description, required=False) for c in CRITERIA)
    normalised = tuple(Field(c.norm_field, "float", "", f"Normalised {c.field} (min-max, 1 = best), 0-1.",
                             required=False) for c in CRITERIA)
    return values + normalised


CANDIDATE_FIELDS: tuple[Field, ...] = (
    Field("candidate_id", "str", description="Candidate identifier."),
    Field("name", "str", description="District or brownfield name, where known.", required=False),
    Field("unit_kind", "str", description="Kind of candidate unit.", values=UNIT_KINDS),
    Field("commune", "str", description="Commune holding the unit's representative point (layers.communes, "
          "method representative_point).", required=False),
    Field("area_ha", "float", "ha", "Area of the unit."),
    Field("buildings", "int", description="Number of buildings whose representative point lies in the unit "
          "(layers.communes, method representative_point)."),
    Field("score", "float", "", "Score of the ranking method, 0-1 (empty when excluded).", required=False),
    Field("rank", "int", description="Rank by score, 1 = best (empty when excluded).", required=False),
    Field("method", "str", description="Ranking method behind score and rank.", values=SCORING_METHODS),
    Field("ahp_consistency_ratio", "float", "", "Consistency ratio CR of the AHP pairwise matrix behind the "
          "weights (Saaty 1980; judgments with CR > 0.10 are refused); empty under direct weights.",
          required=False),
    Field("wlc_score", "float", "", "Weighted linear combination of the normalised criteria, 0-1.",
          required=False),
    Field("wlc_rank", "int", description="Rank by the WLC score, 1 = best.", required=False),
    Field("topsis_score", "float", "", "TOPSIS relative closeness to the ideal solution, 0-1.", required=False),
    Field("topsis_rank", "int", description="Rank by the TOPSIS score, 1 = best.", required=False),
    Field("rank_min", "int", description="Best rank when any one weight changes by the sensitivity step "
          "(default +/-20 %).", required=False),
    Field("rank_max", "int", description="Worst rank when any one weight changes by the sensitivity step.",
          required=False),
    Field("excluded", "bool", description="Whether a hard constraint excludes the unit."),
    Field("exclusion_reason", "str", description="Hard constraints that exclude the unit.", required=False),
    Field("explanation", "str", description="Why the candidate ranks where it does."),
    Field("flood_share", "float", "", "Share of the unit's area in a flood zone, 0-1.", required=False),
    Field("natura2000_share", "float", "", "Share of the unit's area in Natura 2000, 0-1.", required=False),
    Field("forbidden_drilling_share", "float", "", "Share of the unit's area where drilling is forbidden, 0-1.",
          required=False),
    Field("solar_mwh_yr", "float", "MWh yr-1", "Roof-PV yield of the unit's suitable roof faces (a face counts in "
          "the unit holding its representative point: layers.communes, method representative_point).",
          required=False),
    Field("geothermal_mwh_yr", "float", "MWh yr-1", "Heat ground-source heat pumps can deliver in the unit (at "
          "most its demand; ground heat + their electricity).", required=False),
    Field("heat_demand_mwh_yr", "float", "MWh yr-1", "Building heat demand of the unit.", required=False),
    Field("corridor_networks", "str", description="Networks (green, blue, black) whose corridors or cores the "
          "unit overlaps, comma-separated.", required=False),
    *_criteria_fields(),
    *(Field(f"dim_{dim}_score", "float", "", f"Weighted mean of the normalised criteria of the ÉcoQuartier "
            f"dimension '{DIMENSIONS[dim]}', 0-1.", required=False) for dim in SCORED_DIMENSIONS),
)

#: Fields of ``commune_indicators`` computed by the districts step; the other analyses add theirs through their
#: catalog module's ``COMMUNE_SUMS`` (:class:`layers.catalog.spec.CommuneSum`).
COMMUNE_INDICATOR_FIELDS: tuple[Field, ...] = (
    Field("commune", "str", description="Commune name."),
    Field("code", "str", description="Official commune code.", required=False),
    Field("area_km2", "float", "km2", "Planar area in the region CRS."),
    Field("pv_mwp", "float", "MWp", "Installable roof-PV peak power on suitable roof faces."),
    Field("pv_gwh_yr", "float", "GWh yr-1", "Roof-PV AC energy per year of suitable roof faces."),
    Field("wind_sites", "int", description="Number of wind-turbine sites."),
    Field("wind_mw", "float", "MW", "Rated power of the wind-turbine sites."),
    Field("wind_gwh_yr", "float", "GWh yr-1", "Net annual energy of the wind-turbine sites."),
    Field("geothermal_gwh_yr", "float", "GWh yr-1",
          "Heat ground-source heat pumps can deliver to the buildings (at most their demand, outside forbidden "
          "zones) = ground heat + heat-pump electricity."),
    Field("geothermal_ground_gwh_yr", "float", "GWh yr-1", "Ground heat behind that delivered heat."),
    Field("heat_pump_electricity_gwh_yr", "float", "GWh yr-1", "Electricity the heat pumps draw to deliver it."),
    Field("heat_demand_gwh_yr", "float", "GWh yr-1", "Building heat demand."),
    Field("heat_demand_in_dh_share", "float", "", "Share of the heat demand inside district-heating areas, 0-1.",
          required=False),
    Field("renewable_gwh_yr", "float", "GWh yr-1", "Roof PV + wind + geothermal ground heat (the heat pumps' "
          "electricity is not renewable by itself)."),
    Field("corridor_length_km", "float", "km", "Length of least-cost corridor paths inside the commune."),
    Field("connectivity", "float", "", "Share of the commune's habitat-core area linked to another core by a "
          "corridor path, 0-1 (empty without cores).", required=False),
    *(Field(f"pc_{net}", "float", "", f"Probability of Connectivity of the commune's {net}-network cores "
            "(corridors step; commune as landscape), 0-1.", required=False) for net in ("green", "blue", "black")),
    Field("candidate_districts", "int", description="Test-district candidates not excluded by a hard constraint."),
    Field("co2_pv_t_yr", "float", "t yr-1", "CO2 avoidable by roof PV replacing grid electricity."),
    Field("co2_wind_t_yr", "float", "t yr-1", "CO2 avoidable by wind replacing grid electricity."),
    Field("co2_geothermal_t_yr", "float", "t yr-1",
          "CO2 avoidable by heat pumps on borehole heat exchangers replacing gas boilers, net of the grid "
          "electricity they draw."),
    Field("co2_avoidable_t_yr", "float", "t yr-1", "Total avoidable CO2 (PV + wind + geothermal)."),
)

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="test_district_candidates",
        title="Test-district candidates",
        description="Candidate districts ranked by an explainable multi-criteria analysis (ÉcoQuartier spirit): "
                    "criteria values, normalised criteria, WLC and TOPSIS scores and ranks, rank range under "
                    "weight changes, hard-constraint exclusions and a sentence explaining each rank.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=CANDIDATE_FIELDS,
        style=Style(field="score", fill_opacity=0.6, stops=(0.0, 0.5, 1.0),
                    colors=("#f7fcf5", "#74c476", "#00441b")),
        key_fields=("rank", "name", "commune", "score", "explanation", "area_ha", "solar_mwh_yr",
                    "heat_demand_mwh_yr", "exclusion_reason"),
        produced_by="districts",
    ),
    LayerSpec(
        id="commune_indicators",
        title="Commune indicators",
        description="Key climate-plan figures per commune: renewable potentials, heat demand, corridors, "
                    "test-district candidates and avoidable CO2.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=COMMUNE_INDICATOR_FIELDS,
        style=Style(color="#525252", fill_opacity=0.2),
        key_fields=("commune", "pv_mwp", "pv_gwh_yr", "wind_sites", "wind_gwh_yr", "geothermal_gwh_yr",
                    "heat_demand_gwh_yr", "heat_demand_in_dh_share", "co2_avoidable_t_yr"),
        produced_by="districts",
    ),
)
