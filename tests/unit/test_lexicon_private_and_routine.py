"""Private accidents and a parliament's routine votes are no risk, while the industrial fires,
accidents, attacks and laws beside them still are (T4, T9 and the severity scale); every
headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize("title", [
    # T9: accidents count on commercial infrastructure; private incidents are none, deaths or not.
    "Two killed in house fire on the city's outskirts",
    "Family of five dies in house fire",
    "Apartment blaze kills three pensioners",
    "Restaurant fire kills eight diners",
    "Hotel fire leaves twenty dead",
    "Nightclub fire kills dozens of revellers",
    # T9: military and private aircraft and vehicles crashing are no commercial transport.
    "Military plane crashes during training, two pilots killed",
    "Air force jet crashes near the base",
    "Army truck overturns, five soldiers hurt",
    "Private jet crashes in the mountains",
    # T6 read narrowly: a vaccination campaign or trial with no outbreak named is no emergency.
    "Ebola vaccine trial begins",
    "Polio vaccination drive targets forty million children",
    # T4: a parliament's routine business changes no rule.
    "Parliament votes on the budget",
    "Parliament approves new speaker after long deadlock",
    "Parliament votes to confirm the new prime minister",
])
def test_private_accidents_and_routine_votes_are_no_risk(title: str) -> None:
    assert score(title).category == "none"


@pytest.mark.parametrize(
    ("title", "category", "least"),
    [
        # Supply chain: fires at industrial sites and in forests still disrupt, at 3 with deaths.
        ("Fire at chemical plant kills twelve workers", "supply_chain", 3),
        ("Forest fire rages near the main highway", "supply_chain", 1),
        ("Warehouse fire at the container port destroys cargo", "supply_chain", 1),
        # Supply chain: deaths beside a plant or port with no attack named are an industrial
        # accident (the class 3: an industrial explosion read as an attack).
        ("Explosion at fertiliser plant kills forty", "supply_chain", 2),
        ("Explosion rocks the port, killing two hundred", "supply_chain", 2),
        # Attacks on military aircraft and vehicles, crashes on commercial transport and
        # outbreaks beside a vaccination campaign still count.
        ("Rebels shoot down military helicopter", "political", 2),
        ("Militants attack army truck, killing six soldiers", "political", 3),
        ("Cargo plane crashes after take off", "supply_chain", 2),
        ("Warship collides with merchant vessel", "supply_chain", 2),
        ("Cholera outbreak spreads despite vaccination drive", "supply_chain", 2),
        # Severity 3: attacks at industrial sites stay political, with their casualties.
        ("Militants attack gas plant, killing thirty hostages", "political", 3),
        ("Gunmen kill eleven workers at power station", "political", 3),
        # Severity 3: an attack on a hotel is terror with casualties, not a private accident.
        ("Gunmen storm hotel killing twenty guests", "political", 3),
        ("Suicide bomber kills thirty at hotel in the capital", "political", 3),
        # Regulatory: a parliament passing a law still changes rules.
        ("Parliament votes on new tax law for importers", "regulatory", 1),
        ("Parliament approves mining code overhaul", "regulatory", 1),
    ],
)
def test_the_risks_beside_them_still_count(title: str, category: str, least: int) -> None:
    scored = score(title)
    assert scored.category == category
    assert level(scored) >= least
