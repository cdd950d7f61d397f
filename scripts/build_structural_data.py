"""Build the scorer's structural data files from the originals in /work/shared/data/structural/.

Usage (from the repository root):

    .venv/bin/python scripts/build_structural_data.py \\
        --wgi /work/shared/data/structural/wgi_1996-2023.csv \\
        --hofstede /work/shared/data/structural/hofstede_6d_2015-08-16.csv

Outputs (byte-for-byte reproducible: sorted rows, fixed decimals, ``\\n`` line ends):

- ``services/scorer/data/wgi_2023.csv``: one row per country, the WGI 2023 estimates of pv
  (political stability and absence of violence), rq (regulatory quality), rl (rule of law) and ge
  (government effectiveness). Every value is from 2023, the latest WGI year; a country with no 2023
  value for an indicator gets an empty cell (Niue's pv) rather than an older year's value, and a
  country with no 2023 data at all is left out (the former Netherlands Antilles, last rated 2013).
  The World Bank's own codes that are not ISO 3166 alpha-3 are mapped (``WGI_TO_ISO3``).
- ``services/scorer/data/hofstede.csv``: the Hofstede 6-D file as it is (same columns, values and
  ``#NULL!`` markers), comma-separated, with one column added in front: ``iso3``. Hofstede's codes
  are its own, not ISO (MNG is Montenegro, not Mongolia; SLV is Slovenia, not El Salvador), so the
  mapping is the explicit table ``HOFSTEDE_TO_ISO3``; regions ("Arab countries", "Africa East") and
  sub-national groups ("Belgium French", "South Africa white", "Germany East") get an empty iso3.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "services" / "scorer" / "data"
SHARED = Path("/work/shared/data/structural")
WGI_YEAR = "2023"
WGI_INDICATORS = ("pv", "rq", "rl", "ge")

# World Bank WGI codes that differ from ISO 3166-1 alpha-3 (checked against pycountry; XKX is the
# user-assigned code for Kosovo that the rest of brisk's Iso3 pattern accepts).
WGI_TO_ISO3 = {"ADO": "AND", "KSV": "XKX", "ROM": "ROU", "TMP": "TLS", "WBG": "PSE", "ZAR": "COD"}
WGI_DROPPED = {"ANT"}  # Netherlands Antilles, dissolved in 2010

HOFSTEDE_TO_ISO3 = {
    "ALB": "ALB", "ALG": "DZA", "AND": "AND", "ARG": "ARG", "ARM": "ARM", "AUL": "AUS", "AUT": "AUT",
    "AZE": "AZE", "BAN": "BGD", "BLR": "BLR", "BEL": "BEL", "BOS": "BIH", "BRA": "BRA", "BUL": "BGR",
    "BUF": "BFA", "CAN": "CAN", "CHL": "CHL", "CHI": "CHN", "COL": "COL", "COS": "CRI", "CRO": "HRV",
    "CYP": "CYP", "CZE": "CZE", "DEN": "DNK", "ECA": "ECU", "EGY": "EGY", "ETH": "ETH", "SAL": "SLV",
    "EST": "EST", "FIN": "FIN", "FRA": "FRA", "GEO": "GEO", "GER": "DEU", "GHA": "GHA", "GBR": "GBR",
    "GRE": "GRC", "GUA": "GTM", "HOK": "HKG", "HUN": "HUN", "ICE": "ISL", "IND": "IND", "IDO": "IDN",
    "IRA": "IRN", "IRQ": "IRQ", "IRE": "IRL", "ISR": "ISR", "ITA": "ITA", "JAM": "JAM", "JPN": "JPN",
    "JOR": "JOR", "KOR": "KOR", "KYR": "KGZ", "LAT": "LVA", "LIT": "LTU", "LUX": "LUX", "MAC": "MKD",
    "MAL": "MYS", "MLI": "MLI", "MLT": "MLT", "MEX": "MEX", "MOL": "MDA", "MNG": "MNE", "MOR": "MAR",
    "NET": "NLD", "NZL": "NZL", "NIG": "NGA", "NOR": "NOR", "PAK": "PAK", "PAN": "PAN", "PER": "PER",
    "PHI": "PHL", "POL": "POL", "POR": "PRT", "PUE": "PRI", "ROM": "ROU", "RUS": "RUS", "RWA": "RWA",
    "SAU": "SAU", "SER": "SRB", "SIN": "SGP", "SLK": "SVK", "SLV": "SVN", "SAF": "ZAF", "SPA": "ESP",
    "SUR": "SUR", "SWE": "SWE", "SWI": "CHE", "TAI": "TWN", "TAN": "TZA", "THA": "THA", "TRI": "TTO",
    "TUR": "TUR", "USA": "USA", "UGA": "UGA", "UKR": "UKR", "URU": "URY", "VEN": "VEN", "VIE": "VNM",
    "ZAM": "ZMB", "ZIM": "ZWE",
}
HOFSTEDE_NOT_COUNTRIES = {"AFE", "AFW", "ARA", "BEF", "BEN", "CAF", "GEE", "SAW", "SWF", "SWG"}


def build_wgi(source: Path) -> str:
    values: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            if code in WGI_DROPPED or row["year"] != WGI_YEAR or row["indicator"] not in WGI_INDICATORS:
                continue
            names[code] = row["countryname"]
            if row["estimate"] != "..":
                values.setdefault(code, {})[row["indicator"]] = f"{float(row['estimate']):.4f}"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["iso3", "wgi_code", "country", "year", *WGI_INDICATORS])
    rows = [
        [WGI_TO_ISO3.get(code, code), code, names[code], WGI_YEAR,
         *(values[code].get(indicator, "") for indicator in WGI_INDICATORS)]
        for code in names
        if code in values
    ]
    writer.writerows(sorted(rows))
    return out.getvalue()


def build_hofstede(source: Path) -> str:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    unknown = {row[0] for row in body} - set(HOFSTEDE_TO_ISO3) - HOFSTEDE_NOT_COUNTRIES
    if unknown:
        raise SystemExit(f"Hofstede codes with no mapping decision: {sorted(unknown)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["iso3", *header])
    for row in body:  # the original order (alphabetical by Hofstede's names) is kept
        writer.writerow([HOFSTEDE_TO_ISO3.get(row[0], ""), *row])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wgi", type=Path, default=SHARED / "wgi_1996-2023.csv")
    parser.add_argument("--hofstede", type=Path, default=SHARED / "hofstede_6d_2015-08-16.csv")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    wgi = build_wgi(args.wgi)
    hofstede = build_hofstede(args.hofstede)
    (args.out / "wgi_2023.csv").write_text(wgi, encoding="utf-8")
    (args.out / "hofstede.csv").write_text(hofstede, encoding="utf-8")
    wgi_rows, hofstede_rows = wgi.count("\n") - 1, hofstede.count("\n") - 1
    print(f"wgi_2023.csv: {wgi_rows} countries; hofstede.csv: {hofstede_rows} rows")


if __name__ == "__main__":
    main()
