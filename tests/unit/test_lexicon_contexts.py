"""Sense rules for ambiguous words (lexicon contexts) and the severity calibration: each row
names the guideline clause it protects; every headline is invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.scorer.lexicon import DEFAULT_LEXICON, country_words, load_lexicon
from shared.schemas import ScoredEvent
from tests.scoring_probe import LEXICON, level, score


def features(event: ScoredEvent) -> set[str]:
    return {e.feature.split(":")[0] for e in event.explanations}


@pytest.mark.parametrize(
    ("title", "category", "feature"),
    [
        # T10 / T1: a strike by workers is labour action; a strike by jets is combat.
        ("Teachers strike over unpaid wages in three provinces", "supply_chain", "labour_action"),
        ("National strike paralyses the capital's bus depots", "supply_chain", "labour_action"),
        ("Jets carry out strikes on rebel positions near the river", "political", "active_combat"),
        # T1: an asset seizure is regulatory; seized hostages or towns are not assets.
        ("Government seizes assets of exiled tycoon's holding company", "regulatory",
         "asset_seizure"),
        ("Gunmen seize hostages at a hillside hotel", "political", "terrorism_and_attacks"),
        ("Rebels seize town after two days of fighting", "political", "active_combat"),
        # Severity 2 (violent protests) against the Reddit convention's active combat (3):
        # crowds clashing with police are unrest, armies clashing are combat.
        ("Police and protesters clash outside the governor's office", "political", "unrest"),
        ("Troops clash with separatist fighters near the border", "political", "active_combat"),
        # Regulatory: a new law changes rules; international law mentioned changes none.
        ("Parliament passes law capping foreign stakes in telecoms", "regulatory", "legislation"),
        # T1: a shutdown strike is supply_chain.
        ("Truckers announce shutdown of highway freight depots", "supply_chain", "labour_action"),
        # T6: an epidemic is supply_chain.
        ("New virus spreads through poultry farms in the delta", "supply_chain", "epidemic"),
        # Supply chain: a factory explosion is an accident, a bomb blast an attack.
        ("Boiler explosion halts output at fertiliser plant", "supply_chain",
         "industrial_hazard"),
        ("Bomb blast hits crowded bus station", "political", "terrorism_and_attacks"),
        # T2: a sanctions listing is regulatory.
        ("Treasury adds shipping firms to terrorist designation list", "regulatory", "sanctions"),
        # Severity 1: rhetoric and accusations between states are political.
        ("Foreign ministry accuses neighbour of meddling in its election", "political",
         "diplomatic_friction"),
        ("Country recalls its ambassador over spying row", "political", "diplomatic_friction"),
        ("Regional rivals trade threats over the dam", "political", "tensions_and_threats"),
        ("India and Pakistan trade barbs at the UN", "political", "diplomatic_friction"),
        ("Kremlin denies interfering in the US vote", "political", "tensions_and_threats"),
        ("Beijing says Washington is playing with fire over Taiwan", "political",
         "tensions_and_threats"),
        ("Israel vows to respond to rocket fire", "political", "armed_conflict"),
        # T3: crime the text frames as a wave is political 1, not ordinary crime.
        ("Drug cartel killings spread to the capital", "political", "social_tension"),
        ("Gang violence surges in the port city", "political", "social_tension"),
        ("Navy sends aircraft carrier to disputed waters", "political", "military_presence"),
        # Severity 1: threats between states or armed groups (the state from @country_words).
        ("Ruritania threatens to close its airspace to Freedonian jets", "political",
         "tensions_and_threats"),
        ("Moldovan premier threatens retaliation over gas cut-off", "political",
         "tensions_and_threats"),
        # T9: a collision on commercial transport, its verb after a long subject.
        ("Night ferry carrying hundreds of holidaymakers rams fishing boat", "supply_chain",
         "transport_disruption"),
        # Severity 3: coups — the army taking power or suspending the constitution.
        ("Army takes power and suspends the constitution", "political",
         "coup_and_instability"),
        # T4: election disputes are political 1; kidnappers are a security incident.
        ("Election results disputed as both sides claim victory", "political",
         "governance_crisis"),
        ("Kidnappers seize three foreign engineers", "political", "terrorism_and_attacks"),
        ("Landslide blocks the mountain highway for a third day", "supply_chain",
         "natural_disaster"),
        # Political: government collapse.
        ("Cabinet resigns after week of mass protests in the capital", "political",
         "governance_crisis"),
        # Severity 3: fatalities given as numbers, without a conflict verb.
        ("Gunfire at a checkpoint leaves 14 dead", "political", "mass_casualties"),
        ("At least 23 killed as violence spreads through the market town", "political",
         "mass_casualties"),
        # Supply chain: a sector in crisis, a run-down network.
        ("Dairy industry in crisis as feed costs soar", "supply_chain", "sector_crisis"),
        ("Run-down railway network leaves freight waiting for weeks", "supply_chain",
         "infrastructure_weakness"),
        # Regulatory: a court or government undoing a contract or licence changes the rules.
        ("Court annuls power plant contract with foreign consortium", "regulatory",
         "regulation_and_licensing"),
        ("Central bank imposes curbs on foreign exchange withdrawals", "regulatory",
         "tax_and_monetary"),
        ("Government tightens screening of foreign investment", "regulatory",
         "regulation_and_licensing"),
        ("Competition watchdog fines cement makers for cartel", "regulatory",
         "regulation_and_licensing"),
        ("Customs introduces new inspection regime for rail cargo", "regulatory",
         "regulation_and_licensing"),
        # Regulatory: export controls; Reddit: a sovereign default scare is political 2.
        ("Government suspends cobalt exports", "regulatory", "trade_measures"),
        ("Island state suspends foreign debt payments", "political", "sovereign_distress"),
        ("Central bank launches a new currency next month", "regulatory",
         "tax_and_monetary"),
        # Supply chain: trucks queuing at a border; combat: paramilitaries shelling a city.
        ("Coal exports stall at the border as trucks queue", "supply_chain",
         "transport_disruption"),
        ("Paramilitaries shell the capital", "political", "active_combat"),
        ("Draft bill would cap foreign stakes in banks", "regulatory",
         "regulation_and_licensing"),
        ("New cross-border data transfer rules take effect", "regulatory",
         "regulation_and_licensing"),
        ("New government seeks to renegotiate the railway's construction contract", "regulatory",
         "regulation_and_licensing"),
        # Supply chain: customs and inspections that strand goods at a border.
        ("Customs inspections strand goods at the border for a week", "supply_chain",
         "transport_disruption"),
        # Supply chain: road and rail blockades (South Asian "rasta roko" / "rail roko").
        ("Farmers stage rasta roko on the national highway", "supply_chain",
         "transport_disruption"),
        ("Farmers block highways with tractors", "supply_chain", "transport_disruption"),
        ("Rail network in disrepair, report says", "supply_chain", "infrastructure_weakness"),
        # Political: targeted killings are attacks, not ordinary crime (T3: a wave).
        ("Targeted killings of officials rise in the province", "political",
         "terrorism_and_attacks"),
    ],
)
def test_an_ambiguous_word_scores_in_the_sense_its_neighbours_give(
        title: str, category: str, feature: str) -> None:
    event = score(title)
    assert event.category == category
    assert feature in features(event)


@pytest.mark.parametrize(
    ("title", "absent"),
    [
        ("Customs officers seize heroin hidden in fruit crates", "asset_seizure"),  # T3
        ("Lawyers debate whether the raid broke international law", "legislation"),
        ("Federal government shutdown enters its second week", "labour_action"),
        ("Computer virus spreads through hospital email systems", "epidemic"),  # T6
        ("Hunger strike by detained activists enters fifth day", "labour_action"),
        ("Council sanctioned funds for a new footbridge", "sanctions"),
        ("Football league bans fans who threw flares", "bans_and_censorship"),  # T7
        ("Minister opens new railway line to the coast", "transport_disruption"),  # T8
        ("Tsunami warning lifted after offshore tremor", "tensions_and_threats"),
        ("Protesters storm the regional assembly building", "natural_disaster"),
        ("North Korea fires ballistic missile into sea", "natural_disaster"),
        ("President fires army chief", "natural_disaster"),
        # T4: an official's resignation is an appointment matter; "dies at 88" an obituary;
        # a food revolution a figure of speech.
        ("Head of the national film archive resigns", "governance_crisis"),
        ("Celebrated novelist dies at 88", "mass_casualties"),
        ("Plant-based cheese may be the next food revolution", "coup_and_instability"),
        # A trend or a policy that threatens something is no threat between states.
        ("Singer revokes her decision to retire", "regulation_and_licensing"),
        ("Club breaks the rules on player transfers", "regulation_and_licensing"),
        # A landslide win is an election result; a new chief taking control is no coup.
        ("Ruling party wins by a landslide", "natural_disaster"),
        ("New chief executive takes control of the company", "coup_and_instability"),
        ("Rising sea levels threaten coastal vineyards, study finds", "tensions_and_threats"),
        ("Budget cuts to museums threaten rare fossil collections", "tensions_and_threats"),
    ],
)
def test_an_ambiguous_word_out_of_its_sense_does_not_fire(title: str, absent: str) -> None:
    assert absent not in features(score(title))


@pytest.mark.parametrize(
    "title",
    ["Veteran recalls his historic battle in a new war film",  # figurative / historical use
     "Minister inaugurates new high speed rail link",  # T8: positive infrastructure news
     "Man arrested after stabbing in a nightclub queue",  # T3: ordinary crime
     "Streaming platform bans political adverts",  # T7
     # Figures of speech: a market battle, a deal struck, a storm of criticism, shares that
     # explode, a plant fired up; and rates held, which change no rule.
     "Startup wins battle for market share in ride-hailing",
     "Airline strikes a deal with a Gulf carrier",
     "Storm of criticism over the referee's decision",
     "Shares explode higher after earnings beat",
     "Minister fires up the new power plant",
     "Central bank keeps interest rates unchanged",
     # Company and family news: a product recall, a price war, a takeover of a rival, a
     # verbal attack on a plan, a nuclear family, a bomb cyclone (T7, T8, T4).
     "Carmaker recalls 10,000 vehicles over a brake fault",
     "Retailer slashes prices as the discount war heats up",
     "Oil giant eyes takeover of a rival",
     "Minister launches attack on the opposition's budget plan",
     "University sanctions student for cheating",
     "League fines club over fan violence",
     "Nuclear family values debated on TV",
     "Bomb cyclone brings snow to the north",
     "Police arrest man for stealing a motorbike",  # T3: ordinary crime
     "Man jailed for murdering his neighbour",
     # Preparedness is no disaster: drills, safety campaigns, resistant crops.
     "Earthquake drill held in the capital",
     "Fire safety week begins in schools",
     "Drought-resistant crops boost harvest"],
)
def test_keyword_lookalikes_are_no_risk(title: str) -> None:
    assert score(title).category == "none"


@pytest.mark.parametrize(
    ("action", "hedged"),
    [
        ("Unions begin nationwide strike at the ports", "Unions threaten nationwide strike at the ports"),
        ("Government imposes tariffs on steel imports", "Government may impose tariffs on steel imports"),
        ("Army shells rebel-held villages", "Army warns it will shell rebel-held villages"),
    ],
)
def test_a_hedge_lowers_the_level_by_a_notch_and_keeps_the_category(
        action: str, hedged: str) -> None:
    done, threatened = score(action), score(hedged)
    assert threatened.category == done.category != "none"
    assert level(threatened) == max(1, level(done) - 1)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Suicide bomber kills 12 at a crowded market", 3),  # Severity 3: fatalities
        ("Target killing in the port city claims two lives", 3),  # fatalities in words
        ("Rescuers save lives after quake", 2),  # lives saved are no fatalities
        ("Attack on a police post, no one hurt", 2),  # Severity 2: attack without fatalities
        ("US imposes sanctions on Iranian oil exporters", 3),  # sanctions imposed
        ("Senators call for sanctions on steel exporters", 1),  # calls for regulation
        ("Treasury blacklists an oil tanker network", 3),  # a sanctions listing, in force
        ("Parliament approves new foreign investment law", 2),  # a law passed, not talked of
        ("Draft law on foreign ownership published for comment", 1),  # a proposal
        ("Dockworkers go on nationwide strike", 3),  # T10: a nationwide strike
        ("Foreign minister condemns neighbour's remarks", 1),  # rhetoric
        ("Peace talks resume between government and rebels", 1),  # de-escalation
    ],
)
def test_severity_follows_the_guideline_calibration(title: str, expected: int) -> None:
    assert level(score(title)) == expected


def test_country_words_are_built_from_the_country_data_without_everyday_words() -> None:
    built = set(country_words())
    assert {"iran", "korea", "saudi", "kenyan", "kremlin", "us"} <= built
    assert not {"man", "united", "north", "white", "house", "nba", "republic"} & built


def test_country_words_cannot_be_listed_by_hand(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_LEXICON.read_text())
    data["word_sets"]["country_words"] = ["ruritania"]
    bad = tmp_path / "lexicon.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="built by the loader"):
        load_lexicon(bad)


def test_a_modifier_never_turns_a_detected_risk_into_none() -> None:
    event = score("Officials say they may consider a possible ban on grain exports")
    assert event.category == "regulatory"
    assert event.severity >= LEXICON.category_threshold


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["features"][0]["phrases"].append(
            {"phrase": "sanction", "requires": ["a"], "window": 2}), "guideline clause"),
        (lambda d: d["features"][0]["phrases"].append(
            {"phrase": "sanction", "requires": ["two words"], "clause": "T2"}), "one word"),
        (lambda d: d["features"][0]["phrases"].append(
            {"phrase": "sanction", "forbids": ["@nowhere"], "clause": "T2"}), "unknown word set"),
        (lambda d: d["features"][0]["phrases"].append(
            {"phrase": "sanction", "clause": "T2"}), "requires or forbids"),
        (lambda d: d["modifiers"][0].update(notches=5), "weight|notches"),
        (lambda d: d.update(category_threshold=20), "category_threshold"),
    ],
)
def test_a_malformed_context_or_modifier_fails_at_load(tmp_path: Path, mutate: object,
                                                       message: str) -> None:
    data = json.loads(DEFAULT_LEXICON.read_text())
    mutate(data)  # type: ignore[operator]
    bad = tmp_path / "lexicon.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load_lexicon(bad)
