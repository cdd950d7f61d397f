from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.alerts.notifiers.base import Notification
from services.alerts.payloads.example import example_content
from services.alerts.payloads.render import render
from services.alerts.signer import decode_secret, sign, signed_headers

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
PREVIOUS = "whsec_" + base64.b64encode(b"p" * 32).decode()  # rotated out, in its grace period
OTHER = "whsec_" + base64.b64encode(b"x" * 32).decode()


def signed(*secrets: str) -> tuple[bytes, dict[str, str]]:
    # The reference library checks the timestamp against its own wall clock (±5 min).
    content = example_content()
    body = render("brisk", content, 0)
    keys = [decode_secret(secret) for secret in secrets or (SECRET,)]
    return body, signed_headers(keys, content.id, int(time.time()), body)


def test_standard_webhooks_library_verifies_our_signature() -> None:
    body, headers = signed()
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "alert.group.firing"
    assert payload["group"]["labels"] == {"category": "political", "country": "PAK"}
    assert headers["webhook-id"] == payload["id"]


def test_a_tampered_body_fails_verification() -> None:
    body, headers = signed()
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"PAK", b"IND"), headers)


def test_another_secret_fails_verification() -> None:
    body, headers = signed()
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER).verify(body, headers)


def test_a_stale_timestamp_fails_verification() -> None:
    content = example_content()
    body = render("brisk", content, 0)
    headers = signed_headers([decode_secret(SECRET)], content.id, int(time.time()) - 3600, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)


def test_signature_matches_the_specification_example() -> None:
    key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    headers = signed_headers([key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}')
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


# --- key rotation: both signatures are sent during the grace period ---------------------------

@pytest.mark.parametrize("secret", [SECRET, PREVIOUS])
def test_during_rotation_either_secret_alone_verifies(secret: str) -> None:
    body, headers = signed(SECRET, PREVIOUS)
    assert Webhook(secret).verify(body, headers)["type"] == "alert.group.firing"


def test_during_rotation_the_current_signature_comes_first() -> None:
    body, headers = signed(SECRET, PREVIOUS)
    msg_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
    assert headers["webhook-signature"].split(" ") == [
        sign(decode_secret(SECRET), msg_id, timestamp, body),
        sign(decode_secret(PREVIOUS), msg_id, timestamp, body)]


@pytest.mark.parametrize("secret", [SECRET, PREVIOUS])
def test_during_rotation_a_tampered_body_fails_with_either_secret(secret: str) -> None:
    body, headers = signed(SECRET, PREVIOUS)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"PAK", b"IND"), headers)


def test_during_rotation_a_third_secret_fails() -> None:
    body, headers = signed(SECRET, PREVIOUS)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER).verify(body, headers)


def test_a_secret_rotated_to_itself_is_signed_once() -> None:
    _, headers = signed(SECRET, SECRET)
    assert headers["webhook-signature"].count("v1,") == 1


def test_one_bare_key_is_refused_rather_than_signed_byte_by_byte() -> None:
    with pytest.raises(TypeError, match=r"pass \[key\]"):
        signed_headers(decode_secret(SECRET), "msg_1", 1614265330, b"{}")  # type: ignore[arg-type]


def test_signing_needs_at_least_one_key() -> None:
    with pytest.raises(ValueError, match="at least one"):
        signed_headers([], "msg_1", 1614265330, b"{}")


@pytest.mark.parametrize(
    "secret", ["whsec_not-base64!", "whsec_" + base64.b64encode(b"short").decode()]
)
def test_weak_or_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        decode_secret(secret)


# --- what the notifier carries ---------------------------------------------------------------

def test_the_keys_and_body_stay_out_of_repr() -> None:
    note = example_content()
    notification = Notification(id=note.id, receiver=note.receiver, url="https://hooks.example.com/x",
                                keys=(decode_secret(SECRET), decode_secret(PREVIOUS)),
                                body=render("brisk", note, 0))
    text = repr(notification)
    assert "keys=" not in text and "body=" not in text
