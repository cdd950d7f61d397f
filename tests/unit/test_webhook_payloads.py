"""The three webhook payloads, each against its spec's required fields: brisk's own (``brisk.py``
docstring), Alertmanager's webhook v4 (``notify/webhook.Message`` over ``template.Data``, v0.34)
and a Slack Block Kit message within Slack's limits. Checked on the bytes ``render`` returns."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from types import NoneType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.alerts.payloads.alertmanager import GO_ZERO_TIME
from services.alerts.payloads.content import NotificationContent
from services.alerts.payloads.example import example_content, example_documents
from services.alerts.payloads.render import RENDERERS, render
from services.alerts.payloads.slack import MAX_BLOCKS, MAX_HEADER, MAX_TEXT, SECTIONS_BUDGET
from shared.alerting.config import ReceiverFormat
from shared.schemas import Alert, Explanation
from tests.strategies import alerts as any_alerts

ROOT = Path(__file__).resolve().parents[2]
FORMATS: list[ReceiverFormat] = ["alertmanager", "brisk", "slack"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def alert(n: int, **labels: str) -> Alert:
    """The example's firing alert under another id, with some labels changed."""
    base = example_content().firing[0]
    ident = f"{n:032x}"
    return base.model_copy(update={"id": ident, "fingerprint": ident, "title": f"Alert {n}",
                                   "labels": {**base.labels, **labels}})


def content(firing: list[Alert], resolved: list[Alert] | None = None) -> NotificationContent:
    return replace(example_content(), firing=firing, resolved=resolved or [])


def sent(fmt: ReceiverFormat, note: NotificationContent, max_alerts: int = 0) -> dict[str, Any]:
    """What a receiver decodes from the body."""
    decoded: dict[str, Any] = json.loads(render(fmt, note, max_alerts))
    return decoded


# --- the specs, as JSON Schema (tests/fixtures/payload_schemas/) ----------------------------
# jsonschema is not a dependency, so a checker of the keywords these schemas use; it refuses a
# keyword it does not know rather than skip it.

SCHEMAS = ROOT / "tests" / "fixtures" / "payload_schemas"
KEYWORDS = frozenset({"$schema", "$defs", "$ref", "title", "description", "type", "const", "enum",
                      "required", "properties", "additionalProperties", "items", "minItems",
                      "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
                      "oneOf"})
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,), "null": (NoneType,)}


