"""An httpx transport that connects only to the address it has just checked.

Each request's URL is vetted (``url_guard.vet_target``: resolved once, every address checked)
and then sent to the vetted IP, with the original name kept where the receiver and TLS need it:
the ``Host`` header, and for https the SNI and the name the certificate must match (httpcore's
``sni_hostname`` extension). Nothing resolves the name a second time, so a DNS server cannot
answer the check with a public address and the connection with 127.0.0.1 (DNS rebinding).

Use it as ``httpx.AsyncClient(transport=PinnedTransport(...), follow_redirects=False)``. A
redirect a caller does follow is a new request, so it is vetted too.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from services.alerts.url_guard import Resolver, SystemResolver, vet_target
from shared.alerting.targets import AllowPrivate, literal_address


class PinnedTransport(httpx.AsyncBaseTransport):
    """``handle_async_request`` raises ``url_guard.UnsafeTarget`` (refused: do not retry) or
    ``url_guard.UnresolvableTarget`` (DNS failed: retry later) before anything is sent. Neither
    is an ``httpx.HTTPError``: ``client.post`` passes them through as they are, so a caller
    catches them before ``httpx.HTTPError`` (connection errors, timeouts).

    Connections are pooled per destination — the vetted address and port, and for https also
    the name: a TLS connection is bound to the name its certificate was verified for, else a
    request for ``b.example`` could ride a connection verified for ``a.example`` on the same CDN
    address. One small pool per destination, not one big pool: httpcore scans every connection
    of a pool on each request and release, which made one pool of 100 connections the
    bottleneck at 300 deliveries/s. Every pool shares one SSL context and
    ``httpx_transport_kwargs`` (``limits`` is per destination); the configured receivers bound
    how many there are.
    """

    def __init__(self, allow_private: AllowPrivate, resolver: Resolver | None = None,
                 **httpx_transport_kwargs: Any) -> None:
        self._allow_private = allow_private
        self._resolver = resolver if resolver is not None else SystemResolver()
        verify = httpx_transport_kwargs.pop("verify", True)
        cert = httpx_transport_kwargs.pop("cert", None)
        trust_env = httpx_transport_kwargs.pop("trust_env", True)
        # Built once: loading the CA bundle costs milliseconds per context.
        self._ssl_context: ssl.SSLContext = (
            verify if isinstance(verify, ssl.SSLContext)
            else httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env))
        self._kwargs = httpx_transport_kwargs
        self._pools: dict[tuple[str, str, str, int], httpx.AsyncHTTPTransport] = {}

    def _transport(self) -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(verify=self._ssl_context, **self._kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await vet_target(str(request.url), self._allow_private, self._resolver)
        headers = request.headers.copy()
        headers["Host"] = request.url.netloc.decode("ascii")  # host[:port], credentials never
        extensions = dict(request.extensions)
        name = ""
        if target.scheme == "https":
            # A literal host in any spelling (``0x7f.1``) is checked as the address it spells.
            name = target.address if literal_address(target.host) is not None else target.host
            extensions["sni_hostname"] = name
        key = (target.scheme, name, target.address, target.port)
        inner = self._pools.get(key)
        if inner is None:
            inner = self._pools[key] = self._transport()
        # vet_target refused any credentials, so the URL has none to copy.
        pinned = httpx.Request(request.method, request.url.copy_with(host=target.address),
                               headers=headers, stream=request.stream, extensions=extensions)
        return await inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        for transport in self._pools.values():
            await transport.aclose()
        self._pools.clear()
