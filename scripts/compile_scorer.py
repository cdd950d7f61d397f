"""Compile the scorer's hot path with mypyc, in place (see services/scorer/compiled.py).

    .venv/bin/python scripts/compile_scorer.py [--force] [--remove]

Does nothing when the build matches the sources. Needs a C compiler and the Python headers;
without them it says so and exits 0: the scorer then runs as plain Python, only slower.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.scorer.compiled import (  # noqa: E402
    GROUP,
    HOT_MODULES,
    STAMP,
    build_is_current,
    built_extensions,
    remove_build,
    sources_digest,
)


def compile_hot_modules() -> None:
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    build = ROOT / ".brisk" / "build" / "mypyc"
    os.chdir(ROOT)  # mypyc names modules by their path from here
    extensions = mypycify(list(HOT_MODULES), opt_level="3", group_name=GROUP,
                          target_dir=str(build / "c"))
    setup(name="brisk-scorer-hot", ext_modules=extensions, script_args=[
        "--quiet", "build_ext", "--inplace", "--build-temp", str(build / "obj")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    parser.add_argument("--remove", action="store_true", help="delete the build and stop")
    args = parser.parse_args()
    if args.remove:
        remove_build()
        return 0
    if built_extensions() and build_is_current() and not args.force:
        print("compiled scorer: up to date")
        return 0
    remove_build()
    digest = sources_digest()
    started = time.monotonic()
    try:
        compile_hot_modules()
    except (Exception, SystemExit) as exc:  # setup() exits on a compiler error
        remove_build()
        print(f"compiled scorer: build failed ({exc}); the scorer runs as plain Python",
              file=sys.stderr)
        return 0
    (ROOT / STAMP).write_text(digest + "\n")
    print(f"compiled scorer: {len(built_extensions())} extensions in "
          f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
