"""Inhibit: while a source alert fires, the target alerts it relates to are muted (Alertmanager's
inhibit/inhibit.go). Rule ``n`` inhibits target T when a firing source S matches its
source_matchers, T matches its target_matchers, and S and T agree on every ``equal`` label (a
label both lack counts as equal, as in Alertmanager). A multi-valued label (``country``) agrees
when the two share a value: an index alert about SYR inhibits an event about RUS and SYR.

Never by itself, and — as in Alertmanager — not by a source that would be a target of the same
rule itself when T is also a source: otherwise two alerts matching both sides would mute each
other and neither would be heard.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.alerting.config import InhibitRuleConfig
from shared.alerting.matchers import MULTI_VALUED, all_match, label_values
from shared.schemas.alert import Alert


def inhibited(targets: Sequence[Alert], sources: Sequence[Alert],
              rules: Sequence[InhibitRuleConfig]) -> dict[str, int]:
    """Alert id → index of the first rule that inhibits it, for the ``targets`` inhibited."""
    firing = [s for s in sources if s.status == "firing"]
    by_rule = [[s for s in firing if all_match(rule.source_matchers, s.labels)] for rule in rules]
    muted: dict[str, int] = {}
    for target in targets:
        for index, rule in enumerate(rules):
            if _inhibits(rule, by_rule[index], target):
                muted[target.id] = index
                break
    return muted


def _inhibits(rule: InhibitRuleConfig, sources: list[Alert], target: Alert) -> bool:
    if not sources or not all_match(rule.target_matchers, target.labels):
        return False
    two_sided = all_match(rule.source_matchers, target.labels)
    for source in sources:
        if source.id == target.id:
            continue
        if not all(_agree(source.labels, target.labels, n) for n in rule.equal):
            continue
        if two_sided and all_match(rule.target_matchers, source.labels):
            continue
        return True
    return False


def _agree(source: dict[str, str], target: dict[str, str], name: str) -> bool:
    if name in MULTI_VALUED and source.get(name) and target.get(name):
        return bool(set(label_values(source, name)) & set(label_values(target, name)))
    return source.get(name, "") == target.get(name, "")
