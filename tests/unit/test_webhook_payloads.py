from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook

from services.alerts.notifiers.base import Notification
from services.alerts.notifiers.webhook import WebhookNotifier
from services.alerts.payloads.alertmanager import GO_ZERO_TIME, render_alertmanager
from services.alerts.payloads.brisk import render_brisk
from services.alerts.payloads.content import NotificationContent
from services.alerts.payloads.example import CREATED, example_content, example_documents
from services.alerts.payloads.render import RENDERERS, render
from services.alerts.payloads.slack import MAX_BLOCKS, MAX_HEADER, MAX_TEXT, render_slack
from services.alerts.retry import RetryPolicy, deliver
from services.alerts.signer import decode_secret
from shared.alerting.config import ReceiverFormat
from shared.clock import utc_now
from shared.schemas import Alert

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
ROOT = Path(__file__).resolve().parents[2]
FORMATS: list[ReceiverFormat] = ["alertmanager", "brisk", "slack"]


def alert(n: int, **labels: str) -> Alert:
    """The example's firing alert under another id, with some labels changed."""
    base = example_content().firing[0]
    ident = f"{n:032x}"
    return base.model_copy(update={"id": ident, "fingerprint": ident, "title": f"Alert {n}",
                                   "labels": {**base.labels, **labels}})


def content(firing: list[Alert], resolved: list[Alert] | None = None) -> NotificationContent:
    return replace(example_content(), firing=firing, resolved=resolved or [])


# --- brisk -----------------------------------------------------------------------------------

def test_brisk_payload_is_versioned_and_carries_the_group() -> None:
    payload = render_brisk(example_content(), 0)
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


def test_brisk_alerts_have_every_field_and_links_to_the_api() -> None:
    firing, resolved = render_brisk(example_content(), 0)["alerts"]
    assert set(firing) == {"id", "status", "rule", "kind", "labels", "severity", "category",
                           "countries", "title", "url", "reason", "starts_at", "ends_at",
                           "episode", "event_ids", "links"}
    assert set(firing["reason"]) == {"summary", "matched", "explanations"}
    assert set(firing["reason"]["explanations"][0]) == {"category", "feature", "weight", "evidence"}
    assert firing["ends_at"] is None
    assert resolved["ends_at"] == "2026-11-22T11:55:30Z"
    assert firing["links"]["alert"] == (
        "http://127.0.0.1:8000/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme")
    assert firing["links"]["events"] == [
        f"http://127.0.0.1:8000/v1/events/{eid}" for eid in firing["event_ids"]]


def test_brisk_links_tolerate_a_trailing_slash_and_quote_the_tenant() -> None:
    note = replace(example_content(), external_url="https://risk.example.com/", tenant="a b&c")
    links = render_brisk(note, 0)["alerts"][0]["links"]
    assert links["alert"].startswith("https://risk.example.com/v1/alerts/")
    assert links["alert"].endswith("?tenant=a+b%26c")


def test_a_group_with_only_resolved_alerts_is_resolved() -> None:
    note = replace(example_content(), firing=[])
    assert note.status == "resolved"
    assert render_brisk(note, 0)["type"] == "alert.group.resolved"
    assert render_alertmanager(note, 0)["status"] == "resolved"
    assert render_slack(note, 0)["blocks"][0]["text"]["text"].startswith("[RESOLVED]")


# --- Alertmanager ----------------------------------------------------------------------------

AM_FIELDS: dict[str, type] = {
    "receiver": str, "status": str, "alerts": list, "notification_reason": str,
    "groupLabels": dict, "commonLabels": dict, "commonAnnotations": dict, "routeLabels": dict,
    "externalURL": str, "version": str, "groupKey": str, "truncatedAlerts": int,
}
AM_ALERT_FIELDS: dict[str, type] = {
    "status": str, "labels": dict, "annotations": dict, "startsAt": str, "endsAt": str,
    "generatorURL": str, "fingerprint": str,
}


def test_alertmanager_payload_has_every_v4_field_with_its_type() -> None:
    payload = render_alertmanager(example_content(), 0)
    assert list(payload) == list(AM_FIELDS)  # Go's field order
    for name, kind in AM_FIELDS.items():
        assert isinstance(payload[name], kind), name
    for item in payload["alerts"]:
        assert list(item) == list(AM_ALERT_FIELDS)
        for name, kind in AM_ALERT_FIELDS.items():
            assert isinstance(item[name], kind), name
        assert all(isinstance(v, str) for v in [*item["labels"].values(),
                                                 *item["annotations"].values()])
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert payload["groupLabels"] == {"category": "political", "country": "PAK"}
    assert payload["groupKey"] == 'acme/0.1:{category="political", country="PAK"}'
    assert payload["externalURL"] == "http://127.0.0.1:8000"
    assert payload["notification_reason"] == "new alerts added"


