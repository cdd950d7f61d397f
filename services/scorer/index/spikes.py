"""Spike detection: is today's event volume or severity far above this country's own recent days?

Per country, one bucket per UTC day (count of risk events, summed severity in units of one
full-strength event = severity/100) over a trailing window (14 days + today, so at most 15 buckets).
Daily rather than hourly buckets: news volume has a strong daily cycle by time zone and newsroom
hours, which hourly buckets would flag as spikes, and 15 buckets keep the per-country state small
enough to write on every event. The price is that a burst must outgrow a normal *whole* day to
show, which is what a spike worth an alert means anyway.

Today is flagged when it has at least ``min_count`` events and either

    count    > mean(counts)    + k · max(std(counts),    √mean(counts))
    severity > mean(severity)  + k · max(std(severity),  √mean(severity))

over the history days (every day since the country was first seen, within the window, zeros
included). The √mean floor is the Poisson standard deviation: a perfectly flat history (std 0)
would otherwise flag one extra event. With fewer than ``min_history_days`` of history there is no
baseline to compare with, so only an absolute burst (``cold_start_count`` events in a day) flags.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class SpikeConfig:
    window_days: int = 14
    k: float = 3.0
    min_count: int = 5
    min_history_days: int = 3
    cold_start_count: int = 25


@dataclass(frozen=True)
class DayBucket:
    day: int  # proleptic Gregorian ordinal of the UTC date
    count: int = 0
    severity: float = 0.0  # Σ severity/100


@dataclass(frozen=True)
class VolumeHistory:
    buckets: tuple[DayBucket, ...] = ()  # ascending by day, only days with events
    first_day: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"buckets": [[b.day, b.count, b.severity] for b in self.buckets], "first_day": self.first_day}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VolumeHistory:
        buckets = tuple(DayBucket(int(d), int(c), float(s)) for d, c, s in data.get("buckets", []))
        first = data.get("first_day")
        return cls(buckets, None if first is None else int(first))


@dataclass(frozen=True)
class SpikeCheck:
    """The verdict with its numbers, so an alert can say why."""

    spiking: bool
    day: int
    count: int
    severity: float
    history_days: int
    count_threshold: float | None  # None when history was too short for a baseline
    severity_threshold: float | None


def utc_day(at: datetime) -> int:
    return at.astimezone(UTC).date().toordinal()


def observe(history: VolumeHistory, at: datetime, severity: float, config: SpikeConfig) -> VolumeHistory:
    """Count one event of ``severity`` (0–100) in the bucket of its UTC day; prune past the window.

    An event older than the window (relative to the newest bucket) is ignored.
    """
    day = utc_day(at)
    newest = max([day, *(b.day for b in history.buckets)])
    oldest_kept = newest - config.window_days
    if day < oldest_kept:
        return history
    by_day = {b.day: b for b in history.buckets if b.day >= oldest_kept}
    current = by_day.get(day, DayBucket(day))
    by_day[day] = DayBucket(day, current.count + 1, current.severity + severity / 100.0)
    first = day if history.first_day is None else min(history.first_day, day)
    return VolumeHistory(tuple(by_day[d] for d in sorted(by_day)), first)


def _threshold(values: list[float], k: float) -> float:
    mean = statistics.fmean(values)
    return mean + k * max(statistics.pstdev(values), math.sqrt(mean))


def detect(history: VolumeHistory, now: datetime, config: SpikeConfig) -> SpikeCheck:
    """Whether ``now``'s UTC day is a spike against the country's trailing days."""
    today = utc_day(now)
    by_day = {b.day: b for b in history.buckets}
    current = by_day.get(today, DayBucket(today))
    start = today - config.window_days
    if history.first_day is not None:
        start = max(start, history.first_day)
    days = range(start, today)
    if len(days) < config.min_history_days:
        return SpikeCheck(current.count >= config.cold_start_count, today, current.count,
                          current.severity, len(days), None, None)
    counts = [float(by_day[d].count) if d in by_day else 0.0 for d in days]
    severities = [by_day[d].severity if d in by_day else 0.0 for d in days]
    count_threshold = _threshold(counts, config.k)
    severity_threshold = _threshold(severities, config.k)
    spiking = current.count >= config.min_count and (
        current.count > count_threshold or current.severity > severity_threshold
    )
    return SpikeCheck(spiking, today, current.count, current.severity, len(days),
                      count_threshold, severity_threshold)
