"""SSRF protection for webhook targets.

A target must be http(s) without credentials, and every address its host resolves to must be
public: loopback, private, link-local (cloud metadata at 169.254.169.254), multicast, reserved
and unspecified addresses are refused unless the operator allows private targets.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from shared.alerting.targets import AllowPrivate


class UnsafeTarget(Exception):
    """The URL may not be called; not retryable."""


def check_url_shape(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget(f"scheme {parts.scheme!r} is not http or https")
    if parts.username or parts.password:
        raise UnsafeTarget("credentials in the URL are not allowed")
    if not parts.hostname:
        raise UnsafeTarget("URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget(f"invalid port: {exc}") from exc
    return parts.hostname, port


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_target(url: str, allow_private: AllowPrivate) -> None:
    """Raise ``UnsafeTarget`` unless ``url`` may be called. ``allow_private``: True allows every
    non-public address; a list of networks allows addresses inside them only."""
    host, port = check_url_shape(url)
    if allow_private is True:
        return
    allowed = [] if allow_private is False else list(allow_private)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeTarget(f"cannot resolve {host}: {exc}") from exc
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if any(ipaddress.ip_address(address) in net for net in allowed):
            continue
        if not is_public(address):
            raise UnsafeTarget(f"{host} resolves to non-public address {address}")
