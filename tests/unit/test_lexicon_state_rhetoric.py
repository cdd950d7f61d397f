"""The issue's class 1, low-severity political items: a state lodging a protest or summoning an
envoy, an economic or propaganda war of words, claims of destabilisation, a ruler consolidating
power. Guideline T4 and the conventions make these political 1. Every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize("title", [
    "Foreign ministry summons neighbour's envoy over border firing",
    "Capital lodges strong protest over new map",
    "Minister says rival is waging economic war",
    "Kremlin says the West is trying to destabilise the region",
    "Crown prince consolidates power",
])
def test_state_rhetoric_and_power_plays_are_political_1(title: str) -> None:
    scored = score(title)
    assert scored.category == "political"
    assert level(scored) == 1


def test_a_court_summons_is_no_diplomatic_friction() -> None:
    features = {e.feature for e in score("Court summons minister over graft case").explanations}
    assert "diplomatic_friction" not in features
