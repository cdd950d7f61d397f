"""The scoring engine: lexical and source-aware feature families, modifiers, negation, and the
rule that every point of every score is traceable to an explanation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.scorer.features.source_features import SourceWeights
from services.scorer.lexicon import DEFAULT_LEXICON, load_lexicon
from services.scorer.scoring import Enrichment, ScoringEngine, Story, corroborated, severity_level
from shared.schemas import FieldValue, RawEvent, ScoredEvent
from tests.strategies import sample_raw

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEXICON = load_lexicon()
ENGINE = ScoringEngine(LEXICON, SourceWeights.load(), lambda raw: Enrichment())


def score(title: str, summary: str = "", kind: str = "news",
          fields: dict[str, FieldValue] | None = None, source: str = "test") -> ScoredEvent:
    raw = sample_raw(title=title, summary=summary, kind=kind, fields=fields or {}, source=source)
    return ENGINE.score(raw, NOW)


def features(event: ScoredEvent) -> set[str]:
    return {e.feature for e in event.explanations}


def level(event: ScoredEvent) -> int:
    return severity_level(event.severity, event.category, LEXICON)


@pytest.mark.parametrize(
    ("title", "category", "feature"),
    [
        ("US imposes sanctions on Iranian oil firms", "regulatory", "sanctions"),
        ("Kazakhstan announces export ban on grain", "regulatory", "trade_measures"),
        ("Government to nationalise foreign-owned copper mines", "regulatory", "expropriation"),
        ("Parliament passes new law capping foreign ownership of ports", "regulatory",
         "legislation"),
        ("Militants attack Chinese engineers in Balochistan, several killed", "political",
         "terrorism_and_attacks"),
        ("Army stages coup, declares martial law", "political", "coup_and_instability"),
        ("Airstrikes hit market in Idlib", "political", "active_combat"),
        ("Police fire tear gas at protesters in Dhaka", "political", "unrest"),
        ("Dockworkers go on strike at Piraeus, container traffic halted", "supply_chain",
         "labour_action"),
        ("Typhoon forces closure of Haiphong port", "supply_chain", "natural_disaster"),
        ("Cholera outbreak spreads in Yemen", "supply_chain", "epidemic"),
        ("Fuel shortage and rolling blackouts hit Pakistan factories", "supply_chain",
         "shortages_and_energy"),
    ],
)
def test_each_lexical_family_scores_in_its_category(title: str, category: str,
                                                    feature: str) -> None:
    event = score(title)
    assert event.category == category
    assert feature in features(event)


@pytest.mark.parametrize(
    "title",
    ["China and Serbia celebrate new museum opening", "Premier League: live updates",
     "Trump's State of the Union address promised unity", "Ban Ki-moon visits Colombo",
     "Facebook bans cryptocurrency adverts", "Watch the heavens tonight for shooting stars"],
)
def test_ordinary_and_ambiguous_news_does_not_alert(title: str) -> None:
    assert score(title).category == "none"


def test_de_escalation_lowers_but_keeps_the_signal() -> None:
    strike, ended = score("Port workers go on strike"), score("Port workers end strike")
    assert "labour_action:de-escalation" in features(ended)
    assert ended.category == "supply_chain"
    assert level(ended) == level(strike) - 1
    imposed, lifted = score("EU imposes sanctions on Belarus"), score("EU lifts sanctions on Belarus")
    assert "sanctions:de-escalation" in features(lifted)
    assert lifted.category == "regulatory"  # lifting a sanction is itself a rule change (T2)
    assert lifted.scores.regulatory < imposed.scores.regulatory


def test_threats_sit_below_actions_and_fatalities_above_attacks() -> None:
    threat = score("Rebels threaten attack on pipeline")
    attack = score("Rebels attack pipeline")
    deadly = score("Rebels attack pipeline, 12 killed")
    assert threat.severity < attack.severity < deadly.severity
    assert "modifier:fatalities" in features(deadly)


def test_a_modifier_alone_is_not_a_risk() -> None:
    assert score("Retired actor killed in car crash aged 38").scores.political == 0


def test_summary_counts_less_than_the_title() -> None:
    in_title = score("Sanctions on shipping firms")
    in_summary = score("Shipping firms in the news", summary="Sanctions on them.")
    assert in_summary.scores.regulatory == in_title.scores.regulatory * LEXICON.summary_factor


def test_every_point_of_every_score_is_explained() -> None:
    event = score("Pakistan bans imports as protesters clash; port congestion grows",
                  "Dock workers strike; sanctions feared", fields={})
    for category in ("regulatory", "political", "supply_chain"):
        explained = sum(e.weight for e in event.explanations if e.category == category)
        assert getattr(event.scores, category) == round(min(100.0, max(0.0, explained)), 2)
        assert all(e.evidence for e in event.explanations if e.category == category)
    assert event.severity == max(event.scores.regulatory, event.scores.political,
                                 event.scores.supply_chain)


GDELT_FIGHT: dict[str, FieldValue] = {
    "gdelt_event_code": "190", "gdelt_event_root_code": "19", "gdelt_goldstein": -10.0,
    "gdelt_num_mentions": 40}


def test_gdelt_codes_are_hints_that_tip_but_never_decide() -> None:
    # A GDELT event's text is its URL slug (the summary); its title is built from its codes.
    neutral_text = score("Army fight rebels in Kabul", "Officials meet in the capital",
                         fields=GDELT_FIGHT)
    assert neutral_text.category == "none"
    assert {"gdelt_cameo", "gdelt_goldstein", "gdelt_salience"} <= features(neutral_text)
    assert "armed_conflict" not in features(neutral_text)  # the built title is not read
    weak_text = score("Army fight rebels", "Tension reported near the border",
                      fields=GDELT_FIGHT)
    text_only = score("Tension reported near the border")
    assert weak_text.scores.political > text_only.scores.political


@pytest.mark.parametrize(
    ("fields", "feature", "at_least"),
    [
        ({"list_name": "ofac-sdn", "change": "added", "programmes": "IRAN"}, "sanctions_added", 75),
        ({"list_name": "un-sc", "change": "removed", "programmes": "1267"}, "sanctions_removed", 40),
        ({"regulator": "us-federal-register", "document_type": "Rule"}, "regulator_document", 45),
    ],
)
def test_policy_sources_are_strong_regulatory_signals(
    fields: dict[str, FieldValue], feature: str, at_least: float
) -> None:
    event = score("Designation record", kind="policy", fields=fields)
    assert event.category == "regulatory" and feature in features(event)
    assert event.scores.regulatory >= at_least


@pytest.mark.parametrize(
    ("fields", "feature"),
    [
        ({"signal": "port_congestion", "port_name": "Piraeus", "measure": 14.0, "baseline": 5.0},
         "ais_port_congestion"),
        ({"signal": "ais_gap", "chokepoint": "Strait of Hormuz", "measure": 3.0}, "ais_ais_gap"),
        ({"crossing": "Khorgos", "status": "congested", "wait_hours": 46}, "corridor_status"),
    ],
)
def test_shipping_signals_are_supply_chain(fields: dict[str, FieldValue], feature: str) -> None:
    event = score("Logistics signal", kind="shipping", fields=fields)
    assert event.category == "supply_chain" and feature in features(event)


def test_a_normal_corridor_is_not_a_risk() -> None:
    event = score("Alashankou operating", kind="shipping",
                  fields={"crossing": "Alashankou", "status": "normal", "wait_hours": 10})
    assert event.category == "none"


def test_confidence_rises_with_independent_sources() -> None:
    assert corroborated(0.5, 1) == 0.5
    assert corroborated(0.5, 2) == 0.75
    assert corroborated(0.5, 3) == 0.875
    raw = sample_raw(source="reuters-world")
    assert ENGINE.score(raw, NOW, Story("c" * 32, sources=2)).confidence > ENGINE.score(
        raw, NOW).confidence


@pytest.mark.parametrize(("severity", "category", "level"),
                         [(80, "political", 3), (55, "political", 2), (35, "regulatory", 1),
                          (90, "none", 0)])
def test_severity_levels(severity: float, category: str, level: int) -> None:
    assert severity_level(severity, category, LEXICON) == level


def test_a_malformed_lexicon_fails_at_load(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_LEXICON.read_text())
    data["features"][0]["category"] = "gossip"
    bad = tmp_path / "lexicon.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="unknown category"):
        load_lexicon(bad)


def test_scoring_is_deterministic_and_keeps_the_raw_event() -> None:
    raw: RawEvent = sample_raw()
    first = ENGINE.score(raw, NOW)
    assert first == ENGINE.score(raw, NOW)
    assert first.id == raw.id and first.title == raw.title and first.scored_at == NOW
