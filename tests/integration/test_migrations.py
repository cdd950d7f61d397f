"""The migration runner on the embedded PostgreSQL: applies in order, once, under a lock, and
refuses what it cannot reconcile — with a migrations dir of the test's own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from brisk.db_command import run_upgrade
from shared.db.migrate import (
    DEFAULT_MIGRATIONS_DIR,
    MigrationError,
    current_version,
    load_migrations,
    upgrade,
)
from tests.integration.conftest import RunningPostgres

pytestmark = pytest.mark.integration

FIRST = "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);\n"
SECOND = ("ALTER TABLE tenants ADD COLUMN note text;\n"
          "INSERT INTO tenants (id, name) VALUES (1, 'first');\n")


@pytest.fixture
def database(postgres_server: RunningPostgres) -> Iterator[str]:
    """A new, empty database on the session's server; dropped afterwards."""
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_server.layout.url(name)
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def migrations(tmp_path: Path, *files: tuple[str, str]) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    for name, text in files:
        (folder / name).write_text(text)
    return folder


def test_pending_migrations_are_applied_in_order_and_recorded(database: str,
                                                              tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0002_notes.sql", SECOND), ("0001_tenants.sql", FIRST),
                        ("README.md", "not a migration"))
    assert current_version(database) == 0
    assert upgrade(database, folder) == [1, 2]
    assert current_version(database) == 2
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT version, name, applied_at IS NOT NULL FROM schema_migrations "
                            "ORDER BY version").fetchall()
        assert rows == [(1, "tenants", True), (2, "notes", True)]
        assert conn.execute("SELECT name, note FROM tenants").fetchall() == [("first", None)]


def test_running_it_again_applies_nothing_and_a_new_file_alone(database: str,
                                                               tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0001_tenants.sql", FIRST))
    assert upgrade(database, folder) == [1]
    assert upgrade(database, folder) == []
    migrations(tmp_path, ("0002_notes.sql", SECOND))
    assert upgrade(database, folder) == [2]


def test_two_concurrent_upgrades_apply_each_file_once(database: str, tmp_path: Path) -> None:
    # pg_sleep makes the first holder keep the lock long enough for the other to wait on it.
    folder = migrations(tmp_path, ("0001_tenants.sql", "SELECT pg_sleep(0.5);\n" + FIRST),
                        ("0002_notes.sql", SECOND))
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(upgrade(database, folder))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(results) == [[], [1, 2]]
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (1,)


def test_a_database_newer_than_the_code_is_refused(database: str, tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0001_tenants.sql", FIRST), ("0002_notes.sql", SECOND))
    upgrade(database, folder)
    (folder / "0002_notes.sql").unlink()
    with pytest.raises(MigrationError, match="has migration 0002_notes, newer than .* knows up "
                                             "to 0001"):
        upgrade(database, folder)


def test_an_applied_file_that_changed_is_reported_and_nothing_is_applied(database: str,
                                                                          tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0001_tenants.sql", FIRST))
    upgrade(database, folder)
    migrations(tmp_path, ("0001_tenants.sql", FIRST + "-- an edit\n"), ("0002_notes.sql", SECOND))
    with pytest.raises(MigrationError, match="0001_tenants.sql changed after it was applied"):
        upgrade(database, folder)
    assert current_version(database) == 1


def test_a_line_ending_change_is_not_a_change(database: str, tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0001_tenants.sql", FIRST))
    upgrade(database, folder)
    (folder / "0001_tenants.sql").write_bytes(FIRST.replace("\n", "\r\n").encode())
    assert upgrade(database, folder) == []


def test_a_failing_file_is_rolled_back_whole(database: str, tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0001_tenants.sql", FIRST),
                        ("0002_broken.sql", "CREATE TABLE half (id int);\nSELECT nonsense;\n"))
    with pytest.raises(psycopg.errors.UndefinedColumn):
        upgrade(database, folder)
    assert current_version(database) == 1
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT to_regclass('half')").fetchone() == (None,)


def test_a_new_file_numbered_below_the_database_is_refused(database: str, tmp_path: Path) -> None:
    folder = migrations(tmp_path, ("0002_notes.sql", FIRST))
    upgrade(database, folder)
    migrations(tmp_path, ("0001_early.sql", "SELECT 1;\n"))
    with pytest.raises(MigrationError, match="0001_early.sql is numbered below"):
        upgrade(database, folder)


@pytest.mark.parametrize("name", ["1_short.sql", "0001-dash.sql", "0001_Upper.sql"])
def test_a_misnamed_migration_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(MigrationError, match="NNNN_lowercase_name.sql"):
        load_migrations(migrations(tmp_path, (name, FIRST)))


def test_the_shipped_migrations_apply_to_an_empty_database(database: str) -> None:
    applied = upgrade(database)
    assert applied == [m.version for m in load_migrations(DEFAULT_MIGRATIONS_DIR)]
    assert upgrade(database) == []


def test_brisk_db_upgrade_says_what_it_applied_then_up_to_date(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setenv("BRISK_POSTGRES_URL", database)
    assert run_upgrade(tmp_path, said.append, said.append) == 0
    newest = max(m.version for m in load_migrations())
    assert said == [f"applied {', '.join(f'{m.version:04d}' for m in load_migrations())}; the "
                    f"database is at version {newest:04d}"]
    assert run_upgrade(tmp_path, said.append, said.append) == 0
    assert said[-1] == f"up to date (version {newest:04d})"


def test_brisk_db_upgrade_without_a_database_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.delenv("BRISK_POSTGRES_URL", raising=False)
    assert run_upgrade(tmp_path, said.append, said.append) == 2
    assert said == [f"no PostgreSQL to upgrade: set BRISK_POSTGRES_URL or start `brisk up` "
                    f"(looked in {tmp_path})"]


def test_brisk_db_upgrade_shows_a_failure_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setenv("BRISK_POSTGRES_URL",
                       "postgresql://brisk:hunter2@/brisk?host=/nonexistent-dir&port=5432")
    assert run_upgrade(tmp_path, said.append, said.append) == 1
    assert len(said) == 1 and "hunter2" not in said[0]
    assert said[0].startswith("upgrading postgresql://brisk:***@/brisk?host=/nonexistent-dir")
