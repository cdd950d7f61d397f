"""Text → normalised tokens, the one tokenisation every lexical feature shares.

Lower-case word tokens (hyphens and apostrophes split words: "bail-out" → bail, out), each
reduced by a light plural stemmer so "sanctions" meets "sanction" and "protesters" meets
"protester" without a vocabulary of every form. Verb forms (banned, killing) are listed in the
lexicon itself: a stemmer that guesses them merges words that mean different things.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")


def stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("ses", "xes", "ches", "shes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


# Letters NFKD does not decompose, and typographic punctuation. Replaced one by one, and only
# when present: str.translate with a dict is ~10x slower on long non-ASCII text.
_UNDECOMPOSABLE = (("ł", "l"), ("ø", "o"), ("đ", "d"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"),
                   ("’", "'"), ("‘", "'"), ("–", "-"), ("—", "-"))


def fold(text: str) -> str:
    """Lower-case ASCII: diacritics dropped ("Małaszewicze", "Türkiye" match their ASCII forms);
    letters of other scripts are dropped too — the lexicon and gazetteers are in Latin script."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    for letter, ascii_form in _UNDECOMPOSABLE:
        if letter in lowered:
            lowered = lowered.replace(letter, ascii_form)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def words(text: str) -> list[str]:
    """Folded word tokens as written (for evidence)."""
    return _WORD.findall(fold(text).replace("'s ", " "))


# Word → stem, for the words seen so far. News vocabulary is Zipfian, so nearly every token is a
# dict hit (cheaper than an lru_cache call); emptied when full, which bounds memory.
_STEMS: dict[str, str] = {}
_STEMS_MAX = 1 << 16


def _stem_and_remember(word: str) -> str:
    if len(_STEMS) >= _STEMS_MAX:
        _STEMS.clear()
    result = _STEMS[word] = stem(word)
    return result


def stems(raw_words: list[str]) -> list[str]:
    known = _STEMS.get
    return [known(w) or _stem_and_remember(w) for w in raw_words]


def tokens(text: str) -> list[str]:
    """Folded, stemmed word tokens (for matching)."""
    return stems(words(text))
