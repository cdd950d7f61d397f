"""What a notification says, rendered for its receiver's ``format``.

``content.NotificationContent`` is the format-free notification (a group's firing and resolved
alerts); ``brisk``, ``alertmanager`` and ``slack`` each turn it into one JSON document, and
``render`` picks the renderer and serialises. All of them are pure: no clock, no I/O.
"""

from services.alerts.payloads.content import AlertEntry, NotificationContent, NotifyReason
from services.alerts.payloads.render import render

__all__ = ["AlertEntry", "NotificationContent", "NotifyReason", "render"]
