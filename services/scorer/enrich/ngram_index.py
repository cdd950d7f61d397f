"""Tokenise once, then look names up as token n-grams in a dict: the fast core of both gazetteers.

Why not one regex alternation of every name: with ~10k names and lookbehinds it costs hundreds of
microseconds per headline; a dict lookup per token costs well under one. A name is stored under the key
``" ".join(tokenize(name))``, so punctuation and dash variants ("China–Pakistan", "China-Pakistan",
"China Pakistan") and dotted abbreviations ("U.S." → "U S") meet the same key without listing them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Generic, NamedTuple, TypeVar

V = TypeVar("V")

_TOKEN = re.compile(r"\w+")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_]+")  # _TOKEN on ASCII text, without Unicode lookups


def tokenize(text: str) -> list[str]:
    """Word tokens in order: runs of letters, digits and underscore; everything else separates."""
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


def fold(text: str) -> str:
    """``text`` without diacritics ("Türkiye" → "Turkiye", "Małaszewicze" → "Malaszewicze")."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O")


def name_key(name: str) -> str:
    """The lookup key of a name: its tokens joined by single spaces ("" if it has none)."""
    return " ".join(tokenize(name))


class Match(NamedTuple, Generic[V]):
    """Tokens ``[start, end)`` of a token list matched the key whose value is ``value``.

    A NamedTuple, not a frozen dataclass: it is built for every match, and tuple construction is
    several times cheaper.
    """

    start: int
    end: int
    value: V


class NgramIndex(Generic[V]):
    """Greedy longest-match lookup of multi-token keys in a token list.

    Keys are space-joined tokens. For each position the index first asks whether the token can start
    a key at all (one dict lookup, which is all most tokens cost), then tries the longest possible
    key first, so "Papua New Guinea" wins over "Guinea" and "Niger Delta" over "Niger".
    """

    def __init__(self, entries: Mapping[str, V]) -> None:
        self._table: dict[str, V] = dict(entries)
        sizes: dict[str, set[int]] = {}
        for key in self._table:
            parts = key.split(" ")
            if not key or "" in parts:
                raise ValueError(f"index key {key!r} is not a space-joined token sequence")
            sizes.setdefault(parts[0], set()).add(len(parts))
        # First token → the key lengths (in tokens) that start with it, longest first.
        self._sizes: dict[str, tuple[int, ...]] = {
            k: tuple(sorted(v, reverse=True)) for k, v in sizes.items()
        }

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def get(self, key: str) -> V | None:
        return self._table.get(key)

    def matches(self, tokens: Sequence[str]) -> list[Match[V]]:
        """Non-overlapping matches, left to right, each the longest key starting at its position."""
        sizes = self._sizes
        if sizes.keys().isdisjoint(tokens):
            return []
        positions = [i for i, token in enumerate(tokens) if token in sizes]
        table = self._table
        count = len(tokens)
        found: list[Match[V]] = []
        free = 0  # first token not yet inside a match
        for i in positions:
            if i < free:
                continue
            for size in sizes[tokens[i]]:
                if i + size > count:
                    continue
                value = table.get(tokens[i] if size == 1 else " ".join(tokens[i : i + size]))
                if value is not None:
                    found.append(Match(i, i + size, value))
                    free = i + size
                    break
        return found


def token_offset(text: str, tokens: Sequence[str], index: int, after: int = 0, cursor: int = 0) -> int:
    """Character offset of ``tokens[index]`` in ``text`` (the tokens must come from ``tokenize(text)``).

    Computed on demand, only for matched tokens, because recording every token's offset would double
    the tokenising cost. The n-th whole-word occurrence of a token string is the n-th token with that
    string, so the offset is exact. ``after``/``cursor`` resume a left-to-right walk: token ``after``
    starts at or after character ``cursor``.
    """
    wanted = tokens[index]
    occurrence = tokens[after:index].count(wanted)
    position = -1
    start = cursor
    size = len(wanted)
    while occurrence >= 0:
        position = text.find(wanted, start)
        if position < 0:
            return -1
        end = position + size
        if (position == 0 or not _is_word_char(text[position - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            occurrence -= 1
        start = position + 1
    return position


def char_spans(text: str, tokens: Sequence[str], spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character ``(start, end)`` of each token span ``[i, j)``; ``spans`` sorted and non-overlapping."""
    found: list[tuple[int, int]] = []
    after = cursor = 0
    for i, j in spans:
        start = token_offset(text, tokens, i, after, cursor)
        last = j - 1
        if last == i:
            end = start + len(tokens[i])
        else:
            end = token_offset(text, tokens, last, i + 1, start + len(tokens[i])) + len(tokens[last])
        found.append((start, end))
        after, cursor = j, end
    return found


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"
