"""The compact World Port Index file, the nearest-port grid index and the UN/LOCODE code lists."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from services.ingest.ais.geo import haversine_km
from services.ingest.ais.ports import (
    DEFAULT_PATH,
    Port,
    PortIndex,
    load_lookup_table,
    load_ports,
    load_subdivisions,
    load_unlocode_ports,
    normalise_locode,
    parse_unlocode_coordinates,
)
from tests.conftest import ROOT

PART2 = "unlocode_2023-1_CodeListPart2_GA-NZ.csv.gz"
PART3 = "unlocode_2023-1_CodeListPart3_OM-ZW.csv.gz"


@pytest.fixture(scope="module")
def ports() -> list[Port]:
    return load_ports()


@pytest.fixture(scope="module")
def index(ports: list[Port]) -> PortIndex:
    return PortIndex(ports)


def test_the_shipped_port_file_is_exactly_what_the_build_script_makes(
    fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ports.csv.gz"
    folder = fixtures / "ports"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_port_index.py"),
         str(folder / "nga_world_port_index_pub150.csv.gz"),
         "--unlocode", str(folder / PART2), str(folder / PART3), "--out", str(out)],
        check=True, capture_output=True,
    )
    assert out.read_bytes() == DEFAULT_PATH.read_bytes()


def test_every_wpi_port_is_kept_with_its_country_and_size(ports: list[Port]) -> None:
    # Counted in the source CSV: 3,803 rows; Harbor Size Very Small 2,115, Small 1,018, Medium 366,
    # Large 174, blank 130. 3,339 rows carry a usable UN/LOCODE (3,344 non-blank minus "LB", "EG",
    # "CL" ×2 and 'GB ME""'); 55 more borrow one from a UN/LOCODE port ≤ 5 km away in the same country.
    assert len(ports) == 3803
    assert Counter(p.harbor_size for p in ports) == {
        "Very Small": 2115, "Small": 1018, "Medium": 366, "Large": 174, None: 130}
    assert Counter(p.locode_source for p in ports) == {"wpi": 3339, "unlocode": 55, None: 409}
    assert all(p.country_iso2 and p.country_iso3 for p in ports)
    assert sum(p.country_iso3 == "CHN" for p in ports) == 66


@pytest.mark.parametrize(
    ("lat", "lon", "name", "locode", "iso3", "size"),
    [
        (37.94, 23.63, "Piraievs", "GRPIR", "GRC", "Large"),  # Piraeus, the WPI spells it Greek
        (1.26, 103.84, "Keppel - (East Singapore)", "SGKEP", "SGP", "Large"),
        (25.12, 62.33, "Gwadar", "PKGWD", "PAK", "Medium"),
        (6.95, 79.85, "Colombo", "LKCMB", "LKA", "Medium"),
        (6.12, 81.11, "Hambantota", "LKHBA", "LKA", None),
        (38.566667, 23.283333, "Larimna", "GRLRY", "GRC", "Very Small"),  # a borrowed LOCODE
    ],
)
def test_nearest_finds_real_belt_and_road_ports(
    index: PortIndex, lat: float, lon: float, name: str, locode: str, iso3: str, size: str | None
) -> None:
    port = index.nearest(lat, lon, max_km=15)
    assert port is not None
    assert (port.name, port.locode, port.country_iso3, port.harbor_size) == (name, locode, iso3, size)


def test_nearest_returns_none_in_open_ocean(index: PortIndex) -> None:
    assert index.nearest(0.0, -140.0, max_km=50) is None


def test_nearest_searches_across_the_antimeridian(index: PortIndex) -> None:
    port = index.nearest(-16.5, -179.9, max_km=100)  # Fiji's ports lie at 179.3° E
    assert port is not None and port.lon > 179


def test_the_grid_agrees_with_a_brute_force_search(ports: list[Port], index: PortIndex) -> None:
    draw = random.Random(7)
    for _ in range(300):
        port = draw.choice(ports)
        lat, lon = port.lat + draw.uniform(-0.5, 0.5), port.lon + draw.uniform(-0.5, 0.5)
        lat = max(-89.0, min(89.0, lat))
        km = draw.choice([5, 20, 60])
        brute = min(ports, key=lambda p: haversine_km(lat, lon, p.lat, p.lon))
        expected = brute if haversine_km(lat, lon, brute.lat, brute.lon) <= km else None
        found = index.nearest(lat, lon, km)
        assert (found and haversine_km(lat, lon, found.lat, found.lon)) == (
            expected and haversine_km(lat, lon, expected.lat, expected.lon))


@pytest.mark.parametrize(
    ("destination", "locode"),
    [("GR PIR", "GRPIR"), ("grpir", "GRPIR"), ("PIRAIEVS", "GRPIR"), ("CN SHA>PK GWD", "PKGWD"),
     ("SOMEWHERE", None), ("", None)],
)
def test_free_text_destinations_resolve_to_ports(
    index: PortIndex, destination: str, locode: str | None
) -> None:
    port = index.resolve_destination(destination)
    assert (port.locode if port else None) == locode


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4230N 00131E", (42.5, 1 + 31 / 60)), ("0045S 00927E", (-0.75, 9.45)),
     ("3755N 02337W", (37 + 55 / 60, -(23 + 37 / 60))), ("", None), ("4299N 00131E", None),
     ("garbled", None)],
)
def test_unlocode_coordinates_are_degrees_and_minutes(
    text: str, expected: tuple[float, float] | None
) -> None:
    parsed = parse_unlocode_coordinates(text)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(expected)


def test_unlocode_sea_ports_are_counted_per_part(fixtures: Path) -> None:
    # Function column starting with "1": 7,024 rows in Part 2 and 4,155 in Part 3 (counted with
    # csv.reader); 12 and 3 codes are listed twice (e.g. GRHER), and the first entry is kept.
    part2 = load_unlocode_ports([fixtures / "ports" / PART2])
    part3 = load_unlocode_ports([fixtures / "ports" / PART3])
    assert (len(part2), len(part3)) == (7012, 4152)
    both = load_unlocode_ports([fixtures / "ports" / PART2, fixtures / "ports" / PART3])
    assert len(both) == 11164
    piraeus = both["GRPIR"]
    assert (piraeus.name, piraeus.country_iso2, piraeus.function) == ("Piraeus", "GR", "1-------")
    assert (piraeus.lat, piraeus.lon) == pytest.approx((37 + 56 / 60, 23 + 37 / 60))
    assert both["PKGWD"].lat is None  # Gwadar has no coordinates in the code list
    assert "GAAKE" not in both  # Akieni is an airport, not a port


@pytest.mark.parametrize(
    ("name", "rows", "key", "value"),
    [
        ("unlocode_country-codes.csv", 249, "LK", "Sri Lanka"),
        ("unlocode_function-classifiers.csv", 11, "1", "Maritime transport (sea port or maritime port)"),
        ("unlocode_status-indicators.csv", 14, "AA", "Approved by competent national government agency"),
    ],
)
def test_unlocode_lookup_tables_load(
    fixtures: Path, name: str, rows: int, key: str, value: str
) -> None:
    table = load_lookup_table(fixtures / "ports" / name)
    assert len(table) == rows and table[key] == value


def test_unlocode_subdivisions_load(fixtures: Path) -> None:
    subdivisions = load_subdivisions(fixtures / "ports" / "unlocode_subdivision-codes.csv")
    # 4,678 data rows, 4,672 distinct (country, code) pairs: six pairs are listed twice.
    assert len(subdivisions) == 4672
    assert subdivisions[("PK", "BA")] == "Balochistan"
    assert subdivisions[("LK", "11")] == "Colombo"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("GR PIR", "GRPIR"), ("us 8by", "US8BY"), ("LB", None), ('GB ME""', None), ("GR PI1", None)],
)
def test_locodes_are_normalised(text: str, expected: str | None) -> None:
    assert normalise_locode(text) == expected
