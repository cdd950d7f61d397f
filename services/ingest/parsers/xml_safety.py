"""Refuse XML that could expand, reach outside the document or nest without bound.

Real news feeds never declare entities, so any ``<!ENTITY`` is refused: that closes both the
entity-expansion bomb ("billion laughs") and external-entity (XXE) reads in one rule, whatever
parser runs next. NUL bytes are dropped first so a UTF-16 document cannot hide the declaration.

Depth: no real feed or list nests more than about ten elements; ``MAX_XML_DEPTH`` leaves ample
room. Deeper documents cost feedparser quadratic time (100,000 levels: 7 s) and make any
recursive walk of a parsed tree (``ElementTree.tostring``) raise ``RecursionError``. A whole
document is checked by scanning its markup (``refuse_deep_xml``); a list whose entries are
judged one by one checks each entry's parsed element instead (``element_too_deep``), so one
absurd entry is refused and the rest of the list goes on.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement

from shared.dlq import InvalidEvent

MAX_XML_DEPTH = 64
SLASH = ord("/")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Markup that does not open an element (comments, CDATA, processing instructions, declarations),
# closing tags, and start tags (attribute values may hold ">", so they are matched whole). Each
# construct also ends at the end of the input, so unterminated markup cannot make the scan
# quadratic.
_MARKUP = re.compile(
    rb"(?P<skip><!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<[?!][^>]*(?:>|\Z))"
    rb"|(?P<close></[^>]*(?:>|\Z))"
    rb"|<[^\s<>/?!][^>\"']*(?:(?:\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z))[^>\"']*)*(?:>|\Z)",
    re.DOTALL,
)


def refuse_unsafe_xml(body: bytes) -> None:
    if _ENTITY_DECLARATION.search(body.replace(b"\x00", b"")):
        raise InvalidEvent("XML entity declarations are refused (entity expansion / XXE)")


def xml_depth_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether any element in ``body`` is nested deeper than ``max_depth`` (the root is 1).

    A scan of the markup, not a parse: it stops at the first element too deep, and on markup
    that is not well-formed it errs only towards refusing (the parser refuses it anyway).
    """
    text = body.replace(b"\x00", b"")
    depth = 0
    for match in _MARKUP.finditer(text):
        kind = match.lastgroup
        if kind == "close":
            depth -= 1
        elif kind is None:  # a start tag: <open> or <empty/>
            if depth + 1 > max_depth:
                return True
            if text[match.end() - 2] != SLASH:
                depth += 1
    return False


def refuse_deep_xml(body: bytes, max_depth: int = MAX_XML_DEPTH) -> None:
    if xml_depth_exceeds(body, max_depth):
        raise InvalidEvent(f"XML nested deeper than the limit of {max_depth} elements")


def element_too_deep(element: Element, max_depth: int = MAX_XML_DEPTH) -> bool:
    """Whether a parsed element has descendants more than ``max_depth`` levels down (itself is 1).

    Iterative: the tree may be far deeper than Python's recursion limit.
    """
    stack = [(element, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


def shallow_copy(element: Element, max_depth: int = MAX_XML_DEPTH) -> Element:
    """A copy of ``element`` cut off below ``max_depth`` levels: what can be serialised safely
    (for a dead letter) of an element too deep to serialise whole."""
    root = Element(element.tag, element.attrib)
    root.text, root.tail = element.text, None
    stack = [(element, root, 1)]
    while stack:
        source, copy, depth = stack.pop()
        if depth >= max_depth:
            continue
        for child in source:
            twin = SubElement(copy, child.tag, child.attrib)
            twin.text, twin.tail = child.text, child.tail
            stack.append((child, twin, depth + 1))
    return root
