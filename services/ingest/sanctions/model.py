"""One entry on a sanctions list, a whole list at one time (a snapshot), and its stored form.

Sanctions lists are published as full snapshots, not as news: what matters to a risk feed is
what changed between two snapshots. A ``Designation`` keeps only what a change event needs and
what decides whether an entry "changed" (``fingerprint``); a ``Snapshot`` maps the list's own
entry id to its designation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from shared.ids import fingerprint as hash_parts

MAX_REMARKS = 1000  # OFAC itself cuts remarks at 1,000 characters; UN comments rarely exceed it
MAX_ALIASES = 25
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class Designation:
    """A listed person, organisation, vessel or aircraft, as one list describes it.

    ``entity_id`` is the list's own stable id (OFAC ent_num, UN DATAID, FtM id), unique within
    ``list_name``. ``programmes`` and ``countries`` (ISO 3166-1 alpha-3) are sorted and
    de-duplicated so a re-ordering in the source is not a change.
    """

    list_name: str
    entity_id: str
    name: str
    entity_type: str
    programmes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    remarks: str = ""
    aliases: tuple[str, ...] = ()
    reference: str = ""  # a second public id, e.g. the UN reference number "KPi.033"
    listed_on: str | None = None  # ISO date when the list gives one

    def fingerprint(self) -> str:
        """32 hex chars over every descriptive field: equal fingerprints mean "unchanged"."""
        return hash_parts(*_content_parts(self))


# Fields that describe the entry (everything except its identity); ``changed_fields`` names these.
CONTENT_FIELDS = tuple(
    f.name for f in fields(Designation) if f.name not in ("list_name", "entity_id")
)

Snapshot = dict[str, Designation]


def _content_parts(designation: Designation) -> list[str]:
    parts = []
    for name in CONTENT_FIELDS:
        value = getattr(designation, name)
        parts.append("\x1e".join(value) if isinstance(value, tuple) else str(value or ""))
    return parts


def changed_fields(previous: Designation, current: Designation) -> tuple[str, ...]:
    """Names of the descriptive fields whose values differ, in declaration order."""
    return tuple(n for n in CONTENT_FIELDS if getattr(previous, n) != getattr(current, n))


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def snapshot_to_json(snapshot: Snapshot) -> bytes:
    """A versioned JSON document, designations ordered by entity id (same snapshot, same bytes)."""
    rows = [asdict(snapshot[key]) for key in sorted(snapshot)]
    document = {"format": SNAPSHOT_FORMAT, "designations": rows}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_from_json(data: bytes) -> Snapshot:
    """The inverse of ``snapshot_to_json``; raises ``ValueError`` on anything it did not write."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"snapshot is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise ValueError("snapshot has an unknown format")
    rows = document.get("designations")
    if not isinstance(rows, list):
        raise ValueError("snapshot has no designation list")
    snapshot: Snapshot = {}
    for row in rows:
        designation = _designation_from_dict(row)
        snapshot[designation.entity_id] = designation
    return snapshot


def _designation_from_dict(row: Any) -> Designation:
    if not isinstance(row, dict):
        raise ValueError("snapshot designation is not an object")
    try:
        return Designation(
            list_name=str(row["list_name"]),
            entity_id=str(row["entity_id"]),
            name=str(row["name"]),
            entity_type=str(row["entity_type"]),
            programmes=tuple(str(p) for p in row.get("programmes", ())),
            countries=tuple(str(c) for c in row.get("countries", ())),
            remarks=str(row.get("remarks", "")),
            aliases=tuple(str(a) for a in row.get("aliases", ())),
            reference=str(row.get("reference", "")),
            listed_on=None if row.get("listed_on") is None else str(row["listed_on"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"snapshot designation is incomplete: {exc}") from exc
