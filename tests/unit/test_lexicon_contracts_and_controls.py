"""Government actions that change the rules for a project, an investor or everyone's costs
(regulatory: contracts, capital and export controls, a new constitution, fuel prices and
fares), and exchanges of fire between forces (active combat); a company or club ending its own
contracts stays none (T7). Every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # Regulatory: a project's contract, lease or concession suspended, cancelled or reopened.
        ("Government cancels contract with Chinese company", "regulatory"),
        ("Ministry scraps power plant contract with foreign firm", "regulatory"),
        ("Cabinet cancels mining concessions of foreign firms", "regulatory"),
        ("Government renegotiates the port lease", "regulatory"),
        # The suspension of a port or rail project's contract is a disruption as well as a rule
        # change; either way it is a risk.
        ("Government suspends port contract", "supply_chain"),
        # Regulatory: export controls with the goods named between verb and noun; bars on
        # foreign investors are capital controls, not friction between states.
        ("Beijing restricts gallium and germanium exports", "regulatory"),
        ("Government bars foreign investors from selling shares", "regulatory"),
        # Regulatory: a new constitution approved is a major law change; a government raising
        # fuel prices or fares changes costs.
        ("Referendum approves draft charter", "regulatory"),
        ("Government raises fuel prices by half", "regulatory"),
        ("Metro fare hike sparks anger", "regulatory"),
        # Guideline example 8: a constitution agreed in peace talks is de-escalation, political.
        ("Peace talks agree deal on new constitution", "political"),
        # Reddit convention: troops exchanging fire is combat between forces.
        ("Troops exchange fire on the border", "political"),
        ("Border guards trade fire across the frontier", "political"),
    ],
)
def test_rule_changes_and_exchanges_of_fire_are_detected(title: str, category: str) -> None:
    scored = score(title)
    assert scored.category == category
    assert level(scored) >= 1


@pytest.mark.parametrize("title", [
    "Company suspends contract with supplier",
    "Club cancels player's contract",
    "Firm wins contract to build new railway",
])
def test_private_contracts_are_no_risk(title: str) -> None:
    assert score(title).category == "none"
