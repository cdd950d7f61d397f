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

    Connections are pooled by the address connected to: plain http shares one pool, so two
    names on one IP:port share connections (the bytes go to the same vetted address either
    way). A TLS connection is bound to the name its certificate was verified for, so https
    has one pool per name — else a request for ``b.example`` could ride a connection verified
    for ``a.example`` on the same CDN address. Every pool shares one SSL context and
    ``httpx_transport_kwargs`` (``limits`` is per pool); there is one per https name a client
    sends to, which the configured receivers bound.
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
        self._plain = self._transport()
        self._by_name: dict[str, httpx.AsyncHTTPTransport] = {}

    def _transport(self) -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(verify=self._ssl_context, **self._kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await vet_target(str(request.url), self._allow_private, self._resolver)
        headers = request.headers.copy()
        headers["Host"] = request.url.netloc.decode("ascii")  # host[:port], credentials never
        extensions = dict(request.extensions)
        inner = self._plain
        if target.scheme == "https":
            # A literal host in any spelling (``0x7f.1``) is checked as the address it spells.
            name = target.address if literal_address(target.host) is not None else target.host
            extensions["sni_hostname"] = name
            if name not in self._by_name:
                self._by_name[name] = self._transport()
            inner = self._by_name[name]
        # vet_target refused any credentials, so the URL has none to copy.
        pinned = httpx.Request(request.method, request.url.copy_with(host=target.address),
                               headers=headers, stream=request.stream, extensions=extensions)
        return await inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        for transport in (self._plain, *self._by_name.values()):
            await transport.aclose()
        self._by_name.clear()
