"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; the signature is
``v1,`` + base64(HMAC-SHA256(secret, content)). The secret is ``whsec_`` + base64 of the key.
Receivers verify with any Standard Webhooks library and reject stale timestamps (replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from shared.alerting.webhook_secret import SECRET_PREFIX, decode_secret

__all__ = ["SECRET_PREFIX", "decode_secret", "sign", "signed_headers"]


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, msg_id, timestamp, body),
        "content-type": "application/json",
    }
