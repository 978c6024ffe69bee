"""Test-district candidates and commune indicators (issue 8).

Ranks candidate districts with an explainable multi-criteria analysis (ÉcoQuartier dimensions, WLC and
TOPSIS, AHP weights, ±20 % weight sensitivity, hard constraints) and sums every potential per commune.

Modules: ``units`` (candidate units), ``criteria`` (criteria and their ÉcoQuartier dimension), ``mcda``
(normalisation, WLC, TOPSIS, AHP, sensitivity), ``ranking``, ``explain`` (a sentence per candidate),
``indicators`` (commune key figures, CSV export), ``params`` and ``step``.

Region-file example (every key optional; weights not named keep their default, 0 drops a criterion)::

    [params.districts]
    unit_mode = "blocks"            # or "districts", "hexagons", "auto"
    method = "topsis"               # behind score and rank; both methods are always published
    weights = { solar = 0.2, rail = 0.15, corridor_conflict = 0.15 }

    # or weights from AHP pairwise judgments (Saaty 1-9 scale), refused when CR > 0.10:
    # weighting = "ahp"
    # ahp_criteria = ["solar", "rail", "brownfield"]
    # ahp_matrix = [[1, 3, 5], [0.3333, 1, 3], [0.2, 0.3333, 1]]
"""

from __future__ import annotations

from processing.districts.indicators import commune_indicators, indicators_to_csv
from processing.districts.params import DistrictsParams
from processing.districts.step import OPTIONAL_INPUTS, REQUIRED_INPUTS, run
from processing.pipeline import MapPage, Step

__all__ = ["STEP", "DistrictsParams", "commune_indicators", "indicators_to_csv"]

STEP = Step(
    name="districts",
    title="Test-district candidates and commune indicators",
    inputs=REQUIRED_INPUTS,
    optional_inputs=OPTIONAL_INPUTS,
    outputs=("test_district_candidates", "commune_indicators"),
    params=DistrictsParams,
    run=run,
    reads_district_layers=True,
    maps=(MapPage("Test districts", "ranked candidate districts and commune indicators"),),
    commune_layers=("test_district_candidates",),
)
