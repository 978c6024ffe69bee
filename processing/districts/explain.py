"""A sentence per candidate a council can read: its rank, its strongest assets, its weak points.

Example: "2nd of 14: top 10 % roof solar (85 MWh/ha/yr), inside a heat-network area, 300 m from a railway
station; crosses a green corridor."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from layers.catalog.districts import CRITERIA, CRITERIA_BY_KEY

#: Shares of the ranked candidates that count as "top"/"bottom" in a sentence.
TOP_SHARES = (0.10, 0.25)
#: At most this many strengths and weaknesses per sentence.
MAX_STRENGTHS, MAX_WEAKNESSES = 3, 2
#: A railway station within this distance [m] is named as an asset; a bus or tram stop within BUS_NEAR_M.
RAIL_NEAR_M, BUS_NEAR_M = 1000.0, 300.0
#: Shares below this are not mentioned [-].
MENTION_SHARE = 0.01


def ordinal(n: int) -> str:
    """1 → '1st', 2 → '2nd', 11 → '11th', 23 → '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pct(share: float) -> str:
    return f"{round(100 * share):d} %"


def _distance(m: float) -> str:
    """Distance rounded for reading: 50 m steps (at least 50 m), 0.1 km from 1 km."""
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{max(int(round(m / 50.0) * 50), 50)} m"


def _value(key: str, v: float) -> str:
    c = CRITERIA_BY_KEY[key]
    if c.unit == "MWh ha-1 yr-1":
        return f"{v:.0f} MWh/ha/yr"
    if c.unit == "MWh yr-1":
        return f"{v:.1f} MWh/yr per probe"
    if c.unit == "m":
        return _distance(v)
    if key == "use_mix":
        return f"index {v:.2f}"
    return _pct(v)


def _balance(value: float) -> str:
    """'surplus 12 MWh/ha/yr', 'deficit 3 MWh/ha/yr' or 'balanced' (below 0.5 MWh/ha/yr either way)."""
    if abs(value) < 0.5:
        return "balanced"
    return f"{'surplus' if value > 0 else 'deficit'} {abs(value):.0f} MWh/ha/yr"


def strength_phrase(key: str, value: float, tier: str) -> str:
    """How an asset reads: facts where they speak for themselves, else '<tier> <label> (<value>)'."""
    if key == "dh_area":
        return "inside a heat-network area" if value >= 0.95 else f"{_pct(value)} in a heat-network area"
    if key == "rail" and value <= RAIL_NEAR_M:
        return f"{_distance(value)} from a railway station" if value > 0 else "railway station on site"
    if key == "bus" and value <= BUS_NEAR_M:
        return f"bus or tram stop within {_distance(value)}"
    if key == "brownfield":
        return f"{_pct(value)} brownfield land"
    if key == "corridor_conflict" and value < MENTION_SHARE:
        return "clear of ecological corridors"
    if key == "drilling":
        return "no drilling restrictions" if value < MENTION_SHARE else f"drilling restricted on only {_pct(value)}"
    if key == "energy_balance":
        return f"{tier} local energy balance ({_balance(value)})"
    return f"{tier} {CRITERIA_BY_KEY[key].label} ({_value(key, value)})"


def fallback_phrase(key: str, value: float) -> str:
    """A criterion named as a unit's strongest when none is in the top quarter: '<label> (<value>)'."""
    if key == "corridor_conflict" and value < MENTION_SHARE:
        return "no corridor overlap"
    if key == "drilling" and value < MENTION_SHARE:
        return "no drilling restrictions"
    if key == "energy_balance":
        return f"local energy balance ({_balance(value)})"
    return f"{CRITERIA_BY_KEY[key].label} ({_value(key, value)})"


def weakness_phrase(key: str, value: float, tier: str, networks: str | None = None) -> str:
    """How a weak point reads."""
    if key == "corridor_conflict":
        nets = [s.strip() for s in (networks or "").split(",") if s.strip()]
        kind = " and ".join(nets) if nets else "ecological"
        plural = "corridors or habitat cores" if len(nets) > 1 else "corridor or habitat core"
        return f"crosses a {kind} {plural} ({_pct(value)} of its area)"
    if key == "rail":
        return f"{_distance(value)} from a railway station"
    if key == "bus":
        return f"{_distance(value)} from a bus or tram stop"
    if key == "drilling":
        return f"drilling restricted on {_pct(value)}"
    if key == "energy_balance":
        return f"{tier} local energy balance ({_balance(value)})"
    return f"{tier} {CRITERIA_BY_KEY[key].label} ({_value(key, value)})"


def _near_enough(key: str, value: float) -> bool:
    """A stop within walking distance is never called a weakness, however the others compare."""
    return (key == "rail" and value <= RAIL_NEAR_M) or (key == "bus" and value <= BUS_NEAR_M)


