"""What changed on a sanctions list: snapshot against snapshot, or an OpenSanctions delta file.

A change is announced once: its event id hashes the list, the entry, the kind of change and the
entry's fingerprint, so the same change seen twice (a re-fetch, a restart before the snapshot
was saved) is the same event, while a later, different change to the same entry is a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.ingest.parsers.base import Rejected, document_event, json_lines
from services.ingest.sanctions.model import Designation, Snapshot, changed_fields
from services.ingest.sanctions.opensanctions import (
    designation_from_ftm,
    ftm_change_time,
    is_designation,
    read_entity,
)
from services.ingest.sanctions.presentation import change_summary, change_title, list_url
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent

ChangeKind = Literal["added", "removed", "changed"]
MAX_REMOVED_SHARE = 0.5
GUARDED_SIZE = 50  # below this a list is small enough that halving it can be real
_DELTA_KINDS: dict[str, ChangeKind] = {"ADD": "added", "MOD": "changed", "DEL": "removed"}


@dataclass(frozen=True)
class Change:
    """``designation`` is the entry as it is now (as it was, for a removal); ``previous`` is set
    for a snapshot "changed"; ``observed_at`` is when the source says the change happened."""

    kind: ChangeKind
    designation: Designation
    previous: Designation | None = None
    observed_at: datetime | None = None

    @property
    def changed_fields(self) -> tuple[str, ...]:
        if self.previous is None:
            return ()
        return changed_fields(self.previous, self.designation)


def diff_snapshots(previous: Snapshot, current: Snapshot) -> list[Change]:
    """Additions, removals and changed fingerprints, ordered by entity id (then kind)."""
    changes: list[Change] = []
    for entity_id in sorted(previous.keys() | current.keys(), key=_id_order):
        before, after = previous.get(entity_id), current.get(entity_id)
        if before is None and after is not None:
            changes.append(Change("added", after))
        elif after is None and before is not None:
            changes.append(Change("removed", before))
        elif before is not None and after is not None:
            if before.fingerprint() != after.fingerprint():
                changes.append(Change("changed", after, previous=before))
    return changes


def plan_snapshot(
    previous: Snapshot | None,
    current: Snapshot,
    announce_initial: bool,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> list[Change]:
    """The changes to announce for a newly fetched snapshot.

    Without a previous snapshot the list is a baseline: announcing its ~15,000 standing entries
    as news would drown every real signal, so nothing is announced unless ``announce_initial``
    (then every entry is "added" — useful for a demo or a deliberately small list).

    A snapshot that would de-list more than ``max_removed_share`` of a list of at least
    ``GUARDED_SIZE`` entries is refused (``InvalidEvent``) rather than announced: real lists
    never shrink like that, while a truncated download, an error page or the wrong list does.
    Refusing keeps the stored snapshot, so the next good fetch diffs against it; an operator
    who knows the shrink is real deletes the stored snapshot to start a new baseline.
    """
    if previous is None:
        return diff_snapshots({}, current) if announce_initial else []
    changes = diff_snapshots(previous, current)
    removed = sum(change.kind == "removed" for change in changes)
    if len(previous) >= GUARDED_SIZE and removed > max_removed_share * len(previous):
        raise InvalidEvent(f"snapshot would de-list {removed} of {len(previous)} entries; "
                           "refused as a likely truncated or wrong document")
    return changes


def ftm_delta_changes(body: bytes) -> tuple[list[Change], list[Rejected]]:
    """Changes from an OpenSanctions delta file: JSON lines of ``{"op": …, "entity": {…}}``.

    ADD → added, MOD → changed (the delta carries no previous version, so ``previous`` is None),
    DEL → removed. A deletion may carry nothing but the entity id. Entities that are not listed
    parties (addresses, sanction records …) are skipped, as in ``parse_ftm_entities``.
    """
    changes, rejected, _ = json_lines(body, _delta_change)
    changes.sort(key=lambda c: _id_order(c.designation.entity_id))
    return changes, rejected


def _delta_change(record: object) -> Change | None:
    if not isinstance(record, dict):
        raise InvalidEvent("delta line is not a JSON object")
    op = record.get("op")
    kind = _DELTA_KINDS.get(op) if isinstance(op, str) else None
    if kind is None:
        raise InvalidEvent(f"unknown delta op {str(op)[:40]!r}")
    entity = read_entity(record.get("entity"))
    if "schema" in entity and not is_designation(entity):
        return None
    return Change(kind, designation_from_ftm(entity), observed_at=ftm_change_time(entity))


def changes_to_events(changes: Iterable[Change], doc: Document) -> list[RawEvent]:
    """One "policy" RawEvent per change, from the document the changes were found in.

    A list gives no time per entry, so an event is dated when the list was fetched (flagged
    ``published_at_inferred``) unless the change itself carries a time (OpenSanctions deltas).
    """
    return [change_to_event(change, doc) for change in changes]


def change_to_event(change: Change, doc: Document) -> RawEvent:
    designation = change.designation
    native_id = ":".join((designation.list_name, designation.entity_id, change.kind,
                          designation.fingerprint()))
    fields: dict[str, str | int | float | bool | None] = {
        "list_name": designation.list_name,
        "change": change.kind,
        "entity_id": designation.entity_id,
        "entity_type": designation.entity_type,
        "programmes": "; ".join(designation.programmes)[:1000],
        "countries": "; ".join(designation.countries),
    }
    if change.kind == "changed":
        fields["changed_fields"] = "; ".join(change.changed_fields)
    if designation.reference:
        fields["reference"] = designation.reference
    if designation.listed_on:
        fields["listed_on"] = designation.listed_on
    # Only a name of thousands of characters could fail the contract here.
    return document_event(
        doc, kind="policy", native_id=native_id,
        title=change_title(change.kind, designation, change.changed_fields),
        summary=change_summary(change.kind, designation, change.previous),
        url=list_url(designation), published_at=change.observed_at, language="en",
        fields=fields,
    )


def _id_order(entity_id: str) -> tuple[int, str]:
    """Numeric ids (OFAC, UN) in numeric order, then the rest as text: stable and readable."""
    return (int(entity_id), "") if entity_id.isdigit() else (1 << 62, entity_id)


def kinds(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes of each kind: for logs and metrics."""
    counts = {"added": 0, "removed": 0, "changed": 0}
    for change in changes:
        counts[change.kind] += 1
    return counts
