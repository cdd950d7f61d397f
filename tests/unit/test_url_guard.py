"""One SSRF policy, applied where a receiver URL is registered (``target_problem``) and at every
delivery attempt (``checked_endpoint`` and ``vetted_addresses``, composed here as
``vet_target``). The outside world's DNS is a hand-written table here."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from services.alerts.url_guard import (
    Resolver,
    SystemResolver,
    UnresolvableTarget,
    UnsafeTarget,
    checked_endpoint,
    vetted_addresses,
)
from shared.alerting.targets import AllowPrivate, parse_allow_private, target_problem


@dataclass(frozen=True)
class VettedTarget:
    """What the webhook session checks for ``url`` (its URL before an attempt, its host's
    addresses at connect), as one answer: connect to one of ``addresses`` (text, no brackets),
    which were checked, and present ``host`` (lower-case, no brackets, no trailing dot)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]


async def vet_target(url: str, allow_private: AllowPrivate, resolver: Resolver) -> VettedTarget:
    """Both of url_guard's steps for ``url``: the addresses that may be connected to, or
    ``UnsafeTarget`` / ``UnresolvableTarget``. A host that is an address is not resolved."""
    endpoint = checked_endpoint(url, allow_private)
    if endpoint.address is not None:
        addresses = [str(endpoint.address)]
    else:
        addresses = await vetted_addresses(endpoint.host, endpoint.port, allow_private, resolver)
    return VettedTarget(url, endpoint.scheme, endpoint.host, endpoint.port, tuple(addresses))


NAME = "hooks.example.test"
PUBLIC = "93.184.215.14"


@dataclass
class Dns:
    """Answers each name from ``table``; a name not in it does not resolve."""

    table: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise UnresolvableTarget(f"cannot resolve {host}")
        return list(self.table[host])


@dataclass
class BlockingDns:
    """The registration-time (blocking) resolver: the same table."""

    table: dict[str, list[str]]

    def resolve(self, host: str, port: int) -> Sequence[str]:
        if host not in self.table:
            raise OSError(f"cannot resolve {host}")
        return self.table[host]


# (host as a URL spells it, why it is refused). Every one is refused with private targets off.
REFUSED = [
    ("127.0.0.1", "is a loopback address"),
    ("[::1]", "is a loopback address"),
    ("10.1.2.3", "is a private address"),
    ("172.16.0.1", "is a private address"),
    ("192.168.0.10", "is a private address"),
    ("[fd00::1]", "is a private address"),
    ("169.254.169.254", "is the cloud metadata address"),
    ("[fd00:ec2::254]", "is the cloud metadata address"),
    ("100.100.100.200", "is the cloud metadata address"),
    ("169.254.1.1", "is a link-local address"),
    ("[fe80::1]", "is a link-local address"),
    ("100.64.0.1", "is a shared (carrier-grade NAT) address"),
    ("224.0.0.1", "is a multicast address"),
    ("[ff02::1]", "is a multicast address"),
    ("0.0.0.0", "is the unspecified address"),
    ("[::]", "is the unspecified address"),
    ("0.1.2.3", "is a 'this network' address"),
    ("240.0.0.1", "is a reserved address"),
    ("[::ffff:127.0.0.1]", "is a loopback address"),  # IPv4-mapped
    ("[::ffff:169.254.169.254]", "is the cloud metadata address"),
    ("[::ffff:0:7f00:1]", "is a loopback address"),  # IPv4-translated (SIIT)
    ("[::127.0.0.1]", "is a loopback address"),  # IPv4-compatible
    ("[::10.0.0.1]", "is a private address"),
    ("[64:ff9b::7f00:1]", "is a loopback address"),  # NAT64
    ("[64:ff9b::a00:1]", "is a private address"),
    ("[64:ff9b:1::7f00:1]", "is a loopback address"),  # local-use NAT64
    ("[64:ff9b:1::808:808]", "is a local-use NAT64 address"),
    ("[2002:7f00:1::]", "is a loopback address"),  # 6to4
    ("[2002:a9fe:a9fe::1]", "is the cloud metadata address"),
    ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "is a Teredo address"),
    ("2130706433", "is a loopback address"),  # what inet_aton reads
    ("0x7f.1", "is a loopback address"),
    ("0177.0.0.1", "is a loopback address"),
    ("127.1", "is a loopback address"),
    ("0x7f000001", "is a loopback address"),
    ("0xa9.0xfe.0xa9.0xfe", "is the cloud metadata address"),
]


def answerable(host: str) -> bool:
    """Could a DNS server answer this? Only addresses in their standard text form."""
    try:
        return str(ipaddress.ip_address(host.strip("[]"))) == host.strip("[]")
    except ValueError:
        return False


ANSWERS = [(host.strip("[]"), reason) for host, reason in REFUSED if answerable(host)]
ALLOWED = ["https://hooks.example.com/brisk", "http://8.8.8.8/hook",
           "https://[2001:4860:4860::8888]/hook", "http://[::ffff:8.8.8.8]/hook",
           "http://[64:ff9b::808:808]/hook", "http://[2002:808:808::1]/hook"]


