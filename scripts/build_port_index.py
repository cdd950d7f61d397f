"""Build services/ingest/data/ports_wpi.csv.gz from NGA's World Port Index (Pub 150) CSV.

Usage (from the repository root):

    .venv/bin/python scripts/build_port_index.py /work/shared/data/ports/nga_world_port_index_pub150.csv \\
        --unlocode /work/shared/data/ports/unlocode_2023-1_CodeListPart2_GA-NZ.csv \\
                   /work/shared/data/ports/unlocode_2023-1_CodeListPart3_OM-ZW.csv

Inputs may be plain or gzipped. The output is byte-for-byte reproducible (rows sorted by WPI number,
gzip header without a timestamp), so a rebuild from the same inputs changes nothing in git.

What it keeps of the 108 WPI columns: WPI number, main port name, UN/LOCODE, country, latitude,
longitude, harbour size. The WPI "Country Code" column holds a country *name* ("Sri Lanka",
"Burma"), not a code: it is mapped to ISO 3166 alpha-2/alpha-3 with pycountry, plus the overrides
below for the names pycountry does not know; when the name is unknown the LOCODE's first two
letters are used. A WPI port without a usable LOCODE borrows the code of the nearest UN/LOCODE
sea port of the same country within ``--borrow-km`` (5 km), marked ``locode_source=unlocode``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.ingest.ais.geo import haversine_km  # noqa: E402
from services.ingest.ais.ports import (  # noqa: E402
    PORT_COLUMNS,
    UnlocodePort,
    load_unlocode_ports,
    normalise_locode,
    open_text,
)

DEFAULT_OUT = ROOT / "services" / "ingest" / "data" / "ports_wpi.csv.gz"

# WPI country names that pycountry's lookup does not resolve (checked against all 195 names).
COUNTRY_OVERRIDES = {
    "Burma": "MM",
    "Brunei": "BN",
    "Caribbean Netherlands": "BQ",
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Cote D'Ivoire": "CI",
    "Curacao": "CW",
    "Falkland Islands (Islas Malvinas)": "FK",
    "Johnson Atoll": "UM",
    "Macau": "MO",
    "Midway Islands": "UM",
    "Reunion": "RE",
    "Russia": "RU",
    "Saint Helena, Ascension, and Tristan da Cunha": "SH",
    "Saint Vincent and the Grenadines (Windward Islands)": "VC",
    "Sint Maarten": "SX",
    "South Georgia and South Sandwich Islands": "GS",
    "Svalbard": "SJ",
    "The Bahamas": "BS",
    "The Gambia": "GM",
    "Turkey": "TR",
    "U.S. Virgin Islands": "VI",
    "Wake Island": "UM",
}
HARBOR_SIZES = {"Large", "Medium", "Small", "Very Small"}


def country_codes(name: str, locode: str | None) -> tuple[str, str] | None:
    """ISO alpha-2 and alpha-3 for a WPI country name (LOCODE prefix as the last resort)."""
    alpha2 = COUNTRY_OVERRIDES.get(name)
    if alpha2 is None:
        try:
            alpha2 = pycountry.countries.lookup(name).alpha_2
        except LookupError:
            alpha2 = locode[:2] if locode else None
    country = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
    return (country.alpha_2, country.alpha_3) if country else None


def wpi_number(text: str) -> str:
    """``"8225.0"`` → ``"8225"``; the two fractional numbers in the file (x.5, x.1) stay as they are."""
    value = float(text)
    return str(int(value)) if value.is_integer() else str(value)


def borrow_locode(
    lat: float, lon: float, iso2: str | None, unlocode: list[UnlocodePort], max_km: float
) -> str | None:
    best: tuple[float, str] | None = None
    for port in unlocode:
        if port.country_iso2 != iso2 or port.lat is None or port.lon is None:
            continue
        km = haversine_km(lat, lon, port.lat, port.lon)
        if km <= max_km and (best is None or km < best[0]):
            best = (km, port.locode)
    return best[1] if best else None


def build_rows(
    wpi_rows: list[dict[str, str]], unlocode: list[UnlocodePort], borrow_km: float
) -> list[dict[str, str]]:
    rows = []
    for source in wpi_rows:
        lat, lon = float(source["Latitude"]), float(source["Longitude"])
        locode = normalise_locode(source["UN/LOCODE"])
        codes = country_codes(source["Country Code"].strip(), locode)
        origin = "wpi" if locode else None
        if locode is None:
            locode = borrow_locode(lat, lon, codes[0] if codes else None, unlocode, borrow_km)
            origin = "unlocode" if locode else None
        size = source["Harbor Size"].strip()
        rows.append({
            "wpi_number": wpi_number(source["World Port Index Number"]),
            "name": source["Main Port Name"].strip(),
            "locode": locode or "",
            "locode_source": origin or "",
            "country_iso2": codes[0] if codes else "",
            "country_iso3": codes[1] if codes else "",
            "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}",
            "harbor_size": size if size in HARBOR_SIZES else "",
        })
    rows.sort(key=lambda row: float(row["wpi_number"]))
    return rows


def write_gzip_csv(rows: list[dict[str, str]], out: Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=PORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with out.open("wb") as handle, gzip.GzipFile(
        filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9
    ) as archive:
        archive.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wpi", type=Path, help="World Port Index CSV (Pub 150), plain or .gz")
    parser.add_argument("--unlocode", type=Path, nargs="*", default=[],
                        help="UN/LOCODE code-list parts to borrow codes from")
    parser.add_argument("--borrow-km", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with open_text(args.wpi, "utf-8-sig") as handle:
        wpi_rows = list(csv.DictReader(handle))
    unlocode = list(load_unlocode_ports(args.unlocode).values())
    rows = build_rows(wpi_rows, unlocode, args.borrow_km)
    write_gzip_csv(rows, args.out)
    borrowed = sum(1 for row in rows if row["locode_source"] == "unlocode")
    print(f"{len(rows)} ports ({borrowed} with a borrowed UN/LOCODE) → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
