"""GDELT 2.0 source: lastupdate.txt, MD5, the zip (and its bomb guard), and the real HTTP path."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from services.ingest.parsers.gdelt import parse_gdelt_export
from services.ingest.sources.base import Document, FetchError, OversizedDocument
from services.ingest.sources.gdelt_source import (
    GdeltSource,
    LastUpdateEntry,
    check_md5,
    parse_lastupdate,
    pick_export,
    unzip_single,
)
from shared.dlq import InvalidEvent

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EXPORT = "gdeltpyr_v2_export_20170701234500_first50.tsv"
ROWS = 50
LASTUPDATE = (
    "150383 297a16b493de7cf6ca809a7cc31d0b93 http://data.gdeltproject.org/gdeltv2/20170701234500.export.CSV.zip\n"
    "318084 bb27f78ba45f69a17ea6ed7755e9f8ff http://data.gdeltproject.org/gdeltv2/20170701234500.mentions.CSV.zip\n"
    "10768507 ea8dde0beb0ba98810a92db068c0ce99 http://data.gdeltproject.org/gdeltv2/20170701234500.gkg.csv.zip\n"
)


def clock() -> datetime:
    return NOW


@pytest.fixture
def export(fixtures: Path) -> bytes:
    return (fixtures / "gdelt" / EXPORT).read_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- lastupdate.txt, MD5 and the zip --------------------------------------------------------


def test_lastupdate_lists_the_three_latest_files() -> None:
    entries = parse_lastupdate(LASTUPDATE + "\n")
    assert [e.size for e in entries] == [150383, 318084, 10768507]
    assert pick_export(entries) == LastUpdateEntry(
        150383, "297a16b493de7cf6ca809a7cc31d0b93",
        "http://data.gdeltproject.org/gdeltv2/20170701234500.export.CSV.zip")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("150383 297a16b493de7cf6ca809a7cc31d0b93\n", "expected '<size> <md5> <url>'"),
        ("15x383 297a16b493de7cf6ca809a7cc31d0b93 http://h/a.export.CSV.zip\n", "size"),
        ("150383 297a16b4 http://h/a.export.CSV.zip\n", "MD5"),
        ("150383 297a16b493de7cf6ca809a7cc31d0b93 file:///etc/passwd\n", "http"),
        ("<html>Service Unavailable</html>\n", "expected"),
    ],
)
def test_a_malformed_lastupdate_line_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_lastupdate(text)


def test_lastupdate_without_an_export_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="export"):
        pick_export(parse_lastupdate(LASTUPDATE.split("\n", 1)[1]))


def test_a_zip_is_unpacked_to_its_one_member(export: bytes) -> None:
    assert unzip_single(zipped({"20170701234500.export.CSV": export}), len(export)) == export


def test_a_zip_bomb_is_stopped_at_the_limit() -> None:
    bomb = zipped({"bomb.CSV": bytes(5_000_000)})
    assert len(bomb) < 10_000
    with pytest.raises(OversizedDocument) as info:
        unzip_single(bomb, 1_000_000)
    assert info.value.limit == 1_000_000 and info.value.head == bytes(1_000_000)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "corrupt"),
        (b"", "corrupt"),
        (zipped({"a.CSV": b"x" * 5000})[:-40], "corrupt"),
        (zipped({"a.CSV": b"1", "b.CSV": b"2"}), "2 files"),
    ],
)
def test_a_corrupt_zip_is_invalid(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        unzip_single(data, 1_000_000)


def test_a_flipped_byte_inside_the_zip_is_caught(export: bytes) -> None:
    data = bytearray(zipped({"a.CSV": export}))
    data[len(data) // 3] ^= 0xFF  # inside the deflated member: bad data or a bad CRC
    with pytest.raises(InvalidEvent, match="corrupt"):
        unzip_single(bytes(data), 10_000_000)


def test_an_md5_mismatch_is_a_transient_fetch_error() -> None:
    check_md5(b"abc", hashlib.md5(b"abc").hexdigest().upper())
    with pytest.raises(FetchError, match="partial upload"):
        check_md5(b"abc", "0" * 32)


# --- the real HTTP path ---------------------------------------------------------------------


class GdeltServer:
    """A local lastupdate.txt naming exports served next to it; tests change what it names."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.httpserver = httpserver
        self.lastupdate = ""
        httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_handler(
            lambda _: Response(self.lastupdate, content_type="text/plain"))

    def publish(self, stamp: str, archive: bytes, md5: str | None = None) -> str:
        url = self.httpserver.url_for(f"/gdeltv2/{stamp}.export.CSV.zip")
        self.httpserver.expect_request(f"/gdeltv2/{stamp}.export.CSV.zip").respond_with_data(
            archive, content_type="application/zip")
        digest = md5 or hashlib.md5(archive).hexdigest()
        self.lastupdate = (
            f"{len(archive)} {digest} {url}\n"
            f"318084 bb27f78ba45f69a17ea6ed7755e9f8ff {url.replace('export.CSV', 'mentions.CSV')}\n"
            f"10768507 ea8dde0beb0ba98810a92db068c0ce99 {url.replace('export.CSV', 'gkg.csv')}\n"
        )
        return url

    def source(self, client: httpx.AsyncClient, max_bytes: int = 10_000_000) -> GdeltSource:
        url = self.httpserver.url_for("/gdeltv2/lastupdate.txt")
        return GdeltSource("gdelt", url, client, max_bytes, clock)


