"""Sustainable heat of one borehole heat exchanger: the G.POT closed form (Casasso & Sethi 2016).

G.POT gives the yearly heat a single vertical probe can extract, for a heating season of ``season_days``
per year over ``simulation_years``, without the heat-carrier fluid falling below ``limit_temperature_c``.
It is the model behind GRASS's ``r.green.gshp.theoretical``. The formula treats one probe alone: the
thermal interference between probes of a field is not modelled.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Seconds per day [s].
SECONDS_PER_DAY = 86_400.0
#: Days per year used for the season fraction t'c and for the simulated lifetime [d] (Casasso & Sethi 2016).
DAYS_PER_YEAR = 365.0
#: Hours per year [h]: turns a yearly-mean power [W] into energy [Wh]; with 1e-6 MWh/Wh this is the
#: 0.00876 factor of Casasso & Sethi (2016).
HOURS_PER_YEAR = 8_760.0
#: Megawatt-hours per watt-hour.
MWH_PER_WH = 1.0e-6

# Defaults of Casasso & Sethi (2016) as listed in docs/REFERENCES.md ("Geothermal").
#: Undisturbed ground temperature [degC].
GROUND_TEMPERATURE_C = 11.0
#: Minimum heat-carrier fluid temperature [degC].
LIMIT_TEMPERATURE_C = -2.0
#: Volumetric heat capacity of the ground [MJ m-3 K-1].
HEAT_CAPACITY_MJ_M3K = 2.3
#: Length of the heating season [d]: half a year, the season behind the G.POT figures of docs/REFERENCES.md.
#: Longer at high latitudes; no rule derives it here, so a region states its own (the step notes the default).
SEASON_DAYS = 183.0
#: Borehole radius [m].
BOREHOLE_RADIUS_M = 0.075
#: Borehole thermal resistance [m K W-1].
BOREHOLE_RESISTANCE_MK_W = 0.1
#: Probe length [m].
PROBE_LENGTH_M = 100.0
#: Simulated lifetime [yr].
SIMULATION_YEARS = 50.0


def gpot_power_w(
    conductivity_w_mk: ArrayLike,
    *,
    ground_temperature_c: float = GROUND_TEMPERATURE_C,
    limit_temperature_c: float = LIMIT_TEMPERATURE_C,
    heat_capacity_mj_m3k: float = HEAT_CAPACITY_MJ_M3K,
    season_days: float = SEASON_DAYS,
    borehole_radius_m: float = BOREHOLE_RADIUS_M,
    borehole_resistance_mk_w: float = BOREHOLE_RESISTANCE_MK_W,
    probe_length_m: ArrayLike = PROBE_LENGTH_M,
    simulation_years: float = SIMULATION_YEARS,
) -> np.ndarray:
    """Yearly-mean sustainable heat extraction rate of one probe [W].

    Parameters
    ----------
    conductivity_w_mk : ground thermal conductivity λ [W m-1 K-1]; NaN propagates.
    ground_temperature_c : undisturbed ground temperature T0 [degC].
    limit_temperature_c : minimum fluid temperature T_lim [degC].
    heat_capacity_mj_m3k : volumetric heat capacity ρc [MJ m-3 K-1].
    season_days : heating season per year [d].
    borehole_radius_m : borehole radius r_b [m].
    borehole_resistance_mk_w : borehole thermal resistance R_b [m K W-1].
    probe_length_m : probe length L [m] (scalar or array broadcasting with λ).
    simulation_years : lifetime t_s [yr].

    Returns
    -------
    Yearly-mean heat rate [W], same shape as the broadcast inputs.

    Notes
    -----
    With t'c = season_days / 365, α = λ / (ρc), u'c = r_b² / (4 α t_c), u's = r_b² / (4 α t_s)::

        G_max = -0.619 t'c ln(u's) + (0.532 t'c - 0.962) ln(u'c) - 0.455 t'c - 1.619
        Q = 8 (T0 - T_lim) λ L t'c / (G_max + 4 π λ R_b)

    References
    ----------
    Casasso, A., Sethi, R. (2016). G.POT: A quantitative method for the assessment and mapping of the
    shallow geothermal potential. Energy 106, 765-773. doi:10.1016/j.energy.2016.03.091
    """
    lam = np.asarray(conductivity_w_mk, dtype=float)
    length = np.asarray(probe_length_m, dtype=float)
    t_c = season_days * SECONDS_PER_DAY
    t_s = simulation_years * DAYS_PER_YEAR * SECONDS_PER_DAY
    tc_frac = season_days / DAYS_PER_YEAR
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = lam / (heat_capacity_mj_m3k * 1.0e6)  # thermal diffusivity [m2 s-1]
        u_c = borehole_radius_m**2 / (4.0 * alpha * t_c)
        u_s = borehole_radius_m**2 / (4.0 * alpha * t_s)
        g_max = (-0.619 * tc_frac * np.log(u_s) + (0.532 * tc_frac - 0.962) * np.log(u_c)
                 - 0.455 * tc_frac - 1.619)
        power = (8.0 * (ground_temperature_c - limit_temperature_c) * lam * length * tc_frac
                 / (g_max + 4.0 * np.pi * lam * borehole_resistance_mk_w))
    return np.where(lam > 0, power, np.nan) if power.ndim else (power if lam > 0 else np.float64(np.nan))


def gpot_energy_mwh_yr(conductivity_w_mk: ArrayLike, **kwargs) -> np.ndarray:
    """Sustainable heat of one probe per year [MWh yr-1]: :func:`gpot_power_w` × 8760 h.

    Keyword arguments are those of :func:`gpot_power_w`. With its defaults (L = 100 m) λ 1.5 / 2.2 / 3.0
    W m-1 K-1 give about 6.6 / 8.6 / 10.5 MWh yr-1 (docs/REFERENCES.md).
    """
    return gpot_power_w(conductivity_w_mk, **kwargs) * HOURS_PER_YEAR * MWH_PER_WH