@pytest.mark.parametrize(("host", "reason"), REFUSED)
def test_every_non_public_form_is_refused_at_registration(host: str, reason: str) -> None:
    problem = target_problem(f"http://{host}:8080/hook", allow_private=False)
    assert problem is not None and problem.startswith(reason), problem


@pytest.mark.parametrize(("host", "reason"), REFUSED)
async def test_every_non_public_form_is_refused_at_delivery_without_resolving_it(
        host: str, reason: str) -> None:
    dns = Dns()
    with pytest.raises(UnsafeTarget, match="^" + re.escape(f"{host.strip('[]')} {reason}")):
        await vet_target(f"http://{host}:8080/hook", False, dns)
    assert dns.asked == []


@pytest.mark.parametrize(("address", "reason"), ANSWERS)
async def test_a_name_resolving_to_a_non_public_address_is_refused_at_delivery(
        address: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=f"^{NAME} resolves to .*, which {re.escape(reason)}"):
        await vet_target(f"https://{NAME}/hook", False, Dns({NAME: [address]}))


@pytest.mark.parametrize(("address", "reason"), ANSWERS)
async def test_one_bad_address_among_public_ones_refuses_the_name(address: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=re.escape(reason)):
        await vet_target(f"https://{NAME}/hook", False, Dns({NAME: [PUBLIC, address]}))


@pytest.mark.parametrize(("address", "reason"), ANSWERS)
def test_a_name_resolving_to_a_non_public_address_is_refused_at_registration_given_a_resolver(
        address: str, reason: str) -> None:
    problem = target_problem(f"https://{NAME}/hook", False, BlockingDns({NAME: [PUBLIC, address]}))
    assert problem is not None and problem.startswith("resolves to ") and reason in problem


def test_a_name_that_does_not_resolve_at_registration_is_not_a_problem() -> None:
    assert target_problem(f"https://{NAME}/hook", False, BlockingDns({})) is None
    assert target_problem(f"https://{NAME}/hook", False, BlockingDns({NAME: [PUBLIC]})) is None


@pytest.mark.parametrize("url", ALLOWED)
async def test_public_targets_pass_both_checks(url: str) -> None:
    assert target_problem(url, allow_private=False) is None
    await vet_target(url, False, Dns({"hooks.example.com": [PUBLIC]}))


async def test_delivery_may_connect_to_every_address_of_a_name_in_order_and_keeps_the_name(
) -> None:
    dns = Dns({NAME: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", PUBLIC]})
    vetted = await vet_target(f"https://{NAME.upper()}./hook?x=1", False, dns)
    assert vetted == VettedTarget(f"https://{NAME.upper()}./hook?x=1", "https", NAME, 443,
                                  ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", PUBLIC))
    assert dns.asked == [NAME]


async def test_an_address_is_connected_to_as_spelled_by_a_resolver() -> None:
    vetted = await vet_target("http://0x08.0x08.0x08.0x08:8080/hook", False, Dns())
    assert (vetted.address, vetted.port) == ("8.8.8.8", 8080)


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://203.0.113.5/hook", "has scheme 'ftp'; use http or https"),
    ("file:///etc/passwd", "has scheme 'file'"),
    ("https://user:secret@hooks.example.com/hook", "contains credentials"),
    ("https://user@hooks.example.com/hook", "contains credentials"),
    ("https:///nohost", "has no host"),
    ("http://999.1.1.1/hook", "neither a name nor an address"),
    ("http://hooks.example.com:0/hook", "has port 0"),
    ("http://hooks.example.com:99999/hook", "is not a valid URL"),
])
async def test_a_bad_url_shape_is_refused_at_both_checks(url: str, reason: str) -> None:
    problem = target_problem(url, allow_private=True)
    assert problem is not None and reason in problem
    with pytest.raises(UnsafeTarget, match=f"^the URL .*{reason}"):
        await vet_target(url, True, Dns({"hooks.example.com": [PUBLIC]}))


async def test_a_refusal_at_delivery_repeats_no_secret_from_the_url() -> None:
    for url in ("https://user:hunter2@hooks.example.com/services/T0/B0/SECRETPATH",
                "http://10.0.0.1/services/T0/B0/SECRETPATH?token=SECRETQUERY"):
        with pytest.raises(UnsafeTarget) as caught:
            await vet_target(url, False, Dns())
        assert "SECRET" not in str(caught.value) and "hunter2" not in str(caught.value)


async def test_a_loopback_name_is_refused_before_it_is_resolved() -> None:
    dns = Dns({"localhost": [PUBLIC]})
    with pytest.raises(UnsafeTarget, match="^api.localhost is a loopback name"):
        await vet_target("http://api.localhost/hook", False, dns)
    assert dns.asked == []


async def test_a_name_that_does_not_resolve_is_retryable_not_unsafe() -> None:
    with pytest.raises(UnresolvableTarget):
        await vet_target(f"https://{NAME}/hook", False, Dns())
    with pytest.raises(UnresolvableTarget, match="no address"):
        await vet_target(f"https://{NAME}/hook", False, Dns({NAME: []}))


async def test_an_answer_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(UnsafeTarget, match="not an address"):
        await vet_target(f"https://{NAME}/hook", False, Dns({NAME: ["127.0.0.1.evil"]}))


async def test_the_system_resolver_reads_addresses_and_reports_names_it_cannot_resolve() -> None:
    assert await SystemResolver().resolve("127.0.0.1", 80) == ["127.0.0.1"]
    with pytest.raises(UnresolvableTarget):  # a label longer than 63: refused without asking DNS
        await SystemResolver().resolve("a" * 64 + ".example", 80)


LOOPBACK_LIST = parse_allow_private("127.0.0.0/8")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "[::ffff:127.0.0.2]", "2130706433",
                                  "0x7f.1", "[64:ff9b::7f00:1]", "[::127.0.0.1]", "localhost"])
