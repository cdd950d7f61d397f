"""Where the scorer's data files are.

Kept out of the compiled hot-path modules (compiled.py): a mypyc extension's ``__file__`` is the
path it was compiled under, not the one it is imported from.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
LEXICON = DATA_DIR / "lexicon.json"
COUNTRY_ALIASES = DATA_DIR / "country_aliases.json"
BRI_GAZETTEER = DATA_DIR / "bri_gazetteer.json"
LEADERS = DATA_DIR / "leaders.json"
SOURCE_FEATURES = DATA_DIR / "source_features.json"
CLUSTER_VOCABULARY = HERE / "clustering" / "vocabulary.json"
