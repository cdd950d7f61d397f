from __future__ import annotations

import base64
import ipaddress
import time

import httpx
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from services.alerts.notifiers.base import Notification
from services.alerts.notifiers.webhook import WebhookNotifier
from services.alerts.payloads.example import example_content
from services.alerts.payloads.render import render
from services.alerts.signer import decode_secret, signed_headers
from shared.clock import utc_now

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def signed() -> tuple[bytes, dict[str, str]]:
    # The reference library checks the timestamp against its own wall clock (±5 min).
    content = example_content()
    body = render("brisk", content, 0)
    return body, signed_headers(decode_secret(SECRET), content.id, int(time.time()), body)


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
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)


def test_a_stale_timestamp_fails_verification() -> None:
    content = example_content()
    body = render("brisk", content, 0)
    headers = signed_headers(decode_secret(SECRET), content.id, int(time.time()) - 3600, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)


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


# --- the notifier (delivery and signature verification end to end: test_webhook_payloads) ----

def notification(url: str) -> Notification:
    note = example_content()
    return Notification(id=note.id, receiver=note.receiver, url=url, key=decode_secret(SECRET),
                        body=render("brisk", note, 0))


async def test_a_private_target_is_refused_without_a_request(httpserver: HTTPServer) -> None:
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=False).notify(
            notification(httpserver.url_for("/hook")))
    assert (delivery.ok, delivery.retryable, delivery.status_code) == (False, False, None)
    assert delivery.detail.startswith("refused target")
    assert httpserver.log == []


async def test_a_redirect_is_not_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_response(
        Response(status=307, headers={"location": "http://169.254.169.254/latest/meta-data"}))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=True).notify(
            notification(httpserver.url_for("/hook")))
    assert (delivery.ok, delivery.retryable, delivery.status_code) == (False, False, 307)
    assert "redirects are not followed" in delivery.detail


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (410, False), (429, True),
                                                   (500, True), (503, True)])
async def test_http_failures_say_whether_to_retry(httpserver: HTTPServer, status: int,
                                                  retryable: bool) -> None:
    def handler(_: Request) -> Response:
        return Response("no", status=status)

    httpserver.expect_request("/hook").respond_with_handler(handler)
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=True).notify(
            notification(httpserver.url_for("/hook")))
    assert (delivery.ok, delivery.retryable, delivery.status_code) == (False, retryable, status)


async def test_an_unreachable_receiver_is_retryable() -> None:
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=True).notify(
            notification("http://127.0.0.1:9/hook"))
    assert (delivery.ok, delivery.retryable, delivery.status_code) == (False, True, None)


def test_the_key_and_body_stay_out_of_repr() -> None:
    text = repr(notification("https://hooks.example.com/x"))
    assert "key=" not in text and "body=" not in text


async def test_a_network_allowlist_is_not_read_as_allow_all(httpserver: HTTPServer) -> None:
    allowlist = [ipaddress.ip_network("10.0.0.0/8")]
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=allowlist).notify(
            notification(httpserver.url_for("/hook")))
    assert (delivery.ok, delivery.retryable) == (False, False)
    assert httpserver.log == []


async def test_a_network_allowlist_lets_in_only_its_networks(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    async with httpx.AsyncClient() as client:
        delivery = await WebhookNotifier(client, utc_now, allow_private=loopback).notify(
            notification(httpserver.url_for("/hook")))
    assert delivery.ok, delivery.detail
