"""Cost and loss of a heat transmission line from one excess-heat source to one district-heating area.

The line is sized on its peak power: the heat sent in a year over the source's hours of availability,
P [MW] = sent [MWh yr-1] / hours [h yr-1]. Its investment is the pipe (cost per metre of trench by capacity
class) plus the source-side heat exchanger, the sink-side heat exchanger and the pump, all scaled by a cost
factor; the annual cost is that investment times the annuity factor plus operation and maintenance as a share
of the investment; losses are a share of the sent heat per kilometre of line. The levelised cost of the
transported heat is the annual cost over the heat delivered [EUR MWh-1].

References
----------
Hotmaps CM "Excess heat transport potential" (Aydemir & Schilling, Fraunhofer ISI, 2020): the pipe cost
table (EUR m-1 by capacity class), the heat-exchanger and pump costs per MW and the cost factor, operation
share, lifetime and discount rate as parameters; figures in docs/REFERENCES.md ("Heat recovery").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Pipe cost per metre of trench by capacity class: (upper bound of the class [MW], cost [EUR m-1]).
#: Above the last bound the last cost applies (Hotmaps CM "Excess heat transport potential", < 150 degC).
PIPE_COST_EUR_M: tuple[tuple[float, float], ...] = (
    (0.2, 195.0), (0.3, 206.0), (0.6, 220.0), (1.2, 240.0), (1.9, 261.0), (3.6, 288.0), (6.1, 323.0),
    (9.8, 357.0), (20.0, 426.0), (45.0, 564.0), (75.0, 701.0), (125.0, 839.0), (190.0, 976.0),
)
#: Source-side (air-to-liquid) heat exchanger [EUR MW-1] (Hotmaps).
SOURCE_EXCHANGER_EUR_MW = 15_000.0
#: Sink-side (liquid-to-liquid) heat exchanger [EUR MW-1] below / from :data:`SMALL_PLANT_MW` (Hotmaps).
SINK_EXCHANGER_EUR_MW = (265_000.0, 100_000.0)
#: Pump [EUR MW-1] below / from :data:`SMALL_PLANT_MW` (Hotmaps).
PUMP_EUR_MW = (240_000.0, 90_000.0)
#: Peak power below which the small-plant rates of the exchanger and pump apply [MW] (Hotmaps).
SMALL_PLANT_MW = 1.0


@dataclass(frozen=True)
class CostModel:
    """Economic and loss assumptions of a transmission line.

    Parameters
    ----------
    interest_rate : discount rate of the annuity [-], e.g. 0.04.
    lifetime_yr : depreciation period [yr].
    om_share : operation and maintenance per year as a share of the investment [yr-1].
    cost_factor : multiplies every investment (local price level) [-].
    loss_share_per_km : heat lost per kilometre of line as a share of the heat sent [km-1].
    pipe_cost_eur_m : (capacity bound [MW], cost [EUR m-1]) classes, bounds increasing.
    """

    interest_rate: float = 0.04
    lifetime_yr: float = 30.0
    om_share: float = 0.01
    cost_factor: float = 1.0
    loss_share_per_km: float = 0.005
    pipe_cost_eur_m: Sequence[tuple[float, float]] = PIPE_COST_EUR_M

    @property
    def annual_factor(self) -> float:
        """Annuity factor plus the O&M share [yr-1]."""
        return annuity_factor(self.interest_rate, self.lifetime_yr) + self.om_share

    def delivered_share(self, length_m: float | np.ndarray) -> np.ndarray:
        """Share of the sent heat that arrives after ``length_m`` [m] of line [-] (0 when all is lost)."""
        return np.clip(1.0 - self.loss_share_per_km * np.asarray(length_m, dtype=float) / 1000.0, 0.0, 1.0)


def annuity_factor(interest_rate: float, lifetime_yr: float) -> float:
    """Capital recovery factor i (1 + i)^n / ((1 + i)^n - 1) [yr-1]; 1/n when i = 0."""
    if lifetime_yr <= 0:
        raise ValueError(f"lifetime must be positive, got {lifetime_yr}")
    if interest_rate == 0:
        return 1.0 / lifetime_yr
    growth = (1.0 + interest_rate) ** lifetime_yr
    return interest_rate * growth / (growth - 1.0)


def pipe_cost_eur_m(power_mw: float, classes: Sequence[tuple[float, float]] = PIPE_COST_EUR_M) -> float:
    """Cost per metre of trench [EUR m-1] of the smallest class carrying ``power_mw`` [MW]."""
    for bound, cost in classes:
        if power_mw <= bound:
            return cost
    return classes[-1][1]


def capacity_class_mw(power_mw: float, classes: Sequence[tuple[float, float]] = PIPE_COST_EUR_M) -> float:
    """Upper bound [MW] of the capacity class carrying ``power_mw`` (the last bound above the table)."""
    for bound, _ in classes:
        if power_mw <= bound:
            return bound
    return classes[-1][0]


def equipment_eur_per_mw(power_mw: float) -> float:
    """Source exchanger + sink exchanger + pump per MW of peak power [EUR MW-1] (Hotmaps rates)."""
    small = power_mw < SMALL_PLANT_MW
    return SOURCE_EXCHANGER_EUR_MW + SINK_EXCHANGER_EUR_MW[0 if small else 1] + PUMP_EUR_MW[0 if small else 1]


def investment_eur(sent_mwh_yr: float, length_m: float, hours_yr: float, model: CostModel) -> float:
    """Investment in a line sending ``sent_mwh_yr`` [MWh yr-1] over ``length_m`` [m] [EUR]."""
    power = sent_mwh_yr / hours_yr
    pipe = pipe_cost_eur_m(power, model.pipe_cost_eur_m) * length_m
    return model.cost_factor * (pipe + equipment_eur_per_mw(power) * power)


def levelised_cost_eur_mwh(sent_mwh_yr: float, length_m: float, hours_yr: float, model: CostModel) -> float:
    """Levelised cost of the delivered heat [EUR MWh-1]: annual cost / heat delivered (inf when nothing arrives)."""
    delivered = sent_mwh_yr * float(model.delivered_share(length_m))
    if sent_mwh_yr <= 0 or delivered <= 0:
        return float("inf")
    return investment_eur(sent_mwh_yr, length_m, hours_yr, model) * model.annual_factor / delivered


def min_viable_sent_mwh_yr(max_sent_mwh_yr: float, length_m: float, hours_yr: float, model: CostModel,
                           ceiling_eur_mwh: float) -> float | None:
    """The least heat [MWh yr-1] a line can send so that every flow from it up to ``max_sent_mwh_yr`` stays at
    or under ``ceiling_eur_mwh``; ``None`` when even the largest flow costs more.

    Between two breakpoints (capacity-class bounds and the small-plant bound, in MWh yr-1 = MW × hours) the
    investment is F + r·s, so the cost (F/s + r)·k / d falls with the flow s and the smallest admissible flow of
    the segment is F / (c·d/k − r). Segments are walked from the largest flow down until one is cut.
    """
    if max_sent_mwh_yr <= 0:
        return None
    share = float(model.delivered_share(length_m))
    if share <= 0:
        return None
    budget = ceiling_eur_mwh * share / model.annual_factor  # EUR of investment per MWh yr-1 sent
    bounds = sorted({b * hours_yr for b, _ in model.pipe_cost_eur_m} | {SMALL_PLANT_MW * hours_yr})
    edges = [0.0, *[b for b in bounds if b < max_sent_mwh_yr], max_sent_mwh_yr]
    low_ok = max_sent_mwh_yr
    for lo, hi in zip(reversed(edges[:-1]), reversed(edges[1:]), strict=True):
        power = 0.5 * (lo + hi) / hours_yr  # every flow of (lo, hi] is in the same classes
        fixed = model.cost_factor * pipe_cost_eur_m(power, model.pipe_cost_eur_m) * length_m
        rate = model.cost_factor * equipment_eur_per_mw(power) / hours_yr
        s_star = fixed / (budget - rate) if budget > rate else np.inf
        if s_star > hi:  # nothing of this segment qualifies: the flows above it do (if any)
            return None if hi == max_sent_mwh_yr else float(np.nextafter(low_ok, np.inf))
        if s_star > lo:
            return s_star
        low_ok = lo
    return low_ok
