"""GDELT 2.0 event export (the unzipped ``*.export.CSV``) → one news RawEvent per row.

The export is tab-separated UTF-8 with no header: 61 columns in codebook order (``COLUMNS``).
Each line is decoded and checked on its own, so one bad row (cut short, not UTF-8, a
non-numeric id, an impossible time) becomes a ``Rejected`` carrying that line's bytes and the
rest of the file goes on. The whole document is refused (``InvalidEvent``) only when it is
plainly not an event export at all: binary data (NUL bytes), a zip that was never unpacked, or
text in which no line has 61 columns (another GDELT table, an HTML error page). An empty
document is simply an export with no rows.

A row has no headline, so the title is a sentence built from its actors, CAMEO root code and
place, and the summary is the article URL's slug turned back into words — the only text of the
article GDELT carries, and what the scorer reads.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from services.ingest.parsers.base import Parsed, Rejected, document_event
from services.ingest.parsers.gdelt_codes import fips_to_iso3, root_code_phrase
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent
from shared.schemas.raw_event import FieldValue

_ACTOR = ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code",
          "Religion2Code", "Type1Code", "Type2Code", "Type3Code")
_GEO = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    *(f"Actor1{part}" for part in _ACTOR),
    *(f"Actor2{part}" for part in _ACTOR),
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    *(f"{who}Geo_{part}" for who in ("Actor1", "Actor2", "Action") for part in _GEO),
    "DATEADDED", "SOURCEURL",
)

_DIGITS = re.compile(r"\d+")
_CAMEO = re.compile(r"\d{2,4}")
_FIELD_TEXT = 300  # longest string kept in one field: names and places are far shorter
_NAME_TEXT = 200
_MIN_SLUG_WORDS = 3  # fewer is a section name ("world-news"), not a headline
_SLUG_TEXT = 500
_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|ashx|jsp|cms|cfm|ece)$", re.IGNORECASE)
_SLUG_SEPARATORS = re.compile(r"[-_.+,;:!\s]+")


def parse_gdelt_export(doc: Document) -> Parsed:
    return parse_table(doc, len(COLUMNS), "GDELT 2.0 event export", row_to_event)


def parse_table(
    doc: Document, width: int, what: str, to_event: Callable[[bytes, Document], RawEvent]
) -> Parsed:
    """Every row of a GDELT table as an event; a row ``to_event`` refuses is rejected."""
    events: list[RawEvent] = []
    rejected: list[Rejected] = []
    for number, line in table_rows(doc.body, width, what):
        try:
            events.append(to_event(line, doc))
        except InvalidEvent as exc:
            rejected.append(Rejected(f"row {number}: {exc.reason}", line))
    return Parsed(events, rejected)


def table_rows(body: bytes, width: int, what: str) -> list[tuple[int, bytes]]:
    """The non-blank lines of a GDELT tab-separated table, numbered from 1, without line ends.

    Raises ``InvalidEvent`` for a body that is plainly not such a table: a zip never unpacked,
    binary data, or text in which no line has ``width`` columns.
    """
    if body.startswith(b"PK\x03\x04"):
        raise InvalidEvent(f"a zip archive, not an unzipped {what} (a zip GdeltSource could not unpack?)")
    if b"\x00" in body:
        raise InvalidEvent(f"binary data (NUL bytes), not a tab-separated {what}")
    lines = [line.removesuffix(b"\r") for line in body.split(b"\n")]
    rows = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    widths = [line.count(b"\t") + 1 for _, line in rows]
    if widths and width not in widths:
        raise InvalidEvent(
            f"not a {what}: no row has {width} tab-separated columns (the first has {widths[0]})"
        )
    return rows


def split_row(line: bytes, columns: tuple[str, ...]) -> dict[str, str]:
    """One UTF-8 line → column name → stripped cell; ``InvalidEvent`` when it cannot be."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"not valid UTF-8 at byte {exc.start}") from exc
    cells = [cell.strip() for cell in text.split("\t")]
    if len(cells) != len(columns):
        raise InvalidEvent(f"has {len(cells)} columns, expected {len(columns)}")
    return dict(zip(columns, cells, strict=True))


def row_to_event(line: bytes, doc: Document) -> RawEvent:
    """One export line → a RawEvent; raises ``InvalidEvent`` naming the column at fault."""
    row = split_row(line, COLUMNS)
    native = _matching(row, "GLOBALEVENTID", _DIGITS, "a numeric id")
    url = row["SOURCEURL"]
    is_url = url.lower().startswith(("http://", "https://"))
    fields = _fields(row)
    if url and not is_url:
        fields["gdelt_source_citation"] = url[:_FIELD_TEXT]  # the codebook allows a citation
    return document_event(
        doc, kind="news", native_id=native, title=_title(row),
        summary=slug_headline(url) if is_url else "", url=url if is_url else None,
        published_at=parse_gdelt_time("DATEADDED", row["DATEADDED"]), language=None,
        fields=fields,
    )


def slug_headline(url: str) -> str:
    """The headline an article URL spells out, or "" when its path has none.

    The path segment with the most words wins; ids glued to either end of it ("27698-…",
    "…-n778221", "…/437069001/") are dropped, so
    ``…/2016/07/27/cities-turn-to-local-action-to-block-oil-trains/`` gives
    "Cities turn to local action to block oil trains". The query string is never used.
    """
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    best: list[str] = []
    for segment in path.split("/"):
        words = _slug_words(_EXTENSION.sub("", segment))
        if _word_count(words) > _word_count(best):
            best = words
    if _word_count(best) < _MIN_SLUG_WORDS:
        return ""
    text = " ".join(best)[:_SLUG_TEXT]
    return text[0].upper() + text[1:]


