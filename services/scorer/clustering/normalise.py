"""Headline → the set of informative tokens that identify its story.

Two outlets' headlines for one story differ in case, punctuation, word order, attribution
("..., Treasury says"), wire furniture ("UPDATE 2-", " - Reuters", "| The Guardian") and
inflection ("sanctions"/"sanction", "holds"/"holding"). Folding all of that away leaves the
words that say *what happened*, and near-duplicate detection compares those sets.

Steps, in order: drop a wire-service prefix ("UPDATE 2-", "REFILE-", "CORRECTED-"); when the
title has " | " segments keep the most informative one (site and author furniture sits in the
others); case-fold; strip diacritics; join digit groups ("1,000" → "1000") and drop apostrophes
and periods ("U.S." → "us", "Trump's" → "trumps"); split on anything that is not a letter or
digit; drop stopwords, boilerplate and one-letter words; stem lightly. Digits are kept: "kill 20"
and "kill 200" are different stories.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from services.scorer.data_files import CLUSTER_VOCABULARY

DEFAULT_VOCABULARY = CLUSTER_VOCABULARY

_WIRE_PREFIX = re.compile(
    r"^\s*(?:(?:update|refile|corrected|correction|rpt|wrapup|repeat)\s*\d*\s*[-:\u2013\u2014]\s*)+",
    re.IGNORECASE)
_PIPE = re.compile(r"\s+[|\u00a6]\s+")
# Removed, joining what they separate: digit-group commas ("1,000"), apostrophes ("Trump's")
# and periods ("U.S.", "3.5"). The characters go by str.replace and the regex runs only on a
# comma: one regex with a lookbehind tried at every position cost a third of the tokenising.
_JOINED = ("'", "\u2018", "\u2019", "\u02bc", "`", ".")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # _WORD on case-folded ASCII text, without Unicode lookups
# Combining marks left by NFKD decomposition (the Latin, Greek and Cyrillic accents).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A doubled final consonant left by "-ing"/"-ed" ("stopp", "hitt") is undoubled, except l, s
# and z, which English doubles in the stem itself ("kill", "pass", "buzz").
_UNDOUBLE = frozenset("bcdfgkmnprtv")
_MIN_STEM = 3
# Names (``title_terms``) are read in the headline's own case, word by word, with the clause
# separators ("Floods: Pakistan…", "… - Reuters", "— NAME"): a capital on a clause's first word
# says nothing about the word.
_TERM = re.compile(r"[^\W_]+|[:;!?|\u00a6\u2013\u2014]|(?<=\s)-(?=\s)")
_CASED_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_CLAUSE_MARKS = (":", ";", "!", "?", "|")
_ASCII_TERM = re.compile(r"[A-Za-z0-9]+|[:;!?|]|(?<=\s)-(?=\s)")  # _TERM on ASCII text
_NONE: frozenset[str] = frozenset()


class Vocabulary:
    """Folded words that never identify a story: stopwords of the feed languages, wire and
    format boilerplate ("update", "live", "video"), attribution ("says", "sources") and outlet
    names ("reuters", "xinhua"); and the word → token map built on them."""

    def __init__(self, dropped: frozenset[str]) -> None:
        self.dropped = dropped
        # Headline vocabulary is Zipfian: a bounded memo answers most words without stemming.
        self._memo = lru_cache(maxsize=1 << 16)(self._token)

    def token(self, word: str) -> str:
        """The token of a folded word, or "" when the word is dropped (listed, or one letter)."""
        return self._memo(word)

    def clear_cache(self) -> None:
        self._memo.cache_clear()

    def _token(self, word: str) -> str:
        if word in self.dropped or (len(word) == 1 and not word.isdigit()):
            return ""
        return stem(word)


def fold(text: str) -> str:
    """Case-fold and strip diacritics: "Über São" → "uber sao"."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def load_vocabulary(path: Path = DEFAULT_VOCABULARY) -> Vocabulary:
    """Load and validate the word lists; raises ValueError on a malformed file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    lists = [*data.get("stopwords", {}).values(), data.get("boilerplate")]
    if not lists or any(not isinstance(words, list) or not words for words in lists):
        raise ValueError(f"{path}: 'stopwords' (by language) and 'boilerplate' must be non-empty lists")
    dropped: set[str] = set()
    for words in lists:
        for word in words:
            if not isinstance(word, str) or fold(word) != word or not _WORD.fullmatch(word):
                raise ValueError(f"{path}: {word!r} must be one folded word (lower case, no accents)")
            dropped.add(word)
    return Vocabulary(frozenset(dropped))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()


def stem(token: str) -> str:
    """Light, consistent suffix stripping: plural -s/-es/-ies, -ing, -ed, final -e.

    Not a linguistic stemmer: it only has to map a headline's inflections to one form, the same
    in every outlet ("raises", "raised", "raising", "raise" → "rais"). A suffix is stripped only
    when at least three characters remain ("used" stays, so it never becomes "us").
    """
    if len(token) <= _MIN_STEM or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        token = token[:-3] + "y"
    elif token.endswith("sses"):
        token = token[:-2]
    elif token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= _MIN_STEM:
            token = token[: -len(suffix)]
            if token[-1] == token[-2] and token[-1] in _UNDOUBLE and len(token) > _MIN_STEM:
                token = token[:-1]
            break
    if token.endswith("e") and len(token) > _MIN_STEM:
        token = token[:-1]
    return token


def _join(text: str) -> str:
    for char in _JOINED:
        if char in text:
            text = text.replace(char, "")
    return _DIGIT_COMMA.sub("", text) if "," in text else text


def _informative(segment: str, vocabulary: Vocabulary) -> frozenset[str]:
    folded = _join(fold(segment))
    words = (_ASCII_WORD if folded.isascii() else _WORD).findall(folded)
    return frozenset(filter(None, map(vocabulary.token, words)))


def _segments(title: str) -> list[str]:
    title = _WIRE_PREFIX.sub("", title)
    return _PIPE.split(title) if "|" in title or "\u00a6" in title else [title]


def _headline(segments: list[str], vocabulary: Vocabulary) -> tuple[str, frozenset[str]]:
    """The segment that carries the headline, and its tokens: the most informative one; the
    first one on a tie (headlines lead, furniture trails)."""
    best, best_tokens = segments[0], _informative(segments[0], vocabulary)
    for segment in segments[1:]:
        tokens = _informative(segment, vocabulary)
        if len(tokens) > len(best_tokens):
            best, best_tokens = segment, tokens
    return best, best_tokens


def _ascii_terms(segment: str, vocabulary: Vocabulary) -> tuple[frozenset[str], frozenset[str]]:
    """``_informative`` and ``_names`` of an ASCII segment in one pass: there ``fold`` is
    ``lower``, so each word's token is that of its lower case (a clause separator, one
    character, is no token)."""
    joined = _join(segment)
    # Separators cost the word regex a third more; most headlines have none. Typed, so that
    # compiled (mypyc) code works on the words as strings, not as generic objects.
    separated = " - " in joined or any(mark in joined for mark in _ASCII_CLAUSE_MARKS)
    words: list[str] = (_ASCII_TERM if separated else _CASED_ASCII_WORD).findall(joined)
    word_tokens = [vocabulary.token(word.lower()) for word in words]  # "" for a dropped word
    tokens = frozenset(filter(None, word_tokens))
    if not tokens or segment[1:].islower() or segment.isupper():
        return tokens, _NONE
    dropped = vocabulary.dropped
    capitals: list[str] = []
    lower_case = False
    opens = True
    for index in range(len(words)):
        word = words[index]
        initial = ord(word[0])  # ASCII: a letter, a digit or a clause separator
        if 65 <= initial <= 90:  # A-Z
            if (not opens or (len(word) > 1 and word.isupper())) and word_tokens[index]:
                capitals.append(word_tokens[index])
        elif 97 <= initial <= 122:  # a-z
            if not lower_case and len(word) > 1 and word not in dropped:
                lower_case = True
        elif not 48 <= initial <= 57:  # not a digit: a clause separator
            opens = True
            continue
        opens = False
    if not lower_case or not capitals:
        return tokens, _NONE
    return tokens, frozenset(capitals)


def _names(segment: str, tokens: frozenset[str], vocabulary: Vocabulary) -> frozenset[str]:
    """The names among a segment's tokens (``title_terms``); ``_ascii_terms`` does the same."""
    if not tokens or segment[1:].islower() or segment.isupper():
        return _NONE  # at most the first letter is a capital, or every letter is
    words: list[str] = _TERM.findall(_join(segment))
    capitals: list[str] = []
    lower_case = False  # an informative word in lower case: only then do capitals mean something
    opens = True
    for word in words:
        initial = word[0]
        if initial.isupper():
            # A capital on a clause's first word says nothing, unless the whole word is one.
            if not opens or (len(word) > 1 and word.isupper()):
                capitals.append(word)
        elif initial.islower():
            if not lower_case and len(word) > 1:
                lower_case = (word if word.isascii() else fold(word)) not in vocabulary.dropped
        elif not initial.isalnum():
            opens = True  # a clause separator
            continue
        opens = False
    if not lower_case or not capitals:
        return _NONE
    return tokens.intersection([vocabulary.token(fold(word)) for word in capitals])


def title_tokens(title: str, vocabulary: Vocabulary | None = None) -> frozenset[str]:
    """The informative, normalised token set of a headline (order and repeats do not matter)."""
    return _headline(_segments(title), vocabulary or default_vocabulary())[1]


def title_terms(title: str, vocabulary: Vocabulary | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(tokens, names): ``title_tokens``, and the proper names among them.

    A name is a token whose word is written with a capital letter where a capital is not merely
    the start of the headline or of one of its clauses ("US sanctions Ali Khan" → ali, khan;
    "Floods in Pakistan kill 20" → pakistan; "Pakistan floods kill 20" → none). An all-capitals
    word of two or more letters is a name even there ("US", "KUZMENKO"). A headline with no
    informative word in lower case (Title Case, ALL CAPS) has no names: its capitals say nothing.
    The clusterer keeps apart template headlines that differ in their names (clusterer.py)."""
    vocabulary = vocabulary or default_vocabulary()
    segments = _segments(title)
    if len(segments) == 1 and title.isascii():
        return _ascii_terms(segments[0], vocabulary)
    segment, tokens = _headline(segments, vocabulary)
    return tokens, _names(segment, tokens, vocabulary)
