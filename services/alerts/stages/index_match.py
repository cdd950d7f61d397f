"""Match for country rules (kinds ``country_index`` and ``spike``) over one CountryRisk.

Unlike event rules these hold a condition, so each yields a decision per country: ``Fire`` (the
condition holds: fire or refresh the alert) or ``Clear`` (it does not: resolve the alert now, if
it fires). Level and spike alerts have no ``resolve_at``: an index is republished only when it
changes materially, so silence means "unchanged", not "over"; they end by ``Clear``. A rise is
an event in time, so its alert resolves ``resolve_after`` after the last rise seen, and a rise
no longer seen is no decision at all.

Rises need the index's recent history per (country, category), which the runtime keeps with
``append_sample`` (samples at ``risk.updated_at``, valued ``index_value(risk, category)``) for
``history_window(config)``. The window ends at ``risk.updated_at``, the index's own clock, so a
replay decides as the live run did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.alerts.stages.labels import alert_labels, reason_labels, severity_level
from shared.alerting.config import IndexCategory, RuleConfig, TenantConfig
from shared.alerting.durations import format_duration
from shared.alerting.matchers import all_match
from shared.ids import fingerprint
from shared.schemas.alert import Alert, AlertReason
from shared.schemas.country_risk import CountryRisk
from shared.schemas.scored_event import RiskCategory


@dataclass(frozen=True)
class IndexSample:
    """One value of one country's index in one category, at the index's ``updated_at``."""

    at: datetime
    value: float


@dataclass(frozen=True)
class Fire:
    """The rule's condition holds: fire the alert, or refresh it if it fires already."""

    alert: Alert


@dataclass(frozen=True)
class Clear:
    """The rule's condition does not hold: resolve alert ``alert_id`` if it fires. ``why``: a
    one-line reason for its history (``overall index 55 < 60``)."""

    alert_id: str
    rule: str
    why: str


IndexDecision = Fire | Clear


def index_value(risk: CountryRisk, category: IndexCategory) -> float:
    return risk.overall if category == "overall" else float(getattr(risk.index, category))


def append_sample(samples: Sequence[IndexSample], sample: IndexSample,
                  keep: timedelta) -> list[IndexSample]:
    """``samples`` with ``sample`` in time order, less those older than ``keep`` before the
    newest. A sample at the same instant as a kept one replaces it (a redelivered message)."""
    merged = sorted([s for s in samples if s.at != sample.at] + [sample], key=lambda s: s.at)
    newest = merged[-1].at
    return [s for s in merged if s.at >= newest - keep]


def history_window(config: TenantConfig) -> timedelta:
    """How much index history the tenant's rise rules need: their longest ``within``."""
    return max((r.within for r in config.rules if r.within is not None), default=timedelta(0))


def match_country(tenant: str, config: TenantConfig, risk: CountryRisk,
                  recent: Mapping[str, Sequence[IndexSample]],
                  now: datetime) -> list[IndexDecision]:
    """One decision per country rule whose matchers hold for this country; none for a rule
    that has nothing to say (a rise rule without a rise). ``recent``: the country's samples by
    category (``overall`` or a RiskCategory; those of the current ``risk`` may be included or
    not; a category missing: no history)."""
    decisions: list[IndexDecision] = []
    for rule in config.rules:
        if rule.kind not in ("country_index", "spike"):
            continue
        value = index_value(risk, rule.category)
        labels = alert_labels(tenant, rule, {
            "country": risk.country, "category": rule.category,
            "severity_level": severity_level(value, rule.category),
        }, {})
        if not all_match(rule.matchers, labels):
            continue
        print_ = fingerprint(tenant, rule.name, risk.country, rule.category)
        holds = _condition(rule, risk, value, recent.get(rule.category, ()))
        if isinstance(holds, _Fails):
            decisions.append(Clear(alert_id=print_, rule=rule.name, why=holds.why))
        elif holds is not None:
            decisions.append(Fire(_alert(tenant, rule, risk, value, labels, print_, holds, now)))
    return decisions


@dataclass(frozen=True)
class _Holds:
    title: str
    summary: str
    resolves: bool  # on its own, resolve_after after now (rises); else only by Clear


@dataclass(frozen=True)
class _Fails:
    why: str


def _condition(rule: RuleConfig, risk: CountryRisk, value: float,
               samples: Sequence[IndexSample]) -> _Holds | _Fails | None:
    """Whether the rule's condition holds (fire), does not (clear), or None: no decision.
    With both ``above`` and ``rise``, a rise fires only above the level, and below it clears."""
    name = f"{risk.country} {rule.category.replace('_', ' ')} risk"
    if rule.kind == "spike":
        if not risk.spike:
            return _Fails("no spike")
        return _Holds(f"{name}: spike", f"spike · {rule.category} index {value:g}", False)
    if rule.above is not None and value < rule.above:
        return _Fails(f"{rule.category} index {value:g} < {rule.above:g}")
    if rule.rise is None or rule.within is None:
        assert rule.above is not None  # the config requires above or rise
        return _Holds(f"{name} index {value:g} ≥ {rule.above:g}",
                      f"{rule.category} index {value:g} ≥ {rule.above:g}", False)
    start = risk.updated_at - rule.within
    window = [s.value for s in samples if start <= s.at <= risk.updated_at]
    delta = round(value - min([*window, value]), 2)
    if delta < rule.rise:
        return None
    within = format_duration(rule.within)
    return _Holds(f"{name} index up {delta:g} to {value:g} within {within}",
                  f"{rule.category} index +{delta:g} ≥ +{rule.rise:g} within {within}", True)


def _alert(tenant: str, rule: RuleConfig, risk: CountryRisk, value: float, labels: dict[str, str],
           print_: str, holds: _Holds, now: datetime) -> Alert:
    category: RiskCategory = (risk.index.dominant()[0] if rule.category == "overall"
                              else rule.category)
    return Alert(
        tenant=tenant, id=print_, fingerprint=print_, rule=rule.name, kind=rule.kind,
        status="firing", labels=labels, severity=max(0.0, min(100.0, value)), category=category,
        countries=[risk.country], title=holds.title,
        reason=AlertReason(summary=holds.summary,
                           matched=reason_labels(rule, labels, ("country", "category"))),
        starts_at=now, updated_at=now, resolve_at=now + rule.resolve_after if holds.resolves else None,
    )
