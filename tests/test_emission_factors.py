"""The shared emission-factor facts: one bound on boiler efficiency for every step that credits replaced boilers."""

import pytest
from pydantic import ValidationError

from processing.districts.params import DistrictsParams
from processing.emission_factors import BOILER_EFFICIENCY_MAX, BOILER_EFFICIENCY_MIN, GAS_BOILER_EFFICIENCY
from processing.heat_recovery.params import HeatRecoveryParams
from processing.targets.params import TargetsParams

MODELS = [DistrictsParams, HeatRecoveryParams, TargetsParams]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_boiler_efficiency_bound_is_the_same_in_every_model(model):
    assert model().boiler_efficiency == GAS_BOILER_EFFICIENCY
    assert model(boiler_efficiency=0.9).boiler_efficiency == 0.9
    assert model(boiler_efficiency=1.09).boiler_efficiency == 1.09  # a good condensing boiler on the LHV
    for bad in (0.0, 1.2):
        with pytest.raises(ValidationError, match="boiler_efficiency"):
            model(boiler_efficiency=bad)


def test_boiler_efficiency_bounds_frame_the_default():
    assert BOILER_EFFICIENCY_MIN < GAS_BOILER_EFFICIENCY < BOILER_EFFICIENCY_MAX
