"""Maritime chokepoints as named polygons, loaded from ``data/chokepoints.json``.

The shapes are approximate hand-drawn boxes (see the file's ``source``): they answer "is this
vessel in, or near, the strait", which is all the tracker asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.ingest.ais.geo import distance_to_ring_km, point_in_ring

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "chokepoints.json"


@dataclass(frozen=True)
class Chokepoint:
    id: str
    name: str
    ring: tuple[tuple[float, float], ...]  # (lon, lat) vertices

    def contains(self, lat: float, lon: float) -> bool:
        return point_in_ring(lat, lon, self.ring)

    def distance_km(self, lat: float, lon: float) -> float:
        return distance_to_ring_km(lat, lon, self.ring)


def load_chokepoints(path: Path = DEFAULT_PATH) -> tuple[Chokepoint, ...]:
    """Read and validate the shapes; a malformed file fails at start-up, not on a live message."""
    data = json.loads(path.read_text(encoding="utf-8"))
    shapes = []
    for entry in data["chokepoints"]:
        ring = tuple((float(lon), float(lat)) for lon, lat in entry["ring"])
        if len(ring) < 3:
            raise ValueError(f"chokepoint {entry['id']!r} needs at least 3 vertices")
        if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring):
            raise ValueError(f"chokepoint {entry['id']!r} has a vertex out of range")
        shapes.append(Chokepoint(str(entry["id"]), str(entry["name"]), ring))
    return tuple(shapes)


@lru_cache(maxsize=1)
def default_chokepoints() -> tuple[Chokepoint, ...]:
    return load_chokepoints()


def chokepoint_at(
    lat: float, lon: float, chokepoints: tuple[Chokepoint, ...] | None = None
) -> str | None:
    """The name of the chokepoint containing the point, or ``None``."""
    for shape in chokepoints if chokepoints is not None else default_chokepoints():
        if shape.contains(lat, lon):
            return shape.name
    return None


def nearest_chokepoint(
    lat: float, lon: float, max_km: float, chokepoints: tuple[Chokepoint, ...] | None = None
) -> tuple[str, float] | None:
    """The closest chokepoint within ``max_km`` (0 km when inside) and its distance, or ``None``."""
    best: tuple[str, float] | None = None
    for shape in chokepoints if chokepoints is not None else default_chokepoints():
        km = shape.distance_km(lat, lon)
        if km <= max_km and (best is None or km < best[1]):
            best = (shape.name, km)
    return best
