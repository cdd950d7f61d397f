"""Standard Webhooks secrets: ``whsec_`` + base64 of 24-64 random bytes."""

from __future__ import annotations

import base64
import binascii
import secrets

SECRET_PREFIX = "whsec_"
SECRET_FORM = "whsec_ followed by the base64 of 24-64 random bytes"


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret; refuses anything that is not 24-64 bytes of base64."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"webhook secret is not {SECRET_FORM}") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError(f"webhook secret must be {SECRET_FORM} (it decodes to {len(key)} bytes)")
    return key


def new_secret(token_bytes: int = 32) -> str:
    """A fresh secret, shown once to whoever creates the receiver."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(token_bytes)).decode("ascii")


def mask_secret(secret: str) -> str:
    """What listings show instead of a secret: its prefix and last four characters."""
    return f"{SECRET_PREFIX}…{secret[-4:]}" if len(secret) > 10 else "whsec_…"
