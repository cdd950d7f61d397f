"""Cultural distance to China: the Kogut–Singh index over Hofstede's four core dimensions.

    KS_j = (1/n) · Σ_i (I_ij − I_i,CHN)² / V_i

with I_ij country j's score on dimension i, V_i the sample variance (n − 1) of dimension i across
every *country* row that has all four dimensions (regions such as "Arab countries" and sub-national
groups such as "Belgium French" carry no ISO3 in the data file and are left out, so no population
is counted twice), and n = 4.

Why the four core dimensions (power distance, individualism, masculinity, uncertainty avoidance)
and not six: they are the set Kogut and Singh defined the index on and the one the literature
compares; long-term orientation and indulgence were added later from World Values Survey data with
a different country coverage, so a "six where both have six" rule would compute some countries on
four and others on six dimensions, and their distances would not be comparable. A country missing
any core dimension gets ``None``: no data, never an imputed distance. Regional rows are not used
as proxies for the countries inside them, for the same reason.

The index is unitless (a mean of squared z-like gaps); 0 = China itself, values above ~2 are
culturally far from China on Hofstede's scales.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Mapping
from pathlib import Path

DEFAULT_HOFSTEDE = Path(__file__).resolve().parent.parent / "data" / "hofstede.csv"
CORE_DIMENSIONS: tuple[str, ...] = ("pdi", "idv", "mas", "uai")
REFERENCE = "CHN"
MISSING = "#NULL!"

Profile = Mapping[str, float]


def load_hofstede(path: Path = DEFAULT_HOFSTEDE) -> dict[str, dict[str, float | None]]:
    """ISO3 → {dimension: score or None}; rows without an ISO3 (regions, sub-groups) are skipped.

    Raises ``ValueError`` on a duplicate ISO3 or a value that is neither a number nor ``#NULL!``,
    so a broken data file fails at start-up.
    """
    profiles: dict[str, dict[str, float | None]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            iso3 = row["iso3"]
            if not iso3:
                continue
            if iso3 in profiles:
                raise ValueError(f"{path.name}: duplicate iso3 {iso3}")
            profiles[iso3] = {
                dim: None if row[dim] == MISSING else float(row[dim])
                for dim in ("pdi", "idv", "mas", "uai", "ltowvs", "ivr")
            }
    return profiles


def complete_profiles(
    profiles: Mapping[str, Mapping[str, float | None]], dimensions: tuple[str, ...] = CORE_DIMENSIONS
) -> dict[str, dict[str, float]]:
    """Only the countries that have every one of ``dimensions``."""
    complete: dict[str, dict[str, float]] = {}
    for iso3, profile in profiles.items():
        values = {dim: profile.get(dim) for dim in dimensions}
        if all(value is not None for value in values.values()):
            complete[iso3] = {dim: float(value) for dim, value in values.items() if value is not None}
    return complete


def dimension_variances(
    complete: Mapping[str, Profile], dimensions: tuple[str, ...] = CORE_DIMENSIONS
) -> dict[str, float]:
    """Sample variance of each dimension across the countries given.

    Raises ``ValueError`` with fewer than two countries or a dimension on which all agree (the
    index would divide by zero).
    """
    if len(complete) < 2:
        raise ValueError("the variances need at least two countries with data")
    variances = {dim: statistics.variance([p[dim] for p in complete.values()]) for dim in dimensions}
    if not all(variances.values()):
        raise ValueError(f"a dimension has zero variance: {variances}")
    return variances


def kogut_singh(
    country: Profile, reference: Profile, variances: Mapping[str, float],
    dimensions: tuple[str, ...] = CORE_DIMENSIONS,
) -> float:
    """The Kogut–Singh index between two complete profiles."""
    return sum((country[d] - reference[d]) ** 2 / variances[d] for d in dimensions) / len(dimensions)


def distances_to(
    profiles: Mapping[str, Mapping[str, float | None]], reference: str = REFERENCE,
    dimensions: tuple[str, ...] = CORE_DIMENSIONS,
) -> dict[str, float | None]:
    """ISO3 → KS distance to ``reference`` for every country in ``profiles``; ``None`` = no data.

    Raises ``ValueError`` when the reference country itself lacks a dimension.
    """
    complete = complete_profiles(profiles, dimensions)
    if reference not in complete:
        raise ValueError(f"reference country {reference} lacks one of {dimensions}")
    variances = dimension_variances(complete, dimensions)
    return {
        iso3: kogut_singh(complete[iso3], complete[reference], variances, dimensions)
        if iso3 in complete else None
        for iso3 in profiles
    }


def load_cultural_distances(path: Path = DEFAULT_HOFSTEDE) -> dict[str, float | None]:
    """KS distance to China for every country row of the Hofstede file."""
    return distances_to(load_hofstede(path))
