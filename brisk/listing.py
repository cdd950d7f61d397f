"""How every CLI listing prints: an aligned table for people, or ``--json`` one object a line."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import typer


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], as_json: bool,
               echo: Callable[[str], None] = typer.echo, empty: str = "(none)") -> None:
    """``rows`` are JSON-ready dicts; the table shows ``columns`` (all keys go to --json)."""
    if as_json:
        for row in rows:
            echo(json.dumps(row, ensure_ascii=False, default=str, separators=(",", ":")))
        return
    if not rows:
        echo(empty)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: Any, limit: int = 60) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        text = ",".join(map(str, value))
    elif isinstance(value, dict):
        text = " ".join(f"{k}={v}" for k, v in value.items())
    else:
        text = str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
