"""Standard Webhooks signatures (https://www.standardwebhooks.com/), with key rotation.

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; a signature is ``v1,`` +
base64(HMAC-SHA256(key, content)), where the key is the base64 part of the ``whsec_`` secret.
``webhook-signature`` holds one signature per key, space-separated (the specification's way to
rotate a secret without downtime): the current key first, then the previous one during its
grace period. A receiver accepts the message if any signature verifies with its secret, so it
can switch to the new secret whenever it likes within the grace period. Receivers verify with
any Standard Webhooks library and reject stale timestamps (replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from shared.alerting.webhook_secret import SECRET_PREFIX, decode_secret

__all__ = ["SECRET_PREFIX", "decode_secret", "sign", "signature_header", "signed_headers"]


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of the message with ``key`` (a decoded secret)."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per distinct key, in the given order
    (current first). Raises ValueError without a key, TypeError for one bare key (``bytes`` is a
    sequence too, of ints: pass ``[key]``)."""
    if isinstance(keys, bytes | bytearray | memoryview):
        raise TypeError("keys is a sequence of keys, current first: pass [key], not key")
    distinct = list(dict.fromkeys(keys))  # a secret "rotated" to itself is signed once
    if not distinct:
        raise ValueError("a webhook needs at least one signing key")
    return " ".join(sign(key, msg_id, timestamp, body) for key in distinct)


def signed_headers(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt. ``timestamp`` is Unix seconds (now, for
    each attempt afresh); ``msg_id`` the notification's id, the same on every attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(keys, msg_id, timestamp, body),
        "content-type": "application/json",
    }
