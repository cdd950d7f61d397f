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
    "Tehran vows revenge against its neighbour",
    "Kremlin tells the West not to interfere in Ukraine",
    "Washington calls Beijing a strategic rival",
    "Israel says Iran is the greatest threat to world peace",
    "Venezuela breaks diplomatic relations with Colombia",
    "Russia suspends participation in arms treaty",
    "North Korea threatens to turn Seoul into a sea of fire",
])
def test_state_rhetoric_and_power_plays_are_political_1(title: str) -> None:
    scored = score(title)
    assert scored.category == "political"
    assert level(scored) == 1


def test_a_court_summons_is_no_diplomatic_friction() -> None:
    features = {e.feature for e in score("Court summons minister over graft case").explanations}
    assert "diplomatic_friction" not in features


@pytest.mark.parametrize("title", [
    "Fans take revenge on rivals with a three-nil win",
    "Smoking is the biggest threat to public health",
    "Parents interfere in their children's marriages",
])
def test_private_revenge_and_health_threats_are_no_tension(title: str) -> None:
    assert score(title).category == "none"


def test_a_jailbreak_is_a_security_incident() -> None:
    scored = score("Jailbreak frees 200 prisoners")
    assert scored.category == "political"
    assert level(scored) == 1
