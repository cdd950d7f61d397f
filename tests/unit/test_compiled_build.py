"""The compiled scorer build runs only while it matches its sources, and importing the scorer
never deletes or writes a file (services/scorer/compiled.py, scripts/compile_scorer.py)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, SourceFileLoader
from pathlib import Path
from types import ModuleType

import pytest

from services.scorer import compiled
from services.scorer.compiled import (
    BUILDS,
    COMPLETE,
    GROUP_LIBRARY,
    HOT_MODULES,
    HotModuleFinder,
    build_dir,
    build_is_current,
    current_build,
    install_finder,
    module_name,
    sources_digest,
)

SUFFIX = EXTENSION_SUFFIXES[0]
NAMES = [module_name(m) for m in HOT_MODULES]


def fake_build(root: Path, digest: str, complete: bool = True) -> Path:
    """A build directory of (unloadable) extension files for every hot module."""
    directory = build_dir(digest, root)
    for name in [*NAMES, GROUP_LIBRARY]:
        path = directory / (name.replace(".", "/") + SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x7fELF not really")
    if complete:
        (directory / COMPLETE).write_text(digest + "\n")
    return directory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A source tree with the hot modules and a build made from these very sources."""
    for module in HOT_MODULES:
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / module).write_text(f"# {module}\n")
    fake_build(tmp_path, sources_digest(tmp_path))
    return tmp_path


def origins(finder: HotModuleFinder) -> dict[str, tuple[str, type]]:
    specs = {name: finder.find_spec(name) for name in [*NAMES, GROUP_LIBRARY]}
    return {name: (Path(spec.origin or "").name, type(spec.loader))
            for name, spec in specs.items() if spec is not None}


def finder_of(root: Path) -> HotModuleFinder:
    before = list(sys.meta_path)
    try:
        return install_finder(root)
    finally:
        sys.meta_path[:] = before


def test_a_build_that_matches_its_sources_is_used(tree: Path) -> None:
    found = origins(finder_of(tree))
    assert build_is_current(tree) and len(found) == len(NAMES) + 1
    assert all(loader is ExtensionFileLoader and origin.endswith(SUFFIX)
               for origin, loader in found.values())
    spec = finder_of(tree).find_spec("services.scorer.text")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).is_relative_to(build_dir(sources_digest(tree), tree))


# (case, what changes after the build was made)
STALE: list[tuple[str, Callable[[Path], object]]] = [
    ("a hot module edited", lambda root: (root / HOT_MODULES[0]).write_text("# edited\n")),
    ("the build not marked complete", lambda root: (
        build_dir(sources_digest(root), root) / COMPLETE).unlink()),
    ("an extension missing", lambda root: next(
        build_dir(sources_digest(root), root).rglob(f"text{SUFFIX}")).unlink()),
    ("marked with another digest", lambda root: (
        build_dir(sources_digest(root), root) / COMPLETE).write_text("0" * 64)),
]


@pytest.mark.parametrize("change", [c for _, c in STALE], ids=[n for n, _ in STALE])
def test_a_stale_build_is_not_used_the_sources_run(
    tree: Path, change: Callable[[Path], object],
) -> None:
    change(tree)
    assert current_build(tree) is None
    found = origins(finder_of(tree))
    assert GROUP_LIBRARY not in found  # the sources need no runtime library
    assert found == {name: (Path(module).name, SourceFileLoader)
                     for name, module in zip(NAMES, HOT_MODULES, strict=True)}


def test_an_extension_beside_the_sources_is_never_loaded(tree: Path) -> None:
    (tree / HOT_MODULES[0]).write_text("# edited\n")  # the build in build/ is stale
    (tree / HOT_MODULES[0].replace(".py", SUFFIX)).write_bytes(b"\x7fELF in place")
    assert origins(finder_of(tree))[NAMES[0]] == (Path(HOT_MODULES[0]).name, SourceFileLoader)


def test_the_finder_declines_every_other_module(tree: Path) -> None:
    finder = finder_of(tree)
    assert finder.find_spec("services.scorer.app") is None
    assert finder.find_spec("json") is None


def test_a_stale_build_says_so_once_at_import(tree: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tree / HOT_MODULES[0]).write_text("# edited\n")
    finder_of(tree)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "plain Python" in caplog.records[0].getMessage()