async def test_a_network_list_allows_addresses_inside_it(host: str) -> None:
    url = f"http://{host}:8080/hook"
    assert target_problem(url, LOOPBACK_LIST) is None
    await vet_target(url, LOOPBACK_LIST, Dns({"localhost": ["127.0.0.1"]}))


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.169.254", "[::1]", "192.168.1.1",
                                  "[::ffff:10.0.0.1]", "0.0.0.0"])
async def test_a_network_list_refuses_everything_outside_it(host: str) -> None:
    url = f"http://{host}/hook"
    assert target_problem(url, LOOPBACK_LIST) is not None
    with pytest.raises(UnsafeTarget):
        await vet_target(url, LOOPBACK_LIST, Dns())


async def test_a_network_list_refuses_a_name_when_any_answer_is_outside_it() -> None:
    dns = Dns({NAME: ["127.0.0.1", "10.0.0.1"]})
    with pytest.raises(UnsafeTarget, match="10.0.0.1, which is a private address"):
        await vet_target(f"http://{NAME}/hook", LOOPBACK_LIST, dns)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "[fd00::1]", "100.64.0.1",
                                  "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "localhost"])
async def test_true_allows_every_non_public_target(host: str) -> None:
    url = f"http://{host}/hook"
    assert target_problem(url, True) is None
    await vet_target(url, True, Dns({"localhost": ["127.0.0.1"]}))


@pytest.mark.parametrize("host", [
    "169.254.169.254", "0xa9fea9fe", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]",
    "[2002:a9fe:a9fe::]", "[fd00:ec2::254]", "169.254.170.2", "100.100.100.200",
    # local-use NAT64 embedding it after a /96, /48, /56 and /64 prefix (RFC 6052)
    "[64:ff9b:1::a9fe:a9fe]", "[64:ff9b:1:a9fe:a9:fe00::]", "[64:ff9b:1:a9:fe:a9fe::]",
    "[64:ff9b:1:0:a9:fea9:fe00:0]"])
async def test_true_still_refuses_the_cloud_metadata_address(host: str) -> None:
    url = f"http://{host}/latest/meta-data/"
    problem = target_problem(url, True)
    assert problem is not None and problem.endswith("refused even with "
                                                    "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS=true")
    with pytest.raises(UnsafeTarget, match="cloud metadata"):
        await vet_target(url, True, Dns())
    if answerable(host):
        with pytest.raises(UnsafeTarget, match="cloud metadata"):
            await vet_target(f"http://{NAME}/", True, Dns({NAME: [PUBLIC, host.strip("[]")]}))


def test_a_listed_network_is_read_literally_even_for_the_metadata_address() -> None:
    assert target_problem("http://169.254.169.254/", parse_allow_private("169.254.0.0/16")) is None


@pytest.mark.parametrize("allow", [True, parse_allow_private("0.0.0.0/0,::/0")])
@pytest.mark.parametrize("host", ["0.0.0.0", "[::]", "0", "[::ffff:0.0.0.0]", "0.1.2.3"])
async def test_the_unspecified_address_is_refused_whatever_the_setting(
        allow: AllowPrivate, host: str) -> None:
    problem = target_problem(f"http://{host}/hook", allow)
    assert problem is not None and problem.endswith("which is never a destination")
    with pytest.raises(UnsafeTarget, match="never a destination"):
        await vet_target(f"http://{host}/hook", allow, Dns())


def test_a_refusal_says_how_to_allow_a_private_target() -> None:
    assert target_problem("http://10.0.0.1/hook", False) == (
        "is a private address; set BRISK_ALERTS_ALLOW_PRIVATE_TARGETS=true (or a list of networks "
        "such as 127.0.0.0/8) to allow it")


def test_the_allow_list_setting_parses_to_networks() -> None:
    assert parse_allow_private("127.0.0.2/32") == [ipaddress.ip_network("127.0.0.2/32")]
