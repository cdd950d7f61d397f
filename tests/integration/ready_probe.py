"""Asking a running service's ``/ready``: its status and the checks it names as failed."""

from __future__ import annotations

from collections.abc import Callable

import httpx


def ready(url: str) -> tuple[int, list[str]]:
    """``(status, failed checks)``; ``(0, [])`` when nothing answers."""
    try:
        response = httpx.get(f"{url}/ready", timeout=5)
    except httpx.HTTPError:
        return 0, []
    return response.status_code, list(response.json().get("failed", []))


def ready_is(url: str, status: int, failed: list[str] | None = None) -> Callable[[], bool]:
    """A ``wait_for`` condition: ``/ready`` answers ``status`` (naming exactly ``failed``)."""

    def check() -> bool:
        got_status, got_failed = ready(url)
        return got_status == status and (failed is None or got_failed == failed)

    return check
