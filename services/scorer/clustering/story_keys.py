"""Story identity of structured events: the story is in the fields, not in the title.

A sanctions change, a border crossing's status, an AIS signal, a regulator's document and the
events GDELT extracts from one article already say which story they belong to, in their fields.
Their titles are templates ("UN Security Council sanctions: designation added — NAME (individual;
Afghanistan; programmes Taliban)") whose words are the same for every event, so title clustering
merges different stories (123 Taliban designations in one cluster: one alert for all of them) and
splits one story told twice (a crossing closure reported every hour in changing words).

Such an event's story is a key built from its fields by the first matching rule of a small table
(story_keys.json): the family, the key fields' values and, for statuses and signals that repeat,
the UTC time window of the event. Its cluster id is a BLAKE2b hash of the key: the same in every
worker, after any restart and on a replay, with no state and nothing to share (the notes on
``brisk.scorer.stories`` are about title clusters only). Events without a key (news, and
structured events missing their key fields) go to title clustering as before.

Pure: the table is loaded once and validated; ``key`` reads only the event.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.scorer.clustering.normalise import fold
from shared.schemas import EventKind, FieldValue, RawEvent

# Beside this module, which is not compiled (a mypyc extension's ``__file__`` is where it was built).
DEFAULT_STORY_KEYS = Path(__file__).resolve().parent / "story_keys.json"
URL = "@url"
StoryKey = tuple[str, ...]

_KEY_PERSON = b"brisk-story-key1"
_PART = re.compile(r"^(?:@url|[a-z0-9_]+(?:\|[a-z0-9_]+)*)\??$")
_NOT_ALNUM = re.compile(r"[\W_]+")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae",
                          "œ": "oe", "þ": "th"})


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: EventKind
    match: dict[str, str] = Field(default_factory=dict)
    marker: list[str] = Field(default_factory=list)
    key: list[str] = Field(min_length=1)
    window_hours: float | None = Field(default=None, gt=0)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    about: str = Field(default="", alias="_about")
    about_url: str = Field(default="", alias="_about_url")
    fold: list[str] = Field(default_factory=list)
    url_tracking_parameters: list[str] = Field(default_factory=list)
    families: list[_Rule] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class _Part:
    alternatives: tuple[str, ...]  # field names, or URL; the first present one is the value
    optional: bool


@dataclass(frozen=True, slots=True)
class KeyRule:
    family: str
    kind: str
    match: tuple[tuple[str, str], ...]
    marker: tuple[str, ...]
    parts: tuple[_Part, ...]
    window: float | None  # seconds


def story_cluster_id(key: StoryKey) -> str:
    """The cluster id of a story key: 32 hex digits, the same in every process. Its own BLAKE2b
    personalisation, so it never equals the id of a title cluster (``cluster_id``)."""
    return hashlib.blake2b("\x1f".join(key).encode("utf-8"), digest_size=16,
                           person=_KEY_PERSON).hexdigest()


def fold_name(text: str) -> str:
    """A name as a key part: "Brest–Małaszewicze" and "brest-malaszewicze" alike."""
    return _NOT_ALNUM.sub("-", fold(text).translate(_LETTERS)).strip("-")


def article_url_key(url: str, tracking: frozenset[str] = frozenset(), tracking_prefixes:
                    tuple[str, ...] = ("utm_",)) -> str | None:
    """An article's URL as a key: host without "www." and port, path without a trailing "/",
    the query's other parameters sorted; no scheme, fragment or tracking parameters. None when it
    is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    query = sorted((name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
                   if name.lower() not in tracking and not name.lower().startswith(tracking_prefixes))
    path = unquote(parts.path).rstrip("/")
    return host + path + ("?" + urlencode(query) if query else "")


class StoryKeys:
    """The story-key rules, by event kind; ``key`` gives an event's story key or None."""

    def __init__(self, rules: list[KeyRule], folded: frozenset[str] = frozenset(),
                 url_tracking: frozenset[str] = frozenset()) -> None:
        self.rules = tuple(rules)
        self._by_kind: dict[str, tuple[KeyRule, ...]] = {}
        for rule in rules:
            self._by_kind[rule.kind] = (*self._by_kind.get(rule.kind, ()), rule)
        self._folded = folded
        self._tracking = frozenset(p for p in url_tracking if not p.endswith("*"))
        self._tracking_prefixes = tuple(p[:-1] for p in url_tracking if p.endswith("*"))

    def key(self, event: RawEvent) -> StoryKey | None:
        """The story key of the first rule the event satisfies; None: cluster it by its title."""
        fields = event.fields
        for rule in self._by_kind.get(event.kind, ()):
            if any(fields.get(name) != value for name, value in rule.match):
                continue
            if rule.marker and not any(name in fields for name in rule.marker):
                continue
            key = self._key(rule, event)
            if key is not None:
                return key
        return None

    def _key(self, rule: KeyRule, event: RawEvent) -> StoryKey | None:
        values = [rule.family]
        for part in rule.parts:
            value = next(filter(None, (self._value(name, event) for name in part.alternatives)), "")
            if not value and not part.optional:
                return None
            values.append(value)
        if rule.window is not None:
            start = event.published_at.timestamp() // rule.window * rule.window
            values.append(datetime.fromtimestamp(start, UTC).isoformat())
        return tuple(values)

    def _value(self, name: str, event: RawEvent) -> str:
        if name == URL:
            return (article_url_key(event.url, self._tracking, self._tracking_prefixes) or ""
                    if event.url else "")
        value: FieldValue = event.fields.get(name)
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value).strip().replace("\x1f", " ")
        return fold_name(text) if name in self._folded else text


def load_story_keys(path: Path = DEFAULT_STORY_KEYS) -> StoryKeys:
    """Load and validate the rules; raises ValueError naming what is wrong."""
    try:
        table = _Table.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    rules = []
    for spec in table.families:
        bad = [part for part in spec.key if not _PART.match(part)]
        if bad:
            raise ValueError(f"{path}: family {spec.family}: malformed key parts {bad}")
        parts = tuple(_Part(tuple(part.rstrip("?").split("|")), part.endswith("?")) for part in spec.key)
        if all(part.optional for part in parts):
            raise ValueError(f"{path}: family {spec.family}: every key part is optional")
        window = spec.window_hours * 3600 if spec.window_hours else None
        rules.append(KeyRule(spec.family, spec.kind, tuple(sorted(spec.match.items())),
                             tuple(spec.marker), parts, window))
    return StoryKeys(rules, frozenset(table.fold), frozenset(table.url_tracking_parameters))


@lru_cache(maxsize=1)
def default_story_keys() -> StoryKeys:
    return load_story_keys()
