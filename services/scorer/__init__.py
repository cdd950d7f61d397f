"""The scorer service. Its hot path is found here first, from a compiled build of the sources as
they are or else from the sources, before any of those modules is imported (see compiled.py)."""

from services.scorer.compiled import install_finder

install_finder()
