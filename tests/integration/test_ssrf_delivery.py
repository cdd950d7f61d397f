"""Webhook POSTs through ``webhook_session`` on real loopback servers: the connection goes to the
address that was checked, whatever DNS answers next; refused targets receive nothing; redirects
are not followed, and one that is followed is checked; https verifies the certificate against
the original name.

127.0.0.2 plays a receiver the allow list admits; 127.0.0.1, on the same port, plays the
internal service an attacker wants to reach. Names are resolved by a stub (the outside world's
DNS) and exist nowhere else: had aiohttp resolved one itself, the request would have failed.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from services.alerts.url_guard import UnresolvableTarget, UnsafeTarget
from services.alerts.webhook_client import webhook_session
from shared.alerting.targets import parse_allow_private

pytestmark = pytest.mark.integration

NAME = "hooks.rebind.test"


@dataclass
class Rebinding:
    """An attacker's DNS server: answers ``first`` and then ``then``, alternately — what a
    check-then-connect client would see as a public answer to the check and loopback to the
    connection."""

    first: str
    then: str
    answers: int = 0

    async def resolve(self, host: str, port: int) -> list[str]:
        self.answers += 1
        return [self.first if self.answers % 2 else self.then]


@dataclass
class Dns:
    table: dict[str, list[str]] = field(default_factory=dict)

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.table:
            raise UnresolvableTarget(f"cannot resolve {host}")
        return list(self.table[host])


@dataclass
class Pair:
    receiver: HTTPServer  # 127.0.0.2: allowed
    internal: HTTPServer  # 127.0.0.1, same port: must never be reached

    @property
    def port(self) -> int:
        return self.receiver.port


@pytest.fixture
def servers() -> Iterator[Pair]:
    for _ in range(20):  # another process may hold the port on 127.0.0.1: take another
        receiver = HTTPServer(host="127.0.0.2", port=0, threaded=True)
        receiver.start()
        internal = HTTPServer(host="127.0.0.1", port=receiver.port, threaded=True)
        try:
            internal.start()
        except OSError:
            receiver.stop()
            continue
        internal.expect_request("/hook").respond_with_data("internal secrets")
        try:
            yield Pair(receiver, internal)
        finally:
            receiver.stop()
            internal.stop()
        return
    pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")


async def post(http: aiohttp.ClientSession, url: str, body: bytes,
               follow_redirects: bool = False) -> tuple[int, str, str]:
    """Status, body and Location of one POST."""
    async with http.post(url, data=body, allow_redirects=follow_redirects) as response:
        return response.status, await response.text(), response.headers.get("location", "")


async def test_dns_rebinding_cannot_move_the_connection_to_another_address(servers: Pair) -> None:
    servers.receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    dns = Rebinding(first="127.0.0.2", then="127.0.0.1")
    url = f"http://{NAME}:{servers.port}/hook"
    async with webhook_session(parse_allow_private("127.0.0.2/32"), 10, dns) as http:
        for attempt in range(1, 7):
            if attempt % 2:  # the answer checked is the address connected to
                assert (await post(http, url, b'{"n": %d}' % attempt))[:2] == (200, "ok")
            else:  # the rebound answer is checked too, and refused
                with pytest.raises(UnsafeTarget, match="resolves to 127.0.0.1"):
                    await post(http, url, b'{"n": %d}' % attempt)
    # One resolution per connection (werkzeug closes each): nothing resolved the name again.
    assert dns.answers == 6
    assert [request.headers["Host"] for request, _ in servers.receiver.log] == [
        f"{NAME}:{servers.port}"] * 3
    assert [request.get_data() for request, _ in servers.receiver.log] == [
        b'{"n": 1}', b'{"n": 3}', b'{"n": 5}']
    assert servers.internal.log == []


async def test_a_name_resolving_to_loopback_outside_the_allow_list_is_refused(
        servers: Pair) -> None:
    allow = parse_allow_private("127.0.0.2/32")
    for answers in (["127.0.0.1"], ["127.0.0.2", "127.0.0.1"], ["127.0.0.1", "127.0.0.2"]):
        async with webhook_session(allow, 10, Dns({NAME: answers})) as http:
            with pytest.raises(UnsafeTarget, match="127.0.0.1, which is a loopback address"):
                await post(http, f"http://{NAME}:{servers.port}/hook", b"{}")
    assert servers.internal.log == [] and servers.receiver.log == []


async def test_a_name_that_does_not_resolve_is_reported_as_retryable(servers: Pair) -> None:
    async with webhook_session(True, 10, Dns()) as http:
        with pytest.raises(UnresolvableTarget):
            await post(http, f"http://{NAME}:{servers.port}/hook", b"{}")


async def test_a_redirect_to_an_allowed_loopback_address_is_not_followed(servers: Pair) -> None:
    steal = f"http://127.0.0.1:{servers.port}/hook"
    servers.receiver.expect_request("/hook").respond_with_response(
        Response(status=302, headers={"Location": steal}))
    dns = Dns({NAME: ["127.0.0.2"]})
    async with webhook_session(parse_allow_private("127.0.0.0/8"), 10, dns) as http:
        status, _, location = await post(http, f"http://{NAME}:{servers.port}/hook", b"{}")
    assert (status, location) == (302, steal)
    assert len(servers.receiver.log) == 1
    assert servers.internal.log == []


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/",  # a literal address: no resolver sees it
    "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/",  # the same, spelled in hex
    "http://metadata.rebind.test/latest/meta-data/",  # a name resolving to it
])
async def test_a_redirect_a_caller_does_follow_is_vetted_again(servers: Pair,
                                                                location: str) -> None:
    servers.receiver.expect_request("/hook").respond_with_response(
        Response(status=307, headers={"Location": location}))
    dns = Dns({NAME: ["127.0.0.2"], "metadata.rebind.test": ["169.254.169.254"]})
    async with webhook_session(True, 10, dns) as http:
        with pytest.raises(UnsafeTarget, match="cloud metadata"):
            await post(http, f"http://{NAME}:{servers.port}/hook", b"{}", follow_redirects=True)
    assert len(servers.receiver.log) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.example.test only (openssl: no Python package)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=hooks.example.test",
                    "-addext", "subjectAltName=DNS:hooks.example.test"],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Seen:
    """What the TLS receiver saw: the SNI name of each handshake, each request's Host header."""

    names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@contextmanager
def keep_alive_tls_server(cert: Path, key: Path) -> Iterator[tuple[int, Seen]]:
    """An HTTP/1.1 server that keeps connections open (werkzeug's closes each one, which would
    hide what the client's pool does with them)."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: seen.names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_https_verifies_the_certificate_against_the_original_name(
        certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    dns = Dns({"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
    trusted = ssl.create_default_context(cafile=str(cert))
    with keep_alive_tls_server(cert, key) as (port, seen):
        async with webhook_session(parse_allow_private("127.0.0.0/8"), 10, dns,
                                   ssl_context=trusted) as http:
            for _ in range(3):
                status, *_ = await post(http, f"https://hooks.example.test:{port}/hook", b"{}")
                assert status == 200
            # The same IP:port, with a connection to it verified and pooled: the other name
            # still gets a handshake of its own, and the certificate does not name it.
            with pytest.raises(aiohttp.ClientConnectorCertificateError,
                               match="certificate verify failed"):
                await post(http, f"https://other.example.test:{port}/hook", b"{}")
    assert seen.names == ["hooks.example.test", "other.example.test"]  # one pooled connection
    assert seen.hosts == [f"hooks.example.test:{port}"] * 3
