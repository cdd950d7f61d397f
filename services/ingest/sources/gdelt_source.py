"""GDELT 2.0's 15-minute event export, fetched through its ``lastupdate.txt`` index.

Every 15 minutes GDELT rewrites ``lastupdate.txt`` with three lines ``<size> <md5> <url>``: the
latest ``*.export.CSV.zip``, ``*.mentions.CSV.zip`` and ``*.gkg.csv.zip``. A fetch reads the
index, and when it names an export not fetched before, downloads that zip, checks its MD5 against
the index (a mismatch is most likely a file still being uploaded, so it is a transient
``FetchError``) and returns the single member, unzipped, as the document.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

import httpx

from services.ingest.sources.base import Document, FetchError, OversizedDocument
from services.ingest.sources.http_source import HttpSource
from shared.clock import Clock
from shared.dlq import InvalidEvent

LASTUPDATE_URL = "http://data.gdeltproject.org/gdeltv2/lastupdate.txt"
LASTUPDATE_MAX_BYTES = 64 * 1024  # the real index is three lines, about 300 bytes
_UNZIP_CHUNK = 64 * 1024
_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class LastUpdateEntry:
    size: int
    md5: str  # lower-case hex
    url: str


def parse_lastupdate(text: str) -> list[LastUpdateEntry]:
    """Each non-blank line ``<size> <md5> <url>`` → an entry; raises ``InvalidEvent`` on any other."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            raise InvalidEvent(f"lastupdate line {number}: expected '<size> <md5> <url>': {line[:200]!r}")
        size, md5, url = parts
        if not size.isdigit():
            raise InvalidEvent(f"lastupdate line {number}: size is not a number: {size[:40]!r}")
        if not _MD5.fullmatch(md5.lower()):
            raise InvalidEvent(f"lastupdate line {number}: not an MD5 digest: {md5[:40]!r}")
        if not url.lower().startswith(("http://", "https://")):
            raise InvalidEvent(f"lastupdate line {number}: not an http(s) URL: {url[:200]!r}")
        entries.append(LastUpdateEntry(int(size), md5.lower(), url))
    return entries


def pick_export(entries: list[LastUpdateEntry]) -> LastUpdateEntry:
    """The event export among the entries (not mentions, not GKG); ``InvalidEvent`` if none."""
    for entry in entries:
        if entry.url.lower().endswith(".export.csv.zip"):
            return entry
    raise InvalidEvent("lastupdate lists no *.export.CSV.zip")


def check_md5(data: bytes, expected: str) -> None:
    """Raises ``FetchError`` when ``data`` does not hash to ``expected`` (hex, any case)."""
    actual = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if actual != expected.lower():
        raise FetchError(f"MD5 {actual} does not match the advertised {expected}: partial upload?")


def unzip_single(data: bytes, max_bytes: int) -> bytes:
    """The one member of a zip archive, inflated in chunks and never past ``max_bytes``.

    A zip bomb is stopped as soon as its output passes the limit (``OversizedDocument`` with the
    first ``max_bytes`` bytes); the sizes the archive declares are not trusted. Anything that is
    not a readable zip holding exactly one file raises ``InvalidEvent``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) != 1:
                raise InvalidEvent(f"zip holds {len(members)} files, expected exactly one")
            with archive.open(members[0]) as member:
                return _read_capped(member, max_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError) as exc:
        # RuntimeError: encrypted member; NotImplementedError: unsupported compression.
        raise InvalidEvent(f"corrupt or unreadable zip: {type(exc).__name__}: {exc}") from exc


def _read_capped(stream: IO[bytes], max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_UNZIP_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise OversizedDocument(max_bytes, b"".join(chunks)[:max_bytes])
    return b"".join(chunks)


class GdeltSource:
    """Yields each new 15-minute export once; ``None`` while ``lastupdate.txt`` names the same one.

    A zip whose MD5 matches but that cannot be unpacked is handed on as it is (the event parser
    refuses it whole, so it is dead-lettered once); retrying would fetch the same bytes again.
    """

    def __init__(
        self,
        name: str,
        lastupdate_url: str,
        client: httpx.AsyncClient,
        max_bytes: int,
        clock: Clock,
    ) -> None:
        self.name = name
        self.lastupdate_url = lastupdate_url
        self.client = client
        self.max_bytes = max_bytes
        self.clock = clock
        self._last_export_url: str | None = None

    async def fetch(self) -> Document | None:
        index = await self._get(self.lastupdate_url, LASTUPDATE_MAX_BYTES)
        try:
            export = pick_export(parse_lastupdate(index.decode("utf-8", errors="replace")))
        except InvalidEvent as exc:
            # A garbled index is most likely a response cut short: fetch it again later.
            raise FetchError(f"{self.lastupdate_url}: {exc.reason}") from exc
        if export.url == self._last_export_url:
            return None
        archive = await self._get(export.url, self.max_bytes)
        check_md5(archive, export.md5)
        try:
            body = unzip_single(archive, self.max_bytes)
        except InvalidEvent:
            body = archive
        self._last_export_url = export.url
        return Document(self.name, export.url, body, self.clock())

    async def _get(self, url: str, max_bytes: int) -> bytes:
        """One unconditional GET with HttpSource's size limit and its errors (``FetchError``)."""
        # A fresh HttpSource each time: no ETag is kept, so a failed download is retried in
        # full on the next fetch instead of being answered "304 Not Modified".
        doc = await HttpSource(self.name, url, self.client, max_bytes, self.clock).fetch()
        if doc is None:
            raise FetchError(f"unexpected 304 Not Modified from {url}")
        return doc.body
