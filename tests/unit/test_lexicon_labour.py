"""T10's three levels of labour risk: a dispute, a strike notice or a threat with no action yet
is supply_chain 1, a strike that happens is 2, and a nationwide one 3. Every headline is
invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Unions threaten strike at the container terminal", 1),
        ("Unions issue strike notice at the port", 1),
        ("Dockers serve strike notice over unpaid wages", 1),
        ("Labour dispute at copper mine drags on", 1),
        ("Miners vote to strike at the coal mine", 1),
        ("Port workers strike enters third day", 2),
        ("Union strikes at the port enter day three", 2),
        ("Teachers strike over unpaid wages", 2),
        ("Nationwide strike halts ports", 3),
        ("General strike paralyses the country", 3),
    ],
)
def test_labour_risk_is_levelled_by_whether_the_strike_happens(title: str, expected: int) -> None:
    scored = score(title)
    assert scored.category == "supply_chain"
    assert level(scored) == expected