def test_alertmanager_alerts_say_what_and_why() -> None:
    firing, resolved = render_alertmanager(example_content(), 0)["alerts"]
    assert firing["labels"]["alertname"] == "pak-political"
    assert firing["annotations"] == {
        "summary": "Militants attack convoy near Gwadar port; CPEC works suspended",
        "description": "severity 82.5 ≥ 70 · political · PAK",
        "brisk_alert_id": "4c55437438cd45f5f59d2625ad3670ae"}
    assert firing["generatorURL"].endswith("/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme")
    assert firing["fingerprint"] == "4c55437438cd45f5f59d2625ad3670ae"
    assert firing["startsAt"] == "2026-11-22T11:54:30Z"
    assert firing["endsAt"] == GO_ZERO_TIME == "0001-01-01T00:00:00Z"
    assert resolved["status"] == "resolved"
    assert resolved["endsAt"] == "2026-11-22T11:55:30Z"


def test_a_resolved_alert_without_ends_at_ends_when_last_seen() -> None:
    gone = example_content().resolved[0].model_copy(update={"ends_at": None})
    (item,) = render_alertmanager(content([], [gone]), 0)["alerts"]
    assert item["endsAt"] == "2026-11-22T10:55:30Z"


def test_common_labels_are_the_pairs_every_alert_shares() -> None:
    a, b = alert(1, entity="Gwadar Port", source="rss"), alert(2, entity="Karachi", source="rss")
    payload = render_alertmanager(content([a, b]), 0)
    assert payload["commonLabels"]["source"] == "rss"
    assert "entity" not in payload["commonLabels"]
    assert "summary" not in payload["commonAnnotations"]  # titles differ
    assert payload["commonAnnotations"] == {
        "description": "severity 82.5 ≥ 70 · political · PAK"}


def test_common_labels_are_over_the_alerts_sent_after_truncation() -> None:
    a, b = alert(1, entity="Gwadar Port"), alert(2, entity="Karachi")
    payload = render_alertmanager(content([a, b]), 1)
    assert payload["commonLabels"]["entity"] == "Gwadar Port"
    assert payload["commonAnnotations"]["summary"] == "Alert 1"


def test_the_receiver_name_is_regexp_escaped_like_alertmanager() -> None:
    note = replace(example_content(), receiver="ops.hook-1")
    assert render_alertmanager(note, 0)["receiver"] == "ops\\.hook-1"


# --- Slack -----------------------------------------------------------------------------------

def check_block_kit(message: dict[str, Any]) -> None:
    """The shape and the limits Slack enforces on a Block Kit message."""
    assert isinstance(message["text"], str) and 0 < len(message["text"]) <= MAX_TEXT
    blocks = message["blocks"]
    assert 2 <= len(blocks) <= MAX_BLOCKS
    header, *sections, context = blocks
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert 0 < len(header["text"]["text"]) <= MAX_HEADER
    for section in sections:
        assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
        assert 0 < len(section["text"]["text"]) <= MAX_TEXT
    assert context["type"] == "context" and 1 <= len(context["elements"]) <= 10
    for element in context["elements"]:
        assert element["type"] == "mrkdwn" and 0 < len(element["text"]) <= MAX_TEXT


def test_slack_message_has_a_header_a_section_per_alert_and_counts() -> None:
    message = render_slack(example_content(), 0)
    check_block_kit(message)
    header, firing, resolved, context = message["blocks"]
    assert header["text"]["text"] == "[FIRING:1] political · PAK"
    assert "*FIRING*" in firing["text"]["text"] and "*RESOLVED*" in resolved["text"]["text"]
    assert "*Severity* 82.5" in firing["text"]["text"]
    assert "*Countries* PAK" in firing["text"]["text"]
    assert "severity 82.5 ≥ 70 · political · PAK" in firing["text"]["text"]
    assert "<http://127.0.0.1:8000/v1/alerts/4c55437438cd45f5f59d2625ad3670ae?tenant=acme|" \
        in firing["text"]["text"]
    assert context["elements"][0]["text"].startswith("1 firing · 1 resolved")


def test_slack_message_keeps_within_limits_and_counts_what_it_leaves_out() -> None:
    many = [alert(n).model_copy(update={"title": "T" * 2000, "url": "https://x.test/" + "p" * 900})
            for n in range(120)]
    note = replace(content(many), group=example_content().group.model_copy(
        update={"labels": {"country": "PAK", "story": "S" * 400}}))
    message = render_slack(note, 0)
    check_block_kit(message)
    shown = len(message["blocks"]) - 2
    assert shown < 120
    assert f"{120 - shown} more not shown" in message["blocks"][-1]["elements"][0]["text"]
    assert sum(len(b["text"]["text"]) for b in message["blocks"][1:-1]) <= 10_000


