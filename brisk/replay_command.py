"""The I/O around ``brisk replay``: clients, a progress bar, a summary."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from pydantic import ValidationError
from redis.asyncio import Redis
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from brisk.replay import ReplayTotals, replay_document, replay_feed
from services.ingest.failures import PublishRefused, is_transient
from services.ingest.formats import build_handler
from services.ingest.publisher import KafkaPublisher
from services.ingest.sanctions.snapshot_store import RedisSnapshotStore
from services.ingest.seen_set import RedisSeenSet
from services.ingest.settings import FeedConfig, IngestSettings
from services.ingest.sources.base import Document
from shared.clock import utc_now
from shared.kafka import ensure_topics, make_producer
from shared.settings import CommonSettings

REDIS_TIMEOUT_SECONDS = 5.0


def run_replay(
    path: Path, fmt: str, speed: float, source: str, announce_initial: bool, bootstrap: str,
    redis_url: str,
) -> int:
    """Exit code: 0 when the file was read (refused items are in the dead-letter topic), 1 when
    the whole document was refused, 2 for a bad format or file, 3 when the broker or Redis
    was unavailable (what was acknowledged is kept; run it again for the rest)."""
    try:
        feed = replay_feed(fmt, source, str(path), announce_initial)
    except ValidationError as exc:
        typer.echo(f"invalid replay: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
                   err=True)
        return 2
    limit = IngestSettings().max_body_bytes
    body = path.read_bytes()
    if len(body) > limit:
        typer.echo(f"{path} is larger than BRISK_INGEST_MAX_BODY_BYTES ({limit})", err=True)
        return 2
    try:
        totals = asyncio.run(_replay(Document(source, str(path), body, utc_now()), feed, speed,
                                     bootstrap, redis_url))
    except PublishRefused as exc:
        typer.echo(f"refused {path}: {exc.reason} (and the broker refused its dead letter)",
                   err=True)
        return 1
    except Exception as exc:
        if not is_transient(exc):
            raise
        typer.echo(f"replay of {path} stopped: the broker or Redis is unavailable ({exc}); "
                   "run it again to publish the rest", err=True)
        return 3
    if totals.refused_document:
        typer.echo(f"refused {path}: {totals.refused_document} (sent to the dead-letter topic)",
                   err=True)
        return 1
    typer.echo(f"{path}: {totals.events} events, {totals.published} published, "
               f"{totals.duplicates} already published, {totals.invalid} refused, "
               f"{totals.oversized} too large (dead-letter topic)")
    return 0


async def _replay(
    doc: Document, feed: FeedConfig, speed: float, bootstrap: str, redis_url: str
) -> ReplayTotals:
    common = CommonSettings(kafka_bootstrap=bootstrap, redis_url=redis_url)
    ingest = IngestSettings()
    await ensure_topics(bootstrap)
    # A Redis that hangs must end the replay (exit 3), not stall it.
    redis = Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    producer = make_producer(common, client_id="brisk-replay")
    await producer.start()
    try:
        handler = build_handler(feed, RedisSnapshotStore(redis))
        with Progress(TextColumn("[bold]replaying"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("replay", total=None)
            return await replay_document(
                doc, handler, KafkaPublisher(producer, ingest.publish_timeout_seconds),
                # The same scope as the ingest service: BRISK_INGEST_SEEN_SCOPE.
                RedisSeenSet(redis, ingest.seen_ttl_seconds, ingest.seen_scope), utc_now, speed,
                max_message_bytes=common.max_message_bytes,
                progress=lambda n: bar.advance(task, n),
            )
    finally:
        await producer.stop()
        await redis.aclose()
