"""The HTTP client webhooks are sent with: aiohttp, connecting only to addresses just checked.

The connector's one resolver is ``VettingResolver``: every new connection resolves the name
through it, every answer is checked (``url_guard.vetted_addresses``), and aiohttp connects to
what it returned and nothing else, so a DNS server cannot answer a check with a public address
and the connection with 127.0.0.1 (DNS rebinding). A literal address never reaches a resolver,
so a middleware checks the URL of every request the session makes, a followed redirect's too
(``url_guard.checked_endpoint``: scheme, credentials, name, and a literal address in any
spelling); aiohttp also refuses the legacy numeric spellings (``2130706433``, ``127.1``) a
connector would otherwise map onto an address. The original name stays where the receiver and
TLS need it: the ``Host`` header, the SNI and the name the certificate must match.

Connections are pooled per name, port and TLS, so a connection verified for ``a.example`` is
never used for ``b.example`` on the same address, and a pooled connection was checked when it
was made. Redirects are not followed (``allow_redirects=False`` at the call), no proxy is taken
from the environment, and cookies are not kept: a receiver's cookie must not reach another.

aiohttp, not httpx: a signed POST costs ~0.17 ms of CPU here against ~0.9 ms through httpx's
pools, and the alerts process is CPU-bound when it drains a backlog (bench/alerts_delivery.py).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Mapping

import aiohttp
from aiohttp import ClientHandlerType, ClientMiddlewareType, ClientRequest, ClientResponse
from aiohttp.abc import AbstractResolver, ResolveResult

from services.alerts.url_guard import Resolver, SystemResolver, checked_endpoint, vetted_addresses
from shared.alerting.targets import AllowPrivate

# One endpoint sends one request at a time: a few connections per destination suffice.
CONNECTIONS_PER_DESTINATION = 4


class VettingResolver(AbstractResolver):
    """``resolve`` raises ``url_guard.UnsafeTarget`` (refused: do not retry) or
    ``url_guard.UnresolvableTarget`` (DNS failed: retry later). Neither is an ``OSError``, so
    aiohttp passes them to the caller as they are, not as a connection error."""

    def __init__(self, allow_private: AllowPrivate, resolver: Resolver | None = None) -> None:
        self._allow_private = allow_private
        self._resolver = resolver if resolver is not None else SystemResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        addresses = await vetted_addresses(host, port, self._allow_private, self._resolver)
        return [ResolveResult(hostname=host, host=address, port=port,
                              family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST)
                for address in addresses]

    async def close(self) -> None:
        return None


def url_check(allow_private: AllowPrivate) -> ClientMiddlewareType:
    """A middleware refusing (``UnsafeTarget``) a request whose URL is not allowed, before any
    connection is looked for."""

    async def check(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        checked_endpoint(str(request.url), allow_private)
        return await handler(request)

    return check


def webhook_session(allow_private: AllowPrivate, timeout_seconds: float,
                    resolver: Resolver | None = None,
                    ssl_context: ssl.SSLContext | None = None,
                    headers: Mapping[str, str] | None = None) -> aiohttp.ClientSession:
    """A session for ``WebhookNotifier``; call it with an event loop running, and close it.
    ``timeout_seconds`` bounds a whole attempt, connect to last byte. ``ssl_context`` replaces
    the system's CA bundle (tests verify against their own CA); ``headers`` go on every request
    (tests tell their processes apart by one)."""
    connector = aiohttp.TCPConnector(
        resolver=VettingResolver(allow_private, resolver), use_dns_cache=False,
        family=socket.AF_UNSPEC,
        limit=0, limit_per_host=CONNECTIONS_PER_DESTINATION,
        ssl=ssl_context if ssl_context is not None else True)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False,
        headers=headers, middlewares=(url_check(allow_private),))
