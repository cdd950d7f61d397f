"""Durations as Prometheus and Alertmanager write them: ``30s``, ``5m``, ``4h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")


def parse_duration(text: str) -> timedelta:
    """``1h30m`` → 90 minutes. Units ms, s, m, h, d, w, largest first; ``0`` and ``0s`` are zero.
    Raises ValueError naming the expected form."""
    value = text.strip()
    if value == "0":
        return timedelta(0)
    pos, total, last_rank = 0, 0.0, -1
    order = list(_UNITS)[::-1]  # w, d, h, m, s, ms
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        rank = order.index(match.group(2))
        if rank <= last_rank:
            raise ValueError(f"duration {text!r}: units must go from largest to smallest")
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos, last_rank = match.end(), rank
    if pos != len(value) or not value:
        raise ValueError(f"duration {text!r} is not of the form 30s, 5m, 4h, 1d or 1h30m")
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """The shortest ``1h30m`` form of ``value`` (milliseconds kept: ``200ms``, ``1s500ms``;
    ``0s`` for zero), which ``parse_duration`` reads back to the same value."""
    millis = round(value.total_seconds() * 1000)
    if millis == 0:
        return "0s"
    seconds, rest = divmod(millis, 1000)
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = int(_UNITS[unit])
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if rest:
        parts.append(f"{rest}ms")
    return "".join(parts)


def _coerce(value: object) -> object:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_coerce), PlainSerializer(format_duration,
                                                                          return_type=str)]
"""A ``timedelta`` read from ``30s``-style text (or seconds) and written back as text."""
