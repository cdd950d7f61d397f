"""The scorer service. A compiled build of its hot path older than the sources is dropped here,
before any of those modules is imported (see compiled.py)."""

from services.scorer.compiled import drop_stale_build

drop_stale_build()
