"""Refuse XML that could expand or reach outside the document before any parser sees it.

Real news feeds never declare entities, so any ``<!ENTITY`` is refused: that closes both the
entity-expansion bomb ("billion laughs") and external-entity (XXE) reads in one rule, whatever
parser runs next. NUL bytes are dropped first so a UTF-16 document cannot hide the declaration.
"""

from __future__ import annotations

import re

from shared.dlq import InvalidEvent

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def refuse_unsafe_xml(body: bytes) -> None:
    if _ENTITY_DECLARATION.search(body.replace(b"\x00", b"")):
        raise InvalidEvent("XML entity declarations are refused (entity expansion / XXE)")
