"""Small geodesy for vessel tracks: great-circle distance and point-in-polygon on lon/lat rings.

Distances are kilometres on a sphere of the mean Earth radius (IUGG, 6371.0088 km): good to about
0.5 %, far better than the port and chokepoint shapes they are compared against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0088

# A ring is a closed polygon boundary as (lon, lat) pairs, GeoJSON order; the closing vertex may
# be repeated or not.
Ring = Sequence[tuple[float, float]]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def point_in_ring(lat: float, lon: float, ring: Ring) -> bool:
    """Even-odd ray casting in plain lon/lat (fine for small shapes away from the antimeridian)."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def distance_to_ring_km(lat: float, lon: float, ring: Ring) -> float:
    """0 inside the ring, else the distance to its nearest edge.

    Edges are measured in a local equirectangular projection centred on the point: accurate for
    the tens of kilometres this is used for ("near a chokepoint"), not for ocean-wide distances.
    """
    if point_in_ring(lat, lon, ring):
        return 0.0
    scale_x = math.cos(math.radians(lat))
    km_per_deg = math.pi * EARTH_RADIUS_KM / 180

    def project(vertex: tuple[float, float]) -> tuple[float, float]:
        dlon = (vertex[0] - lon + 180) % 360 - 180
        return dlon * scale_x * km_per_deg, (vertex[1] - lat) * km_per_deg

    points = [project(v) for v in ring]
    best = math.inf
    for i in range(len(points)):
        best = min(best, _distance_to_segment(points[i], points[(i + 1) % len(points)]))
    return best


def _distance_to_segment(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from the origin to the segment a–b in a flat plane."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)
