"""Ports: the compact World Port Index file, a nearest-port grid index, and UN/LOCODE code lists.

``data/ports_wpi.csv.gz`` is built by ``scripts/build_port_index.py`` from NGA's World Port Index
(Pub 150, US public domain): one row per port with only what brisk uses. UN/LOCODE code-list
parts (UNECE, Latin-1, no header) name a port area by its LOCODE where the WPI lacks one.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.ingest.ais.geo import EARTH_RADIUS_KM, haversine_km

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "ports_wpi.csv.gz"
PORT_COLUMNS = (
    "wpi_number", "name", "locode", "locode_source", "country_iso2", "country_iso3",
    "lat", "lon", "harbor_size",
)
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_UN_COORD = re.compile(r"(\d{2})(\d{2})([NS])\s+(\d{3})(\d{2})([EW])")
_KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class Port:
    wpi_number: str
    name: str
    locode: str | None  # five characters, no space: "GRPIR"
    locode_source: str | None  # "wpi", or "unlocode" when borrowed from a nearby UN/LOCODE port
    country_iso2: str | None
    country_iso3: str | None
    lat: float
    lon: float
    harbor_size: str | None  # "Large", "Medium", "Small", "Very Small"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.locode})" if self.locode else self.name


@dataclass(frozen=True)
class UnlocodePort:
    locode: str
    name: str
    country_iso2: str
    subdivision: str | None
    function: str  # eight positions, "1" first = sea port
    status: str | None
    lat: float | None
    lon: float | None


def normalise_locode(text: str) -> str | None:
    """``"GR PIR"`` / ``"grpir"`` → ``"GRPIR"``; anything that is not a LOCODE → ``None``."""
    code = text.replace(" ", "").upper()
    return code if LOCODE.fullmatch(code) else None


def open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """A text reader for a plain or ``.gz`` file."""
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def load_ports(path: Path = DEFAULT_PATH) -> list[Port]:
    with open_text(path, "utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != PORT_COLUMNS:
            raise ValueError(f"{path}: expected columns {PORT_COLUMNS}, got {reader.fieldnames}")
        return [
            Port(
                wpi_number=row["wpi_number"],
                name=row["name"],
                locode=row["locode"] or None,
                locode_source=row["locode_source"] or None,
                country_iso2=row["country_iso2"] or None,
                country_iso3=row["country_iso3"] or None,
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                harbor_size=row["harbor_size"] or None,
            )
            for row in reader
        ]


class PortIndex:
    """Ports bucketed in a ``cell_deg`` lat/lon grid; ``nearest`` only scans cells within reach.

    One-degree cells hold at most a few dozen ports even on crowded coasts, and a 10–50 km search
    touches nine of them, so a lookup is microseconds without any spatial library.
    """

    def __init__(self, ports: Iterable[Port], cell_deg: float = 1.0) -> None:
        self.cell_deg = cell_deg
        self._columns = math.ceil(360 / cell_deg)
        self._cells: dict[tuple[int, int], list[Port]] = {}
        self._by_locode: dict[str, Port] = {}
        self._by_name: dict[str, Port] = {}
        for port in ports:
            self._cells.setdefault(self._cell(port.lat, port.lon), []).append(port)
            if port.locode:
                self._by_locode.setdefault(port.locode, port)
            self._by_name.setdefault(port.name.upper(), port)

    def __len__(self) -> int:
        return sum(len(ports) for ports in self._cells.values())

    def nearest(self, lat: float, lon: float, max_km: float) -> Port | None:
        """The closest port within ``max_km`` of the point, or ``None``."""
        row, col = self._cell(lat, lon)
        rows = math.ceil(max_km / (_KM_PER_DEG * self.cell_deg))
        widest = min(89.9, abs(lat) + (rows + 1) * self.cell_deg)
        span = max_km / (_KM_PER_DEG * self.cell_deg * math.cos(math.radians(widest)))
        cols = min(self._columns // 2, math.ceil(span))
        best: Port | None = None
        best_km = max_km
        for r in range(row - rows, row + rows + 1):
            for c in range(col - cols, col + cols + 1):
                for port in self._cells.get((r, c % self._columns), ()):
                    km = haversine_km(lat, lon, port.lat, port.lon)
                    if km <= best_km:
                        best, best_km = port, km
        return best

    def by_locode(self, code: str) -> Port | None:
        normal = normalise_locode(code)
        return self._by_locode.get(normal) if normal else None

    def resolve_destination(self, destination: str) -> Port | None:
        """A port for a free-text AIS destination: a LOCODE (``"SG SIN"``) or an exact port name.

        ``"FROM>TO"`` destinations (a common crew habit) resolve to the part after the last ``>``.
        """
        target = destination.rsplit(">", 1)[-1].strip().upper()
        return self.by_locode(target) or self._by_name.get(target)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.cell_deg), math.floor(lon / self.cell_deg) % self._columns


@lru_cache(maxsize=1)
def default_port_index() -> PortIndex:
    """The index over the shipped WPI file, built once per process."""
    return PortIndex(load_ports())


def parse_unlocode_coordinates(text: str) -> tuple[float, float] | None:
    """``"4230N 00131E"`` (degrees and minutes) → ``(42.5, 1.5166…)``; blank or garbled → ``None``."""
    match = _UN_COORD.fullmatch(text.strip())
    if not match:
        return None
    lat = int(match[1]) + int(match[2]) / 60
    lon = int(match[4]) + int(match[5]) / 60
    if lat > 90 or lon > 180 or int(match[2]) >= 60 or int(match[5]) >= 60:
        return None
    return (-lat if match[3] == "S" else lat), (-lon if match[6] == "W" else lon)


def load_unlocode_ports(paths: Iterable[Path]) -> dict[str, UnlocodePort]:
    """Sea ports (function position 1 = ``"1"``) from UN/LOCODE code-list parts, by LOCODE.

    Columns: change, country, location, name, name without diacritics, subdivision, function,
    status, date, IATA, coordinates, remarks. Country header rows (no location code) and entries
    marked ``X`` (to be removed) are skipped; a code listed twice keeps its first entry.
    """
    ports: dict[str, UnlocodePort] = {}
    for path in paths:
        with open_text(path, "latin-1") as handle:
            for row in csv.reader(handle):
                if len(row) < 11 or not row[2] or row[0] == "X" or not row[6].startswith("1"):
                    continue
                code = normalise_locode(row[1] + row[2])
                if code is None or code in ports:
                    continue
                where = parse_unlocode_coordinates(row[10])
                ports[code] = UnlocodePort(
                    locode=code,
                    name=row[3],
                    country_iso2=row[1],
                    subdivision=row[5] or None,
                    function=row[6],
                    status=row[7] or None,
                    lat=where[0] if where else None,
                    lon=where[1] if where else None,
                )
    return ports


def load_lookup_table(path: Path) -> dict[str, str]:
    """A two-or-more-column UN/LOCODE lookup CSV with a header → first column to second."""
    with open_text(path, "utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return {row[0]: row[1] for row in reader if len(row) >= 2 and row[0]}


def load_subdivisions(path: Path) -> dict[tuple[str, str], str]:
    """The UN/LOCODE subdivision table → ``(country, code)`` to name: ``("LK", "11")`` → Colombo."""
    with open_text(path, "utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return {(row[0], row[1]): row[2] for row in reader if len(row) >= 3 and row[0]}
