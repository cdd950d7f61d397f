"""Whether a text names something: case-insensitive, on word boundaries, any run of whitespace
between the name's words. "Sinosteel" is named in "Sinosteel's plant" but not in "Sinosteelworks"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=8192)
def name_pattern(name: str) -> re.Pattern[str]:
    """The pattern of ``name``; cached, as a tenant's watchlist is matched against every event."""
    body = r"\s+".join(re.escape(word) for word in name.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def names(texts: Iterable[str], name: str) -> bool:
    """True when any of ``texts`` names ``name``."""
    if not name.strip():
        return False
    pattern = name_pattern(name)
    return any(pattern.search(text) for text in texts)


def first_named(texts: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first of ``candidates`` that one of ``texts`` names, else None."""
    texts = list(texts)
    return next((c for c in candidates if names(texts, c)), None)
