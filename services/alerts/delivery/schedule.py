"""How long to wait before each attempt of a notification: Svix's schedule by default.

A schedule is data (``BRISK_ALERTS_…`` settings hold it as ``0s,5s,5m,30m``), validated once at
start-up; ``next_delay`` is pure, with the random draw injected so tests pin it. Jitter spreads
the retries of many notifications that failed together (a receiver's outage) so they do not all
come back in the same second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from shared.alerting.durations import format_duration, parse_duration

SVIX_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""Svix's retry schedule: the delay before attempts 1..8 (8 attempts over ~27.6 h)."""

MAX_ATTEMPTS = 20
MAX_DELAY = timedelta(hours=24)


@dataclass(frozen=True)
class RetrySchedule:
    """``delays[i]`` is the wait before attempt ``i + 1`` (``delays[0]`` normally 0: the first
    attempt is immediate). Each non-zero wait is scaled by a factor drawn uniformly from
    ``[1 - jitter, 1 + jitter]``; ``jitter`` is in [0, 1], so a wait is never negative.

    Raises ValueError unless there are 1-20 delays, each in [0, 24 h].
    """

    delays: tuple[timedelta, ...] = SVIX_SCHEDULE
    jitter: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "delays", tuple(self.delays))
        if not self.delays:
            raise ValueError("retry schedule needs at least one delay")
        if len(self.delays) > MAX_ATTEMPTS:
            raise ValueError(f"retry schedule has {len(self.delays)} delays; at most {MAX_ATTEMPTS}")
        for number, delay in enumerate(self.delays, start=1):
            if delay < timedelta(0):
                raise ValueError(f"retry schedule delay {number} ({delay}) is negative")
            if delay > MAX_DELAY:
                raise ValueError(f"retry schedule delay {number} ({format_duration(delay)}) is over "
                                 f"{format_duration(MAX_DELAY)}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"retry schedule jitter {self.jitter} is not between 0 and 1")

    @classmethod
    def parse(cls, text: str, jitter: float = 0.1) -> RetrySchedule:
        """``"0s,5s,5m,30m"`` → four attempts. Raises ValueError naming the bad part."""
        delays = []
        for number, part in enumerate(text.split(","), start=1):
            if not part.strip():
                raise ValueError(f"retry schedule {text!r}: delay {number} is empty")
            try:
                delays.append(parse_duration(part))
            except ValueError as exc:
                raise ValueError(f"retry schedule {text!r}: delay {number}: {exc}") from exc
        return cls(tuple(delays), jitter)

    def next_delay(self, attempts_made: int, draw: Callable[[], float]) -> timedelta | None:
        """The wait before the next attempt, after ``attempts_made`` (>= 1) attempts; None when
        the schedule is spent (the notification is dead). ``draw`` returns a float in [0, 1)."""
        if attempts_made < 1:
            raise ValueError(f"attempts_made must be at least 1, not {attempts_made}")
        if attempts_made >= len(self.delays):
            return None
        delay = self.delays[attempts_made]
        if delay == timedelta(0) or self.jitter == 0.0:
            return delay
        sample = min(max(draw(), 0.0), 1.0)  # a misbehaving draw still cannot go negative
        return delay * (1.0 - self.jitter + 2.0 * self.jitter * sample)

    @property
    def max_attempts(self) -> int:
        return len(self.delays)

    def span(self) -> timedelta:
        """How long a notification is retried before it is dead (without jitter)."""
        return sum(self.delays, timedelta(0))
