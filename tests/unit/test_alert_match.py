"""The match stage: the five rule kinds over events and country indices, with a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.alerts.stages.labels import SEVERITY_LEVELS, event_labels, severity_level
from services.alerts.stages.match import (
    Clear,
    Fire,
    IndexSample,
    append_sample,
    history_window,
    match_country,
    match_event,
)
from shared.alerting.config import TenantConfig
from shared.ids import fingerprint
from shared.schemas import CountryRisk, ScoredEvent
from tests.conftest import ROOT

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STORY = "c1" * 16
GWADAR = {"name": "Gwadar Port", "kind": "port", "lat": 25.12, "lon": 62.33, "radius_km": 20,
          "ref": "PKGWD", "countries": ["PAK"], "aliases": ["Gwadar terminal"]}
CPEC = {"name": "CPEC Phase II", "kind": "project", "countries": ["PAK"],
        "aliases": ["China-Pakistan Economic Corridor"]}


def scored(**change: Any) -> ScoredEvent:
    values: dict[str, Any] = {
        "id": "e1" * 16, "kind": "news", "source": "dawn", "title": "Protests block the Karakoram road",
        "summary": "Traders say shipments are delayed.", "url": "https://example.org/a",
        "published_at": NOW - timedelta(hours=1), "fetched_at": NOW, "countries": ["PAK", "CHN"],
        "entities": [], "scores": {"political": 72}, "severity": 72, "confidence": 0.8,
        "category": "political", "cluster_id": STORY, "scored_at": NOW, "scorer_version": "t",
        "explanations": [
            {"category": "political", "feature": f"f{w}", "weight": w, "evidence": "…"}
            for w in (5, 30, 12, 25)
        ],
    }
    return ScoredEvent.model_validate(values | change)


def tenant(*rules: dict[str, Any], **sections: Any) -> TenantConfig:
    return TenantConfig.model_validate({"rules": list(rules), **sections})


def test_severity_levels_agree_with_the_scorer_lexicon() -> None:
    lexicon = json.loads((ROOT / "services/scorer/data/lexicon.json").read_text())
    assert dict(SEVERITY_LEVELS) == {k: float(v) for k, v in lexicon["severity_levels"].items()}


@pytest.mark.parametrize(("severity", "category", "level"), [
    (75, "political", "high"), (74.9, "political", "medium"), (50, "regulatory", "medium"),
    (30, "supply_chain", "low"), (29, "political", "none"), (90, "none", "none"),
])
def test_severity_level_uses_the_scorer_floors(severity: float, category: str, level: str) -> None:
    assert severity_level(severity, category) == level


def test_event_labels_join_multi_valued_labels_and_drop_empty_ones() -> None:
    event = scored(entities=[{"kind": "organisation", "name": "Sinosteel, Ltd"},
                             {"kind": "port", "name": "Gwadar Port", "ref": "PKGWD"}])
    assert event_labels(event) == {
        "category": "political", "country": "CHN,PAK", "severity_level": "medium",
        "source": "dawn", "entity": "Gwadar Port,Sinosteel Ltd"}
    assert "country" not in event_labels(scored(countries=[]))


@pytest.mark.parametrize(("rule", "event", "fires"), [
    ({"min_severity": 50}, {}, True),
    ({"min_severity": 72}, {}, True),
    ({"min_severity": 80}, {}, False),
    ({}, {"category": "none", "scores": {}}, False),
    ({"categories": ["regulatory"]}, {}, False),
    ({"categories": ["political", "regulatory"]}, {}, True),
    ({"matchers": ['country="CHN"']}, {}, True),
    ({"matchers": ['country!="PAK"']}, {}, False),
    ({"matchers": ['country!="LKA"']}, {}, True),
    ({"matchers": ['country=~"LKA|PAK"']}, {}, True),
    ({"matchers": ['severity_level="high"']}, {}, False),
    ({"matchers": ['tenant="acme"', 'kind="event"', 'rule="political"']}, {}, True),
    ({"matchers": ['tenant="other"']}, {}, False),
    ({"matchers": ['team="ops"'], "labels": {"team": "ops"}}, {}, True),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_event_rule(rule: dict[str, Any], event: dict[str, Any], fires: bool) -> None:
    config = tenant({"name": "political", "kind": "event", **rule})
    assert bool(match_event("acme", config, scored(**event), NOW)) is fires


def test_an_event_alert_carries_labels_reason_and_timers() -> None:
    config = tenant({"name": "political", "kind": "event", "min_severity": 50,
                     "resolve_after": "2h", "labels": {"team": "ops"}})
    [alert] = match_event("acme", config, scored(), NOW)
    assert alert.labels == {"category": "political", "country": "CHN,PAK", "severity_level": "medium",
                            "source": "dawn", "team": "ops", "tenant": "acme", "rule": "political",
                            "kind": "event"}
    assert alert.reason.summary == "severity 72 ≥ 50 · political · CHN,PAK"
    assert alert.reason.matched == {"category": "political", "country": "CHN,PAK",
                                    "severity_level": "medium"}
    assert [e.weight for e in alert.reason.explanations] == [30, 25, 12]
    assert alert.id == alert.fingerprint == fingerprint("acme", "political", STORY)
    assert (alert.status, alert.starts_at, alert.updated_at) == ("firing", NOW, NOW)
    assert alert.resolve_at == NOW + timedelta(hours=2)
    assert (alert.title, alert.url, alert.event_ids) == (scored().title, scored().url, [scored().id])
    assert alert.countries == ["CHN", "PAK"]


@pytest.mark.parametrize(("first", "second", "same"), [
    ({"id": "e1" * 16}, {"id": "e2" * 16}, True),                       # one story, two events
    ({"cluster_id": STORY}, {"cluster_id": "c2" * 16}, False),          # two stories
    ({"cluster_id": None}, {"cluster_id": None, "id": "e2" * 16}, False),  # unclustered: the event
])
def test_one_story_is_one_alert(first: dict[str, Any], second: dict[str, Any], same: bool) -> None:
    config = tenant({"name": "political", "kind": "event"})
    [a] = match_event("acme", config, scored(**first), NOW)
    [b] = match_event("acme", config, scored(**second), NOW)
    assert (a.id == b.id) is same


WATCH = [{"name": "Sinosteel", "aliases": ["Zhonggang Group"]}, "Power China"]


@pytest.mark.parametrize(("event", "expected"), [
    ({"title": "Sinosteel wins a Gwadar contract"}, {"Sinosteel": "mentions Sinosteel"}),
    ({"title": "SINOSTEEL shares fall"}, {"Sinosteel": "mentions Sinosteel"}),
    ({"title": "Sinosteel's plant idles"}, {"Sinosteel": "mentions Sinosteel"}),
    ({"title": "Sinosteelworks opens"}, {}),
    ({"title": "Unsinosteel"}, {}),
    ({"summary": "A unit of ZHONGGANG  group said…"},
     {"Sinosteel": "mentions Sinosteel (as Zhonggang Group)"}),
    ({"summary": "Workers of Power\nChina struck"}, {"Power China": "mentions Power China"}),
    ({"entities": [{"kind": "organisation", "name": "Power China Ltd"}]},
     {"Power China": "mentions Power China"}),
    ({"title": "Sinosteel and Power China sign"},
     {"Sinosteel": "mentions Sinosteel", "Power China": "mentions Power China"}),
    ({"title": "Sinosteel idles", "category": "none", "scores": {}, "severity": 0},
     {"Sinosteel": "mentions Sinosteel"}),
])
def test_watchlist_rule(event: dict[str, Any], expected: dict[str, str]) -> None:
    config = tenant({"name": "watch", "kind": "watchlist"}, watchlist=WATCH)
    alerts = match_event("acme", config, scored(**event), NOW)
    assert {a.labels["entity"]: a.reason.summary for a in alerts} == expected
    assert len({a.id for a in alerts}) == len(alerts)


def test_watchlist_min_severity_and_rule_entities_with_watchlist_aliases() -> None:
    config = tenant({"name": "w", "kind": "watchlist", "min_severity": 80}, watchlist=WATCH)
    assert match_event("acme", config, scored(title="Sinosteel idles"), NOW) == []
    config = tenant({"name": "w", "kind": "watchlist", "entities": ["sinosteel"]}, watchlist=WATCH)
    [alert] = match_event("acme", config, scored(title="Zhonggang Group idles"), NOW)
    assert alert.labels["entity"] == "Sinosteel"
    assert alert.id == fingerprint("acme", "w", "Sinosteel", STORY)
    assert match_event("acme", config, scored(title="Power China idles"), NOW) == []


@pytest.mark.parametrize(("event", "expected"), [
    ({"kind": "shipping", "countries": [], "fields": {"lat": 25.228, "lon": 62.33}},
     {"Gwadar Port": "within 12 km of Gwadar Port"}),
    ({"countries": [], "fields": {"action_geo_lat": 25.228, "action_geo_lon": 62.33}},
     {"Gwadar Port": "within 12 km of Gwadar Port"}),
    ({"countries": [], "fields": {"lat": 26.0, "lon": 62.33}}, {}),
    ({"countries": [], "fields": {"lat": "25.12", "lon": True}}, {}),
    ({"countries": [], "entities": [{"kind": "port", "name": "Gawadar", "ref": "PKGWD"}]},
     {"Gwadar Port": "names Gwadar Port (PKGWD)"}),
    ({"countries": [], "fields": {"port_locode": "PKGWD"}},
     {"Gwadar Port": "names Gwadar Port (PKGWD)"}),
    ({"countries": [], "title": "Strike at the Gwadar terminal"},
     {"Gwadar Port": "names Gwadar Port (as Gwadar terminal)"}),
    ({"countries": [], "title": "China-Pakistan Economic Corridor talks"},
     {"CPEC Phase II": "names CPEC Phase II (as China-Pakistan Economic Corridor)"}),
    ({"countries": ["PAK"]}, {"CPEC Phase II": "about PAK, a country of CPEC Phase II"}),
    ({"countries": ["IND"]}, {}),
])
def test_exposure_rule(event: dict[str, Any], expected: dict[str, str]) -> None:
    config = tenant({"name": "exposed", "kind": "exposure"}, assets=[GWADAR, CPEC])
    alerts = match_event("acme", config, scored(**event), NOW)
    assert {a.labels["asset"]: a.reason.summary for a in alerts} == expected
    for alert in alerts:
        assert alert.id == fingerprint("acme", "exposed", alert.labels["asset"], STORY)
        assert alert.reason.matched["asset"] == alert.labels["asset"]


def test_exposure_rule_limited_to_its_assets_and_matchers_over_the_asset_label() -> None:
    event = scored(countries=["PAK"], fields={"lat": 25.2, "lon": 62.3})
    only_port = tenant({"name": "x", "kind": "exposure", "assets": ["Gwadar Port"]},
                       assets=[GWADAR, CPEC])
    assert [a.labels["asset"] for a in match_event("acme", only_port, event, NOW)] == ["Gwadar Port"]
    not_port = tenant({"name": "x", "kind": "exposure", "matchers": ['asset!="Gwadar Port"']},
                      assets=[GWADAR, CPEC])
    assert [a.labels["asset"] for a in match_event("acme", not_port, event, NOW)] == ["CPEC Phase II"]


def risk(**change: Any) -> CountryRisk:
    values: dict[str, Any] = {"country": "PAK", "index": {"political": 70, "regulatory": 40},
                              "overall": 65, "event_count": 12, "updated_at": NOW}
    return CountryRisk.model_validate(values | change)


LEVEL = {"name": "pak-level", "kind": "country_index", "above": 60}
RISE = {"name": "pak-rise", "kind": "country_index", "category": "political", "rise": 10,
        "within": "1h", "resolve_after": "3h"}
SAMPLES = [IndexSample(NOW - timedelta(hours=2), 30), IndexSample(NOW - timedelta(minutes=50), 40),
           IndexSample(NOW - timedelta(minutes=20), 45)]


@pytest.mark.parametrize(("rule", "change", "decision"), [
    (LEVEL, {}, "fire"),
    (LEVEL, {"overall": 60}, "fire"),
    (LEVEL, {"overall": 55}, "clear"),
    ({**LEVEL, "category": "regulatory"}, {}, "clear"),
    ({**LEVEL, "category": "political"}, {}, "fire"),
    ({**LEVEL, "matchers": ['country=~"LKA|PAK"']}, {}, "fire"),
    ({**LEVEL, "matchers": ['country=~"LKA|PAK"']}, {"country": "CHN"}, None),
    ({**LEVEL, "matchers": ['severity_level="high"']}, {}, None),
    (RISE, {"index": {"political": 52}}, "fire"),             # 52 − 40 within the hour
    (RISE, {"index": {"political": 48}}, None),               # only 8; the 30 is 2h old
    ({**RISE, "above": 50}, {"index": {"political": 52}}, "fire"),
    ({**RISE, "above": 50}, {"index": {"political": 49}}, "clear"),
    ({"name": "spike", "kind": "spike"}, {"spike": True}, "fire"),
    ({"name": "spike", "kind": "spike"}, {"spike": False}, "clear"),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_country_rules(rule: dict[str, Any], change: dict[str, Any], decision: str | None) -> None:
    config = tenant(rule)
    current = risk(**change)
    category = rule.get("category", "overall")
    decisions = match_country("acme", config, current, {category: SAMPLES}, NOW)
    expected_id = fingerprint("acme", rule["name"], current.country, category)
    if decision is None:
        assert decisions == []
    elif decision == "clear":
        [clear] = decisions
        assert isinstance(clear, Clear)
        assert (clear.alert_id, clear.rule) == (expected_id, rule["name"])
    else:
        [fire] = decisions
        assert isinstance(fire, Fire)
        assert fire.alert.id == expected_id
        assert fire.alert.labels["category"] == category
        assert fire.alert.labels["country"] == current.country


def test_a_level_alert_waits_for_clear_and_a_rise_resolves_on_its_own() -> None:
    [level] = match_country("acme", tenant(LEVEL), risk(), {}, NOW)
    assert isinstance(level, Fire)
    assert level.alert.resolve_at is None
    assert level.alert.labels == {"country": "PAK", "category": "overall", "severity_level": "medium",
                                  "tenant": "acme", "rule": "pak-level", "kind": "country_index"}
    assert level.alert.category == "political"  # overall: the dominant category
    assert level.alert.reason.summary == "overall index 65 ≥ 60"
    assert match_country("acme", tenant(LEVEL), risk(overall=55.5), {}, NOW) == [Clear(
        alert_id=level.alert.id, rule="pak-level", why="overall index 55.5 < 60")]
    [rise] = match_country("acme", tenant(RISE), risk(index={"political": 52}),
                           {"political": SAMPLES}, NOW)
    assert isinstance(rise, Fire)
    assert rise.alert.resolve_at == NOW + timedelta(hours=3)
    assert rise.alert.title == "PAK political risk index up 12 to 52 within 1h"
    assert rise.alert.labels["severity_level"] == "medium"


def test_rules_of_other_kinds_ignore_country_indices_and_events_ignore_country_rules() -> None:
    config = tenant({"name": "e", "kind": "event"}, LEVEL)
    assert [d.alert.rule for d in match_country("acme", config, risk(), {}, NOW)
            if isinstance(d, Fire)] == ["pak-level"]
    assert [a.rule for a in match_event("acme", config, scored(), NOW)] == ["e"]


def test_append_sample_keeps_time_order_and_the_window() -> None:
    samples = append_sample(SAMPLES, IndexSample(NOW, 50), keep=timedelta(hours=1))
    assert [s.value for s in samples] == [40, 45, 50]
    late = append_sample(samples, IndexSample(NOW - timedelta(minutes=30), 42), keep=timedelta(hours=1))
    assert [s.value for s in late] == [40, 42, 45, 50]
    again = append_sample(late, IndexSample(NOW, 51), keep=timedelta(hours=1))
    assert [s.value for s in again] == [40, 42, 45, 51]
    assert history_window(tenant(LEVEL, RISE, {**RISE, "name": "slow", "within": "6h"})) == timedelta(
        hours=6)
    assert history_window(tenant(LEVEL)) == timedelta(0)