def schema(fmt: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{fmt}.schema.json").read_text("utf-8"))
    return loaded


def violations(value: Any, rule: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Where ``value`` breaks ``rule`` (a JSON Schema, 2020-12, in the subset ``KEYWORDS``)."""
    if unknown := set(rule) - KEYWORDS:
        raise ValueError(f"{at}: keywords this checker does not know: {sorted(unknown)}")
    if "$ref" in rule:
        return violations(value, root["$defs"][rule["$ref"].removeprefix("#/$defs/")], root, at)
    if "type" in rule:
        names = rule["type"] if isinstance(rule["type"], list) else [rule["type"]]
        if not any(isinstance(value, JSON_TYPES[n]) and (n == "boolean" or not isinstance(value, bool))
                   for n in names):
            return [f"{at}: {type(value).__name__}, not {rule['type']}"]
    found = []
    if "const" in rule and value != rule["const"] or "enum" in rule and value not in rule["enum"]:
        found.append(f"{at}: {value!r} not allowed")
    if isinstance(value, str):
        if not rule.get("minLength", 0) <= len(value) <= rule.get("maxLength", len(value)):
            found.append(f"{at}: length {len(value)}")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            found.append(f"{at}: {value!r} does not match {rule['pattern']}")
    if isinstance(value, int | float) and not isinstance(value, bool) and not (
            rule.get("minimum", value) <= value <= rule.get("maximum", value)):
        found.append(f"{at}: {value} out of range")
    if isinstance(value, dict):
        found += [f"{at}.{name}: missing" for name in rule.get("required", []) if name not in value]
        for name, item in value.items():
            sub = rule.get("properties", {}).get(name, rule.get("additionalProperties", {}))
            if sub is False:
                found.append(f"{at}.{name}: not allowed")
            elif isinstance(sub, dict):
                found += violations(item, sub, root, f"{at}.{name}")
    if isinstance(value, list):
        if not rule.get("minItems", 0) <= len(value) <= rule.get("maxItems", len(value)):
            found.append(f"{at}: {len(value)} items")
        for i, item in enumerate(value):
            found += violations(item, rule.get("items", {}), root, f"{at}[{i}]")
    if "oneOf" in rule:
        matched = sum(not violations(value, sub, root, at) for sub in rule["oneOf"])
        if matched != 1:
            found.append(f"{at}: matches {matched} of oneOf")
    return found


def conformance(fmt: ReceiverFormat, payload: dict[str, Any]) -> list[str]:
    spec = schema(fmt)
    return violations(payload, spec, spec)


def test_the_checker_sees_a_missing_field_a_wrong_type_and_a_bad_value() -> None:
    good = sent("alertmanager", example_content())
    assert conformance("alertmanager", good) == []
    bad = {**good, "version": "3", "truncatedAlerts": True}
    del bad["groupKey"]
    bad["alerts"] = [{**good["alerts"][0], "startsAt": "2026-11-22 11:54", "labels": {"a": 1}}]
    assert sorted(conformance("alertmanager", bad)) == [
        "$.alerts[0].labels.a: int, not string",
        "$.alerts[0].startsAt: '2026-11-22 11:54' does not match "
        + schema("alertmanager")["$defs"]["time"]["pattern"],
        "$.groupKey: missing", "$.truncatedAlerts: bool, not integer", "$.version: '3' not allowed"]


def gone(n: int) -> Alert:
    resolved = example_content().resolved[0]
    return resolved.model_copy(update={"id": f"{n:032x}", "fingerprint": f"{n:032x}"})


GROUPS = {
    "firing and resolved": (example_content(), 0),
    "resolved only": (content([], [gone(1), gone(2)]), 0),
    "truncated": (content([alert(n) for n in range(60)], [gone(99)]), 10),
}


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_required_field_is_present_with_its_type(fmt: ReceiverFormat, group: str) -> None:
    note, max_alerts = GROUPS[group]
    assert conformance(fmt, sent(fmt, note, max_alerts)) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(any_alerts, min_size=1, max_size=6), st.integers(0, 6))
def test_any_alerts_render_to_every_required_field(alerts: list[Alert], split: int) -> None:
    note = content(alerts[:split], alerts[split:])
    for fmt in FORMATS:
        assert conformance(fmt, sent(fmt, note)) == [], fmt


# --- brisk -----------------------------------------------------------------------------------

def test_brisk_payload_is_versioned_and_carries_the_group() -> None:
    payload = sent("brisk", example_content())
    assert payload["version"] == "1"
    assert payload["type"] == "alert.group.firing"
    assert payload["id"] == "ntf_51bea5c0f2b548ba888b958c9f221112"
    assert payload["group"] == {"key": "65fbe3e20e075e0dd30f0a8620aaa164",
                                "labels": {"category": "political", "country": "PAK"},
                                "route": "0.1"}
    assert payload["counts"] == {"firing": 1, "resolved": 1}
    assert payload["truncated_alerts"] == 0
    assert payload["created_at"] == "2026-11-22T12:00:30Z"
    assert [a["status"] for a in payload["alerts"]] == ["firing", "resolved"]
    spec = schema("brisk")
    assert set(payload) == set(spec["required"])
    assert set(payload["alerts"][0]) == set(spec["$defs"]["alert"]["required"])


def test_brisk_alerts_say_why_with_entities_explanations_and_links_to_the_api() -> None:
    firing, resolved = sent("brisk", example_content())["alerts"]
    assert firing["entities"] == ["Gwadar Port"] and resolved["entities"] == []
    assert firing["severity"] == 82.5
    assert firing["reason"]["explanations"][0] == {
        "category": "political", "feature": "lexicon:armed_attack", "weight": 38.0,
        "evidence": "militants attacked a convoy"}
    assert firing["ends_at"] is None
    assert resolved["ends_at"] == "2026-11-22T11:55:30Z"
    assert firing["links"]["alert"] == (
        "http://127.0.0.1:8000/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme")
    assert firing["links"]["events"] == [
        f"http://127.0.0.1:8000/v1/events/{eid}" for eid in firing["event_ids"]]


def test_brisk_entities_are_the_entity_label_split() -> None:
    many = alert(1, entity="CPEC,Gwadar Port,Karachi Port")
    (item,) = sent("brisk", content([many]))["alerts"]
    assert item["entities"] == ["CPEC", "Gwadar Port", "Karachi Port"]


def test_brisk_links_tolerate_a_trailing_slash_and_quote_the_tenant() -> None:
    note = replace(example_content(), external_url="https://risk.example.com/", tenant="a b&c")
    links = sent("brisk", note)["alerts"][0]["links"]
    assert links["alert"].startswith("https://risk.example.com/v1/alerts/")
    assert links["alert"].endswith("?tenant=a+b%26c")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_group_with_only_resolved_alerts_is_resolved(fmt: ReceiverFormat) -> None:
    payload = sent(fmt, GROUPS["resolved only"][0])
    if fmt == "slack":
        assert payload["blocks"][0]["text"]["text"].startswith("[RESOLVED]")
    else:
        assert payload["status"] == "resolved"
        assert {a["status"] for a in payload["alerts"]} == {"resolved"}
    if fmt == "brisk":
        assert payload["type"] == "alert.group.resolved"


# --- Alertmanager ----------------------------------------------------------------------------

def test_alertmanager_payload_is_v4_in_gos_field_order() -> None:
    body = render("alertmanager", example_content(), 0)
    payload = json.loads(body)
    spec = schema("alertmanager")  # "required" lists the fields in Go's order
    assert list(payload) == spec["required"]
    assert all(list(item) == spec["$defs"]["alert"]["required"] for item in payload["alerts"])
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert payload["receiver"] == "risk-webhook"
    assert payload["groupLabels"] == {"category": "political", "country": "PAK"}
    assert payload["groupKey"] == 'acme/0.1:{category="political", country="PAK"}'
    assert payload["externalURL"] == "http://127.0.0.1:8000"
    assert payload["notification_reason"] == "new alerts added"
    assert payload["routeLabels"] == {} and payload["truncatedAlerts"] == 0


@pytest.mark.parametrize("group", GROUPS)
def test_alertmanager_times_are_rfc3339_and_a_firing_alert_never_ends(group: str) -> None:
    note, max_alerts = GROUPS[group]
    for item in sent("alertmanager", note, max_alerts)["alerts"]:
        assert RFC3339.match(item["startsAt"])
        if item["status"] == "firing":
            assert item["endsAt"] == GO_ZERO_TIME == "0001-01-01T00:00:00Z"
        else:
            assert RFC3339.match(item["endsAt"]) and item["endsAt"] > item["startsAt"]


def test_alertmanager_alerts_say_what_and_why() -> None:
    firing, resolved = sent("alertmanager", example_content())["alerts"]
    assert firing["labels"]["alertname"] == "pak-political"
    assert firing["annotations"] == {
        "brisk_alert_id": "4c55437438cd45f5f59d2625ad3670ae",
        "description": "severity 82.5 ≥ 70 · political · PAK",
        "summary": "Militants attack convoy near Gwadar port; CPEC works suspended"}
    assert firing["generatorURL"] == (
        "http://127.0.0.1:8000/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme")
    assert firing["fingerprint"] == "4c55437438cd45f5f59d2625ad3670ae"
    assert firing["startsAt"] == "2026-11-22T11:54:30Z"
    assert resolved["endsAt"] == "2026-11-22T11:55:30Z"


def test_a_resolved_alert_without_ends_at_ends_when_last_seen() -> None:
    last = example_content().resolved[0].model_copy(update={"ends_at": None})
    (item,) = sent("alertmanager", content([], [last]))["alerts"]
    assert item["endsAt"] == "2026-11-22T10:55:30Z"


def test_common_labels_are_the_pairs_every_alert_sent_shares() -> None:
    a, b = alert(1, entity="Gwadar Port", source="rss"), alert(2, entity="Karachi", source="rss")
    payload = sent("alertmanager", content([a, b]))
    assert payload["commonLabels"]["source"] == "rss"
    assert "entity" not in payload["commonLabels"]
    assert payload["commonAnnotations"] == {"description": "severity 82.5 ≥ 70 · political · PAK"}
    truncated = sent("alertmanager", content([a, b]), 1)  # over the alerts sent, as Alertmanager
    assert truncated["commonLabels"]["entity"] == "Gwadar Port"
    assert truncated["commonAnnotations"]["summary"] == "Alert 1"


def test_the_receiver_name_is_regexp_escaped_like_alertmanager() -> None:
    note = replace(example_content(), receiver="ops.hook-1")
    assert sent("alertmanager", note)["receiver"] == "ops\\.hook-1"


# --- Slack -----------------------------------------------------------------------------------

def units(text: str) -> int:
    """UTF-16 code units: an emoji outside the BMP is two."""
    return len(text.encode("utf-16-le")) // 2


def check_block_kit(message: dict[str, Any]) -> None:
    """The shape and the limits Slack enforces on a Block Kit message (lengths in UTF-16 units,
    never fewer than Slack's characters)."""
    assert 0 < units(message["text"]) <= MAX_TEXT
    blocks = message["blocks"]
    assert 2 <= len(blocks) <= MAX_BLOCKS
    header, *sections, context = blocks
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert 0 < units(header["text"]["text"]) <= MAX_HEADER
    for section in sections:
        assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
        assert 0 < units(section["text"]["text"]) <= MAX_TEXT
    assert sum(units(s["text"]["text"]) for s in sections) <= SECTIONS_BUDGET
    assert context["type"] == "context" and 1 <= len(context["elements"]) <= 10
    for element in context["elements"]:
        assert element["type"] == "mrkdwn" and 0 < units(element["text"]) <= MAX_TEXT


def test_slack_message_has_a_header_a_section_per_alert_and_counts() -> None:
    message = sent("slack", example_content())
    check_block_kit(message)
    header, firing, resolved, context = message["blocks"]
    assert header["text"]["text"] == "[FIRING:1] political · PAK"
    assert message["text"] == "[FIRING:1] political · PAK (acme)"
    assert "*FIRING*" in firing["text"]["text"] and "*RESOLVED*" in resolved["text"]["text"]
    assert "*Severity* 82.5 · *Countries* PAK" in firing["text"]["text"]
    assert "severity 82.5 ≥ 70 · political · PAK" in firing["text"]["text"]
    assert "<http://127.0.0.1:8000/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme|" \
        in firing["text"]["text"]
    assert context["elements"][0]["text"].startswith("1 firing · 1 resolved")


def test_slack_message_keeps_within_limits_and_counts_what_it_leaves_out() -> None:
    many = [alert(n).model_copy(update={"title": "😀" * 2000, "url": "https://x.test/" + "p" * 600})
            for n in range(120)]
    note = replace(content(many), group=example_content().group.model_copy(
        update={"labels": {"country": "PAK", "story": "😀" * 400}}))
    message = sent("slack", note)
    check_block_kit(message)
    shown = len(message["blocks"]) - 2
    assert shown < 120
    assert f"{120 - shown} more not shown" in message["blocks"][-1]["elements"][0]["text"]


def test_a_slack_section_at_every_cap_is_whole() -> None:
    # Every part at its cap after escaping: the section still fits, its last link intact.
    worst = alert(1).model_copy(update={
        "title": "&" * 2000, "rule": "&" * 100, "countries": [f"A{n:02d}"[:3] for n in range(99)],
        "severity": 82.54321, "category": "supply_chain",
        "reason": alert(1).reason.model_copy(update={"summary": "&" * 1000}),
        "url": "https://x.test/?" + "&" * 136 + "pppp"})  # 700 units escaped
    base = "https://risk.example.com/" + "b" * 620  # the alert link: 700 units
    note = replace(content([], [worst]), external_url=base)
    (section,) = sent("slack", note)["blocks"][1:-1]
    text = section["text"]["text"]
    assert units(text) <= MAX_TEXT
    assert text.endswith("&amp;pppp|Source>") and f"<{base}/v1/alerts/" in text


def test_a_slack_link_too_long_once_escaped_is_left_out_not_cut() -> None:
    long = alert(1).model_copy(update={"url": "https://x.test/?" + "&" * 600})
    text = sent("slack", content([long]))["blocks"][1]["text"]["text"]
    assert "|Source>" not in text and not text.endswith("…")


def test_slack_escapes_its_control_characters_even_in_the_fallback_text() -> None:
    odd = alert(1).model_copy(update={"title": "<!channel> A&B > C"})
    note = replace(content([odd]), group=example_content().group.model_copy(
        update={"labels": {"entity": "<!here>"}}))
    message = sent("slack", note)
    assert "&lt;!channel&gt; A&amp;B &gt; C" in message["blocks"][1]["text"]["text"]
    assert message["text"] == "[FIRING:1] &lt;!here&gt; (acme)"
    assert message["blocks"][0]["text"]["text"] == "[FIRING:1] <!here>"  # plain_text: literal
    assert "<!channel>" not in json.dumps(message) and "<!here>" not in message["text"]


slack_texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                      max_size=2000) | st.sampled_from(["&" * 2000, "😀" * 2000, "<>|" * 600])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(slack_texts, st.sampled_from(["firing", "resolved"])), min_size=1,
                max_size=70), slack_texts, st.integers(0, 80))
