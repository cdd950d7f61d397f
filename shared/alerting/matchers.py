"""Alertmanager's label matchers: ``name="value"``, ``name!="value"``, ``name=~"re"``, ``name!~"re"``.

Matched against an alert's labels. A label the alert lacks is the empty string, as in
Alertmanager. Multi-valued labels (``country`` of an alert about several countries) hold their
values joined by ``,``; a positive matcher holds when any value matches, a negative one when no
value matches (``country!="PAK"``: none of the alert's countries is Pakistan). Regexes are
anchored (fullmatch), as in Alertmanager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Op = Literal["=", "!=", "=~", "!~"]
MULTI_VALUED = frozenset({"country", "entity", "asset"})
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$', re.DOTALL)
MAX_MATCHER_LENGTH = 1000


class InvalidMatcher(ValueError):
    """The text is not a matcher; the message says why and shows the expected form."""


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        values = label_values(labels, self.name)
        if self.op in ("=", "!="):
            hit = self.value in values
        else:
            assert self._pattern is not None
            hit = any(self._pattern.fullmatch(v) for v in values)
        return hit if self.op in ("=", "=~") else not hit

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def label_values(labels: Mapping[str, str], name: str) -> list[str]:
    value = labels.get(name, "")
    if name in MULTI_VALUED and value:
        return value.split(",")
    return [value]


def parse_matcher(text: str) -> Matcher:
    """``country=~"PAK|LKA"`` → Matcher. The value may be quoted (``"…"`` with ``\\"`` escapes)
    or bare; raises InvalidMatcher."""
    if len(text) > MAX_MATCHER_LENGTH:
        raise InvalidMatcher(f"matcher longer than {MAX_MATCHER_LENGTH} characters")
    found = _MATCHER.match(text)
    if not found:
        raise InvalidMatcher(f"{text!r} is not a matcher of the form name=\"value\" "
                             "(operators =, !=, =~, !~)")
    name, op, raw = found.group(1), found.group(2), found.group(3)
    value = _unquote(raw, text)
    pattern = None
    if op in ("=~", "!~"):
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise InvalidMatcher(f"{text!r}: invalid regular expression: {exc}") from exc
    return Matcher(name, op, value, pattern)  # type: ignore[arg-type]


def _unquote(raw: str, text: str) -> str:
    if not raw.startswith('"'):
        if '"' in raw:
            raise InvalidMatcher(f"{text!r}: unbalanced quotes")
        return raw
    if len(raw) < 2 or not raw.endswith('"'):
        raise InvalidMatcher(f"{text!r}: the value's closing quote is missing")
    body, out, escaped = raw[1:-1], [], False
    for char in body:
        if escaped:
            out.append({"n": "\n", "t": "\t"}.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            raise InvalidMatcher(f"{text!r}: a quote inside the value must be escaped as \\\"")
        else:
            out.append(char)
    if escaped:
        raise InvalidMatcher(f"{text!r}: the value ends with a lone backslash")
    return "".join(out)


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds (no matchers: true)."""
    return all(m.matches(labels) for m in matchers)
