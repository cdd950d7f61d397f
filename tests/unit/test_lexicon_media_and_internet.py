"""A government closing media outlets or cutting the internet bans content (Reddit conventions:
bans on internet platforms or content are regulatory 2), not a shutdown strike; outlets that
only report stay out of it. Every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize("title", [
    "President shuts down 130 media outlets",
    "Government closes three opposition newspapers",
    "Mobile internet suspended in the valley",
    "Authorities cut internet in the northern region",
    "Internet blackout enters second week",
])
def test_closing_outlets_and_cutting_the_internet_are_content_bans(title: str) -> None:
    scored = score(title)
    assert scored.category == "regulatory"
    assert level(scored) == 2
    assert all(e.feature != "labour_action" for e in scored.explanations)


@pytest.mark.parametrize("title", [
    "Truckers shut down highways in protest",
    "Traders shut down markets across the city",
])
def test_shutdown_strikes_stay_labour_action(title: str) -> None:
    assert score(title).category == "supply_chain"


def test_outlets_that_report_are_no_ban() -> None:
    features = {e.feature for e in score("Newspapers say the minister will resign").explanations}
    assert "platform_and_content_bans" not in features
