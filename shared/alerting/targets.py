"""May a receiver URL be called? One policy, checked when a configuration is applied and again,
on every resolved address, at each delivery attempt (``services/alerts/url_guard.py``).

A URL is refused unless it is http or https, carries no credentials and has a host whose every
address is public. Refused: loopback, private, link-local, cloud metadata, carrier-grade NAT,
multicast, reserved and unspecified addresses — in any spelling a resolver accepts
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``) and inside IPv6 forms that carry an IPv4 address
(IPv4-mapped, IPv4-compatible, NAT64, 6to4: the IPv4 address is where packets go, so it is the
one judged); Teredo addresses are refused outright; ``localhost`` and ``*.localhost`` are
loopback names.

``BRISK_ALERTS_ALLOW_PRIVATE_TARGETS`` (``AllowPrivate``) relaxes that: ``true`` allows every
non-public address *except* the cloud metadata addresses (169.254.169.254 and friends serve the
host's credentials: a webhook must never reach them); a list of networks allows exactly the
addresses inside them, read literally (listing 169.254.0.0/16 allows the metadata address).
The unspecified address (0.0.0.0/8, ``::``) is never a destination, whatever the setting.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from shared.alerting.config import TenantConfig
from shared.alerting.config_yaml import ConfigError

SETTING = "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AllowPrivate = bool | Sequence[Network]

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}
# What inet_aton accepts: 1-4 dot-separated parts, each decimal, 0x-hex or 0-octal.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
_net = ipaddress.ip_network
# Addresses that hand out the host's cloud credentials: refused even when private targets are
# allowed with ``true``. AWS (IPv4 and IPv6 IMDS; ECS task credentials), GCP, Azure and Oracle
# use 169.254.169.254; Alibaba Cloud 100.100.100.200.
_METADATA = (_net("169.254.169.254/32"), _net("fd00:ec2::254/128"), _net("169.254.170.2/32"),
             _net("100.100.100.200/32"))
_THIS_NETWORK = _net("0.0.0.0/8")  # a source address only; Linux delivers 0.0.0.0 to loopback
_SHARED = _net("100.64.0.0/10")
_COMPATIBLE = _net("::/96")  # IPv4-compatible ::a.b.c.d (deprecated; :: and ::1 excluded)
_TRANSLATED = _net("::ffff:0:0:0/96")  # SIIT's IPv4-translated form
_NAT64 = _net("64:ff9b::/96")
_NAT64_LOCAL = _net("64:ff9b:1::/48")  # RFC 8215: a local translator, any RFC 6052 length
_TEREDO = _net("2001::/32")


class NameResolver(Protocol):
    """Resolves a name when a configuration is applied; raises ``OSError`` when it cannot."""

    def resolve(self, host: str, port: int) -> Sequence[str]: ...


class SocketResolver:
    """The system's resolver (``getaddrinfo``), blocking: for the command line and preflight."""

    def resolve(self, host: str, port: int) -> Sequence[str]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Endpoint:
    """What a URL calls: ``host`` lower-case, without brackets or a trailing dot; ``port`` the
    scheme's default when the URL gives none; ``address`` the one ``host`` spells, or None for
    a name."""

    scheme: str
    host: str
    port: int
    address: IPAddress | None


class RefusedTarget(ValueError):
    """The URL's shape is refused; the message completes "url … "."""


