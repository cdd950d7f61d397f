"""``brisk prune``: delete the durable broker's record batches older than the retention."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from brisk.embedded import BUCKET
from brisk.retention import expired
from brisk.s3_bucket import delete_object, list_objects

DEFAULT_RETENTION_HOURS = 168.0  # a week: far behind any consumer, long enough to replay from


@dataclass(frozen=True)
class PruneReport:
    batches: int
    bytes: int
    kept_objects: int


def prune(endpoint: str, now: datetime, retention: timedelta, dry_run: bool = False,
          bucket: str = BUCKET) -> PruneReport:
    objects = list(list_objects(endpoint, bucket))
    doomed = expired(objects, now, retention)
    if not dry_run:
        for batch in doomed:
            delete_object(endpoint, bucket, batch.stored.key)
    return PruneReport(len(doomed), sum(b.stored.size for b in doomed),
                       len(objects) - len(doomed))


class HourlyPrune:
    """``brisk up``'s retention: a prune every ``interval`` seconds, on a thread of its own so
    the supervisor never waits for it; its outcome is said in one line."""

    def __init__(self, endpoint: str, retention: timedelta, say: Callable[[str], None],
                 interval: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.retention = retention
        self.say = say
        self.interval = interval
        self.clock = clock
        self.due = clock() + 60.0  # the first once the stack has settled
        self.running: threading.Thread | None = None

    def tick(self) -> None:
        if self.clock() < self.due or (self.running is not None and self.running.is_alive()):
            return
        self.due = self.clock() + self.interval
        self.running = threading.Thread(target=self._run, name="brisk-prune", daemon=True)
        self.running.start()

    def _run(self) -> None:
        try:
            report = prune(self.endpoint, datetime.now(UTC), self.retention)
        except OSError as exc:
            self.say(f"prune failed (retried in {self.interval:.0f}s): {exc}")
            return
        if report.batches:
            self.say(f"pruned {report.batches} record batches ({report.bytes} bytes) older than "
                     f"{self.retention.total_seconds() / 3600:g} h")


def retention_hours(env: Mapping[str, str]) -> float:
    """``BRISK_BROKER_RETENTION_HOURS`` (default a week); ValueError names the setting."""
    raw = env.get("BRISK_BROKER_RETENTION_HOURS", "") or str(DEFAULT_RETENTION_HOURS)
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    if not hours >= 1:
        raise ValueError(f"BRISK_BROKER_RETENTION_HOURS must be a number of hours >= 1, not {raw!r}")
    return hours
