"""Whether an event touches one of a tenant's assets, and why (the alert's one-line reason).

Three ways, tried in this order: the event's coordinates lie within the asset's radius; the
event names the asset (its name or an alias in the title, an entity's name or a port name; its
``ref`` as an entity's ref or a port's UN/LOCODE); or — for countrywide kinds only — the event is
about one of the asset's countries. A port is a point: news about its country is not about it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from services.alerts.stages.mentions import first_named
from shared.alerting.config import AssetConfig
from shared.schemas.scored_event import ScoredEvent

COUNTRYWIDE_KINDS = frozenset({"project", "corridor", "site", "supplier"})
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
# Where ingest puts an event's position: AIS signals (lat, lon), GDELT events' ActionGeo.
COORDINATE_FIELDS = (("lat", "lon"), ("action_geo_lat", "action_geo_lon"))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def event_point(event: ScoredEvent) -> tuple[float, float] | None:
    """(lat, lon) from the event's fields, the first valid pair of ``COORDINATE_FIELDS``."""
    for lat_key, lon_key in COORDINATE_FIELDS:
        lat, lon = _number(event.fields.get(lat_key)), _number(event.fields.get(lon_key))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def exposure(event: ScoredEvent, asset: AssetConfig) -> str | None:
    """The reason the event touches ``asset`` (``within 12 km of Gwadar``), or None."""
    point = event_point(event)
    if point is not None and asset.lat is not None and asset.lon is not None:
        km = haversine_km(point[0], point[1], asset.lat, asset.lon)
        if km <= asset.radius_km:
            return f"within {km:.0f} km of {asset.name}"
    if asset.ref and asset.ref.casefold() in {ref.casefold() for ref in _refs(event)}:
        return f"names {asset.name} ({asset.ref})"
    named = first_named(_names(event), [asset.name, *asset.aliases])
    if named is not None:
        return f"names {asset.name}" if named == asset.name else f"names {asset.name} (as {named})"
    if asset.kind in COUNTRYWIDE_KINDS:
        shared = sorted(set(asset.countries) & set(event.countries))
        if shared:
            return f"about {','.join(shared)}, a country of {asset.name}"
    return None


def _refs(event: ScoredEvent) -> Iterator[str]:
    yield from (e.ref for e in event.entities if e.ref)
    locode = event.fields.get("port_locode")
    if isinstance(locode, str) and locode:
        yield locode


def _names(event: ScoredEvent) -> Iterator[str]:
    yield event.title
    yield from (e.name for e in event.entities)
    port = event.fields.get("port_name")
    if isinstance(port, str) and port:
        yield port


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)
