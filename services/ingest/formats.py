"""Feed format → the handler that turns its documents into RawEvents.

One registry for the service, ``brisk replay`` and the tests, so every path parses a format the
same way. Snapshot formats (sanctions lists) need the snapshot store; the rest are pure parsers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.ingest.ais.signals import parse_nmea_document
from services.ingest.handlers import Handled, Handler, ParserHandler
from services.ingest.parsers.base import Parsed, Parser, Rejected
from services.ingest.parsers.feed import parse_feed
from services.ingest.parsers.gdelt import parse_gdelt_export
from services.ingest.parsers.gdelt_gkg import parse_gdelt_gkg
from services.ingest.parsers.push_items import parse_jsonl_items
from services.ingest.parsers.regulator_docs import parse_federal_register, parse_regulations_gov
from services.ingest.sanctions.diff import changes_to_events, ftm_delta_changes, plan_snapshot
from services.ingest.sanctions.model import Snapshot
from services.ingest.sanctions.ofac_csv import parse_ofac_csv
from services.ingest.sanctions.opensanctions import parse_ftm_entities
from services.ingest.sanctions.snapshot_store import SnapshotStore
from services.ingest.sanctions.un_xml import parse_un_xml
from services.ingest.settings import SNAPSHOT_FORMATS, FeedConfig
from services.ingest.sources.base import Document

SnapshotParser = Callable[[bytes], tuple[Snapshot, list[Rejected]]]


def parse_ftm_delta(doc: Document) -> Parsed:
    changes, rejected = ftm_delta_changes(doc.body)
    return Parsed(changes_to_events(changes, doc), rejected)


def _nmea(doc: Document) -> Parsed:
    return parse_nmea_document(doc)


DOCUMENT_PARSERS: dict[str, Parser] = {
    "rss": parse_feed,
    "atom": parse_feed,
    "gdelt": parse_gdelt_export,
    "gdelt-gkg": parse_gdelt_gkg,
    "ftm-delta": parse_ftm_delta,
    "federal-register": parse_federal_register,
    "regulations-gov": parse_regulations_gov,
    "nmea": _nmea,
    "jsonl": parse_jsonl_items,
}

SNAPSHOT_PARSERS: dict[str, SnapshotParser] = {
    "sdn": lambda body: parse_ofac_csv(body, "ofac-sdn"),
    "ofac-cons": lambda body: parse_ofac_csv(body, "ofac-cons"),
    "un": parse_un_xml,
    "ftm": parse_ftm_entities,
}

ALL_FORMATS: tuple[str, ...] = tuple(sorted({*DOCUMENT_PARSERS, *SNAPSHOT_PARSERS}))
assert set(ALL_FORMATS) >= SNAPSHOT_FORMATS


@dataclass(frozen=True)
class SnapshotHandler:
    """A list snapshot → one event per designation added, removed or changed since the last.

    The new snapshot replaces the stored one only after its events are published.
    """

    parse: SnapshotParser
    store: SnapshotStore
    key: str
    announce_initial: bool

    async def __call__(self, doc: Document) -> Handled:
        current, rejected = self.parse(doc.body)
        previous = await self.store.load(self.key)
        changes = plan_snapshot(previous, current, self.announce_initial)

        async def save() -> None:
            await self.store.save(self.key, current)

        return Handled(Parsed(changes_to_events(changes, doc), rejected), after_publish=save)


def build_handler(feed: FeedConfig, snapshots: SnapshotStore) -> Handler:
    if feed.format in SNAPSHOT_PARSERS:
        # Keyed by feed name: two feeds of the same list keep separate baselines.
        return SnapshotHandler(SNAPSHOT_PARSERS[feed.format], snapshots, feed.name,
                               feed.announce_initial)
    return ParserHandler(DOCUMENT_PARSERS[feed.format])
