"""Figurative wars and shoot-downs are no armed conflict (the issue's class 2: figurative uses
of violence words), while the literal ones beside them still are. Every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import score


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
