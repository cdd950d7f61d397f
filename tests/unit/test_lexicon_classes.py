"""Class rules of the lexicon for the Reddit world-news conventions: each row names the
guideline clause it protects; every headline is invented."""

from __future__ import annotations

import pytest

from tests.scoring_probe import level, score


@pytest.mark.parametrize(
    "title",
    [
        # T5: UN or NGO human-rights criticism and judicial executions are none.
        "Rights groups decry the kingdom's human rights record at a UN forum",
        "Court orders public execution of two smugglers",
        "Woman sentenced to death by a provincial court",
        # Historical uses: unearthed remains and a memorial are no present risk.
        "Archaeologists unearth mass grave at a former secret police prison",
        "Museum memorial recalls the legacy of the old war",
    ],
)
def test_rights_criticism_executions_and_history_are_no_risk(title: str) -> None:
    assert score(title).category == "none"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Political: a killing during unrest, a death in custody, an election dispute.
        ("Opposition blogger hacked to death outside his home", "political"),
        ("Border guards shoot dead two men at the crossing", "political"),
        ("Detained student dies in custody, family says", "political"),
        ("Challenger quits race saying the vote will not be free and fair", "political"),
        ("Diplomat claims diplomatic immunity in abuse case", "political"),
    ],
)
def test_political_classes_of_the_reddit_conventions_are_detected(
        title: str, expected: str) -> None:
    assert score(title).category == expected


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # Reddit conventions: a state's ban on an internet platform or content is regulatory,
        # even when the content banned is a film.
        ("Ministry blocks Wikipedia and two messaging apps", "regulatory"),
        ("Regulator bans YouTube over a satirical film", "regulatory"),
        ("News site blocked in the capital after critical report", "regulatory"),
        # T7: the platform as the subject of a ban is a private policy.
        ("Twitter bans accounts that post spam links", "none"),
        # Social laws: legalising or decriminalising something changes the rules.
        ("Parliament votes to decriminalise same-sex relationships", "regulatory"),
        ("Online gambling is now legal in the island state", "regulatory"),
        ("Government announces tougher penalties for tax dodgers", "regulatory"),
    ],
)
def test_platform_bans_and_social_laws_are_regulatory(title: str, category: str) -> None:
    assert score(title).category == category


@pytest.mark.parametrize(
    "title",
    [
        # Supply chain: port, airport and border closures; a chokepoint named alone.
        "Officials shut two border crossings for a week",
        "Government closes the country's main airports",
        "Threat to close Hormuz rattles tanker owners",
        # T6: deaths in an epidemic are supply_chain, not a massacre.
        "Forty dead as measles outbreak spreads",
        "Thirty killed by cholera in the northern districts",
    ],
)
def test_closures_and_epidemic_deaths_are_supply_chain(title: str) -> None:
    assert score(title).category == "supply_chain"


@pytest.mark.parametrize(
    ("title", "expected_level"),
    [
        # Reddit conventions: threats are political 1, combat that happens 3.
        ("Ruritania reserves the right to a pre-emptive strike", 1),
        ("Jets strike border villages", 3),
        # A DDoS or hacking attack is a security incident without casualties.
        ("Hackers launch DDoS attack on ministry websites", 1),
    ],
)
def test_threatened_strikes_and_cyber_attacks_sit_at_level_one(
        title: str, expected_level: int) -> None:
    event = score(title)
    assert event.category == "political"
    assert level(event) == expected_level


def test_a_launch_that_blasts_off_is_no_blast() -> None:
    assert score("Space capsule blasts off toward the orbiting lab").category == "none"


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # Reddit conventions: jailings, prosecutions and harassment of critics or journalists
        # are political 1; a journalist's ordinary news is none.
        ("Officials seize a reporter's passport", "political"),
        ("Blogger goes missing after interview with foreign press", "political"),
        ("Award-winning journalist publishes memoir", "none"),
        # Austerity is fiscal policy, no unrest or default scare by itself.
        ("Finance ministry unveils austerity budget for next year", "none"),
    ],
)
def test_critics_and_journalists_persecuted_are_political(title: str, category: str) -> None:
    event = score(title)
    assert event.category == category
    assert level(event) == (1 if category == "political" else 0)


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # A seized merchant ship is a shipping incident; seized business assets stay T1.
        ("Coast guard seizes a cargo ship carrying grain", "supply_chain"),
        ("State seizes the assets of a shipping tycoon", "regulatory"),
    ],
)
def test_a_seized_ship_is_a_shipping_incident(title: str, category: str) -> None:
    assert score(title).category == category


