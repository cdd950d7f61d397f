"""OFAC's legacy CSV lists (SDN, consolidated non-SDN) → a snapshot of designations.

The files have no header row and 12 columns: ent_num, name, type, program, title, call sign,
vessel type, tonnage, GRT, vessel flag, vessel owner, remarks. ``-0-`` (usually followed by a
space) means empty; the last line is often a lone Ctrl-Z (DOS end-of-file). The companion files
give addresses (ent_num, add_num, address, city/state, country, remarks) and aliases (ent_num,
alt_num, alt_type, alt_name, remarks).

Encoding: the 2024 files are UTF-8; older ones (and many mirrors) are Windows-1252. A document
is decoded as UTF-8 when it is valid UTF-8, else as Windows-1252, else as Latin-1 (which decodes
any byte), so no encoding ever costs a whole list. Rejected rows carry their bytes re-encoded in
the codec the document was read with, which gives back the original bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from services.ingest.parsers.base import Rejected
from services.ingest.sanctions.countries import to_iso3, unique_sorted
from services.ingest.sanctions.model import (
    MAX_ALIASES,
    MAX_REMARKS,
    Designation,
    Snapshot,
    truncate,
)
from shared.dlq import InvalidEvent

PRIMARY_COLUMNS = 12
ADDRESS_COLUMNS = 6
ALIAS_COLUMNS = 5
_EMPTY = "-0-"
_PROGRAMME_SEPARATOR = re.compile(r"\]\s*\[")
# "Nationality Iran", "nationality of registration Korea, North", "citizen Syria": up to the next ";".
_NATIONALITY = re.compile(r"\b(?:nationality|citizen)(?:\s+of\s+registration)?\s+([^;]+)", re.I)


def parse_ofac_csv(
    body: bytes, list_name: str, addresses: bytes | None = None, aliases: bytes | None = None
) -> tuple[Snapshot, list[Rejected]]:
    """The designations of one OFAC list; rows that cannot be read come back as ``Rejected``.

    A document in which no row at all is a designation (an error page, an empty body, another
    format) raises ``InvalidEvent``: as an empty snapshot it would read as every entry de-listed.
    """
    rejected: list[Rejected] = []
    extra_countries: dict[str, list[str | None]] = {}
    extra_names: dict[str, list[str]] = {}
    companion_bytes: dict[str, list[bytes]] = {}
    for row, raw in _checked_rows(addresses or b"", ADDRESS_COLUMNS, "address", rejected):
        extra_countries.setdefault(row[0], []).append(to_iso3(row[4]) if row[4] else None)
        companion_bytes.setdefault(row[0], []).append(raw)
    for row, raw in _checked_rows(aliases or b"", ALIAS_COLUMNS, "alias", rejected):
        extra_names.setdefault(row[0], []).extend([row[3]] if row[3] else [])
        companion_bytes.setdefault(row[0], []).append(raw)
    snapshot: Snapshot = {}
    for row, raw in _checked_rows(body, PRIMARY_COLUMNS, "designation", rejected):
        ent_num = row[0]
        if ent_num in snapshot:
            rejected.append(Rejected(f"duplicate ent_num {ent_num}", raw))
            continue
        snapshot[ent_num] = _designation(row, list_name, extra_countries.get(ent_num, []),
                                         extra_names.get(ent_num, []))
    if not snapshot:
        raise InvalidEvent(f"not an OFAC list: no designation row ({len(rejected)} unreadable)")
    for ent_num in sorted(companion_bytes.keys() - snapshot.keys()):
        rejected.extend(Rejected(f"address or alias for unknown ent_num {ent_num}", raw)
                        for raw in companion_bytes[ent_num])
    return snapshot, rejected


def _designation(
    row: list[str], list_name: str, address_countries: list[str | None], alias_names: list[str]
) -> Designation:
    remarks = row[11]
    countries = [to_iso3(m.group(1)) for m in _NATIONALITY.finditer(remarks)]
    if row[9]:
        countries.append(to_iso3(row[9]))  # a vessel's flag
    return Designation(
        list_name=list_name,
        entity_id=row[0],
        name=row[1],
        entity_type=row[2].lower() or "entity",  # OFAC leaves the type empty for entities
        programmes=tuple(sorted(set(split_programmes(row[3])))),
        countries=unique_sorted(countries + address_countries),
        remarks=truncate(remarks, MAX_REMARKS),
        aliases=tuple(sorted(set(alias_names)))[:MAX_ALIASES],
    )


def split_programmes(text: str) -> list[str]:
    """``"[SDGT] [IRGC]"`` or the CSV's ``"SDGT] [IRGC"`` → ``["SDGT", "IRGC"]``."""
    inner = text.strip().removeprefix("[").removesuffix("]")
    return [p.strip() for p in _PROGRAMME_SEPARATOR.split(inner) if p.strip()]


def _checked_rows(
    body: bytes, columns: int, what: str, rejected: list[Rejected]
) -> Iterator[tuple[list[str], bytes]]:
    """Rows with the right width and a numeric ent_num, values cleaned; the rest → ``rejected``."""
    for row, raw, problem in _raw_rows(body):
        if problem is None and row is not None:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if row[0].strip().lower() == "ent_num":
                continue  # a header row some mirrors add
            if len(row) != columns:
                problem = f"{what} row has {len(row)} columns, expected {columns}"
            elif not row[0].strip().isdigit():
                problem = f"{what} row has a non-numeric ent_num {row[0][:40]!r}"
        if problem is not None:
            rejected.append(Rejected(problem, raw))
            continue
        assert row is not None
        yield [_clean(value) for value in row], raw


def _raw_rows(body: bytes) -> Iterator[tuple[list[str] | None, bytes, str | None]]:
    """(row, the row's original bytes, a CSV syntax problem or None) for each record."""
    text, codec = decode_list(body)
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    while True:
        try:
            row: list[str] | None = next(reader)
            problem = None
        except StopIteration:
            return
        except csv.Error as exc:
            row, problem = None, f"CSV syntax: {exc}"
        raw = "".join(consumed).encode(codec)
        consumed.clear()
        yield row, raw, problem


def decode_list(body: bytes) -> tuple[str, str]:
    """(text without a BOM or a trailing Ctrl-Z, the codec that re-encodes it to ``body``)."""
    for codec in ("utf-8", "cp1252", "latin-1"):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff").rstrip("\x1a\r\n"), codec
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _clean(value: str) -> str:
    value = " ".join(value.split())
    return "" if value == _EMPTY else value
