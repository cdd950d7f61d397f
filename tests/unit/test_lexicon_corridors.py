"""What goes wrong on the corridors brisk watches (../shared/DOMAIN.md): fewer container
routes, ports suspending work, projects stalled by local politics, policy reversals after an
election and transit charges, beside the good news that stays no risk (T8). Every headline is
invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # Supply chain: fewer container routes and cancelled sailings as demand falls.
        ("Container routes cut as foreign trade demand falls", "supply_chain"),
        ("Carriers announce blank sailings on the Asia-Europe trade", "supply_chain"),
        # Supply chain: capacity cut at mills and mines is a commodity supply shock.
        ("Coal mines told to cut capacity by ten percent", "supply_chain"),
        ("Steel mills face capacity cuts", "supply_chain"),
        # Supply chain: a port suspending or halting work is a closure in all but name.
        ("Port suspends operations after outbreak among dockers", "supply_chain"),
        ("Port halts operations as typhoon nears", "supply_chain"),
        # T8 read narrowly: a project stalled by opposition is no positive infrastructure news.
        ("Port city project stalled by local opposition", "supply_chain"),
        # Regulatory: policy discontinuity after elections; transit charges on trucks.
        ("Election brings policy U-turn on mining concessions", "regulatory"),
        ("Government raises transit fees for foreign trucks", "regulatory"),
    ],
)
def test_corridor_risks_are_detected(title: str, category: str) -> None:
    scored = score(title)
    assert scored.category == category
    assert level(scored) >= 1


@pytest.mark.parametrize("title", [
    "Railway project opens ahead of schedule",
    "Construction of new port terminal begins",
    "Dry port expands capacity by thirty percent",
])
def test_corridor_good_news_is_no_risk(title: str) -> None:
    assert score(title).category == "none"


@pytest.mark.parametrize(("title", "hedged"), [
    ("Container routes cut as foreign trade demand falls", False),
    ("Power cuts as electricity demand hits record", False),
    ("Protesters demand release of jailed leader", True),
    ("Unions demand pay talks before any strike", True),
])
def test_demand_hedges_only_when_someone_demands(title: str, hedged: bool) -> None:
    modifiers = {e.feature for e in score(title).explanations}
    assert ("modifier:threatened_or_proposed" in modifiers) is hedged
