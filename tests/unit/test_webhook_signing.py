from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.alerts.notifiers.webhook import message_id, webhook_body
from services.alerts.signer import decode_secret, signed_headers
from shared.schemas import Alert

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def alert() -> Alert:
    return Alert(id="a" * 32, fingerprint="a" * 32, rule="severity_threshold", status="firing",
                 severity=80, category="political", group_key="political|PAK",
                 countries=["PAK"], title="Gwadar port attack", event_ids=["e" * 32],
                 starts_at=NOW, updated_at=NOW)


def signed() -> tuple[bytes, dict[str, str]]:
    # The reference library checks the timestamp against its own wall clock (±5 min).
    body = webhook_body(alert(), lambda: NOW)
    return body, signed_headers(decode_secret(SECRET), message_id(alert()), int(time.time()), body)


def test_standard_webhooks_library_verifies_our_signature() -> None:
    body, headers = signed()
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "alert.firing"
    assert payload["data"]["group_key"] == "political|PAK"
    assert payload["data"]["event_ids"] == ["e" * 32]


def test_a_tampered_body_fails_verification() -> None:
    body, headers = signed()
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"PAK", b"IND"), headers)


def test_another_secret_fails_verification() -> None:
    body, headers = signed()
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)


def test_signature_matches_the_specification_example() -> None:
    key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    headers = signed_headers(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}')
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    "secret", ["whsec_not-base64!", "whsec_" + base64.b64encode(b"short").decode()]
)
def test_weak_or_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        decode_secret(secret)


def test_message_id_is_stable_across_retries_and_differs_by_status() -> None:
    firing = alert()
    resolved = firing.model_copy(update={"status": "resolved"})
    assert message_id(firing) == message_id(alert())
    assert message_id(firing) != message_id(resolved)
