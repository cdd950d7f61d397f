"""The scorer's hot path, compiled with mypyc when a build is present; plain Python otherwise.

mypyc turns these typed modules into C extensions, which score about 1.3x faster per event
(``bench/scorer_throughput.py``); ``scripts/compile_scorer.py`` builds them in place and is part
of ``make install``. The sources stay the truth: without a build they run as they are.

Python imports an extension before a source file of the same name, so a build older than its
sources would silently run old code. ``drop_stale_build`` runs when ``services.scorer`` is
imported: a build whose recorded digest does not match the sources is deleted (and the sources
run) — or, where it cannot be deleted, the import fails saying so.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# The shared runtime library of the group lands beside these modules: services/scorer/hot__mypyc*.
GROUP = "services.scorer.hot"
STAMP = "services/scorer/.mypyc-build"  # the digest of the sources the build was made from
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
    "services/scorer/clustering/normalise.py",
    "services/scorer/clustering/minhash.py",
    "services/scorer/clustering/band_index.py",
    "services/scorer/clustering/clusterer.py",
)
log = logging.getLogger(__name__)


def sources_digest(root: Path = ROOT) -> str:
    """What a build was made from: the hot modules' bytes and the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    for module in HOT_MODULES:
        digest.update(module.encode())
        digest.update((root / module).read_bytes())
    return digest.hexdigest()


def built_extensions(root: Path = ROOT) -> list[Path]:
    """The extension files of a build that exist, the group's runtime library included."""
    stems = [root / module.removesuffix(".py") for module in HOT_MODULES]
    stems.append(root / (GROUP.replace(".", "/") + "__mypyc"))
    return [Path(f"{stem}{suffix}") for stem in stems for suffix in EXTENSION_SUFFIXES
            if Path(f"{stem}{suffix}").exists()]


def build_is_current(root: Path = ROOT) -> bool:
    stamp = root / STAMP
    return stamp.exists() and stamp.read_text().strip() == sources_digest(root)


def remove_build(root: Path = ROOT) -> None:
    for path in built_extensions(root):
        path.unlink(missing_ok=True)  # another process starting at once may be removing it too
    (root / STAMP).unlink(missing_ok=True)


def drop_stale_build(root: Path = ROOT) -> bool:
    """Delete a build that does not match the sources; True when one was deleted."""
    if not built_extensions(root) or build_is_current(root):
        return False
    try:
        remove_build(root)
    except OSError as exc:
        raise ImportError(f"the compiled scorer build in {root} is older than its sources and "
                          f"cannot be removed ({exc}); run scripts/compile_scorer.py") from exc
    log.warning("compiled scorer build was older than its sources: removed, running the sources"
                " (make install compiles them again)")
    return True
