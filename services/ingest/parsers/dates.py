"""Feed dates feedparser cannot read: RFC 822 dates with localised day and month names.

Portuguese, Spanish, French and German feeds often write ``Seg, 24 Set 2018 19:42:40 -0300``.
Translating the names to English lets the standard RFC 822 parser read them. Only used after
feedparser gave up, so English dates never pass through here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS = {
    "jan": ["janeiro", "enero", "janvier", "januar", "jän", "ene"],
    "feb": ["fev", "fevereiro", "febrero", "février", "fevrier", "févr", "februar"],
    "mar": ["março", "marco", "marzo", "mars", "märz", "mär", "marz"],
    "apr": ["abr", "abril", "avril", "avr"],
    "may": ["mai", "maio", "mayo"],
    "jun": ["junho", "junio", "juin", "juni"],
    "jul": ["julho", "julio", "juillet", "juil", "juli"],
    "aug": ["ago", "agosto", "août", "aout", "aoû"],
    "sep": ["set", "setembro", "septiembre", "sept", "septembre"],
    "oct": ["out", "outubro", "octubre", "octobre", "okt", "oktober"],
    "nov": ["novembro", "noviembre", "novembre"],
    "dec": ["dez", "dezembro", "dic", "diciembre", "décembre", "decembre", "déc", "dezember"],
}
_DAYS = {
    "mon": ["seg", "lun", "mo", "segunda"], "tue": ["ter", "mar", "di", "terça"],
    "wed": ["qua", "mié", "mer", "mi", "quarta"], "thu": ["qui", "jue", "jeu", "do", "quinta"],
    "fri": ["sex", "vie", "ven", "fr", "sexta"], "sat": ["sáb", "sab", "sam", "sa", "sábado"],
    "sun": ["dom", "dim", "so", "domingo"],
}
_MONTH_OF = {alias: en for en, aliases in _MONTHS.items() for alias in aliases}
_DAY_PREFIX = re.compile(r"^\s*([^\W\d_]+)\.?,\s*")
_WORD = re.compile(r"[^\W\d_]+\.?")


def parse_localised_rfc822(value: str) -> datetime | None:
    """The instant ``value`` names, in UTC, or None if it still is not an RFC 822 date."""
    text = value.strip()
    day = _DAY_PREFIX.match(text)
    if day and day.group(1).lower() in {a for aliases in _DAYS.values() for a in aliases}:
        text = text[day.end():]

    def english_month(match: re.Match[str]) -> str:
        word = match.group(0).rstrip(".").lower()
        return _MONTH_OF.get(word, match.group(0)).capitalize()

    text = _WORD.sub(english_month, text)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None  # an instant needs its offset; guessing one would misorder the feed
    return parsed.astimezone(UTC)
