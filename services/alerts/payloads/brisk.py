"""brisk's own webhook payload, version "1" (``format: brisk``); example in
``docs/examples/webhook-brisk.json``.

A receiver should ignore fields it does not know: later minor changes only add fields; a
breaking change bumps ``version``. Times are RFC 3339 in UTC (``2026-11-22T12:00:00Z``)::

    {
      "version":          "1",
      "type":             "alert.group.firing" | "alert.group.resolved",   // from status
      "id":               string,    // the notification; equals the webhook-id header, stable
                                     // across retries: drop a delivery whose id you have seen
      "tenant":           string,
      "receiver":         string,    // the receiver's name in the tenant's configuration
      "group": {
        "key":            string,    // the aggregation group; stable while the group lives
        "labels":         {string: string},   // its group_by labels and their values
        "route":          string     // the route in the tree: "0" root, "0.2" its third child
      },
      "status":           "firing" | "resolved",   // firing if any alert in the group fires
      "counts":           {"firing": int, "resolved": int},   // in the group, before truncation
      "truncated_alerts": int,       // alerts left out of "alerts" by the receiver's max_alerts
      "alerts": [                    // firing first, then resolved
        {
          "id":           string,    // stable for what the alert is about (its fingerprint)
          "status":       "firing" | "resolved",
          "rule":         string,
          "kind":         "event" | "country_index" | "spike" | "watchlist" | "exposure",
          "labels":       {string: string},   // multi-valued labels joined by ","
          "severity":     number,    // 0-100: its top event's score (see below)
          "category":     "regulatory" | "political" | "supply_chain" | "none",
          "countries":    [string],  // ISO 3166-1 alpha-3
          "entities":     [string],  // the entities it names (its "entity" label, split)
          "title":        string,    // its top event's title
          "url":          string | null,      // its top event's source story, if any
          "reason": {
            "summary":      string,
            "matched":      {string: string}, // the labels the rule matched on
            "explanations": [{"category": string, "feature": string, "weight": number,
                              "evidence": string}]   // the score's top features, at most 5
          },
          "top_events": [            // its most severe events this episode, at most 5
            {"id": string, "title": string, "severity": number,
             "scores": {"regulatory": number, "political": number, "supply_chain": number},
             "url": string | null, "published_at": string | null,
             "link": string}         // {external_url}/v1/events/{id}
          ],
          "starts_at":    string,
          "ends_at":      string | null,      // null while firing
          "episode":      int,       // 1, then +1 each time it fires again after resolving
          "event_ids":    [string],  // most recent last, at most 50
          "links": {
            "alert":      string,    // {external_url}/v1/alerts/{id}?tenant={tenant}
            "events":     [string]   // {external_url}/v1/events/{event_id}, as event_ids
          }
        }
      ],
      "created_at":       string     // when the notification was made (not when it was sent)
    }

An alert's *top event* is its highest-severity event this episode: ``severity``, ``title``,
``url`` and ``reason`` (with the explanations of that event's score) are that event's.
``top_events`` are its five most severe events with their scores; the others are only ids:
follow ``links.events``.
``country_index`` and ``spike`` alerts come from a country's index, not from events: their
``severity`` is the index value and ``event_ids`` is empty. Label maps are written with sorted
keys, so equal content gives equal bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.alerts.payloads.content import AlertEntry, NotificationContent, ended_at, rfc3339

VERSION = "1"


def render_brisk(content: NotificationContent, max_alerts: int) -> dict[str, Any]:
    alerts, truncated = content.truncate(max_alerts)
    group = content.group
    return {
        "version": VERSION,
        "type": f"alert.group.{content.status}",
        "id": content.id,
        "tenant": content.tenant,
        "receiver": content.receiver,
        "group": {"key": group.id, "labels": _sorted(group.labels),
                  "route": group.target.route_id},
        "status": content.status,
        "counts": {"firing": len(content.firing), "resolved": len(content.resolved)},
        "truncated_alerts": truncated,
        "alerts": [_alert(content, entry) for entry in alerts],
        "created_at": rfc3339(content.created_at),
    }


def _alert(content: NotificationContent, entry: AlertEntry) -> dict[str, Any]:
    alert = entry.alert
    ends = ended_at(entry.status, alert)
    return {
        "id": alert.id,
        "status": entry.status,
        "rule": alert.rule,
        "kind": alert.kind,
        "labels": _sorted(alert.labels),
        "severity": alert.severity,
        "category": alert.category,
        "countries": list(alert.countries),
        "entities": entities(alert.labels),
        "title": alert.title,
        "url": alert.url,
        "reason": {
            "summary": alert.reason.summary,
            "matched": _sorted(alert.reason.matched),
            "explanations": [e.model_dump(mode="json") for e in alert.reason.explanations],
        },
        "top_events": [{**e.model_dump(mode="json"), "link": content.event_link(e.id)}
                       for e in alert.reason.events],
        "starts_at": rfc3339(alert.starts_at),
        "ends_at": rfc3339(ends) if ends else None,
        "episode": alert.episode,
        "event_ids": list(alert.event_ids),
        "links": {
            "alert": content.alert_link(alert),
            "events": [content.event_link(event_id) for event_id in alert.event_ids],
        },
    }


def entities(labels: Mapping[str, str]) -> list[str]:
    """The ``entity`` label's values: a multi-valued label is its values joined by ``,`` (commas
    in a value were made spaces when it was joined), so splitting gives the names back."""
    return [name for name in labels.get("entity", "").split(",") if name]


def _sorted(pairs: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(pairs.items()))