def test_any_group_makes_a_valid_slack_message(titles: list[tuple[str, str]], label: str,
                                               max_alerts: int) -> None:
    made = [(alert(n).model_copy(update={"title": t, "url": "https://x.test/?q=" + t[:900]}), s)
            for n, (t, s) in enumerate(titles)]
    note = replace(content([a for a, s in made if s == "firing"],
                           [a for a, s in made if s == "resolved"]),
                   group=example_content().group.model_copy(update={"labels": {"x": label}}))
    message = sent("slack", note, max_alerts)
    check_block_kit(message)
    shown = len(message["blocks"]) - 2
    left_out = len(made) - shown
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert (f"· {left_out} more not shown" in footer) == (left_out > 0)


# --- truncation, every format ----------------------------------------------------------------

def truncated_count(fmt: str, payload: dict[str, Any]) -> int:
    if fmt == "brisk":
        return int(payload["truncated_alerts"])
    if fmt == "alertmanager":
        return int(payload["truncatedAlerts"])
    said = re.search(r"· (\d+) more not shown", payload["blocks"][-1]["elements"][0]["text"])
    return int(said.group(1)) if said else 0


def alert_statuses(fmt: str, payload: dict[str, Any]) -> list[str]:
    if fmt == "slack":
        return ["firing" if "*FIRING*" in b["text"]["text"] else "resolved"
                for b in payload["blocks"][1:-1]]
    return [a["status"] for a in payload["alerts"]]


