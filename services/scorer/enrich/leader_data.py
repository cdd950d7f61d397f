"""Read and validate ``data/leaders.json``: persons and militant groups that name a country's state.

GUIDELINES §3 C1/C3: in headlines (RSS, Reddit) a head of state or government, a minister, a senior
official or commander, or a militant group names the state party it belongs to ("Kerry urges …" → USA,
"Hamas rockets" → PSE). In GDELT slug titles persons and groups do not count (C3); the resolver drops
them there. Validation runs once at start-up and names the offending entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.scorer.enrich.country_data import GazetteerDataError, known_iso3, read_data_file

ROLES = frozenset(
    {
        "head_of_state",
        "head_of_government",
        "foreign_minister",
        "minister",
        "official",
        "military",
        "opposition_leader",
    }
)
_SECTIONS = {"_comment", "leaders", "groups", "blockers"}
_LEADER_KEYS = {"iso3", "role", "years", "names"}
_GROUP_KEYS = {"iso3", "names"}
_FIRST_YEAR = 1940


@dataclass(frozen=True, slots=True)
class ActorName:
    """One surface form of a leader (``kind`` "leader") or militant group (``kind`` "group")."""

    name: str
    iso3: str
    kind: str


@dataclass(frozen=True)
class LeaderData:
    """Every listed name with its country, and the longer names that refer to someone else."""

    names: tuple[ActorName, ...]
    blockers: tuple[str, ...]


def load_leader_data(path: Path) -> LeaderData:
    return parse_leader_data(read_data_file(path, "leader data"), str(path))


def parse_leader_data(raw: Any, where: str) -> LeaderData:
    """Validate a decoded leaders file. A name listed for two countries is an error: it would not
    name one state party."""
    if not isinstance(raw, dict) or set(raw) - _SECTIONS or not {"leaders", "groups"} <= set(raw):
        raise GazetteerDataError(f"{where}: expected an object with 'leaders', 'groups' (and 'blockers')")
    codes = known_iso3()
    names: list[ActorName] = []
    for position, item in enumerate(_list(raw["leaders"], f"{where}: leaders")):
        names.extend(_leader(item, f"{where}: leaders[{position}]", codes))
    for position, item in enumerate(_list(raw["groups"], f"{where}: groups")):
        names.extend(_group(item, f"{where}: groups[{position}]", codes))
    owner: dict[str, str] = {}
    for actor in names:
        other = owner.setdefault(actor.name, actor.iso3)
        if other != actor.iso3:
            raise GazetteerDataError(f"{where}: {actor.name!r} is listed for both {other} and {actor.iso3}")
    blockers = _names(raw.get("blockers", []), f"{where}: blockers", allow_empty=True)
    unique = tuple(dict.fromkeys(names))
    return LeaderData(unique, tuple(blockers))


def _leader(item: Any, where: str, codes: frozenset[str]) -> list[ActorName]:
    if not isinstance(item, dict) or set(item) != _LEADER_KEYS:
        raise GazetteerDataError(f"{where}: needs exactly {sorted(_LEADER_KEYS)}")
    iso3 = _code(item["iso3"], where, codes)
    if item["role"] not in ROLES:
        raise GazetteerDataError(f"{where}: role {item['role']!r} is not one of {sorted(ROLES)}")
    years = item["years"]
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not isinstance(years[0], int)
        or not (years[1] is None or isinstance(years[1], int))
        or years[0] < _FIRST_YEAR
        or (years[1] is not None and years[1] < years[0])
    ):
        raise GazetteerDataError(f"{where}: years must be [first, last or null], first <= last: {years}")
    return [ActorName(name, iso3, "leader") for name in _names(item["names"], f"{where}.names")]


def _group(item: Any, where: str, codes: frozenset[str]) -> list[ActorName]:
    if not isinstance(item, dict) or set(item) != _GROUP_KEYS:
        raise GazetteerDataError(f"{where}: needs exactly {sorted(_GROUP_KEYS)}")
    iso3 = _code(item["iso3"], where, codes)
    return [ActorName(name, iso3, "group") for name in _names(item["names"], f"{where}.names")]


def _code(value: Any, where: str, codes: frozenset[str]) -> str:
    if value not in codes:
        raise GazetteerDataError(f"{where}: unknown ISO 3166-1 alpha-3 code {value!r}")
    return str(value)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise GazetteerDataError(f"{where}: expected a list")
    return value


def _names(value: Any, where: str, allow_empty: bool = False) -> list[str]:
    if (
        not isinstance(value, list)
        or not (value or allow_empty)
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise GazetteerDataError(f"{where}: expected a non-empty list of non-empty strings")
    return list(value)
