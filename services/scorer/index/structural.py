"""Structural baselines: slow-moving country risk from the World Bank governance indicators.

Each baseline is on the index's 0–100 risk scale (higher = riskier), from the WGI 2023 estimates
(``data/wgi_2023.csv``, built by ``scripts/build_structural_data.py``):

- political    = risk(pv)               political stability and absence of violence
- regulatory   = risk(mean(rq, rl))     regulatory quality and rule of law: how good the rules are
                                        and how reliably they are applied
- supply_chain = risk(ge)               government effectiveness, as a *proxy*: the state's capacity
                                        to run ports, customs, power and public services. It says
                                        nothing about a country's exposure to trade routes or
                                        disasters, so it is a weak prior that live events dominate.

    risk(e) = clamp(50 − 20·e, 0, 100)

WGI estimates are standardised each year to mean 0 and standard deviation 1 across ~210 countries,
running from about −2.5 to +2.5; the linear map sends the world average to 50 and the ±2.5 range
onto 100…0. It is preferred to the percentile rank (``pctrank``) because it keeps distances: a
country two standard deviations below average is far riskier than one just below, where ranks would
spread the dense middle and squeeze the tails. (Syria's pv of −2.75 clamps to 100.)

A country without WGI data, or without a given indicator, has ``None`` for that baseline: the index
then rests on live events alone for it, never on an invented prior. The cultural distance to China
(``cultural_distance.py``) rides on the same profile; whether it enters the index is the index
config's decision.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.scorer.index.cultural_distance import DEFAULT_HOFSTEDE, load_cultural_distances
from shared.schemas import RiskCategory

DEFAULT_WGI = Path(__file__).resolve().parent.parent / "data" / "wgi_2023.csv"
WGI_CENTRE = 50.0
WGI_POINTS_PER_UNIT = 20.0  # 100 points over the −2.5…+2.5 span of the estimate


@dataclass(frozen=True)
class StructuralBaseline:
    """A country's structural profile: per-category baseline risk (0–100) and cultural distance."""

    country: str
    political: float | None = None
    regulatory: float | None = None
    supply_chain: float | None = None
    wgi_year: int | None = None
    cultural_distance: float | None = None  # Kogut–Singh to China over 4 Hofstede dims; None = no data

    def for_category(self, category: RiskCategory) -> float | None:
        value: float | None = getattr(self, category)
        return value


def wgi_risk(estimate: float) -> float:
    """A WGI estimate (higher = better governance) → 0–100 risk (higher = riskier)."""
    return min(100.0, max(0.0, WGI_CENTRE - WGI_POINTS_PER_UNIT * estimate))


def baseline_from_wgi(
    country: str, estimates: Mapping[str, float | None], year: int | None,
    cultural_distance: float | None = None,
) -> StructuralBaseline:
    """Baselines from one country's estimates (keys pv, rq, rl, ge; missing or None = no data).

    The regulatory baseline averages whichever of rq and rl exist, and is None only when both
    are missing.
    """
    def risk(key: str) -> float | None:
        value = estimates.get(key)
        return None if value is None else wgi_risk(value)

    rules = [value for key in ("rq", "rl") if (value := estimates.get(key)) is not None]
    return StructuralBaseline(
        country=country,
        political=risk("pv"),
        regulatory=wgi_risk(sum(rules) / len(rules)) if rules else None,
        supply_chain=risk("ge"),
        wgi_year=year,
        cultural_distance=cultural_distance,
    )


def load_wgi(path: Path = DEFAULT_WGI) -> dict[str, tuple[int, dict[str, float | None]]]:
    """ISO3 → (year, {indicator: estimate or None}); raises ``ValueError`` on a duplicate country."""
    rows: dict[str, tuple[int, dict[str, float | None]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            iso3 = row["iso3"]
            if iso3 in rows:
                raise ValueError(f"{path.name}: duplicate iso3 {iso3}")
            rows[iso3] = (
                int(row["year"]),
                {key: float(row[key]) if row[key] else None for key in ("pv", "rq", "rl", "ge")},
            )
    return rows


def load_baselines(
    wgi_path: Path = DEFAULT_WGI, hofstede_path: Path = DEFAULT_HOFSTEDE
) -> dict[str, StructuralBaseline]:
    """Every country with WGI or Hofstede data → its structural profile; load once at start-up.

    A country absent from the result has no structural data at all (``None`` baseline).
    """
    wgi = load_wgi(wgi_path)
    distances = load_cultural_distances(hofstede_path)
    baselines: dict[str, StructuralBaseline] = {}
    for iso3 in sorted(set(wgi) | set(distances)):
        year, estimates = wgi.get(iso3, (None, {}))
        baselines[iso3] = baseline_from_wgi(iso3, estimates, year, distances.get(iso3))
    return baselines
