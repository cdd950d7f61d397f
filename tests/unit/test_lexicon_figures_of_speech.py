"""Figurative wars and shoot-downs are no armed conflict, and a war written about or doubted
sits below a war (the issue's classes 2 and 7: figurative uses of violence words, and strong
words only talked about), while the literal ones beside them still count. Every headline is
invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize("title", [
    "Star striker shoots down rumours of transfer",
    "President shoots down proposal to raise fuel prices",
    "Opposition wages war on corruption",
    "Mayor declares war on plastic bags",
])
def test_figurative_wars_are_no_conflict(title: str) -> None:
    assert all(e.feature != "armed_conflict" for e in score(title).explanations)
    assert score(title).category != "political"


@pytest.mark.parametrize("title", [
    "Rebels shoot down army helicopter",
    "Government declares war on militants in the north",
])
def test_literal_wars_still_are(title: str) -> None:
    assert score(title).category == "political"


@pytest.mark.parametrize(("title", "most"), [
    # The class 7: a strong word only talked about is no event of level 2.
    ("The lessons of the Iraq war for Afghanistan", 0),
    ("Ex-general writes book on the Chechen war", 0),
    ("Analysts say war between the two Koreas is unlikely", 1),
])
def test_wars_written_about_or_doubted_sit_below_a_war(title: str, most: int) -> None:
    assert level(score(title)) <= most


def test_a_war_waged_now_is_still_a_war() -> None:
    assert level(score("Rebels launch new offensive on the capital")) == 3
