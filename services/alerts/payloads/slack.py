"""A Slack Block Kit message (``format: slack``), for a Slack incoming webhook or any
``chat.postMessage``-shaped endpoint; example in ``docs/examples/webhook-slack.json``.

``{"text": <fallback for notifications>, "blocks": [header, section per alert…, context]}``.
Slack refuses a message that breaks its limits, so the renderer keeps under them: at most 50
blocks (so at most 48 alert sections), 150 characters of header, 3000 per text field. Slack
also rejects messages whose blocks are long in total (``msg_blocks_too_long``, around 13,000
characters, undocumented), so alert sections stop at ``SECTIONS_BUDGET`` characters; alerts
left out for any of these reasons count as truncated, shown in the context block.

Lengths are counted in UTF-16 code units (an emoji outside the BMP is two), never fewer than
Slack's "characters" however it counts them, and after escaping (``&`` is five). Text that Slack
reads as mrkdwn — the sections, the context and the ``text`` fallback — is escaped, so an
alert's title or a group label cannot ``<!channel>`` anyone.
"""

from __future__ import annotations

from typing import Any

from services.alerts.payloads.content import AlertEntry, NotificationContent

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_TEXT = 3000
SECTIONS_BUDGET = 10_000
# Per-part caps of a section, escaped. With the fixed words a section is at most about 2,930
# units (a test builds the worst case), under MAX_TEXT, so the final clip is only a safety net
# and never cuts through a link: a link (the alert in the API, the source story) longer than
# _LINK_CHARS is left out instead.
_LINK_CHARS = 700
_TITLE_CHARS = 300
_RULE_CHARS = 200
_COUNTRIES_SHOWN = 20  # "PAK, IND, … +N": under 130
_SUMMARY_CHARS = 800
_STATUS_EMOJI = {"firing": ":red_circle:", "resolved": ":large_green_circle:"}


def render_slack(content: NotificationContent, max_alerts: int) -> dict[str, Any]:
    limit = MAX_BLOCKS - 2  # the header and the context block
    entries, truncated = content.truncate(min(max_alerts, limit) if max_alerts > 0 else limit)
    sections: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        text = clip(_section_text(content, entry), MAX_TEXT)
        if sections and used + units(text) > SECTIONS_BUDGET:
            truncated += len(entries) - len(sections)
            break
        used += units(text)
        sections.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    header = clip(_title(content), MAX_HEADER)
    return {
        "text": clip_escaped(f"{header} ({content.tenant})", MAX_TEXT),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
            *sections,
            {"type": "context",
             "elements": [{"type": "mrkdwn", "text": clip(_footer(content, truncated), MAX_TEXT)}]},
        ],
    }


def _title(content: NotificationContent) -> str:
    """Alertmanager's default Slack title: ``[FIRING:2] group label values`` (plain text: Slack
    does not read it as mrkdwn, so it is not escaped)."""
    status = f"FIRING:{len(content.firing)}" if content.status == "firing" else "RESOLVED"
    labels = content.group.labels
    about = " · ".join(labels[name] for name in sorted(labels)) or "brisk alerts"
    return f"[{status}] {about}"


def _section_text(content: NotificationContent, entry: AlertEntry) -> str:
    alert = entry.alert
    title = f"*{clip_escaped(alert.title, _TITLE_CHARS)}*"
    link = _link(content.alert_link(alert))
    if units(link) <= _LINK_CHARS:
        title = f"*<{link}|{clip_escaped(alert.title, _TITLE_CHARS)}>*"
    lines = [
        f"{_STATUS_EMOJI[entry.status]} *{entry.status.upper()}* · {title}",
        f"*Severity* {alert.severity:g} · *Countries* {_countries(alert.countries)}"
        f" · *Category* {escape(alert.category)} · *Rule* {clip_escaped(alert.rule, _RULE_CHARS)}",
        clip_escaped(alert.reason.summary, _SUMMARY_CHARS),
    ]
    source = _link(alert.url) if alert.url else ""
    if source and units(source) <= _LINK_CHARS:
        lines.append(f"<{source}|Source>")
    return "\n".join(lines)


def _countries(countries: list[str]) -> str:
    """ISO3 codes (no escaping needed), the first ``_COUNTRIES_SHOWN`` and how many more."""
    if not countries:
        return "—"
    shown = ", ".join(countries[:_COUNTRIES_SHOWN])
    more = len(countries) - _COUNTRIES_SHOWN
    return f"{shown} +{more}" if more > 0 else shown


def _footer(content: NotificationContent, truncated: int) -> str:
    parts = [f"{len(content.firing)} firing", f"{len(content.resolved)} resolved"]
    if truncated:
        parts.append(f"{truncated} more not shown")
    parts.append(f"receiver {clip_escaped(content.receiver, _RULE_CHARS)}")
    home = _link(content.external_url)
    if home and units(home) <= _LINK_CHARS:
        parts.append(f"<{home}|brisk>")
    return " · ".join(parts)


def escape(text: str) -> str:
    """Slack's three control characters, as its message formatting requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str) -> str:
    """A URL fit for ``<url|label>``: ``|`` and ``>`` would end it early."""
    return escape(url.replace("|", "%7C"))


def units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` units, else its longest prefix that fits with ``…``."""
    if units(text) <= limit:
        return text
    kept: list[str] = []
    used = 1  # the ellipsis
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def clip_escaped(text: str, limit: int) -> str:
    """``escape(text)`` in at most ``limit`` units, never ending inside an entity."""
    escaped = escape(text)
    if units(escaped) <= limit:
        return escaped
    cut = clip(escaped, limit)[:-1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
