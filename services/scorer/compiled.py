"""The scorer's hot path, compiled with mypyc when a build of these very sources is present;
plain Python otherwise.

mypyc turns these typed modules into C extensions, which score about 1.3x faster per event
(``bench/scorer_throughput.py``); ``scripts/compile_scorer.py`` builds them (``make install``)
into ``build/scorer-mypyc/<digest>/``, one directory per digest of the sources it was made from,
marked complete last. The sources stay the truth, and importing never changes a file: when
``services.scorer`` is imported, ``install_finder`` puts a finder first on ``sys.meta_path``
that answers for the hot modules alone — from the build whose digest is that of the sources as
they are now, or else from the sources (with a log line saying a build is stale). An extension
left beside the sources (an in-place build of an older brisk) is never loaded either: Python's
own finder would prefer it to the source, but it never gets to look for a hot module.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Sequence
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent
# The shared runtime library of the group: services.scorer.hot__mypyc, beside the modules.
GROUP = "services.scorer.hot"
GROUP_LIBRARY = GROUP + "__mypyc"
BUILDS = "build/scorer-mypyc"  # from the root: one directory per sources digest
COMPLETE = "COMPLETE"  # in a build directory, written last: the digest it was built from
# Everything one event passes through, from tokens to the ScoredEvent; not the loaders or Faust.
HOT_MODULES = (
    "services/scorer/text.py",
    "services/scorer/lexicon.py",
    "services/scorer/scoring.py",
    "services/scorer/scorer.py",
    "services/scorer/factory.py",
    "services/scorer/process.py",
    "services/scorer/features/reason.py",
    "services/scorer/features/text_features.py",
    "services/scorer/features/source_weights.py",
    "services/scorer/features/source_features.py",
    "services/scorer/enrich/ngram_index.py",
    "services/scorer/enrich/country_names.py",
    "services/scorer/enrich/mention_rules.py",
    "services/scorer/enrich/bri_gazetteer.py",
    "services/scorer/enrich/resolve.py",
    "services/scorer/enrich/incidental_rules.py",
    "services/scorer/enrich/us_towns.py",
    "services/scorer/clustering/normalise.py",
    "services/scorer/clustering/minhash.py",
    "services/scorer/clustering/band_index.py",
    "services/scorer/clustering/clusterer.py",
)
log = logging.getLogger(__name__)


def module_name(module: str) -> str:
    """``services/scorer/text.py`` → ``services.scorer.text``."""
    return module.removesuffix(".py").replace("/", ".")


def sources_digest(root: Path = ROOT) -> str:
    """What a build is made from: the hot modules' paths and bytes and the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    for module in HOT_MODULES:
        digest.update(module.encode())
        digest.update((root / module).read_bytes())
    return digest.hexdigest()


def build_dir(digest: str, root: Path = ROOT) -> Path:
    return root / BUILDS / digest


def extension_file(directory: Path, name: str) -> Path | None:
    """The extension of module ``name`` under ``directory`` (a package tree), if there is one."""
    stem = directory / name.replace(".", "/")
    return next((Path(f"{stem}{suffix}") for suffix in EXTENSION_SUFFIXES
                 if Path(f"{stem}{suffix}").is_file()), None)


def build_extensions(directory: Path) -> dict[str, Path] | None:
    """Module name → extension file of the build in ``directory``, its runtime library
    included; None unless the build is complete (marked, and no extension missing)."""
    if not (directory / COMPLETE).is_file():
        return None
    names = [module_name(module) for module in HOT_MODULES] + [GROUP_LIBRARY]
    found = {name: extension_file(directory, name) for name in names}
    complete = {name: path for name, path in found.items() if path is not None}
    return complete if len(complete) == len(names) else None


def current_build(root: Path = ROOT) -> Path | None:
    """The complete build made from the sources as they are now, if there is one."""
    if not (root / BUILDS).is_dir():
        return None
    digest = sources_digest(root)
    directory = build_dir(digest, root)
    try:
        marked = (directory / COMPLETE).read_text(encoding="ascii").strip()
    except OSError:
        return None
    return directory if marked == digest and build_extensions(directory) is not None else None


def other_builds(root: Path = ROOT) -> list[Path]:
    """Build directories not made from the current sources (stale), in-progress ones aside."""
    builds = root / BUILDS
    current = current_build(root)
    return sorted(path for path in builds.iterdir() if path.is_dir() and path != current
                  and not path.name.startswith(".")) if builds.is_dir() else []


def in_place_extensions(root: Path = ROOT) -> list[Path]:
    """Extensions beside the sources, as older brisk versions built them (never loaded)."""
    names = [module_name(module) for module in HOT_MODULES] + [GROUP_LIBRARY]
    return [path for name in names if (path := extension_file(root, name)) is not None]


def built_extensions(root: Path = ROOT) -> list[Path]:
    """The extension files that run: those of the current build (none without one)."""
    directory = current_build(root)
    extensions = build_extensions(directory) if directory is not None else None
    return sorted(extensions.values()) if extensions else []


def build_is_current(root: Path = ROOT) -> bool:
    return current_build(root) is not None


class HotModuleFinder:
    """Finds the hot modules (a ``sys.meta_path`` finder): each from ``extensions`` when the
    build is current, else from its source; declines every other module."""

    def __init__(self, root: Path, extensions: dict[str, Path]) -> None:
        self.sources = {module_name(module): root / module for module in HOT_MODULES}
        self.extensions = extensions

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        extension = self.extensions.get(fullname)
        if extension is not None:
            return spec_from_file_location(
                fullname, extension, loader=ExtensionFileLoader(fullname, str(extension)))
        source = self.sources.get(fullname)
        return spec_from_file_location(fullname, source) if source is not None else None


def install_finder(root: Path = ROOT) -> HotModuleFinder:
    """Put the hot-module finder first on ``sys.meta_path`` (replacing an earlier one); reads
    the sources and the build directories, writes and deletes nothing."""
    directory = current_build(root)
    extensions = build_extensions(directory) if directory is not None else None
    finder = HotModuleFinder(root, extensions or {})
    sys.meta_path[:] = [f for f in sys.meta_path if not _is_hot_module_finder(f)]
    sys.meta_path.insert(0, finder)
    if directory is not None:
        log.debug("compiled scorer: the hot path runs from %s", directory)
    elif other_builds(root) or in_place_extensions(root):
        log.warning("compiled scorer: no build matches the sources, which run as plain Python "
                    "(slower); make install compiles them again")
    else:
        log.debug("compiled scorer: not built; the hot path runs as plain Python")
    return finder


def _is_hot_module_finder(finder: object) -> bool:
    """By name, not class: this module may have been loaded again (its class is then new)."""
    kind = type(finder)
    return kind.__module__ == __name__ and kind.__qualname__ == HotModuleFinder.__qualname__