def parse_allow_private(value: str) -> bool | list[Network]:
    """``true`` / ``false`` / ``127.0.0.0/8,10.0.0.0/8`` → True / False / those networks."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    networks: list[Network] = []
    for part in text.split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{SETTING}: {part.strip()!r} is not a network; expected true, false or "
                             "a comma-separated list of networks such as 127.0.0.0/8,10.0.0.0/8"
                             ) from None
    return networks


def check_targets(config: TenantConfig, allow_private: AllowPrivate,
                  resolver: NameResolver | None = None) -> None:
    """Raise ``ConfigError`` (one line per refused receiver) unless every URL may be used.
    With a ``resolver``, names are resolved too (see ``target_problem``)."""
    problems = []
    for index, receiver in enumerate(config.receivers):
        if receiver.url is None:
            continue
        reason = target_problem(receiver.url, allow_private, resolver)
        if reason:
            problems.append(f"receivers[{index}] ({receiver.name}): url {_shown(receiver.url)} {reason}")
    if problems:
        raise ConfigError(problems)


def _shown(url: str) -> str:
    """The URL without its credentials, if it has any: error messages get copied around."""
    scheme, at, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{scheme}{at}{netloc.rpartition('@')[2]}{slash}{path}" if "@" in netloc else url


def target_problem(url: str, allow_private: AllowPrivate,
                   resolver: NameResolver | None = None) -> str | None:
    """Why ``url`` may not be a webhook target (completing "url … "), or None.

    A name is resolved only when a ``resolver`` is given, and refused if any of its addresses
    is; a name that does not resolve is no problem here (DNS may be down, the receiver not yet
    deployed): every delivery attempt resolves and checks it again."""
    try:
        endpoint = parse_endpoint(url)
    except RefusedTarget as exc:
        return str(exc)
    if endpoint.address is not None:
        return address_problem(endpoint.address, allow_private)
    problem = name_problem(endpoint.host, allow_private)
    if problem or resolver is None:
        return problem
    try:
        answers = resolver.resolve(endpoint.host, endpoint.port)
    except (OSError, UnicodeError):
        return None
    for text in answers:
        try:
            problem = address_problem(ipaddress.ip_address(text), allow_private)
        except ValueError:
            problem = "is not an address"
        if problem:
            return f"resolves to {text}, which {problem}"
    return None


def parse_endpoint(url: str) -> Endpoint:
    """Scheme, no credentials, host, port and the address a numeric host spells; raises
    ``RefusedTarget``. The reason never repeats the URL (it may hold secrets)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedTarget(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedTarget(f"has scheme {parts.scheme or '(none)'!r}; use http or https")
    if parts.username is not None or parts.password is not None:
        raise RefusedTarget("contains credentials; put them nowhere in the URL "
                            "(requests are signed instead)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedTarget("has no host")
    if port == 0:
        raise RefusedTarget("has port 0")
    try:
        address = literal_address(host)
    except ValueError as exc:
        raise RefusedTarget(str(exc)) from None
    default = 443 if parts.scheme == "https" else 80
    return Endpoint(parts.scheme, host, default if port is None else port, address)


def name_problem(host: str, allow_private: AllowPrivate) -> str | None:
    """``localhost`` and its subdomains are loopback wherever they are resolved (RFC 6761)."""
    if host == "localhost" or host.endswith(".localhost"):
        return _refusal("is a loopback name", ipaddress.IPv4Address("127.0.0.1"), allow_private)
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, as a resolver reads it (``0x7f.1`` is 127.0.0.1), or None
    for a name; raises ``ValueError`` for a numeric host no resolver accepts (``999.1.1.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        return _inet_aton(host)


def _inet_aton(host: str) -> ipaddress.IPv4Address:
    parts: list[int] = []
    for part in host.split("."):
        if part.startswith("0x"):
            parts.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                raise ValueError(f"has host {host!r}, which is neither a name nor an address")
            parts.append(int(part, 8))
        else:
            parts.append(int(part))
    *head, last = parts
    if any(p > 255 for p in head) or last >= 256 ** (4 - len(head)):
        raise ValueError(f"has host {host!r}, which is neither a name nor an address")
    value = last
    for position, byte in enumerate(head):
        value |= byte << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def destination(address: IPAddress) -> IPAddress:
    """The address packets sent to ``address`` end up at: the IPv4 address inside an
    IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 (the /96 form, the only one the
    well-known prefix has and the usual one for the local-use prefix) or 6to4 address;
    otherwise ``address`` itself. The allow list is matched against this address."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _TRANSLATED or address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
        return embedded
    if address in _NAT64_LOCAL and embedded not in _THIS_NETWORK:
        # (0.0.0.0/8 there: the prefix is shorter than /96 and the IPv4 bits sit before the
        # suffix, so the IPv6 address itself is judged — and the metadata check reads them.)
        return embedded
    return address


def address_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is (``a loopback address``), or None if public."""
    local_nat64 = isinstance(address, ipaddress.IPv6Address) and address in _NAT64_LOCAL
    if isinstance(address, ipaddress.IPv6Address) and address in _TEREDO:
        return "a Teredo address"
    if _is_metadata(address):
        return "the cloud metadata address"
    target = destination(address)
    if local_nat64 and target == address:
        return "a local-use NAT64 address"
    if target.is_unspecified:
        return "the unspecified address"
    if target in _THIS_NETWORK:
        return "a 'this network' address (0.0.0.0/8)"
    if target.is_loopback:
        return "a loopback address"
    if target.is_link_local:
        return "a link-local address"
    if target.is_multicast:
        return "a multicast address"
    if target in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if target.is_reserved:
        return "a reserved address"
    if target.is_private:
        return "a private address"
    if not target.is_global:
        return "not a public address"
    if local_nat64:
        return "a local-use NAT64 address"  # its translator is ours: not the public internet
    return None


def address_problem(address: IPAddress, allow_private: AllowPrivate) -> str | None:
    """Why nothing may be sent to ``address`` (completing "… "), or None: the one policy that
    registration and every delivery attempt apply."""
    kind = address_kind(address)
    return None if kind is None else _refusal(f"is {kind}", address, allow_private)


def _is_metadata(address: IPAddress) -> bool:
    """Also true of a local-use NAT64 address embedding a metadata address at any RFC 6052
    prefix length: a local translator could be configured with any of them."""
    candidates = [address, destination(address)]
    if isinstance(address, ipaddress.IPv6Address) and address in _NAT64_LOCAL:
        # Bits 64-71 (the "u" octet) never hold address bits: drop them, then read 32 bits
        # right after a /48, /56 or /64 prefix.
        value = int(address)
        packed = ((value >> 64) << 56) | (value & ((1 << 56) - 1))
        candidates += [ipaddress.IPv4Address((packed >> (120 - length - 32)) & 0xFFFFFFFF)
                       for length in (48, 56, 64)]
    return any(a in net for a in candidates for net in _METADATA)


def _refusal(what: str, address: IPAddress, allow_private: AllowPrivate) -> str | None:
    target = destination(address)
    if target.is_unspecified or target in _THIS_NETWORK:
        return f"{what}, which is never a destination"
    if not isinstance(allow_private, bool) and any(target in net for net in allow_private):
        return None  # read literally: a listed network is allowed, metadata included
    if _is_metadata(address):
        return f"{what}, which is refused even with {SETTING}=true"
    if allow_private is True:
        return None
    return (f"{what}; set {SETTING}=true (or a list of networks such as 127.0.0.0/8) "
            "to allow it")
