"""The labels an event gives its alerts; rule matchers, routes, silences and groups read them.

Labels with an empty value are left out: a matcher sees a missing label as ``""`` anyway (as in
Alertmanager), and grouping by a label the alert lacks then puts it in the same group as others
that lack it.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.alerting.config import RuleConfig
from shared.schemas.scored_event import ScoredEvent

# The scorer's severity_levels (services/scorer/data/lexicon.json), as floors from the top. A
# test keeps them in step; they are copied because services do not import one another. Below
# the lowest floor an event has no category in the scorer, hence "none".
SEVERITY_LEVELS: tuple[tuple[str, float], ...] = (("high", 75.0), ("medium", 50.0), ("low", 30.0))


def severity_level(severity: float, category: str) -> str:
    """``high`` (≥ 75), ``medium`` (≥ 50), ``low`` (≥ 30) or ``none`` (below, or no category)."""
    if category == "none":
        return "none"
    return next((name for name, floor in SEVERITY_LEVELS if severity >= floor), "none")


LABEL_VALUE_LIMIT = 1000  # Alert.labels' value limit


def join_values(values: list[str]) -> str:
    """A multi-valued label: sorted, distinct, commas in a value turned into spaces. Whole values
    past ``LABEL_VALUE_LIMIT`` characters are left out rather than cut (a cut name matches
    nothing)."""
    cleaned = sorted({" ".join(v.replace(",", " ").split()) for v in values} - {""})
    kept: list[str] = []
    length = -1
    for value in cleaned:
        if length + 1 + len(value) > LABEL_VALUE_LIMIT:
            continue
        kept.append(value)
        length += 1 + len(value)
    return ",".join(kept)


def event_labels(event: ScoredEvent) -> dict[str, str]:
    """category, country (ISO3s), severity_level, source, entity (entity names)."""
    labels = {
        "category": event.category,
        "country": join_values(list(event.countries)),
        "severity_level": severity_level(event.severity, event.category),
        "source": event.source,
        "entity": join_values([e.name for e in event.entities]),
    }
    return {name: value for name, value in labels.items() if value}


def alert_labels(tenant: str, rule: RuleConfig, base: Mapping[str, str],
                 subject: Mapping[str, str]) -> dict[str, str]:
    """``base`` + the rule's own labels + tenant/rule/kind + the subject's label. The service's
    labels come last so a rule's ``labels`` cannot pass it off as another tenant, rule or kind.
    Empty values are left out, as in ``event_labels``."""
    labels = {**base, **rule.labels, "tenant": tenant, "rule": rule.name, "kind": rule.kind,
              **subject}
    return {name: value for name, value in labels.items() if value}


def reason_labels(rule: RuleConfig, labels: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """The labels that made the alert: the kind's key labels and those the rule's matchers read."""
    names = [*keys, *(m.name for m in rule.matchers)]
    return {name: labels[name] for name in dict.fromkeys(names) if name in labels}