def test_slack_text_escapes_its_control_characters() -> None:
    odd = alert(1).model_copy(update={"title": "<!channel> A&B > C"})
    text = render_slack(content([odd]), 0)["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; A&amp;B &gt; C" in text
    assert "<!channel>" not in text


# --- truncation, every format ----------------------------------------------------------------

def truncated_count(name: str, payload: dict[str, Any]) -> int:
    if name == "brisk":
        return int(payload["truncated_alerts"])
    if name == "alertmanager":
        return int(payload["truncatedAlerts"])
    return int(payload["blocks"][-1]["elements"][0]["text"].split(" more not shown")[0]
               .rsplit("· ", 1)[-1])


def alert_statuses(name: str, payload: dict[str, Any]) -> list[str]:
    if name == "slack":
        return ["firing" if "*FIRING*" in b["text"]["text"] else "resolved"
                for b in payload["blocks"][1:-1]]
    return [a["status"] for a in payload["alerts"]]


@pytest.mark.parametrize("name", FORMATS)
def test_max_alerts_keeps_firing_first_and_counts_the_rest(name: ReceiverFormat) -> None:
    gone = example_content().resolved[0]
    payload = RENDERERS[name](content([alert(1), alert(2)], [gone]), 2)
    assert alert_statuses(name, payload) == ["firing", "firing"]
    assert truncated_count(name, payload) == 1


@pytest.mark.parametrize(("max_alerts", "kept", "truncated"), [(0, 3, 0), (3, 3, 0), (5, 3, 0),
                                                                (1, 1, 2)])
def test_truncate_is_alertmanagers_max_alerts(max_alerts: int, kept: int, truncated: int) -> None:
    entries, left_out = content([alert(1), alert(2)], [alert(3)]).truncate(max_alerts)
    assert (len(entries), left_out) == (kept, truncated)
    assert entries[0].status == "firing"


# --- bodies and examples ---------------------------------------------------------------------

@pytest.mark.parametrize("name", FORMATS)
def test_render_is_compact_utf8_json_of_the_renderer(name: ReceiverFormat) -> None:
    body = render(name, example_content(), 0)
    assert b"\n" not in body and b'": ' not in body
    assert "≥".encode() in body
    assert json.loads(body) == RENDERERS[name](example_content(), 0)


def test_docs_examples_are_what_the_renderers_produce() -> None:
    # Regenerate with: .venv/bin/python -m services.alerts.payloads.example
    for name, text in example_documents().items():
        assert (ROOT / "docs" / "examples" / name).read_text(encoding="utf-8") == text, name


# --- delivery, end to end --------------------------------------------------------------------

def notification(url: str, fmt: ReceiverFormat = "brisk") -> Notification:
    note = example_content()
    return Notification(id=note.id, receiver=note.receiver, url=url, key=decode_secret(SECRET),
                        body=render(fmt, note, 0))


async def no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_receiver_verifies_the_notification_with_standard_webhooks(
        httpserver: HTTPServer, fmt: ReceiverFormat) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=True).notify(
            notification(httpserver.url_for("/hook"), fmt))
    assert (delivery.ok, delivery.status_code) == (True, 200)
    ((request, _),) = httpserver.log
    payload = Webhook(SECRET).verify(request.get_data(), dict(request.headers))
    assert payload == json.loads(render(fmt, example_content(), 0))
    assert request.headers["webhook-id"] == "ntf_51bea5c0f2b548ba888b958c9f221112"
    assert request.headers["content-type"] == "application/json"


async def test_a_retry_carries_the_same_webhook_id_and_is_signed_again(
        httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/hook").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    times = iter([CREATED, CREATED + timedelta(seconds=7)])
    async with httpx.AsyncClient() as client:
        notifier = WebhookNotifier(client, lambda: next(times), allow_private=True)
        delivery, attempts = await deliver(notifier, notification(httpserver.url_for("/hook")),
                                           RetryPolicy(3, 0.01, 0.01), no_sleep, lambda: 0.5)
    assert (delivery.ok, attempts) == (True, 2)
    first, second = (request.headers for request, _ in httpserver.log)
    assert first["webhook-id"] == second["webhook-id"] == "ntf_51bea5c0f2b548ba888b958c9f221112"
    assert int(second["webhook-timestamp"]) - int(first["webhook-timestamp"]) == 7
    assert first["webhook-signature"] != second["webhook-signature"]