@pytest.mark.parametrize(("max_alerts", "statuses", "left_out"), [
    (0, ["firing", "firing", "resolved"], 0), (3, ["firing", "firing", "resolved"], 0),
    (5, ["firing", "firing", "resolved"], 0), (2, ["firing", "firing"], 1), (1, ["firing"], 2)])
@pytest.mark.parametrize("fmt", FORMATS)
def test_max_alerts_keeps_firing_first_and_counts_the_rest(
        fmt: ReceiverFormat, max_alerts: int, statuses: list[str], left_out: int) -> None:
    payload = sent(fmt, content([alert(1), alert(2)], [gone(3)]), max_alerts)
    assert alert_statuses(fmt, payload) == statuses
    assert truncated_count(fmt, payload) == left_out


def test_truncated_groups_still_count_all_their_alerts() -> None:
    note, max_alerts = GROUPS["truncated"]
    brisk = sent("brisk", note, max_alerts)
    assert (len(brisk["alerts"]), brisk["truncated_alerts"]) == (10, 51)
    assert brisk["counts"] == {"firing": 60, "resolved": 1}
    assert sent("alertmanager", note, max_alerts)["truncatedAlerts"] == 51
    slack = sent("slack", note, max_alerts)
    assert slack["blocks"][0]["text"]["text"].startswith("[FIRING:60]")
    assert slack["blocks"][-1]["elements"][0]["text"].startswith("60 firing · 1 resolved · 51 more")


