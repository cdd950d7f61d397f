"""Exponential backoff with full jitter (AWS architecture blog's "full jitter" variant).

Pure: the random draw is injected, so tests pin it and many pollers never retry in lock-step.
"""

from __future__ import annotations

from collections.abc import Callable


def backoff_delay(
    failures: int, base: float, cap: float, draw: Callable[[], float]
) -> float:
    """Seconds to wait after ``failures`` consecutive failures (1 = the first failure).

    Uniform in [0, min(cap, base · 2^(failures-1))]; ``draw`` returns a float in [0, 1).
    """
    if failures < 1:
        return 0.0
    ceiling = min(cap, base * 2 ** min(failures - 1, 32))
    return ceiling * draw()