def _tier(position: int, n: int, best_word: str) -> str | None:
    """'top 10 %' / 'best' / 'top 25 %' for a 1-based position among n, or None."""
    if n < 2:
        return None
    share = position / n
    if share <= TOP_SHARES[0]:
        return f"{best_word} 10 %"
    if position == 1:
        return "best" if best_word == "top" else "worst"
    if share <= TOP_SHARES[1]:
        return f"{best_word} 25 %"
    return None


def explain(
    values: pd.DataFrame,
    ranking: pd.DataFrame,
    weights: Mapping[str, float],
    excluded_reason: Sequence[str | None],
    networks: Sequence[str | None],
    change: float = 0.2,
) -> list[str]:
    """One sentence per unit.

    Parameters
    ----------
    values : criteria values (criterion fields).
    ranking : output of :func:`processing.districts.ranking.rank_candidates` (``rank``, ``rank_min``,
        ``rank_max``, ``<key>_norm``).
    weights : weights of the active criteria (criteria not named are not mentioned).
    excluded_reason : reason per unit, ``None`` for an eligible one.
    networks : corridor networks each unit overlaps (``"green, black"``), for the corridor phrase.
    change : relative weight change behind ``rank_min``/``rank_max`` [-].
    """
    n_units = len(values)
    eligible = np.array([r is None for r in excluded_reason], dtype=bool)
    ranked = eligible & ranking["rank"].notna().to_numpy()
    n = int(ranked.sum())
    # position of each ranked unit on each criterion, counting ties against it: "top 10 %" means at most 10 %
    # of the units are at least as good, "bottom 10 %" at most 10 % are as bad or worse
    positions: dict[str, np.ndarray] = {}
    for c in CRITERIA:
        if c.key not in weights:
            continue
        x = values[c.field].to_numpy(float)
        good = x if c.benefit else -x
        ref = good[ranked & np.isfinite(good)]
        if len(ref) < 2 or ref.min() == ref.max():
            continue  # a criterion on which everyone is equal says nothing
        srt = np.sort(ref)
        g_ok = np.where(np.isfinite(good), good, np.nan)
        at_least = len(srt) - np.searchsorted(srt, g_ok, side="left")   # units with value >= g
        at_most = np.searchsorted(srt, g_ok, side="right")               # units with value <= g
        positions[c.key] = np.stack([at_least, at_most])  # a ranked unit counts itself: positions start at 1

    sentences = []
    for i in range(n_units):
        if not eligible[i]:
            sentences.append(f"Excluded: {excluded_reason[i]}.")
            continue
        if not ranked[i]:
            sentences.append("Not ranked: no criterion has data.")
            continue
        r = int(ranking["rank"].iloc[i])
        strengths: list[tuple[float, str]] = []
        weaknesses: list[tuple[float, str]] = []
        fallback: list[tuple[float, str]] = []
        for key, pos in positions.items():
            v = float(values[CRITERIA_BY_KEY[key].field].iloc[i])
            if not np.isfinite(v):
                continue
            top = _tier(int(pos[0, i]), n, "top")
            bottom = _tier(int(pos[1, i]), n, "bottom")
            norm = float(ranking[CRITERIA_BY_KEY[key].norm_field].iloc[i])
            contribution = weights[key] * norm  # what the criterion adds to the WLC score
            if norm >= 0.5 and not (key in ("corridor_conflict", "drilling") and v >= MENTION_SHARE):
                fallback.append((contribution, fallback_phrase(key, v)))
            if top is not None:
                strengths.append((contribution, strength_phrase(key, v, top)))
            elif bottom is not None and key != "corridor_conflict" and not _near_enough(key, v):
                weaknesses.append((weights[key], weakness_phrase(key, v, bottom)))
        conflict = float(values["corridor_conflict_share"].iloc[i]) if "corridor_conflict" in weights else np.nan
        if np.isfinite(conflict) and conflict >= MENTION_SHARE:
            weaknesses.append((np.inf, weakness_phrase("corridor_conflict", conflict, "", networks[i])))
        strengths.sort(key=lambda t: -t[0])
        weaknesses.sort(key=lambda t: -t[0])
        text = f"{ordinal(r)} of {n}"
        parts = [p for _, p in strengths[:MAX_STRENGTHS]]
        if parts:
            text += ": " + ", ".join(parts)
        else:
            fallback.sort(key=lambda t: -t[0])
            best = [p for _, p in fallback[:2]]
            text += ": no criterion stands out" + ("; strongest on " + " and ".join(best) if best else "")
        if weaknesses:
            text += "; " + ", ".join(p for _, p in weaknesses[:MAX_WEAKNESSES])
        text += "."
        lo, hi = ranking["rank_min"].iloc[i], ranking["rank_max"].iloc[i]
        if pd.notna(lo) and pd.notna(hi) and lo != hi:
            text += f" Ranks {int(lo)}-{int(hi)} when any one weight changes by ±{round(100 * change)} %."
        sentences.append(text)
    return sentences
