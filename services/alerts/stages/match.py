"""Match: a tenant's event rules (kinds ``event``, ``watchlist``, ``exposure``) over one event.

Each alert's fingerprint is (tenant, rule, subject, story), the story being the event's cluster
(or the event itself when unclustered): every event of one story updates one alert, two stories
make two. The subject is the watched entity or the asset (none for ``event`` rules), so one story
naming two watched entities makes two alerts. The index rules are in ``index_match.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from services.alerts.stages.exposure import exposure
from services.alerts.stages.index_match import (
    Clear,
    Fire,
    IndexDecision,
    IndexSample,
    append_sample,
    history_window,
    index_value,
    match_country,
)
from services.alerts.stages.labels import alert_labels, event_labels, join_values, reason_labels
from services.alerts.stages.mentions import first_named
from shared.alerting.config import AssetConfig, RuleConfig, TenantConfig, WatchEntry
from shared.alerting.matchers import all_match
from shared.ids import fingerprint
from shared.schemas.alert import Alert, AlertReason, EventScore
from shared.schemas.scored_event import ScoredEvent

__all__ = [
    "Clear", "Fire", "IndexDecision", "IndexSample", "append_sample", "history_window",
    "index_value", "match_country", "match_event",
]

EXPLANATIONS = 3  # the top explanations by weight an alert carries as its reason
SUMMARY_LIMIT = 1000  # AlertReason.summary's limit


def match_event(tenant: str, config: TenantConfig, event: ScoredEvent, now: datetime) -> list[Alert]:
    """The alerts the tenant's event, watchlist and exposure rules fire for ``event``, firing
    from ``now`` and resolving ``rule.resolve_after`` later unless seen again."""
    base = event_labels(event)
    alerts: list[Alert] = []
    for rule in config.rules:
        if not _eligible(rule, event):
            continue
        for subject, extra, summary in _subjects(rule, config, event):
            labels = alert_labels(tenant, rule, base, extra)
            if all_match(rule.matchers, labels):
                alerts.append(_alert(tenant, rule, event, labels, subject, summary, now))
    return alerts


_KEYS: dict[str, tuple[str, ...]] = {
    "event": ("category", "country", "severity_level"),
    "watchlist": ("entity",),
    "exposure": ("asset",),
}


def _eligible(rule: RuleConfig, event: ScoredEvent) -> bool:
    """Severity and category filters. Only ``event`` rules need a category: watchlist and
    exposure rules name their subject, so an unscored mention of it still counts."""
    if rule.kind not in _KEYS or event.severity < rule.min_severity:
        return False
    if rule.kind == "event" and event.category == "none":
        return False
    return not rule.categories or event.category in rule.categories


def _subjects(rule: RuleConfig, config: TenantConfig,
              event: ScoredEvent) -> Iterator[tuple[tuple[str, ...], dict[str, str], str]]:
    """(fingerprint subject, subject labels, reason summary) for each thing the rule fires on."""
    if rule.kind == "event":
        parts = [f"severity {event.severity:g} ≥ {rule.min_severity:g}", event.category]
        if event.countries:
            parts.append(",".join(sorted(event.countries)))
        yield (), {}, " · ".join(parts)
    elif rule.kind == "watchlist":
        texts = [event.title, event.summary, *(e.name for e in event.entities)]
        for entry in _watched(rule, config):
            named = first_named(texts, [entry.name, *entry.aliases])
            if named is not None:
                said = "" if named == entry.name else f" (as {named})"
                yield (entry.name,), {"entity": join_values([entry.name])}, f"mentions {entry.name}{said}"
    else:
        for asset in _assets(rule, config):
            why = exposure(event, asset)
            if why is not None:
                yield (asset.name,), {"asset": join_values([asset.name])}, why


def _watched(rule: RuleConfig, config: TenantConfig) -> list[WatchEntry]:
    """The rule's entities (with the aliases of the same name in the watchlist), else the
    tenant's whole watchlist."""
    if not rule.entities:
        return list(config.watchlist)
    known = {entry.name.casefold(): entry for entry in config.watchlist}
    return [known.get(name.casefold(), WatchEntry(name=name)) for name in rule.entities]


def _assets(rule: RuleConfig, config: TenantConfig) -> list[AssetConfig]:
    if not rule.assets:
        return list(config.assets)
    wanted = set(rule.assets)
    return [asset for asset in config.assets if asset.name in wanted]


def _alert(tenant: str, rule: RuleConfig, event: ScoredEvent, labels: dict[str, str],
           subject: tuple[str, ...], summary: str, now: datetime) -> Alert:
    print_ = fingerprint(tenant, rule.name, *subject, event.cluster_id or event.id)
    top = sorted(event.explanations, key=lambda e: e.weight, reverse=True)[:EXPLANATIONS]
    return Alert(
        tenant=tenant, id=print_, fingerprint=print_, rule=rule.name, kind=rule.kind,
        status="firing", labels=labels, severity=event.severity, category=event.category,
        countries=sorted(event.countries), title=event.title, url=event.url,
        reason=AlertReason(summary=summary[:SUMMARY_LIMIT],
                           matched=reason_labels(rule, labels, _KEYS[rule.kind]),
                           explanations=top,
                           events=[EventScore(id=event.id, title=event.title,
                                              severity=event.severity, scores=event.scores,
                                              url=event.url, published_at=event.published_at)]),
        event_ids=[event.id], starts_at=now, updated_at=now, resolve_at=now + rule.resolve_after,
    )
