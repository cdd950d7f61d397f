"""Bearer tokens stored only as hashes.

Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them (no slow KDF is
needed: there is nothing to brute-force). Comparison is constant-time over every stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

PREFIX = "brisk_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def match_token(presented: str, hashes: Mapping[str, str]) -> str | None:
    """The name whose hash matches ``presented``, or None. Checks every entry either way."""
    digest = hash_token(presented)
    found: str | None = None
    for name, stored in hashes.items():
        if hmac.compare_digest(digest, stored.lower()):
            found = name
    return found
