"""The compiled scorer build is used only while it matches its sources (services/scorer/compiled.py)."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from services.scorer import compiled
from services.scorer.compiled import (
    HOT_MODULES,
    STAMP,
    build_is_current,
    built_extensions,
    drop_stale_build,
    sources_digest,
)

SUFFIX = EXTENSION_SUFFIXES[0]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A source tree with the hot modules and a build of them made from these very sources."""
    for module in HOT_MODULES:
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / module).write_text(f"# {module}\n")
        (tmp_path / module.replace(".py", SUFFIX)).write_bytes(b"\x7fELF")
    (tmp_path / (compiled.GROUP.replace(".", "/") + "__mypyc" + SUFFIX)).write_bytes(b"\x7fELF")
    (tmp_path / STAMP).write_text(sources_digest(tmp_path) + "\n")
    return tmp_path


def test_a_build_that_matches_its_sources_is_kept(tree: Path) -> None:
    assert build_is_current(tree)
    assert not drop_stale_build(tree)
    assert len(built_extensions(tree)) == len(HOT_MODULES) + 1


def test_editing_a_hot_module_drops_the_whole_build_so_the_edit_runs(tree: Path) -> None:
    (tree / HOT_MODULES[0]).write_text("# edited\n")
    assert not build_is_current(tree)
    assert drop_stale_build(tree)
    assert built_extensions(tree) == [] and not (tree / STAMP).exists()
    assert all((tree / module).exists() for module in HOT_MODULES)  # sources untouched


def test_a_build_without_its_stamp_is_stale(tree: Path) -> None:
    (tree / STAMP).unlink()
    assert drop_stale_build(tree)
    assert built_extensions(tree) == []


def test_no_build_is_nothing_to_do(tmp_path: Path) -> None:
    for module in HOT_MODULES:
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / module).write_text("")
    assert not drop_stale_build(tmp_path)


def test_a_stale_build_that_cannot_be_removed_fails_the_import_loudly(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / HOT_MODULES[0]).write_text("# edited\n")

    def refuse(root: Path) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(compiled, "remove_build", refuse)
    with pytest.raises(ImportError, match="older than its sources"):
        drop_stale_build(tree)


def test_the_hot_modules_are_real_modules_of_this_repository() -> None:
    assert all((compiled.ROOT / module).is_file() for module in HOT_MODULES)


def test_no_hot_module_locates_files_by_its_own_path() -> None:
    """A compiled module's ``__file__`` is where it was compiled: data paths live in data_files."""
    assert [m for m in HOT_MODULES if "__file__" in (compiled.ROOT / m).read_text()] == []