def test_installing_twice_keeps_one_finder(tree: Path) -> None:
    before = list(sys.meta_path)
    try:
        install_finder(tree)
        install_finder(tree)
        assert sum(isinstance(f, HotModuleFinder) for f in sys.meta_path) == 1
    finally:
        sys.meta_path[:] = before


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def copy_of_the_scorer(root: Path) -> Path:
    """The scorer's and shared's sources, as they are in this repository, under ``root``."""
    for package in ("services", "shared"):
        shutil.copytree(compiled.ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", f"*{SUFFIX}"))
    return root


def import_in_a_fresh_python(root: Path, module: str) -> str:
    """The file ``module`` was loaded from, imported by a new interpreter from ``root``
    (bytecode caching off: __pycache__ is Python's, not the scorer's doing)."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; print(m.__file__)"], cwd=root, env=env,
        capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_importing_the_scorer_deletes_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_of_the_scorer(tmp_path)
    fake_build(root, "f" * 64)  # a build of other sources, whose files cannot even be loaded
    beside = root / HOT_MODULES[2].replace(".py", SUFFIX)  # an old in-place build's extension
    beside.write_bytes(b"\x7fELF in place")
    (root / "services/scorer/.mypyc-build").write_text("0" * 64 + "\n")
    before = snapshot(root)
    loaded = import_in_a_fresh_python(root, module_name(HOT_MODULES[2]))
    assert loaded == str(root / HOT_MODULES[2])  # the source, not either build
    assert snapshot(root) == before


@pytest.mark.skipif(current_build() is None, reason="no compiled build here (make install)")
def test_the_build_of_these_sources_is_what_the_scorer_imports(tmp_path: Path) -> None:
    root = copy_of_the_scorer(tmp_path)
    built = current_build()
    assert built is not None
    shutil.copytree(built, build_dir(sources_digest(root), root))  # the same sources' digest
    before = snapshot(root)
    loaded = import_in_a_fresh_python(root, "services.scorer.scoring")
    assert Path(loaded).suffix == Path(SUFFIX).suffix and (root / BUILDS) in Path(loaded).parents
    assert snapshot(root) == before


def load_compile_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compile_scorer", compiled.ROOT / "scripts" / "compile_scorer.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_build_script_does_nothing_when_up_to_date(
    tree: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = load_compile_script()
    monkeypatch.setattr(script, "compile_hot_modules", lambda *_: pytest.fail("compiled again"))
    before = snapshot(tree)
    assert script.build(tree) == "up to date"
    assert snapshot(tree) == before


def test_the_build_script_replaces_a_stale_build_and_removes_old_ones(
    tree: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = load_compile_script()
    old = build_dir(sources_digest(tree), tree)
    (tree / HOT_MODULES[0]).write_text("# edited\n")
    beside = tree / HOT_MODULES[0].replace(".py", SUFFIX)
    beside.write_bytes(b"\x7fELF in place")

    def compile_into(out: Path, root: Path) -> None:
        shutil.copytree(old, out)
        (out / COMPLETE).unlink()

    monkeypatch.setattr(script, "compile_hot_modules", compile_into)
    script.build(tree)
    assert current_build(tree) == build_dir(sources_digest(tree), tree)
    assert not old.exists() and not beside.exists()
    assert [p.name for p in (tree / BUILDS).iterdir()] == [sources_digest(tree)]


def test_without_a_compiler_the_build_fails_softly_and_leaves_no_build(
    tree: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = load_compile_script()
    (tree / HOT_MODULES[0]).write_text("# edited\n")

    def no_compiler(out: Path, root: Path) -> None:
        out.mkdir(parents=True)
        raise SystemExit("error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(script, "compile_hot_modules", no_compiler)
    with pytest.raises(script.BuildFailed, match="gcc"):
        script.build(tree)
    assert current_build(tree) is None
    assert [p for p in (tree / BUILDS).iterdir() if p.name.startswith(".")] == []  # no debris


def test_the_hot_modules_are_real_modules_of_this_repository() -> None:
    assert all((compiled.ROOT / module).is_file() for module in HOT_MODULES)


def test_no_hot_module_locates_files_by_its_own_path() -> None:
    """A compiled module's ``__file__`` is where it was compiled: data paths live in data_files."""
    assert [m for m in HOT_MODULES if "__file__" in (compiled.ROOT / m).read_text()] == []
