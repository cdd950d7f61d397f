"""Flush: what one due group's flush does — the flush-time stages in order: mute (inhibit and
silence, computed by the runtime with ``inhibit.py`` and ``silence.py`` into ``muted``) → ack →
dedup (``dedup.py``) → the notification to send, the log entry to keep, the alerts that leave.

Which alerts a notification carries:
- firing: every un-muted firing alert of the group, acked ones too (an ack mutes repeats, it does
  not hide the alert from a notification sent for another reason) — except in a repeat, sent
  only because repeat_interval has passed: that carries the un-acked firing alerts alone, so an
  acked alert is never repeated (the log still lists it as firing, so it does not count as new);
- resolved (with ``send_resolved``): the un-muted resolved alerts the receiver was last told were
  firing. One it never heard of firing is never mentioned — it fired and resolved unseen, inside
  group_wait or between two flushes — where Alertmanager would list it as resolved.

Which alerts leave the group (``drop``), once the flush is done: resolved alerts that were
notified as resolved, or were never notified firing, or that the receiver will not hear resolved
(muted, or ``send_resolved`` off). A muted firing alert stays, neither notified nor dropped; once
un-muted it counts as new unless the last notification listed it as firing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.alerts.stages.dedup import needs_update
from shared.alerting.state import AlertGroup, Notified
from shared.schemas.alert import Alert


@dataclass(frozen=True)
class FlushPlan:
    """``notify``: send ``firing`` + ``resolved`` to the group's receiver now (``notified``
    may list more as firing: the acked alerts a repeat leaves out).
    ``notified``: the notification log entry to store — once the notification is sent when
    ``notify``; when not, straight away (only in the all-resolved case with ``send_resolved``
    off: nothing is sent, but the log must forget what fired, as in Alertmanager); None: keep
    the group's entry. ``next_flush_at``: now + group_interval. ``drop``: alert ids to remove
    from the group after the flush. ``empty``: no alert left after ``drop``; delete the group."""

    notify: bool
    firing: list[Alert]
    resolved: list[Alert]
    notified: Notified | None
    next_flush_at: datetime
    drop: list[str]
    empty: bool


def plan_flush(group: AlertGroup, alerts: Sequence[Alert], muted: Mapping[str, str],
               acked: frozenset[str], send_resolved: bool, now: datetime) -> FlushPlan:
    """``alerts``: the group's members. ``muted``: alert id → ``silence:<id>`` | ``inhibit:<n>``.
    ``acked``: ids of the members with a live ack."""
    told = group.notified.firing if group.notified is not None else frozenset()
    firing = _ordered(a for a in alerts if a.status == "firing" and a.id not in muted)
    resolved = _ordered(a for a in alerts
                        if a.status == "resolved" and a.id not in muted and a.id in told)
    firing_ids, resolved_ids = _ids(firing), _ids(resolved)
    update = needs_update(group.notified, firing_ids, resolved_ids, acked,
                          group.target.repeat_interval, now, send_resolved)
    sent_resolved = resolved if send_resolved else []
    notify = update and bool(firing or sent_resolved)
    repeat_only = update and not needs_update(group.notified, firing_ids, resolved_ids, acked,
                                              timedelta.max, now, send_resolved)
    sent_firing = [a for a in firing if a.id not in acked] if repeat_only else firing
    entry = Notified(firing=firing_ids, resolved=_ids(sent_resolved), at=now) if update else None
    keep_resolved = {a.id for a in resolved} if send_resolved and not notify else set()
    drop = [a.id for a in alerts if a.status == "resolved" and a.id not in keep_resolved]
    return FlushPlan(
        notify=notify, firing=sent_firing, resolved=sent_resolved, notified=entry,
        next_flush_at=now + group.target.group_interval, drop=drop,
        empty=not ({a.id for a in alerts} - set(drop)),
    )


def _ordered(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (a.starts_at, a.id))


def _ids(alerts: list[Alert]) -> frozenset[str]:
    return frozenset(a.id for a in alerts)
