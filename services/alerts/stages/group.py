"""Group: the aggregation group an alert joins on each route it takes (Alertmanager's
dispatch.go). A group is one route target and one set of values of its ``group_by`` labels; its
alerts are notified together. A new group first flushes ``group_wait`` after it opens, then
every ``group_interval`` (the runtime keeps that timer in ``AlertGroup.next_flush_at``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from services.alerts.stages.route import GROUP_BY_ALL
from shared.alerting.state import AlertGroup, RouteTarget
from shared.ids import fingerprint


def group_labels(target: RouteTarget, labels: Mapping[str, str]) -> dict[str, str]:
    """The alert's values of the target's group_by labels; a label it lacks is left out (as in
    Alertmanager, so it groups with the others that lack it). ``['...']``: all its labels."""
    if GROUP_BY_ALL in target.group_by:
        return dict(labels)
    return {name: labels[name] for name in target.group_by if name in labels}


def group_id(tenant: str, target: RouteTarget, group_labels: Mapping[str, str]) -> str:
    """Stable across restarts: tenant, route id, receiver and group labels. The receiver is in
    it so a route given another receiver starts afresh rather than inherit the old one's
    notification log; the timers are not, so retuning them keeps the groups."""
    key = json.dumps(sorted(group_labels.items()), ensure_ascii=False, separators=(",", ":"))
    return fingerprint(tenant, target.route_id, target.receiver, key)


def open_group(tenant: str, target: RouteTarget, group_labels: Mapping[str, str],
               now: datetime) -> AlertGroup:
    """A new group, first flushed ``group_wait`` from ``now`` (so alerts arriving together go
    out together)."""
    return AlertGroup(id=group_id(tenant, target, group_labels), tenant=tenant, target=target,
                      labels=dict(group_labels), created_at=now,
                      next_flush_at=now + target.group_wait)