def _fields(row: dict[str, str]) -> dict[str, FieldValue]:
    fips = row["ActionGeo_CountryCode"]
    fields: dict[str, FieldValue] = {
        "gdelt_event_id": row["GLOBALEVENTID"],
        "gdelt_event_date": row["SQLDATE"][:_FIELD_TEXT],
        "gdelt_event_code": _matching(row, "EventCode", _CAMEO, "a CAMEO code"),
        "gdelt_event_base_code": _matching(row, "EventBaseCode", _CAMEO, "a CAMEO code"),
        "gdelt_event_root_code": _root_code(row),
        "gdelt_quad_class": _int(row, "QuadClass", 1, 4),
        "gdelt_goldstein": _float(row, "GoldsteinScale", -10.0, 10.0),
        "gdelt_num_mentions": _int(row, "NumMentions", 0, None),
        "gdelt_num_sources": _int(row, "NumSources", 0, None),
        "gdelt_num_articles": _int(row, "NumArticles", 0, None),
        "gdelt_avg_tone": _float(row, "AvgTone", -100.0, 100.0),
        "gdelt_is_root_event": _int(row, "IsRootEvent", 0, 1) == 1,
        "actor1_name": _text(row, "Actor1Name"),
        "actor1_country": _text(row, "Actor1CountryCode"),
        "actor2_name": _text(row, "Actor2Name"),
        "actor2_country": _text(row, "Actor2CountryCode"),
        "action_geo_name": _text(row, "ActionGeo_FullName"),
        "action_geo_fips": _text(row, "ActionGeo_CountryCode"),
        "action_geo_country": fips_to_iso3(fips) if fips else None,
        "action_geo_lat": _optional_float(row, "ActionGeo_Lat", -90.0, 90.0),
        "action_geo_lon": _optional_float(row, "ActionGeo_Long", -180.0, 180.0),
    }
    return fields


def _title(row: dict[str, str]) -> str:
    """"{actor1} {root-code phrase} {actor2} in {place}", e.g. "Saudi coerce Egypt in Mansoura…"."""
    code = row["EventRootCode"]
    actor1 = _display(row["Actor1Name"]) or row["Actor1CountryCode"] or "Someone"
    actor2 = _display(row["Actor2Name"]) or row["Actor2CountryCode"]
    parts = [actor1, root_code_phrase(code) or f"act (CAMEO {code})"]
    if actor2:
        parts.append(actor2)
    place = row["ActionGeo_FullName"][:_NAME_TEXT]
    if place:
        parts += ["in", place]
    return " ".join(parts)


def _display(name: str) -> str:
    """GDELT actor names are upper case ("UNITED STATES"); titles read better as "United States"."""
    return string.capwords(name[:_NAME_TEXT])


def _root_code(row: dict[str, str]) -> str:
    code = row["EventRootCode"]
    if len(code) != 2 or not code.isdigit():
        raise InvalidEvent(f"EventRootCode: not a two-digit CAMEO root code: {code[:40]!r}")
    return code


def parse_gdelt_time(column: str, text: str) -> datetime:
    """GDELT's YYYYMMDDHHMMSS timestamps are UTC (DATEADDED: when GDELT first saw the event)."""
    try:
        if len(text) != 14 or not text.isdigit():
            raise ValueError(text)
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidEvent(f"{column}: not a YYYYMMDDHHMMSS time: {text[:40]!r}") from exc


def _matching(row: dict[str, str], column: str, pattern: re.Pattern[str], what: str) -> str:
    text = row[column]
    if not pattern.fullmatch(text) or len(text) > 20:
        raise InvalidEvent(f"{column}: not {what}: {text[:40]!r}")
    return text


def _int(row: dict[str, str], column: str, low: int, high: int | None) -> int:
    value = int(_matching(row, column, _DIGITS, "a whole number"))
    if value < low or (high is not None and value > high):
        raise InvalidEvent(f"{column}: {value} is outside {low}…{'' if high is None else high}")
    return value


def _float(row: dict[str, str], column: str, low: float, high: float) -> float:
    value = _optional_float(row, column, low, high)
    if value is None:
        raise InvalidEvent(f"{column}: empty")
    return value


def _optional_float(row: dict[str, str], column: str, low: float, high: float) -> float | None:
    text = row[column]
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidEvent(f"{column}: not a number: {text[:40]!r}") from exc
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidEvent(f"{column}: {text[:40]!r} is outside {low}…{high}")
    return value


def _text(row: dict[str, str], column: str) -> str | None:
    return row[column][:_FIELD_TEXT] or None


def _slug_words(segment: str) -> list[str]:
    tokens = [token for token in _SLUG_SEPARATORS.split(segment) if token]
    while tokens and _looks_like_id(tokens[0]):
        tokens.pop(0)
    while tokens and _looks_like_id(tokens[-1]):
        tokens.pop()
    return tokens


def _looks_like_id(token: str) -> bool:
    """"27698", "n778221", "2f69bxcqw" are ids; "5" (as in "…-killed-boy-5") is a word."""
    has_digit = any(c.isdigit() for c in token)
    return has_digit and (len(token) >= 4 or any(c.isalpha() for c in token))


def _word_count(tokens: list[str]) -> int:
    return sum(any(c.isalpha() for c in token) for token in tokens)
