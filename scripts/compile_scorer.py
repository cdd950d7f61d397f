"""Compile the scorer's hot path with mypyc into build/scorer-mypyc/<digest>/ (see
services/scorer/compiled.py).

    .venv/bin/python scripts/compile_scorer.py [--force] [--remove]

Does nothing when a build of the sources as they are exists. Needs a C compiler and the Python
headers; without them it says so and exits 0: the scorer then runs as plain Python, only slower.
A build is made in a directory of its own and renamed into place once whole, so a scorer starting
meanwhile finds either no build or a complete one; builds of older sources are removed after it,
as are extensions an older brisk built beside the sources.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.scorer.compiled import (  # noqa: E402
    BUILDS,
    COMPLETE,
    GROUP,
    HOT_MODULES,
    build_dir,
    build_extensions,
    current_build,
    in_place_extensions,
    other_builds,
    sources_digest,
)


def compile_hot_modules(out: Path, root: Path = ROOT) -> None:
    """Build the extensions into the package tree under ``out``; raises when it cannot."""
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    work = root / ".brisk" / "build" / "mypyc"
    os.chdir(root)  # mypyc names modules by their path from here
    extensions = mypycify(list(HOT_MODULES), opt_level="3", group_name=GROUP,
                          target_dir=str(work / "c"))
    setup(name="brisk-scorer-hot", ext_modules=extensions, script_args=[
        "--quiet", "build_ext", "--build-lib", str(out), "--build-temp", str(work / "obj")])


class BuildFailed(Exception):
    """The extensions could not be built (no compiler, no headers, a mypyc error)."""


def remove_stale(root: Path = ROOT) -> None:
    """Builds of other sources, and extensions beside the sources (which are never loaded)."""
    for directory in other_builds(root):
        shutil.rmtree(directory, ignore_errors=True)
    for path in in_place_extensions(root):
        path.unlink(missing_ok=True)
    (root / "services/scorer/.mypyc-build").unlink(missing_ok=True)  # an older brisk's stamp


def build(root: Path = ROOT, force: bool = False) -> str:
    """Make the build of the sources as they are, unless there is one; says what happened."""
    if current_build(root) is not None and not force:
        remove_stale(root)
        return "up to date"
    digest = sources_digest(root)
    staging = root / BUILDS / f".{digest[:16]}.{os.getpid()}"  # hidden: never a build
    shutil.rmtree(staging, ignore_errors=True)
    started = time.monotonic()
    try:
        compile_hot_modules(staging, root)
        (staging / COMPLETE).write_text(digest + "\n", encoding="ascii")
        extensions = build_extensions(staging)
        if extensions is None:
            raise RuntimeError("the build lacks some of the hot modules")
        target = build_dir(digest, root)
        shutil.rmtree(target, ignore_errors=True)  # --force, or a build left incomplete
        staging.rename(target)
    except (Exception, SystemExit) as exc:  # setup() exits on a compiler error
        raise BuildFailed(str(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remove_stale(root)
    return f"{len(extensions)} extensions in {time.monotonic() - started:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    parser.add_argument("--remove", action="store_true", help="delete every build and stop")
    args = parser.parse_args()
    if args.remove:
        shutil.rmtree(ROOT / BUILDS, ignore_errors=True)
        remove_stale()
        return 0
    try:
        print(f"compiled scorer: {build(force=args.force)}")
    except BuildFailed as exc:
        print(f"compiled scorer: build failed ({exc}); the scorer runs as plain Python",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
