"""Deterministic ids, so the same item fetched twice is the same event everywhere."""

from __future__ import annotations

import hashlib


def event_id(source: str, native_id: str) -> str:
    """32 hex chars of SHA-256 over ``source`` and the item's native id (or URL when it has none).

    The source is part of the hash because two feeds may reuse the same native id; the id is
    stable across restarts and replays, which is what dedup and idempotent stores rely on.
    """
    digest = hashlib.sha256(f"{source}\x1f{native_id}".encode()).hexdigest()
    return digest[:32]


def fingerprint(*parts: str) -> str:
    """A stable 32-hex-char fingerprint of an ordered tuple of strings."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
