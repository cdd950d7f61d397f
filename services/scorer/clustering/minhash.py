"""MinHash signatures and LSH band keys of a token set, with a deterministic hash.

Each token is hashed once with BLAKE2b (keyed by a fixed personalisation, never Python's salted
``hash()``, so every process and every restart computes the same signature). The digest is cut
into 16-bit lanes; lane ``i`` of every token is the i-th hash function, and a set's i-th MinHash
value is the minimum of its tokens' lane ``i``. For two sets A and B, each value agrees with
probability Jaccard(A, B), so two titles share a band of ``rows`` values with probability
J**rows, and LSH finds them through at least one of ``bands`` bands with probability
1 - (1 - J**rows)**bands.

16-bit lanes are enough: the values only propose candidates, which the clusterer then confirms
on the exact token sets. A spurious lane tie between two different tokens (p = 2**-16 per pair)
only costs one extra confirmation.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

_PERSON = b"brisk-story-v1"
_LANE_BITS = 16
_LANES_PER_DIGEST = 32  # a 64-byte BLAKE2b digest holds 32 lanes of 16 bits


def token_lanes(token: str, count: int) -> tuple[int, ...]:
    """``count`` independent 16-bit hashes of ``token``: the same on every machine and run."""
    data = token.encode("utf-8")
    digests = b"".join(
        hashlib.blake2b(data, digest_size=64, person=_PERSON, salt=chunk.to_bytes(16, "little")).digest()
        for chunk in range(-(-count // _LANES_PER_DIGEST))
    )
    return struct.unpack_from(f"<{count}H", digests)


def signature(tokens: Iterable[str], count: int) -> tuple[int, ...]:
    """The MinHash signature: per hash function, the least value over the tokens.

    ``tokens`` must not be empty (an empty set has no signature).
    """
    return tuple(map(min, zip(*(token_lanes(t, count) for t in tokens), strict=True)))


def band_keys(sig: tuple[int, ...], bands: int, rows: int) -> list[int]:
    """One integer key per band: the band number and its ``rows`` values packed together, so
    equal keys mean an equal band (no second hash, hence no further collisions)."""
    keys = []
    for band in range(bands):
        key = band
        for value in sig[band * rows:(band + 1) * rows]:
            key = (key << _LANE_BITS) | value
        keys.append(key)
    return keys
