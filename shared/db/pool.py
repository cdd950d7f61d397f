"""Connections to brisk's PostgreSQL: an async pool for the services, one sync connection for
the command line.

A URL may hold a password: pass it to these functions, never to a log line or an error message
(``redact_url`` gives a form that can be shown). psycopg's own errors do not repeat it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

CONNECT_TIMEOUT_SECONDS = 10


async def open_pool(url: str, *, min_size: int = 1, max_size: int = 10,
                    timeout: float = 30.0) -> AsyncConnectionPool[psycopg.AsyncConnection[TupleRow]]:
    """An open pool with ``min_size`` connections made (waits up to ``timeout`` seconds, then
    raises ``psycopg_pool.PoolTimeout``). Close it with ``await pool.close()``."""
    pool: AsyncConnectionPool[psycopg.AsyncConnection[TupleRow]] = AsyncConnectionPool(
        url, min_size=min_size, max_size=max_size, open=False, timeout=timeout,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_SECONDS}, name="brisk")
    try:
        await pool.open(wait=True, timeout=timeout)
    except BaseException:
        await pool.close()
        raise
    return pool


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[TupleRow]:
    """One connection (a context manager: commits on a clean exit, closes)."""
    return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_SECONDS)


def redact_url(url: str) -> str:
    """``url`` with its password (``user:PASSWORD@`` or ``?password=``) replaced by ``***``:
    the form to show or log."""
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "password" for key, _ in query):
        masked = [(k, "***" if k == "password" else v) for k, v in query]
        parts = parts._replace(query=urlencode(masked, safe="/*"))
    return urlunsplit(parts)
