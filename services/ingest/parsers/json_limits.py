"""Every JSON ingest reads goes through ``load_json``: bounded size, bounded depth, finite numbers.

Why each limit:

- **size**: a value is refused before parsing, so one line or body cannot take the memory and CPU
  of a whole batch. The caller passes the limit that fits its input (a push body, one JSONL line).
- **depth**: no real item nests deeper than a handful of levels (``MAX_JSON_DEPTH`` leaves room
  for eight times that). A line nested thousands deep used to escape as a ``RecursionError``
  from the parser and killed the feed task; now it is an ``InvalidEvent`` like any bad item.
- **finite numbers**: ``NaN`` and ``Infinity`` (and ``1e999``, which Python reads as infinity)
  are not JSON; stored, they come out as ``null`` and silently change the data.

``JsonRefused.limit`` names which rule refused the value, so the push API can answer 413 for
size and 422 for the rest, each naming the limit.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from shared.dlq import InvalidEvent

MAX_JSON_DEPTH = 32
# One JSON Lines line (a partner item, an FtM entity): far above any real one. The RawEvent made
# from it is held to BRISK_MAX_MESSAGE_BYTES separately, where it is published.
MAX_LINE_BYTES = 4 * 1024 * 1024
Limit = Literal["size", "depth", "number", "syntax"]


class JsonRefused(InvalidEvent):
    """A JSON value refused by one of the limits (or not JSON at all: ``limit`` "syntax")."""

    def __init__(self, limit: Limit, reason: str) -> None:
        super().__init__(reason)
        self.limit: Limit = limit


class _NonFinite(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _refuse_constant(text: str) -> float:
    raise _NonFinite(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(text)
    return value


def nesting_depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether ``value`` has containers nested deeper than ``max_depth`` (``{}`` is depth 1).

    Iterative, so it cannot itself run out of stack; stops at the first container too deep.
    """
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load_json(
    data: bytes | str, *, max_bytes: int | None, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """``data`` parsed as JSON, or ``JsonRefused`` naming the limit it broke.

    ``max_bytes`` None means the caller has bounded the input already (a fetched document is cut
    off at BRISK_INGEST_MAX_BODY_BYTES). Bytes may be UTF-8, -16 or -32 (as ``json.loads``
    detects them); a ``str`` is measured in its UTF-8 length, the size it has on the wire.
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise JsonRefused("size", f"JSON of {size} bytes is over the {max_bytes}-byte limit")
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NonFinite as exc:
        raise JsonRefused("number", f"JSON number {exc.text[:40]} is refused: only finite "
                                    "numbers are allowed (no NaN or Infinity)") from None
    except RecursionError:
        raise JsonRefused("depth", f"JSON nested deeper than the limit of {max_depth} "
                                   "levels") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, an integer of > 4300 digits
        raise JsonRefused("syntax", f"not JSON: {str(exc)[:300]}") from None
    if nesting_depth_exceeds(value, max_depth):
        raise JsonRefused("depth", f"JSON nested deeper than the limit of {max_depth} levels")
    return value
