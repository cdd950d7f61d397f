"""Hypothesis strategies for every topic contract."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from hypothesis import strategies as st

from shared.schemas import (
    Alert,
    AlertChange,
    AlertReason,
    CategoryTrends,
    CountryRisk,
    DeadLetter,
    Entity,
    Explanation,
    RawEvent,
    RiskScores,
    ScoredEvent,
    StructuralProfile,
)

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=80)
stripped = text.map(str.strip).filter(bool)
ids = st.text("0123456789abcdef", min_size=32, max_size=32)
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
scores = st.floats(min_value=0, max_value=100, allow_nan=False)
iso3 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
categories = st.sampled_from(["regulatory", "political", "supply_chain"])
field_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False), stripped,
)

raw_kwargs = st.fixed_dictionaries({
    "id": ids, "kind": st.sampled_from(["news", "policy", "shipping"]), "source": stripped,
    "native_id": st.none() | stripped, "title": stripped, "summary": st.just("") | stripped,
    "url": st.none() | stripped, "published_at": instants, "fetched_at": instants,
    "language": st.none() | st.sampled_from(["en", "en-GB", "pt-BR", "zh-Hans"]),
    "fields": st.dictionaries(st.text("abcdefghij_", min_size=1, max_size=10), field_values,
                              max_size=4),
})
raw_events = raw_kwargs.map(lambda kw: RawEvent(**kw))
risk_scores = st.builds(RiskScores, regulatory=scores, political=scores, supply_chain=scores)
explanations = st.builds(Explanation, category=categories, feature=stripped,
                         weight=st.floats(-100, 100, allow_nan=False), evidence=stripped)
entities = st.builds(Entity, kind=st.sampled_from(["country", "project", "port", "vessel"]),
                     name=stripped, ref=st.none() | stripped)
scored_events = st.builds(
    lambda kw, **extra: ScoredEvent(**kw, **extra),
    raw_kwargs,
    countries=st.lists(iso3, max_size=4),
    entities=st.lists(entities, max_size=3),
    scores=risk_scores,
    severity=scores,
    confidence=st.floats(0, 1),
    category=categories | st.just("none"),
    explanations=st.lists(explanations, max_size=4),
    cluster_id=st.none() | ids,
    scored_at=instants,
    scorer_version=stripped,
)
trends = st.sampled_from(["rising", "falling", "stable"])
country_risks = st.builds(
    CountryRisk, country=iso3, index=risk_scores, overall=scores,
    trend=st.builds(CategoryTrends, regulatory=trends, political=trends, supply_chain=trends),
    event_count=st.integers(0, 10**6), spike=st.booleans(),
    structural=st.none() | st.builds(
        StructuralProfile, political=st.none() | scores, regulatory=st.none() | scores,
        supply_chain=st.none() | scores, wgi_year=st.none() | st.integers(1996, 2030),
        cultural_distance_to_china=st.none() | st.floats(0, 20)),
    updated_at=instants,
)
labels = st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), stripped, max_size=5)
alerts = st.builds(
    Alert, tenant=stripped, id=ids, fingerprint=ids, rule=stripped,
    kind=st.sampled_from(["event", "country_index", "spike", "watchlist", "exposure"]),
    status=st.sampled_from(["firing", "resolved"]), labels=labels,
    severity=scores, category=categories | st.just("none"),
    countries=st.lists(iso3, max_size=3), title=stripped, url=st.none() | stripped,
    reason=st.builds(AlertReason, summary=stripped, matched=labels,
                     explanations=st.lists(explanations, max_size=3)),
    event_ids=st.lists(ids, max_size=5), episode=st.integers(1, 1000), starts_at=instants,
    updated_at=instants, ends_at=st.none() | instants, resolve_at=st.none() | instants,
)
alert_changes = st.builds(
    AlertChange, tenant=stripped, alert_id=ids,
    change=st.sampled_from(["fired", "grouped", "silenced", "acked", "resolved", "notified"]),
    at=instants, detail=labels, alert=st.none() | alerts,
)
dead_letters = st.builds(
    lambda payload, truncated, **kw: DeadLetter(
        payload_b64=base64.b64encode(payload).decode(),
        payload_size=len(payload) + (truncated or 0),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_truncated=bool(truncated), **kw),
    st.binary(max_size=200),
    st.none() | st.integers(1, 64 * 2**20),  # how much of the original was not kept
    service=stripped, stage=stripped, source=st.just("") | stripped,
    reason=stripped, topic=st.none() | stripped, partition=st.none() | st.integers(0, 100),
    offset=st.none() | st.integers(0, 10**9), failed_at=instants,
)


def sample_raw(**change: object) -> RawEvent:
    """A fixed, realistic RawEvent for example-based tests."""
    values: dict[str, object] = {
        "id": "0f" * 16, "kind": "news", "source": "reuters-world",
        "native_id": "http://www.reuters.com/article/example",
        "title": "U.S. imposes sanctions on Iranian shipping firms",
        "summary": "The Treasury designated five companies and froze their assets.",
        "url": "http://www.reuters.com/article/example",
        "published_at": datetime(2018, 1, 30, 17, 29, 57, tzinfo=UTC),
        "fetched_at": datetime(2018, 1, 30, 17, 35, tzinfo=UTC), "language": "en-us",
        "fields": {"feed_title": "Reuters: World News"},
    }
    return RawEvent.model_validate(values | change)
