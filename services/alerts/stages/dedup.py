"""Dedup: should a group's flush notify? Alertmanager's ``DedupStage.needsUpdate``, plus acks.

Notify when the notification would tell the receiver something new: a first notification with
something firing; an alert firing that the last one did not say was firing; everything resolved
after the last one said something fired (sent whatever ``send_resolved``: it clears the
notification log; an alert that fired and resolved unseen is never mentioned); with
``send_resolved``, an alert resolved that it did not say was resolved. Otherwise only the
repeat: once ``repeat_interval`` has passed since the last one, and — brisk's ack — only if some
firing alert is not acked, so an acked alert's repeats are muted while it keeps firing.

Sets are alert ids, muted (silenced, inhibited) alerts left out by the caller.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.alerting.state import Notified


def needs_update(previous: Notified | None, firing: frozenset[str], resolved: frozenset[str],
                 acked: frozenset[str], repeat_interval: timedelta, now: datetime,
                 send_resolved: bool) -> bool:
    """True when the group should be notified now. The repeat is due when ``repeat_interval``
    has elapsed (``>=``; Alertmanager's strict ``<`` makes a repeat on an exact flush tick wait
    one more group_interval)."""
    if previous is None:
        return bool(firing)
    if not firing <= previous.firing:
        return True
    if not firing:
        return bool(previous.firing)
    if send_resolved and not resolved <= previous.resolved:
        return True
    return now - previous.at >= repeat_interval and bool(firing - acked)