def test_a_death_sentence_for_faith_is_discrimination_not_a_judicial_execution() -> None:
    # T5 keeps judicial executions none; a death sentence for apostasy or blasphemy is
    # religious discrimination (T4: political 1).
    assert score("Cleric sentenced to death for blasphemy after sermon").category == "political"


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # T8: aid is cooperation; aid stopped or sent to an armed side is part of a conflict.
        ("Navy turns back an aid flotilla bound for the enclave", "political"),
        ("Troops deploy as donors pledge aid and friendship", "none"),
    ],
)
def test_aid_is_cooperation_unless_blocked_or_armed(title: str, category: str) -> None:
    assert score(title).category == category


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # Political: a conflict between named states or peoples; a conflict of interest is none.
        ("Talks stall over the Russia-Ukraine conflict", "political"),
        ("Mediators fear a frozen conflict in the mountains", "political"),
        ("Board member resigns over conflict of interest", "none"),
    ],
)
def test_a_conflict_between_states_is_political(title: str, category: str) -> None:
    assert score(title).category == category


@pytest.mark.parametrize(
    ("title", "category", "expected_level"),
    [
        # Reddit conventions: troop moves with no combat in the text are political 2.
        ("Army advances deeper into the disputed valley", "political", 2),
        ("Prices advance as markets rally", "none", 0),
        # A state sinking a ship is an attack; a ferry that sinks in a storm is T9.
        ("Seoul says Pyongyang sank its patrol boat", "political", 2),
        ("Ferry sank in the storm, crew rescued", "supply_chain", 2),
        # "Recent history" is no historical story.
        ("Troops to be sent, in the worst crisis in recent history", "political", 1),
    ],
)
def test_troop_moves_and_sinkings_by_states(title: str, category: str,
                                            expected_level: int) -> None:
    event = score(title)
    assert event.category == category
    assert level(event) == expected_level


@pytest.mark.parametrize(
    ("title", "category", "expected_level"),
    [
        # Severity 2: a statement about an ongoing insurgency or war sits at the medium level...
        ("Militants regroup in the hills, officials say", "political", 2),
        # ...and no higher, so counter-evidence of a figurative or past use outweighs it.
        ("Historians revisit the causes of the war", "none", 0),
    ],
)
def test_a_bare_mention_of_war_is_medium_and_yields_to_counter_evidence(
        title: str, category: str, expected_level: int) -> None:
    event = score(title)
    assert event.category == category
    assert level(event) == expected_level


@pytest.mark.parametrize(
    "title",
    ["Typhoid kills 25 in slum district",  # T6: the epidemic is the cause, not violence
     "Heatstroke kills 30 across the plains"],
)
def test_a_death_count_yields_to_the_hazard_that_caused_it(title: str) -> None:
    event = score(title)
    assert event.category == "supply_chain"
    assert level(event) == 3


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # T3: a wildlife or drug seizure is ordinary crime; weapons seized by rebels are not.
        ("Customs officers intercept a haul of rhino horn at the airport", "none"),
        ("Rebels seize a haul of weapons near the border", "political"),
    ],
)
def test_wildlife_and_drug_seizures_are_ordinary_crime(title: str, category: str) -> None:
    assert score(title).category == category


@pytest.mark.parametrize(
    ("title", "absent_or_present", "expected"),
    [
        # Regulatory: new or tougher rules, and duties set by law, change the rules for business.
        ("Ministry publishes new data privacy rules for lenders", "regulation_and_licensing", True),
        ("Employers are required by law to publish pay gaps", "legislation", True),
        # Military rule is a form of government, not a rule.
        ("Generals end decades of military rule", "regulation_and_licensing", False),
    ],
)
def test_new_rules_and_duties_by_law_are_regulatory(title: str, absent_or_present: str,
                                                     expected: bool) -> None:
    fired = {e.feature.split(":")[0] for e in score(title).explanations}
    assert (absent_or_present in fired) is expected


@pytest.mark.parametrize(
    "title",
    [
        # Supply chain: sabotage of a pipeline or power line is a supply disruption (T1).
        "Tribesmen blow up the main oil export pipeline",
        "Saboteurs cut power lines feeding the smelter",
        # T10: a strike at a producer's plant or mill is labour action.
        "Strike at car plant halts output",
        # Supply convoys stopped at a border are a transport disruption.
        "Border closed to supply convoys",
    ],
)
def test_sabotage_producer_strikes_and_supply_convoys_are_supply_chain(title: str) -> None:
    assert score(title).category == "supply_chain"
