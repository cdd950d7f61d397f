"""GDELT Global Knowledge Graph 2.1 (the unzipped ``*.gkg.csv``) → one news RawEvent per article.

Where the event export says who did what to whom, a GKG record describes one article: its
themes, the places, people and organisations it names, and its tone. Rows are checked one by one
like the export's (see ``gdelt.table_rows``); only the record id, the date and the tone are
required to be well-formed — the long semicolon lists are read leniently, a block that does not
parse is skipped, because they are descriptive extras, not the event's identity.

GKG 2.1 records from 2017 carry no headline; the title is the ``PAGE_TITLE`` GDELT adds to the
Extras field in later files when present, else the URL's slug in words.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable

import pycountry

from services.ingest.parsers.base import Parsed, document_event
from services.ingest.parsers.gdelt import parse_gdelt_time, parse_table, slug_headline, split_row
from services.ingest.parsers.gdelt_codes import fips_to_iso3
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent
from shared.schemas.raw_event import FieldValue

GKG_COLUMNS: tuple[str, ...] = (
    "GKGRECORDID", "DATE", "SourceCollectionIdentifier", "SourceCommonName", "DocumentIdentifier",
    "Counts", "V2Counts", "Themes", "V2Themes", "Locations", "V2Locations", "Persons", "V2Persons",
    "Organizations", "V2Organizations", "V2Tone", "Dates", "GCAM", "SharingImage", "RelatedImages",
    "SocialImageEmbeds", "SocialVideoEmbeds", "Quotations", "AllNames", "Amounts",
    "TranslationInfo", "Extras",
)
# V2Tone: tone, positive score, negative score, polarity, activity density, self/group density
# (floats, mostly percentages of the article's words), then the word count.
_TONE_FIELDS = ("gdelt_tone", "gdelt_positive_score", "gdelt_negative_score", "gdelt_polarity",
                "gdelt_activity_density", "gdelt_self_group_density")
_RECORD_ID = re.compile(r"\d{14}-T?\d+")
_PAGE_TITLE = re.compile(r"<PAGE_TITLE>(.*?)</PAGE_TITLE>", re.DOTALL)
_SOURCE_LANGUAGE = re.compile(r"srclc:([a-z]{2,3})")
_LIST_TEXT = 1000  # a themes/persons list is cut here: the scorer needs the gist, not all 300
_TITLE_TEXT = 500


def parse_gdelt_gkg(doc: Document) -> Parsed:
    return parse_table(doc, len(GKG_COLUMNS), "GDELT GKG 2.1 file", gkg_row_to_event)


def gkg_row_to_event(line: bytes, doc: Document) -> RawEvent:
    row = split_row(line, GKG_COLUMNS)
    record = row["GKGRECORDID"]
    if not _RECORD_ID.fullmatch(record):
        raise InvalidEvent(f"GKGRECORDID: not YYYYMMDDHHMMSS-N: {record[:40]!r}")
    collection = row["SourceCollectionIdentifier"]
    if not collection.isdigit():
        raise InvalidEvent(f"SourceCollectionIdentifier: not a number: {collection[:40]!r}")
    document = row["DocumentIdentifier"]
    url = document if document.lower().startswith(("http://", "https://")) else None
    slug = slug_headline(url) if url else ""
    page_title = _page_title(row["Extras"])
    source_name = row["SourceCommonName"][:200]
    title = page_title or slug or f"Article from {source_name or 'an unnamed source'}"
    fields: dict[str, FieldValue] = {
        "gdelt_gkg_record_id": record,
        "gdelt_source_collection": int(collection),
        "gdelt_source_name": source_name or None,
        "gdelt_themes": _joined(_unique(row["Themes"].split(";"))),
        "gdelt_location_names": _joined(_unique(_location_parts(row["Locations"], 1))),
        "gdelt_location_countries": _joined(_unique(
            iso3 for fips in _location_parts(row["Locations"], 2) if (iso3 := fips_to_iso3(fips)))),
        "gdelt_persons": _joined(_unique(row["Persons"].split(";"))),
        "gdelt_organizations": _joined(_unique(row["Organizations"].split(";"))),
        **_tone(row["V2Tone"]),
    }
    if not url and document:
        fields["gdelt_source_citation"] = document[:300]
    return document_event(
        doc, kind="news", native_id=record, title=title[:_TITLE_TEXT],
        summary=slug if page_title and slug != page_title else "", url=url,
        published_at=parse_gdelt_time("DATE", row["DATE"]),
        language=_language(row["TranslationInfo"]), fields=fields,
    )


def _page_title(extras: str) -> str:
    found = _PAGE_TITLE.search(extras)
    return " ".join(html.unescape(found.group(1)).split()) if found else ""


def _location_parts(locations: str, index: int) -> list[str]:
    """One ``#``-separated part of each V1 location block ("Type#FullName#FIPS#ADM1#Lat#Long#ID")."""
    parts = (block.split("#") for block in locations.split(";"))
    return [p[index] for p in parts if len(p) >= 7 and p[index]]


def _tone(text: str) -> dict[str, FieldValue]:
    if not text:
        return {}
    values = text.split(",")
    if len(values) < 7:
        raise InvalidEvent(f"V2Tone: expected 7 comma-separated values, got {len(values)}")
    try:
        scores = [float(v) for v in values[:6]]
        words = int(values[6])
    except ValueError as exc:
        raise InvalidEvent(f"V2Tone: not numbers: {text[:80]!r}") from exc
    if not all(math.isfinite(s) for s in scores) or words < 0:
        raise InvalidEvent(f"V2Tone: not finite or a negative word count: {text[:80]!r}")
    return {**dict(zip(_TONE_FIELDS, scores, strict=True)), "gdelt_word_count": words}


def _language(translation: str) -> str:
    """GDELT leaves TranslationInfo blank for articles written in English; else "srclc:fra;…"."""
    found = _SOURCE_LANGUAGE.search(translation)
    if not found:
        return "en"
    code = found.group(1)
    language = pycountry.languages.get(alpha_3=code) if len(code) == 3 else None
    return str(getattr(language, "alpha_2", None) or code)


def _unique(items: Iterable[str]) -> list[str]:
    """Non-blank items, first occurrence kept, in order (GKG lists repeat names often)."""
    return list(dict.fromkeys(text for item in items if (text := item.strip())))


def _joined(items: list[str]) -> str | None:
    return "; ".join(items)[:_LIST_TEXT] or None
