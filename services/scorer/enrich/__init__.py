"""Enrichment for the risk scorer: which countries an event is about, and which Belt and Road entities
it names. Vocabularies are data files under services/scorer/data/, loaded once and validated."""

from services.scorer.enrich.bri_gazetteer import BriEntry, BriGazetteer, BriMatch, load_bri_gazetteer
from services.scorer.enrich.country_data import GazetteerDataError
from services.scorer.enrich.country_names import (
    CountryGazetteer,
    CountryMention,
    CountryScan,
    load_country_gazetteer,
)
from services.scorer.enrich.resolve import CountryResolution, cctld_country, resolve_countries

__all__ = [
    "BriEntry",
    "BriGazetteer",
    "BriMatch",
    "CountryGazetteer",
    "CountryMention",
    "CountryResolution",
    "CountryScan",
    "GazetteerDataError",
    "cctld_country",
    "load_bri_gazetteer",
    "load_country_gazetteer",
    "resolve_countries",
]
