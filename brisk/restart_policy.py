"""When the supervisor restarts a dead child, and when it gives up: pure, with time passed in.

A child that dies is restarted after a delay that doubles with each exit in the window (0.5 s,
1 s, 2 s … capped), so a transient failure is back within a second while a hard one does not
spin. Five exits within two minutes is a crash loop: something no restart will mend (a bad
setting, a broken data dir), and the stack stops loudly instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    max_exits: int = 5
    window_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def recent(self, exits: Sequence[float], now: float) -> list[float]:
        """The exit times still inside the window ending at ``now``."""
        return [t for t in exits if now - t <= self.window_seconds]

    def is_crash_loop(self, exits: Sequence[float], now: float) -> bool:
        return len(self.recent(exits, now)) >= self.max_exits

    def delay(self, exits: Sequence[float], now: float) -> float:
        """Seconds to wait before the next start, given every exit so far (the last one included)."""
        count = max(1, len(self.recent(exits, now)))
        return float(min(self.max_delay, self.base_delay * 2 ** (count - 1)))
