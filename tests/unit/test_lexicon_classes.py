"""Class rules of the lexicon for the Reddit world-news conventions: each row names the
guideline clause it protects; every headline is invented."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scorer.features.source_features import SourceWeights
from services.scorer.lexicon import load_lexicon
from services.scorer.scoring import Enrichment, ScoringEngine, severity_level
from shared.schemas import ScoredEvent
from tests.strategies import sample_raw

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEXICON = load_lexicon()
ENGINE = ScoringEngine(LEXICON, SourceWeights.load(), lambda raw: Enrichment())


def score(title: str) -> ScoredEvent:
    return ENGINE.score(sample_raw(title=title, summary="", kind="news", fields={}), NOW)


def level(event: ScoredEvent) -> int:
    return severity_level(event.severity, event.category, LEXICON)


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
