"""A Slack Block Kit message (``format: slack``), for a Slack incoming webhook or any
``chat.postMessage``-shaped endpoint; example in ``docs/examples/webhook-slack.json``.

``{"text": <fallback for notifications>, "blocks": [header, section per alert…, context]}``.
Slack refuses a message that breaks its limits, so the renderer keeps under them: at most 50
blocks (so at most 48 alert sections), 150 characters of header, 3000 per text field. Slack
also rejects messages whose blocks are long in total (``msg_blocks_too_long``, around 13,000
characters, undocumented), so alert sections stop at ``SECTIONS_BUDGET`` characters; alerts
left out for any of these reasons count as truncated, shown in the context block.
"""

from __future__ import annotations

from typing import Any

from services.alerts.payloads.content import AlertEntry, NotificationContent

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_TEXT = 3000
SECTIONS_BUDGET = 10_000
# Per-alert caps that keep a section under MAX_TEXT (a source URL longer than _URL_CHARS is left
# out), so the final clip never has to cut through a link.
_TITLE_CHARS = 300
_SUMMARY_CHARS = 1000
_URL_CHARS = 1000
_STATUS_EMOJI = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}


def render_slack(content: NotificationContent, max_alerts: int) -> dict[str, Any]:
    limit = MAX_BLOCKS - 2  # the header and the context block
    entries, truncated = content.truncate(min(max_alerts, limit) if max_alerts > 0 else limit)
    sections: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        text = _clip(_section_text(content, entry), MAX_TEXT)
        if sections and used + len(text) > SECTIONS_BUDGET:
            truncated += len(entries) - len(sections)
            break
        used += len(text)
        sections.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    header = _clip(_title(content), MAX_HEADER)
    return {
        "text": _clip(f"{header} ({content.tenant})", MAX_TEXT),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
            *sections,
            {"type": "context",
             "elements": [{"type": "mrkdwn", "text": _clip(_footer(content, truncated), MAX_TEXT)}]},
        ],
    }


def _title(content: NotificationContent) -> str:
    """Alertmanager's default Slack title: ``[FIRING:2] group label values``."""
    status = f"FIRING:{len(content.firing)}" if content.status == "firing" else "RESOLVED"
    labels = content.group.labels
    about = " · ".join(labels[name] for name in sorted(labels)) or "brisk alerts"
    return f"[{status}] {about}"


def _section_text(content: NotificationContent, entry: AlertEntry) -> str:
    alert = entry.alert
    title = _clip_escaped(alert.title, _TITLE_CHARS)
    lines = [
        f"{_STATUS_EMOJI[entry.status]} *{entry.status.upper()}* · "
        f"*<{_link(content.alert_link(alert))}|{title}>*",
        f"*Severity* {alert.severity:g} · *Countries* {', '.join(alert.countries) or '—'}"
        f" · *Category* {escape(alert.category)} · *Rule* {escape(alert.rule)}",
        _clip_escaped(alert.reason.summary, _SUMMARY_CHARS),
    ]
    if alert.url and len(alert.url) <= _URL_CHARS:
        lines.append(f"<{_link(alert.url)}|Source>")
    return "\n".join(lines)


def _footer(content: NotificationContent, truncated: int) -> str:
    parts = [f"{len(content.firing)} firing", f"{len(content.resolved)} resolved"]
    if truncated:
        parts.append(f"{truncated} more not shown")
    parts.append(f"receiver {escape(content.receiver)}")
    parts.append(f"<{_link(content.external_url)}|brisk>")
    return " · ".join(parts)


def escape(text: str) -> str:
    """Slack's three control characters, as its message formatting requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str) -> str:
    """A URL fit for ``<url|label>``: ``|`` and ``>`` would end it early."""
    return escape(url.replace("|", "%7C"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_escaped(text: str, limit: int) -> str:
    """``escape(text)`` in at most ``limit`` characters, never ending inside an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
