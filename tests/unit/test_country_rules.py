"""Country resolution rules added for issue 11: leaders and groups (C1/C3), possessives without an
apostrophe, a lone person's country as the last resort (C2), incidental mentions (C5) and US towns
that share a foreign city's name. Every headline here is invented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.scorer.enrich import GazetteerDataError, resolve_countries
from services.scorer.enrich.leader_data import load_leader_data, parse_leader_data
from tests.country_probe import slug


def headline(title: str, summary: str = "") -> list[str]:
    return resolve_countries(
        title, summary, slug_title=False, action_geo_country=None, url=None, source_kind="reddit-worldnews"
    ).countries




@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Kerry and Lavrov meet again on ceasefire", ["USA", "RUS"]),
        ("Yanukovych flees the capital as protesters take control", ["UKR"]),
        ("President Park dismisses her cabinet", ["KOR"]),
        ("Boko Haram abducts dozens of villagers", ["NGA"]),
        ("Hamas fires rockets after raid", ["PSE"]),
        ("Merkel's coalition wobbles over refugees", ["DEU"]),
    ],
)
def test_leaders_officials_and_groups_name_their_state_in_headlines(title: str, expected: list[str]) -> None:
    assert headline(title) == expected


@pytest.mark.parametrize(
    "title",
    ["Lee wins the marathon", "Park opens to visitors", "James Cameron shoots new film underwater"],
)
def test_ambiguous_surnames_alone_name_no_country(title: str) -> None:
    assert headline(title) == []


def test_leaders_and_groups_do_not_count_in_gdelt_slugs() -> None:
    assert slug("Erdogan says talks will continue next week", geo="BEL") == ["BEL"]
    assert slug("Pakistani taliban claim bus attack in the north", geo="AFG") == ["PAK"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Japans navy sends two destroyers south", ["JPN"]),
        ("Obamas new rules on drone strikes leaked", ["USA"]),
        ("South Sudan's rival factions sign truce", ["SSD"]),
        ("Syrians' exodus continues", ["SYR"]),
        ("The Americas summit opens", []),
        ("Frances Arnold wins prize", []),
    ],
)
def test_possessives_without_apostrophe(title: str, expected: list[str]) -> None:
    assert headline(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Israels army reservists called up", ["ISR"]),
        ("Chinas exports slow for a third month", ["CHN"]),
        ("Wild turkeys spotted near the highway again", []),
    ],
)
def test_possessives_in_slugs(title: str, expected: list[str]) -> None:
    assert slug(title, url="https://example.com/x") == expected


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("Saudi woman jailed for tweets", "", ["SAU"]),  # a bare headline: her country is the best guess
        ("Saudi woman jailed for tweets", "The court in Dubai gave no reasons.", ["ARE"]),
        ("Saudi woman jailed for tweets", "The court gave no reasons.", []),  # RSS: otherwise [] (C3)
    ],
)
def test_a_lone_persons_country_is_the_last_resort(title: str, summary: str, expected: list[str]) -> None:
    assert headline(title, summary) == expected


def test_a_lone_persons_country_yields_to_the_geocode() -> None:
    assert slug("Chinese tourist dies in fall from hotel balcony", geo="THA") == ["THA"]


def _leader_raw() -> dict[str, Any]:
    return {
        "leaders": [{"iso3": "USA", "role": "head_of_state", "years": [2009, 2017], "names": ["Obama"]}],
        "groups": [{"iso3": "NGA", "names": ["Boko Haram"]}],
        "blockers": [],
    }


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw["leaders"][0].update(iso3="USX"), "unknown ISO 3166-1"),
        (lambda raw: raw["leaders"][0].update(role="mayor"), "role 'mayor'"),
        (lambda raw: raw["leaders"][0].update(years=[2017, 2009]), "years"),
        (lambda raw: raw["leaders"][0].update(names=[]), "non-empty list"),
        (lambda raw: raw["groups"].append({"iso3": "KEN", "names": ["Obama"]}), "both USA and KEN"),
        (lambda raw: raw.update(extra=[]), "expected an object"),
    ],
)
def test_bad_leader_data_fails_at_load(mutate: Any, message: str) -> None:
    raw = _leader_raw()
    mutate(raw)
    with pytest.raises(GazetteerDataError, match=message):
        parse_leader_data(raw, "leaders.json")


def test_unreadable_leader_file_fails_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "leaders.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(GazetteerDataError, match="leaders.json"):
        load_leader_data(path)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Kenya pays its debts in US dollars", ["KEN"]),  # currency
        ("Nigeria raises US$2 billion in bonds", ["NGA"]),
        ("The US dollar climbs", ["USA"]),  # alone, the currency's country is the subject
        ("Ethiopian dam nearly finished, Egyptian media report", ["ETH"]),  # attribution
        ("Malaysia Airlines jet diverted to Vietnam", ["VNM"]),  # a company's nationality
        ("Air India flight lands in Nepal after storm", ["NPL"]),
        ("Yemen peace talks in Geneva collapse", ["YEM"]),  # venue of an unrelated meeting
        ("Bomb in Geneva station", ["CHE"]),  # a place, not a venue
    ],
)
def test_passing_mentions_are_dropped_beside_another_country(title: str, expected: list[str]) -> None:
    assert headline(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("More troops died in Yemen than in Syria this year", ["YEM"]),
        ("A desert the size of Texas is spreading in Mongolia", ["MNG"]),
        ("Kazakhstan overtakes Qatar to become top exporter", ["KAZ"]),
        ("Estonia is the Singapore of Europe, says minister", ["EST"]),
        ("Kazakhstan overtakes Qatar in the league table", ["KAZ", "QAT"]),  # no ranking phrase
    ],
)
def test_comparisons_name_no_subject(title: str, expected: list[str]) -> None:
    assert headline(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Athens, Georgia police arrest two after campus shooting", ["USA"]),
        ("Flooding closes roads in Alexandria, Va.", ["USA"]),
        ("Moscow Idaho students mourn classmates", ["USA"]),
        ("Athens taxi drivers strike again", ["GRC"]),
        ("Greek minister speaks in Athens after Moscow visit", ["GRC", "RUS"]),
    ],
)
def test_us_towns_sharing_a_foreign_citys_name(title: str, expected: list[str]) -> None:
    assert headline(title) == expected


@pytest.mark.parametrize(
    ("title", "geo", "expected"),
    [
        ("Athens ga man charged over fraud scheme", "GRC", ["USA"]),
        ("Paris texas school board votes on budget", "FRA", ["USA"]),
        ("Athens tourism rebounds after crisis", "GRC", ["GRC"]),
    ],
)
def test_us_towns_in_slugs(title: str, geo: str, expected: list[str]) -> None:
    assert slug(title, geo=geo) == expected


def test_a_foreign_city_shadowed_by_a_us_town_keeps_its_country() -> None:
    assert headline("Art gallery raided in St. Petersburg, Russia") == ["RUS"]
    assert headline("St. Petersburg gallery raided by police") == ["RUS"]


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Nea entash metaxy gallias kai italias", "https://news.example.gr/a", ["FRA", "ITA"]),
        ("Izrael i makedonija potpisali sporazum", "https://vesti.example.rs/b", ["ISR", "MKD"]),
        ("Pemerintah irak dan yordania bahas perbatasan", "https://berita.example.id/c", ["IRQ", "JOR"]),
        ("Vstrecha s prezidentom gruzii proshla", "https://novosti.example.kz/d", ["GEO"]),
        ("Pemerintah umumkan tarif listrik baru", "https://berita.example.id/e", ["IDN"]),  # ccTLD
        ("Nga va ukraina dam phan ngung ban", "https://tin.example.vn/f", ["RUS", "UKR"]),
        ("Juzna koreja i japan potpisali sporazum", "https://vesti.example.rs/g", ["KOR", "JPN"]),
        ("Vstrecha prezidentov indonezii i vyetnama", "https://novosti.example.kz/h", ["IDN", "VNM"]),
        ("Severnaya koreya provela ispytanie rakety", "https://novosti.example.kz/i", ["PRK"]),
    ],
)
def test_transliterated_slugs_name_their_countries(title: str, url: str, expected: list[str]) -> None:
    assert slug(title, url=url, source="gdelt2-mentions") == expected
