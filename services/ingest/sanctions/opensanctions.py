"""OpenSanctions FollowTheMoney (FtM) entities, one JSON object per line → designations.

An FtM export mixes the sanctioned parties with the things that describe them (``Address``,
``Sanction``, ``Ownership`` …). Only parties — people, organisations, vessels, aircraft — that
are not marked ``"target": false`` become designations; the rest are skipped, not rejected,
because they are valid data that is simply not a listing. ``datasets`` (the source lists, e.g.
``eu_fsf``, ``us_ofac_sdn``) stand in for programmes; countries come from the ``country``,
``nationality``, ``citizenship`` and ``jurisdiction`` properties (ISO alpha-2, lower case).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from services.ingest.parsers.base import Rejected, json_lines
from services.ingest.sanctions.countries import iso2_to_iso3, unique_sorted
from services.ingest.sanctions.model import (
    MAX_ALIASES,
    MAX_REMARKS,
    Designation,
    Snapshot,
    truncate,
)
from shared.dlq import InvalidEvent

LIST_NAME = "opensanctions"
ENTITY_TYPES = {
    "Person": "individual",
    "Organization": "entity",
    "Company": "entity",
    "LegalEntity": "entity",
    "PublicBody": "entity",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
_COUNTRY_PROPERTIES = ("country", "nationality", "citizenship", "jurisdiction")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_ftm_entities(body: bytes) -> tuple[Snapshot, list[Rejected]]:
    """The designations in an FtM JSON-lines export; an unreadable line is ``Rejected``.

    A body with no readable line at all (empty, an error page) raises ``InvalidEvent``: as an
    empty snapshot it would read as every entry de-listed.
    """

    def designation(value: object) -> Designation | None:
        entity = read_entity(value)
        return designation_from_ftm(entity) if is_designation(entity) else None

    designations, rejected, count = json_lines(body, designation)
    if len(rejected) == count:
        raise InvalidEvent(f"not an FtM export: none of its {count} lines is an entity")
    snapshot: Snapshot = {d.entity_id: d for d in designations}
    return snapshot, rejected


def read_entity(value: Any) -> dict[str, Any]:
    """The entity as a dict with a string ``id``; ``InvalidEvent`` otherwise."""
    if not isinstance(value, dict):
        raise InvalidEvent("FtM entity is not a JSON object")
    entity_id = value.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise InvalidEvent("FtM entity has no id")
    return value


def is_designation(entity: dict[str, Any]) -> bool:
    return entity.get("schema") in ENTITY_TYPES and entity.get("target") is not False


def designation_from_ftm(entity: dict[str, Any]) -> Designation:
    """A designation from an FtM entity; only ``id`` is required (a deletion may carry no more)."""
    properties = entity.get("properties")
    props: dict[str, Any] = properties if isinstance(properties, dict) else {}
    names = _strings(props, "name")
    caption = entity.get("caption")
    name = caption.strip() if isinstance(caption, str) and caption.strip() else None
    name = name or (names[0] if names else entity["id"])
    countries = [iso2_to_iso3(c) for p in _COUNTRY_PROPERTIES for c in _strings(props, p)]
    datasets = entity.get("datasets")
    remarks = "; ".join(_strings(props, "notes") or _strings(props, "description"))
    created = _strings(props, "createdAt")
    schema = entity.get("schema")
    return Designation(
        list_name=LIST_NAME,
        entity_id=entity["id"],
        name=name,
        entity_type=ENTITY_TYPES.get(schema, str(schema).lower()) if schema else "unknown",
        programmes=tuple(sorted({d for d in datasets if isinstance(d, str)}))
        if isinstance(datasets, list) else (),
        countries=unique_sorted(countries),
        remarks=truncate(remarks, MAX_REMARKS),
        aliases=tuple(sorted(set(names + _strings(props, "alias")) - {name}))[:MAX_ALIASES],
        listed_on=min(created)[:10] if created else None,
    )


def ftm_change_time(entity: dict[str, Any]) -> datetime | None:
    """When the data says this entity last changed: ``last_change``, else ``first_seen``, else
    the source's own ``modifiedAt`` — the first that parses — as an aware UTC datetime."""
    props = entity.get("properties")
    candidates = [entity.get("last_change"), entity.get("first_seen")]
    if isinstance(props, dict):
        candidates += sorted(_strings(props, "modifiedAt"), reverse=True)[:1]
    for value in candidates:
        if isinstance(value, str) and (moment := parse_ftm_time(value)):
            return moment
    return None


def parse_ftm_time(text: str) -> datetime | None:
    """FtM times are ISO 8601 without an offset (UTC by convention) or partial dates ("2021")."""
    text = text.strip()
    partial = _PARTIAL_DATE.match(text)
    try:
        if partial:
            year, month, day = (int(g) if g else 1 for g in partial.groups())
            return datetime(year, month, day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _strings(props: dict[str, Any], key: str) -> list[str]:
    values = props.get(key)
    if not isinstance(values, list):
        return []
    return [" ".join(v.split()) for v in values if isinstance(v, str) and v.strip()]
