"""Are a configuration's receiver URLs allowed here? Checked when a configuration is applied.

Without DNS: the scheme is http or https, there are no credentials, there is a host, and a host
that is an address — in any spelling a resolver accepts (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
``[::ffff:127.0.0.1]``) — or ``localhost`` / ``*.localhost`` is public unless the operator allows
private targets (``BRISK_ALERTS_ALLOW_PRIVATE_TARGETS``: ``true``, or the networks allowed).
Names are resolved, and every address checked again, when a notification is sent
(``services/alerts/url_guard.py``): a name may point anywhere by then.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
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
_METADATA = ipaddress.ip_network("169.254.169.254/32")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def check_targets(config: TenantConfig, allow_private: AllowPrivate) -> None:
    """Raise ``ConfigError`` (one line per refused receiver) unless every URL may be used."""
    problems = []
    for index, receiver in enumerate(config.receivers):
        if receiver.url is None:
            continue
        reason = target_problem(receiver.url, allow_private)
        if reason:
            problems.append(f"receivers[{index}] ({receiver.name}): url {_shown(receiver.url)} {reason}")
    if problems:
        raise ConfigError(problems)


def _shown(url: str) -> str:
    """The URL without its credentials, if it has any: error messages get copied around."""
    scheme, at, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    return f"{scheme}{at}{netloc.rpartition('@')[2]}{slash}{path}" if "@" in netloc else url


def target_problem(url: str, allow_private: AllowPrivate) -> str | None:
    """Why ``url`` may not be a webhook target (completing "url … "), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"has scheme {parts.scheme or '(none)'!r}; use http or https"
    if parts.username is not None or parts.password is not None:
        return "contains credentials; put them nowhere in the URL (requests are signed instead)"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "has no host"
    try:
        address = literal_address(host)
    except ValueError as exc:
        return str(exc)
    if address is None:
        if host == "localhost" or host.endswith(".localhost"):
            return _refusal("is a loopback name", ipaddress.ip_address("127.0.0.1"), allow_private)
        return None
    kind = address_kind(address)
    return None if kind is None else _refusal(f"is {kind}", address, allow_private)


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, as a resolver reads it, or None for a name. Addresses inside
    IPv6 (IPv4-mapped, NAT64, 6to4) are unwrapped: the IPv4 one is where packets go."""
    try:
        address: IPAddress = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        address = _inet_aton(host)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


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


def address_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is (``a loopback address``), or None if public."""
    if address.is_loopback:
        return "a loopback address"
    if address in _METADATA:
        return "the cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_reserved:
        return "not a public address"
    return None


def _refusal(what: str, address: IPAddress, allow_private: AllowPrivate) -> str | None:
    if allow_private is True:
        return None
    if allow_private is not False and any(address in net for net in allow_private):
        return None
    return (f"{what}; set {SETTING}=true (or a list of networks such as 127.0.0.0/8) "
            "to allow it")
