from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scorer.countries import load_gazetteer
from services.scorer.lexicon import load_lexicon
from services.scorer.scoring import score_event
from shared.schemas import ScoredEvent
from tests.strategies import sample_raw

LEXICON = load_lexicon()
GAZETTEER = load_gazetteer()
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def score(title: str, summary: str = "") -> ScoredEvent:
    return score_event(sample_raw(title=title, summary=summary), LEXICON, GAZETTEER, NOW)


@pytest.mark.parametrize(
    ("title", "category", "feature"),
    [
        ("US imposes sanctions on Iranian oil firms", "regulatory", "sanctions"),
        ("Kazakhstan announces export ban on grain", "regulatory", "export_controls"),
        ("Militants attack Chinese engineers in Balochistan, several killed", "political",
         "terrorism"),
        ("Army stages coup, declares martial law", "political", "coup_instability"),
        ("Dockworkers strike at Piraeus halts container traffic", "supply_chain",
         "labour_action"),
        ("Typhoon forces closure of Haiphong port", "supply_chain", "natural_disaster"),
    ],
)
def test_risk_news_scores_in_its_category(title: str, category: str, feature: str) -> None:
    event = score(title)
    assert event.category == category
    assert feature in {e.feature for e in event.explanations if e.category == category}


@pytest.mark.parametrize(
    "title",
    ["EU lifts sanctions on Belarus potash", "Port workers end strike after pay deal",
     "China and Serbia celebrate new museum opening"],
)
def test_good_news_does_not_alert(title: str) -> None:
    assert score(title).category == "none"


def test_every_point_of_a_score_is_explained() -> None:
    event = score("Pakistan bans imports as protesters clash; port congestion grows",
                  "Dock workers strike; sanctions feared")
    for category in ("regulatory", "political", "supply_chain"):
        explained = sum(e.weight for e in event.explanations if e.category == category)
        assert getattr(event.scores, category) == min(100.0, explained)
    assert event.severity == max(event.scores.regulatory, event.scores.political,
                                 event.scores.supply_chain)
    assert all(e.evidence for e in event.explanations)


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("Pakistani officials meet Chinese envoy in Islamabad", ["PAK", "CHN"]),
        ("Kenya and Ethiopia sign rail deal", ["KEN", "ETH"]),
        ("Protests in the Russian Federation", ["RUS"]),
        ("US and U.K. warn Iran", ["USA", "GBR", "IRN"]),
        ("a chad of paper; turkey dinner; us and them", []),  # lower case is not a name
    ],
)
def test_countries_are_iso_alpha3_in_order_of_mention(text: str, countries: list[str]) -> None:
    event = score(text)
    assert event.countries == countries
    assert [e.ref for e in event.entities] == countries


def test_scoring_is_deterministic_and_keeps_the_raw_event() -> None:
    raw = sample_raw()
    first = score_event(raw, LEXICON, GAZETTEER, NOW)
    assert first == score_event(raw, LEXICON, GAZETTEER, NOW)
    assert first.id == raw.id and first.title == raw.title and first.scored_at == NOW
    assert first.scorer_version == LEXICON.version
