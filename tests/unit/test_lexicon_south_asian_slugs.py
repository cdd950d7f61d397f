"""Stories as South Asian and Southeast Asian outlets write them (the held-out GDELT slugs come
from such outlets, GUIDELINES §5): fuel stations shut or dry, supplies dipping, blockades
demanding compensation, arrests of "target killers", mass fish deaths. Every headline is
invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("title", "category", "expected"),
    [
        # Supply chain: fuel shortages (stations shut or run dry) and supplies dipping.
        ("Cng stations closed for two days", "supply_chain", 1),
        ("Petrol pumps run dry across the city", "supply_chain", 1),
        ("Onion prices soar as supply dips", "supply_chain", 1),
        # Supply chain 2: a blockade that happens; the compensation demanded is its cause, not
        # an aftermath that would sit a notch below it.
        ("Farmers block national highway demanding compensation", "supply_chain", 2),
        # Political 1: arrests (target killers are political violence, not ordinary crime).
        ("Rangers arrest target killers in city operation", "political", 1),
        # Political 2: a protest over mass fish deaths; fish deaths are no casualties.
        ("Fish deaths spark protest against steel plant", "political", 2),
    ],
)
def test_regional_phrasings_are_read_by_class(title: str, category: str, expected: int) -> None:
    scored = score(title)
    assert scored.category == category
    assert level(scored) == expected
