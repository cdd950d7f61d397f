"""The UN Security Council consolidated list (XML) → a snapshot of designations.

The document is refused whole when it declares entities (``refuse_unsafe_xml``, then defusedxml
with DTDs forbidden) or is not well-formed: a truncated list would look like mass de-listings.
An entry nested deeper than ``MAX_XML_DEPTH`` is ``Rejected`` alone (its dead letter holds the
entry cut off at that depth: the whole could not even be serialised) and the rest goes on.
Each ``INDIVIDUAL`` or ``ENTITY`` is keyed by its ``DATAID``; its regime (``UN_LIST_TYPE``, e.g.
"DPRK", "Al-Qaida") is the programme and ``REFERENCE_NUMBER`` ("KPi.033") the public reference.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from services.ingest.parsers.base import Rejected
from services.ingest.parsers.xml_safety import (
    MAX_XML_DEPTH,
    element_too_deep,
    refuse_unsafe_xml,
    shallow_copy,
)
from services.ingest.sanctions.countries import to_iso3, unique_sorted
from services.ingest.sanctions.model import (
    MAX_ALIASES,
    MAX_REMARKS,
    Designation,
    Snapshot,
    truncate,
)
from shared.dlq import InvalidEvent

LIST_NAME = "un-sc"
_ROOT = "CONSOLIDATED_LIST"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_un_xml(body: bytes) -> tuple[Snapshot, list[Rejected]]:
    """Every listed individual and entity; one that lacks an id or a name is ``Rejected``."""
    refuse_unsafe_xml(body)
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidEvent(f"not a well-formed UN list: {exc}") from exc
    if root.tag != _ROOT:
        raise InvalidEvent(f"not a UN consolidated list: root element is {root.tag[:80]!r}")
    snapshot: Snapshot = {}
    rejected: list[Rejected] = []
    entries = [("individual", e) for e in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entries += [("entity", e) for e in root.iterfind("ENTITIES/ENTITY")]
    for entity_type, element in entries:
        if element_too_deep(element):
            rejected.append(Rejected(
                f"{entity_type} nested deeper than the limit of {MAX_XML_DEPTH} elements",
                tostring(shallow_copy(element), encoding="utf-8")))
            continue
        try:
            designation = _designation(element, entity_type)
        except InvalidEvent as exc:
            rejected.append(Rejected(exc.reason, tostring(element, encoding="utf-8")))
            continue
        if designation.entity_id in snapshot:
            rejected.append(Rejected(f"duplicate DATAID {designation.entity_id}",
                                     tostring(element, encoding="utf-8")))
            continue
        snapshot[designation.entity_id] = designation
    return snapshot, rejected


def _designation(element: Element, entity_type: str) -> Designation:
    data_id = _text(element, "DATAID")
    if not data_id:
        raise InvalidEvent(f"{entity_type} has no DATAID")
    parts = _NAME_PARTS if entity_type == "individual" else _NAME_PARTS[:1]
    name = " ".join(filter(None, (_text(element, p) for p in parts)))
    if not name:
        raise InvalidEvent(f"{entity_type} {data_id} has no name")
    suffix = "INDIVIDUAL" if entity_type == "individual" else "ENTITY"
    countries = [to_iso3(v) for v in _texts(element, "NATIONALITY/VALUE")]
    countries += [to_iso3(v) for v in _texts(element, f"{suffix}_ADDRESS/COUNTRY")]
    listed_on = _text(element, "LISTED_ON")
    return Designation(
        list_name=LIST_NAME,
        entity_id=data_id,
        name=name,
        entity_type=entity_type,
        programmes=tuple(sorted(set(_texts(element, "UN_LIST_TYPE")))),
        countries=unique_sorted(countries),
        remarks=truncate(_text(element, "COMMENTS1"), MAX_REMARKS),
        aliases=tuple(sorted(set(_texts(element, f"{suffix}_ALIAS/ALIAS_NAME"))))[:MAX_ALIASES],
        reference=_text(element, "REFERENCE_NUMBER"),
        listed_on=listed_on[:10] if _ISO_DATE.match(listed_on) else None,
    )


def _text(element: Element, path: str) -> str:
    """The element's text with whitespace collapsed; empty when absent."""
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _texts(element: Element, path: str) -> list[str]:
    values = (" ".join((e.text or "").split()) for e in element.iterfind(path))
    return [v for v in values if v]
