"""Reading rows by column name, whatever row factory the caller's connection was opened with."""

from __future__ import annotations

from typing import Any, LiteralString

from psycopg import AsyncConnection
from psycopg.rows import dict_row

Row = dict[str, Any]
Params = tuple[Any, ...] | dict[str, Any]


async def fetch_all(conn: AsyncConnection[Any], query: LiteralString, params: Params = ()) -> list[Row]:
    """The rows of a SELECT or ``… RETURNING`` as dicts."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def fetch_one(conn: AsyncConnection[Any], query: LiteralString, params: Params = ()) -> Row | None:
    """The first row, or None."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()
