"""A sitting ruler's death opens a succession, which is political (the issue's class 1:
succession talk); a former ruler's, a relative's or a club president's death opens none. Every
headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize("title", [
    "President of the republic dies after a stroke",
    "Ageing king dies after long illness",
    "Emir died overnight, palace says",
])
def test_a_sitting_rulers_death_is_a_political_risk(title: str) -> None:
    scored = score(title)
    assert scored.category == "political"
    assert level(scored) >= 1
    assert any(e.feature == "regime_and_succession" for e in scored.explanations)


@pytest.mark.parametrize("title", [
    "Former president dies at his farm",
    "President's brother dies in hospital",
    "Football club president died on Tuesday",
])
def test_other_deaths_open_no_succession(title: str) -> None:
    assert all(e.feature != "regime_and_succession" for e in score(title).explanations)