async def test_the_latest_export_is_fetched_once_and_parses(
    httpserver: HTTPServer, export: bytes
) -> None:
    server = GdeltServer(httpserver)
    url = server.publish("20170701234500", zipped({"20170701234500.export.CSV": export}))
    async with httpx.AsyncClient() as client:
        source = server.source(client)
        first = await source.fetch()
        second = await source.fetch()
        later = server.publish("20170702000000", zipped({"20170702000000.export.CSV": export}))
        third = await source.fetch()
    assert isinstance(first, Document)
    assert (first.feed, first.location, first.body, first.fetched_at) == ("gdelt", url, export, NOW)
    assert len(parse_gdelt_export(first).events) == ROWS
    assert second is None  # lastupdate.txt still names the same export
    assert third is not None and third.location == later


async def test_a_wrong_md5_fails_and_the_export_is_fetched_again(
    httpserver: HTTPServer, export: bytes
) -> None:
    server = GdeltServer(httpserver)
    archive = zipped({"a.export.CSV": export})
    server.publish("20170701234500", archive, md5="0" * 32)
    async with httpx.AsyncClient() as client:
        source = server.source(client)
        with pytest.raises(FetchError, match="MD5"):
            await source.fetch()
        server.publish("20170701234500", archive)  # the upload has finished
        retried = await source.fetch()
    assert retried is not None and retried.body == export


@pytest.mark.parametrize("failing", ["/gdeltv2/lastupdate.txt", "/gdeltv2/x.export.CSV.zip"])
async def test_server_errors_are_fetch_errors(httpserver: HTTPServer, failing: str) -> None:
    export_url = httpserver.url_for("/gdeltv2/x.export.CSV.zip")
    httpserver.expect_request(failing).respond_with_data("down", status=500)
    httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_data(
        f"150383 297a16b493de7cf6ca809a7cc31d0b93 {export_url}\n")
    async with httpx.AsyncClient() as client:
        source = GdeltSource("gdelt", httpserver.url_for("/gdeltv2/lastupdate.txt"), client,
                             1_000_000, clock)
        with pytest.raises(FetchError, match="500"):
            await source.fetch()


async def test_a_garbled_lastupdate_is_a_fetch_error(httpserver: HTTPServer) -> None:
    server = GdeltServer(httpserver)
    server.lastupdate = "<html>Service Unavailable</html>"
    async with httpx.AsyncClient() as client:
        with pytest.raises(FetchError, match="lastupdate"):
            await server.source(client).fetch()


async def test_an_unreachable_server_is_a_fetch_error() -> None:
    async with httpx.AsyncClient() as client:
        source = GdeltSource("gdelt", "http://127.0.0.1:9/lastupdate.txt", client, 1000, clock)
        with pytest.raises(FetchError):
            await source.fetch()


async def test_an_export_inflating_past_the_limit_is_oversized(httpserver: HTTPServer) -> None:
    server = GdeltServer(httpserver)
    server.publish("20170701234500", zipped({"bomb.export.CSV": bytes(5_000_000)}))
    async with httpx.AsyncClient() as client:
        with pytest.raises(OversizedDocument):
            await server.source(client, max_bytes=1_000_000).fetch()


async def test_a_corrupt_zip_with_the_right_md5_is_handed_on_to_be_dead_lettered_once(
    httpserver: HTTPServer,
) -> None:
    server = GdeltServer(httpserver)
    archive = b"PK\x03\x04" + b"\x01" * 500
    server.publish("20170701234500", archive)
    async with httpx.AsyncClient() as client:
        source = server.source(client)
        doc = await source.fetch()
        again = await source.fetch()
    assert doc is not None and doc.body == archive and again is None
    with pytest.raises(InvalidEvent, match="zip archive"):
        parse_gdelt_export(doc)
