"""Versioned SQL migrations: ``shared/db/migrations/NNNN_name.sql``, applied in order.

Each file runs in its own transaction together with its row in ``schema_migrations``, so a file
is applied wholly or not at all (a file must therefore not contain BEGIN/COMMIT, nor statements
that cannot run in a transaction such as ``CREATE INDEX CONCURRENTLY``). Upgrades hold a
PostgreSQL advisory lock: two at once (two ``brisk up``s, two containers) apply each file once.
Running it again applies nothing. Every applied file's checksum is kept: a file edited after it
was applied, a database newer than the code, or a new file numbered below the database's version
are refused with one line, never guessed at — put a change in a new file instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")
# The advisory lock's key (a bigint), the same for every brisk upgrade of a database.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"brisk schema_migrations").digest()[:8], "big",
                          signed=True)

CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


class MigrationError(Exception):
    """The migrations cannot be applied as they are; the message is the one line to show."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: bytes
    checksum: str  # sha256 of the file with line endings made \n (a CRLF checkout is the same)

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@dataclass(frozen=True)
class Applied:
    version: int
    name: str
    checksum: str


def load_migrations(migrations_dir: Path = DEFAULT_MIGRATIONS_DIR) -> list[Migration]:
    """The ``NNNN_name.sql`` files in version order; other files (no ``.sql``) are ignored.
    Raises MigrationError for a misnamed ``.sql`` file or a version used twice."""
    found: dict[int, Migration] = {}
    for path in sorted(migrations_dir.glob("*.sql")):
        match = FILE_NAME.fullmatch(path.name)
        if not match:
            raise MigrationError(f"{path}: a migration is named NNNN_lowercase_name.sql")
        version = int(match[1])
        if version in found:
            raise MigrationError(f"{path}: version {version} is also {found[version].file_name}")
        sql = path.read_bytes()
        checksum = hashlib.sha256(sql.replace(b"\r\n", b"\n")).hexdigest()
        found[version] = Migration(version, match[2], sql, checksum)
    return [found[v] for v in sorted(found)]


def pending(known: list[Migration], applied: list[Applied], migrations_dir: Path) -> list[Migration]:
    """The migrations still to apply, in order. Raises MigrationError when the database and the
    files disagree: a version the files lack, a changed file, a new file below the newest
    applied version."""
    by_version = {m.version: m for m in known}
    for row in applied:
        m = by_version.get(row.version)
        if m is None:
            newest = max((k.version for k in known), default=0)
            what = "newer than" if row.version > newest else "missing from"
            raise MigrationError(
                f"the database has migration {row.version:04d}_{row.name}, {what} {migrations_dir} "
                f"(which knows up to {newest:04d}): upgrade brisk, or use the matching database")
        if m.checksum != row.checksum:
            raise MigrationError(
                f"{migrations_dir / m.file_name} changed after it was applied (checksum "
                f"{row.checksum[:12]} then, {m.checksum[:12]} now): restore it and put the change "
                f"in a new migration")
    done = {row.version for row in applied}
    newest_applied = max(done, default=0)
    todo = [m for m in known if m.version not in done]
    for m in todo:
        if m.version < newest_applied:
            raise MigrationError(f"{migrations_dir / m.file_name} is numbered below the database's "
                                 f"version {newest_applied:04d}: renumber it above")
    return todo


def _applied(conn: psycopg.Connection) -> list[Applied]:
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        return []
    rows = conn.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
    return [Applied(int(v), str(n), str(c)) for v, n, c in rows.fetchall()]


def upgrade(url: str, migrations_dir: Path = DEFAULT_MIGRATIONS_DIR,
            lock_timeout_seconds: float = 300) -> list[int]:
    """Apply the pending migrations; returns their versions ([] when up to date). Waits up to
    ``lock_timeout_seconds`` for a concurrent upgrade. Raises MigrationError, or psycopg.Error
    when a file's SQL fails (that file is rolled back; the ones before it stay applied)."""
    known = load_migrations(migrations_dir)
    applied_now: list[int] = []
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT set_config('lock_timeout', %s, false)",
                     (f"{int(lock_timeout_seconds * 1000)}ms",))
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        except psycopg.errors.LockNotAvailable:
            raise MigrationError(f"another upgrade held the migration lock for over "
                                 f"{lock_timeout_seconds:g}s") from None
        conn.execute("SET lock_timeout = 0")
        try:
            conn.execute(CREATE_TABLE)
            for m in pending(known, _applied(conn), migrations_dir):
                with conn.transaction():
                    conn.execute(m.sql)  # no parameters: the file's statements, as they are
                    conn.execute("INSERT INTO schema_migrations (version, name, checksum) "
                                 "VALUES (%s, %s, %s)", (m.version, m.name, m.checksum))
                applied_now.append(m.version)
        finally:  # a broken connection has lost the lock with its session anyway
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now


def current_version(url: str) -> int:
    """The newest applied migration's version; 0 for a database with none."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        applied = _applied(conn)
    return max((row.version for row in applied), default=0)