# --- bodies ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_compact_utf8_json_of_the_renderer(fmt: ReceiverFormat) -> None:
    body = render(fmt, example_content(), 0)
    assert b"\n" not in body and b'": ' not in body
    assert "≥".encode() in body
    assert json.loads(body) == RENDERERS[fmt](example_content(), 0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_equal_content_renders_to_equal_bytes(fmt: ReceiverFormat) -> None:
    # The body is rendered once, stored and sent byte for byte on every retry; whoever renders
    # the same content again (a replay, another worker) gets the same bytes, whatever order
    # the label maps were built in.
    note = example_content()
    shuffled = replace(
        note, group=note.group.model_copy(update={"labels": dict(reversed(note.group.labels.items()))}),
        firing=[a.model_copy(update={"labels": dict(reversed(a.labels.items()))}) for a in note.firing])
    assert shuffled == note
    assert render(fmt, note, 0) == render(fmt, note, 0) == render(fmt, shuffled, 0)


def test_a_body_is_never_written_with_a_nan() -> None:
    odd = alert(1).model_copy(update={"reason": alert(1).reason.model_copy(update={
        "explanations": [Explanation(category="political", feature="f", weight=float("nan"),
                                     evidence="")]})})
    with pytest.raises(ValueError):
        render("brisk", content([odd]), 0)


def test_docs_examples_are_what_the_renderers_produce() -> None:
    # Regenerate with: .venv/bin/python -m services.alerts.payloads.example
    for name, text in example_documents().items():
        assert (ROOT / "docs" / "examples" / name).read_text(encoding="utf-8") == text, name
