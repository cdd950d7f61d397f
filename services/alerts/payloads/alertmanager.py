"""Alertmanager's webhook payload, version "4" (``format: alertmanager``), so that any
Alertmanager webhook receiver takes brisk's notifications; example in
``docs/examples/webhook-alertmanager.json``.

The shape is Alertmanager's ``notify/webhook.Message``: ``template.Data`` (receiver, status,
alerts, notification_reason, groupLabels, commonLabels, commonAnnotations, routeLabels,
externalURL) then version, groupKey, truncatedAlerts — in that order, as Go encodes it
(Alertmanager v0.34). How brisk fills it:

- ``receiver`` is regexp-escaped like Alertmanager's (``regexp.QuoteMeta``): ``ops.hook`` is
  sent as ``ops\\.hook``.
- ``groupKey`` is ``{tenant}/{route id}:{group labels}``; Alertmanager's is
  ``{route key}:{group labels}``, labels written ``{a="1", b="2"}`` either way.
- ``commonLabels``/``commonAnnotations``: the pairs every alert in the payload (after
  truncation, as Alertmanager) has. ``routeLabels`` is always ``{}`` (brisk routes have none).
- an alert's ``labels`` are brisk's labels plus ``alertname`` (the rule's name) unless a label of
  that name exists: receivers and their templates expect it.
- ``annotations``: ``summary`` (the title), ``description`` (the reason's summary),
  ``brisk_alert_id``.
- ``endsAt`` is Go's zero time ``0001-01-01T00:00:00Z`` while firing, as Alertmanager sends it.
- ``generatorURL`` is the alert in the brisk API; ``fingerprint`` the alert's fingerprint.
- alerts are firing first, not sorted by labels as Alertmanager's are; label and annotation
  maps are written with sorted keys, as Go writes maps.
"""

from __future__ import annotations

import json
from typing import Any

from services.alerts.payloads.content import AlertEntry, NotificationContent, ended_at, rfc3339

VERSION = "4"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_GO_REGEXP_META = frozenset("\\.+*?()|[]{}^$")


def render_alertmanager(content: NotificationContent, max_alerts: int) -> dict[str, Any]:
    entries, truncated = content.truncate(max_alerts)
    alerts = [_alert(content, entry) for entry in entries]
    group = content.group
    return {
        "receiver": quote_meta(content.receiver),
        "status": content.status,
        "alerts": alerts,
        "notification_reason": content.reason,
        "groupLabels": _kv(group.labels),
        "commonLabels": _kv(_common([a["labels"] for a in alerts])),
        "commonAnnotations": _kv(_common([a["annotations"] for a in alerts])),
        "routeLabels": {},
        "externalURL": content.external_url,
        "version": VERSION,
        "groupKey": f"{content.tenant}/{group.target.route_id}:{label_set(group.labels)}",
        "truncatedAlerts": truncated,
    }


def _alert(content: NotificationContent, entry: AlertEntry) -> dict[str, Any]:
    alert = entry.alert
    ends = ended_at(entry.status, alert)
    return {
        "status": entry.status,
        "labels": _kv({"alertname": alert.rule, **alert.labels}),
        "annotations": _kv({
            "summary": alert.title,
            "description": alert.reason.summary,
            "brisk_alert_id": alert.id,
        }),
        "startsAt": rfc3339(alert.starts_at),
        "endsAt": rfc3339(ends) if ends else GO_ZERO_TIME,
        "generatorURL": content.alert_link(alert),
        "fingerprint": alert.fingerprint,
    }


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    """The pairs all ``maps`` share; ``{}`` for none (Alertmanager's commonLabels)."""
    if not maps:
        return {}
    common = dict(maps[0])
    for other in maps[1:]:
        common = {k: v for k, v in common.items() if other.get(k) == v}
    return common


def _kv(pairs: dict[str, str]) -> dict[str, str]:
    return dict(sorted(pairs.items()))


def label_set(labels: dict[str, str]) -> str:
    """Prometheus' ``LabelSet.String()``: sorted, values quoted: ``{a="1", b="2"}``."""
    pairs = ", ".join(f"{name}={json.dumps(labels[name], ensure_ascii=False)}"
                      for name in sorted(labels))
    return "{" + pairs + "}"


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta`` (Python's ``re.escape`` escapes more, e.g. ``-``)."""
    return "".join("\\" + ch if ch in _GO_REGEXP_META else ch for ch in text)
