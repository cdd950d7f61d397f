"""Vet a webhook target at delivery time: resolve its host once and check every address.

The policy is ``shared.alerting.targets`` (the same one registration applies). What this adds is
the resolution, and an answer that says *which* addresses may be connected to: the caller must
connect there and nowhere else (``webhook_client.VettingResolver`` is the connector's only
resolver), because resolving the name again at connect time would let a DNS server answer a
public address to the check and 127.0.0.1 to the connection (DNS rebinding).

Two steps, because a pooled connection needs only the first again: ``checked_endpoint`` (the
URL, and a literal address; no DNS) before every attempt, ``vetted_addresses`` (resolve, check
every answer) at every connect.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Protocol

from shared.alerting.targets import (
    AllowPrivate,
    Endpoint,
    RefusedTarget,
    address_problem,
    name_problem,
    parse_endpoint,
)


class UnsafeTarget(Exception):
    """The target may not be called: not retryable. The message says why and names the host,
    never the URL's path, query or credentials (webhook URLs often embed secrets)."""


class UnresolvableTarget(Exception):
    """The host did not resolve: retryable, DNS can be down."""


class Resolver(Protocol):
    """Resolves ``host`` to addresses as text; raises ``UnresolvableTarget`` when it cannot."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The system's resolver, through the event loop's ``getaddrinfo`` (a thread: it blocks)."""

    async def resolve(self, host: str, port: int) -> list[str]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                                  type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise UnresolvableTarget(f"cannot resolve {host}: {exc}") from None
        # In getaddrinfo's order (RFC 6724: an address family without a route sorts last).
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_endpoint(url: str, allow_private: AllowPrivate) -> Endpoint:
    """``url`` parsed, or ``UnsafeTarget``: its scheme, credentials and name are checked, and a
    host that is an address (in any spelling) is checked as that address. Nothing is resolved."""
    try:
        endpoint = parse_endpoint(url)
    except RefusedTarget as exc:
        raise UnsafeTarget(f"the URL {exc}") from None
    host = endpoint.host
    problem = (address_problem(endpoint.address, allow_private) if endpoint.address is not None
               else name_problem(host, allow_private))
    if problem:
        raise UnsafeTarget(f"{host} {problem}")
    return endpoint


async def vetted_addresses(host: str, port: int, allow_private: AllowPrivate,
                           resolver: Resolver) -> list[str]:
    """``host``'s addresses, every one checked, or ``UnsafeTarget`` / ``UnresolvableTarget``.
    A name is refused if *any* of its addresses is refused — a DNS server an attacker controls
    may mix a public address with a private one."""
    answers = await resolver.resolve(host, port)
    if not answers:
        raise UnresolvableTarget(f"{host} resolved to no address")
    addresses = []
    for text in answers:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise UnsafeTarget(f"{host} resolves to {text!r}, which is not an address") from None
        problem = address_problem(address, allow_private)
        if problem:
            raise UnsafeTarget(f"{host} resolves to {address}, which {problem}")
        addresses.append(str(address))
    return addresses
