"""Vessel positions → logistics signals: congestion, dwell, AIS gaps, chokepoint entries, diversions.

``LogisticsTracker`` is pure apart from its own bounded memory: time comes only from each message's
``received_at`` and from the ``now`` passed to ``tick``, so a replay of the same stream gives the same
signals. What each ``Signal.measure`` means depends on its kind:

- ``chokepoint_entry``: speed over ground at entry (kn, 0 if unknown). Emitted on an observed move
  from outside to inside a polygon, so a vessel first seen already inside is not an "entry".
- ``port_congestion``: vessels waiting in the port area in the current time bucket; ``baseline`` is
  the mean of the port's previous buckets. Emitted once per port and bucket, as soon as the count
  reaches ``max(min_count, baseline × factor)``; never before ``congestion_min_history`` buckets of
  history exist (a port first seen cannot be "busier than usual").
- ``dwell_anomaly``: hours since the vessel first stopped in the port area; ``baseline`` is the
  port's median completed dwell in hours (``None`` when there is too little history and the absolute
  cap applied). Once per stay.
- ``ais_gap``: hours without a report, for a vessel last seen in or near a chokepoint (on ``tick``).
  ``observed_at`` is the moment the silence crossed the threshold, independent of tick cadence.
- ``diversion``: only the destination-change form is implemented (a type 5 destination changing to a
  different port); the "turned away from a chokepoint" form is not. ``measure`` is the km between
  the old and new destination ports when both resolve, else 0.

Only class A reports (types 1–3, 5) feed congestion and dwell: merchant ships must carry class A,
and class B (types 18, 19, 24) is mostly leisure and fishing craft that would swamp the counts.
"""

from __future__ import annotations

import math
import statistics
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from services.ingest.ais.chokepoints import Chokepoint, chokepoint_at, nearest_chokepoint
from services.ingest.ais.geo import haversine_km
from services.ingest.ais.nmea import AisMessage
from services.ingest.ais.ports import Port, PortIndex, default_port_index

SignalKind = Literal["chokepoint_entry", "port_congestion", "dwell_anomaly", "ais_gap", "diversion"]
AT_ANCHOR, MOORED = 1, 5
CLASS_A = frozenset({1, 2, 3})


@dataclass(frozen=True)
class TrackerConfig:
    port_radius_km: float = 10.0  # anchorages lie a few km off the WPI harbour reference point
    anchor_sog_kn: float = 0.5  # slower than this counts as stopped (GPS jitter reads 0.1–0.3 kn)
    bucket: timedelta = timedelta(hours=1)
    congestion_baseline_buckets: int = 24  # one day, so the daily pilot/tide cycle averages out
    congestion_min_history: int = 3
    congestion_factor: float = 2.0
    congestion_min_count: int = 5  # fewer waiting ships is never news, whatever the baseline
    dwell_factor: float = 3.0
    dwell_floor: timedelta = timedelta(hours=12)  # a stay shorter than this is never an anomaly
    dwell_cap: timedelta = timedelta(hours=72)  # the limit while a port has too little history
    dwell_min_history: int = 5
    dwell_history: int = 50  # completed stays remembered per port for the median
    gap_threshold: timedelta = timedelta(hours=2)  # class A reports every 2 s–3 min when on air
    gap_near_km: float = 50.0
    vessel_ttl: timedelta = timedelta(hours=48)
    max_vessels: int = 200_000


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    mmsi: int | None
    vessel_name: str | None
    ship_type: int | None
    port_locode: str | None
    port_name: str | None
    country_iso3: str | None
    chokepoint: str | None
    lat: float | None
    lon: float | None
    measure: float
    baseline: float | None
    observed_at: datetime
    detail: str


@dataclass
class _Vessel:
    last_seen: datetime
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    ship_type: int | None = None
    destination: str | None = None
    chokepoint: str | None = None  # the one it is inside now
    near_chokepoint: str | None = None  # in or within gap_near_km at its last position
    gap_flagged: bool = False
    port: Port | None = None  # where its current stay is
    stay_start: datetime | None = None
    stay_flagged: bool = False


@dataclass
class _PortActivity:
    waiting: dict[int, set[int]] = field(default_factory=dict)  # bucket → MMSIs waiting
    flagged_bucket: int | None = None
    stays: deque[float] = field(default_factory=deque)  # completed stays, hours


class LogisticsTracker:
    def __init__(
        self,
        config: TrackerConfig | None = None,
        ports: PortIndex | None = None,
        chokepoints: tuple[Chokepoint, ...] | None = None,
    ) -> None:
        self.config = config or TrackerConfig()
        self.ports = ports if ports is not None else default_port_index()
        self.chokepoints = chokepoints
        self._vessels: OrderedDict[int, _Vessel] = OrderedDict()  # least recently seen first
        self._activity: dict[str, _PortActivity] = {}
        self._first_bucket: int | None = None

    def __len__(self) -> int:
        return len(self._vessels)

    def observe(self, msg: AisMessage) -> list[Signal]:
        now = msg.received_at
        if self._first_bucket is None:
            self._first_bucket = self._bucket(now)
        vessel = self._vessel(msg.mmsi, now)
        signals: list[Signal] = []
        if msg.ship_name:
            vessel.name = msg.ship_name
        if msg.ship_type:
            vessel.ship_type = msg.ship_type
        if msg.msg_type == 5 and msg.destination:
            signals += self._destination(msg.mmsi, vessel, msg.destination, now)
        if msg.lat is not None and msg.lon is not None:
            signals += self._position(msg, vessel, msg.lat, msg.lon, now)
        vessel.last_seen = max(vessel.last_seen, now)
        vessel.gap_flagged = False
        return signals

    def tick(self, now: datetime) -> list[Signal]:
        """AIS gaps near chokepoints, then forget vessels silent for longer than ``vessel_ttl``."""
        cfg = self.config
        signals = []
        for mmsi, vessel in self._vessels.items():
            silent = now - vessel.last_seen
            if vessel.near_chokepoint and not vessel.gap_flagged and silent > cfg.gap_threshold:
                vessel.gap_flagged = True
                hours = silent.total_seconds() / 3600
                signals.append(self._signal(
                    "ais_gap", mmsi, vessel, None, vessel.near_chokepoint, hours, None,
                    vessel.last_seen + cfg.gap_threshold,
                    f"last report {vessel.last_seen.isoformat()}, silent {hours:.1f} h"))
        while self._vessels:
            mmsi, oldest = next(iter(self._vessels.items()))
            if now - oldest.last_seen <= cfg.vessel_ttl:
                break
            del self._vessels[mmsi]
        horizon = self._bucket(now) - cfg.congestion_baseline_buckets
        for activity in self._activity.values():
            for bucket in [b for b in activity.waiting if b < horizon]:
                del activity.waiting[bucket]
        return signals

    def _vessel(self, mmsi: int, now: datetime) -> _Vessel:
        vessel = self._vessels.get(mmsi)
        if vessel is None:
            vessel = self._vessels[mmsi] = _Vessel(last_seen=now)
            while len(self._vessels) > self.config.max_vessels:
                self._vessels.popitem(last=False)
        self._vessels.move_to_end(mmsi)
        return vessel

    def _position(
        self, msg: AisMessage, vessel: _Vessel, lat: float, lon: float, now: datetime
    ) -> list[Signal]:
        cfg = self.config
        signals = []
        inside = chokepoint_at(lat, lon, self.chokepoints)
        if inside and inside != vessel.chokepoint and vessel.lat is not None:
            signals.append(self._signal(
                "chokepoint_entry", msg.mmsi, vessel, None, inside, msg.sog or 0.0, None, now,
                f"entered at {lat:.4f}, {lon:.4f}"))
        near = nearest_chokepoint(lat, lon, cfg.gap_near_km, self.chokepoints)
        vessel.chokepoint, vessel.near_chokepoint = inside, near[0] if near else None
        previous_seen = vessel.last_seen
        vessel.lat, vessel.lon = lat, lon
        if msg.msg_type not in CLASS_A:
            return signals
        port = self.ports.nearest(lat, lon, cfg.port_radius_km)
        stopped = msg.nav_status in (AT_ANCHOR, MOORED) or (
            msg.sog is not None and msg.sog < cfg.anchor_sog_kn)
        if vessel.port is not None and (port is None or _key(port) != _key(vessel.port)):
            self._end_stay(vessel, previous_seen)
        if port is None:
            return signals
        if stopped and vessel.stay_start is None:
            vessel.port, vessel.stay_start, vessel.stay_flagged = port, now, False
        if vessel.stay_start is not None and not vessel.stay_flagged:
            signals += self._dwell(msg.mmsi, vessel, now)
        if stopped and msg.nav_status != MOORED:
            signals += self._waiting(port, msg.mmsi, now)
        return signals

    def _end_stay(self, vessel: _Vessel, last_in_port: datetime) -> None:
        if vessel.port is not None and vessel.stay_start is not None:
            activity = self._activity_at(vessel.port)
            activity.stays.append((last_in_port - vessel.stay_start).total_seconds() / 3600)
            while len(activity.stays) > self.config.dwell_history:
                activity.stays.popleft()
        vessel.port, vessel.stay_start, vessel.stay_flagged = None, None, False

    def _dwell(self, mmsi: int, vessel: _Vessel, now: datetime) -> list[Signal]:
        cfg = self.config
        assert vessel.port is not None and vessel.stay_start is not None
        stays = self._activity_at(vessel.port).stays
        median = statistics.median(stays) if len(stays) >= cfg.dwell_min_history else None
        limit_h = (cfg.dwell_cap.total_seconds() / 3600 if median is None
                   else max(cfg.dwell_floor.total_seconds() / 3600, median * cfg.dwell_factor))
        hours = (now - vessel.stay_start).total_seconds() / 3600
        if hours <= limit_h:
            return []
        vessel.stay_flagged = True
        usual = "no history" if median is None else f"median {median:.1f} h"
        return [self._signal("dwell_anomaly", mmsi, vessel, vessel.port, None, hours, median, now,
                             f"in port {hours:.1f} h since {vessel.stay_start.isoformat()} ({usual})")]

    def _waiting(self, port: Port, mmsi: int, now: datetime) -> list[Signal]:
        cfg = self.config
        bucket = self._bucket(now)
        activity = self._activity_at(port)
        activity.waiting.setdefault(bucket, set()).add(mmsi)
        count = len(activity.waiting[bucket])
        assert self._first_bucket is not None
        history = range(max(self._first_bucket, bucket - cfg.congestion_baseline_buckets), bucket)
        if activity.flagged_bucket == bucket or len(history) < cfg.congestion_min_history:
            return []
        mean = sum(len(activity.waiting.get(b, ())) for b in history) / len(history)
        if count < max(cfg.congestion_min_count, mean * cfg.congestion_factor):
            return []
        activity.flagged_bucket = bucket
        return [Signal("port_congestion", None, None, None, port.locode, port.name,
                       port.country_iso3, None, port.lat, port.lon, float(count), mean, now,
                       f"{count} vessels waiting this {_hours(cfg.bucket)} vs a mean of {mean:.1f} "
                       f"over the previous {len(history)}")]

    def _destination(self, mmsi: int, vessel: _Vessel, text: str, now: datetime) -> list[Signal]:
        new = " ".join(text.upper().split())
        old, vessel.destination = vessel.destination, new
        if not old or old == new:
            return []
        old_port, new_port = self.ports.resolve_destination(old), self.ports.resolve_destination(new)
        if old_port and new_port and _key(old_port) == _key(new_port):
            return []  # "PIRAEUS" → "GR PIR": the same port spelt two ways
        km = haversine_km(old_port.lat, old_port.lon, new_port.lat, new_port.lon) if (
            old_port and new_port) else 0.0
        signal = self._signal("diversion", mmsi, vessel, new_port, None, km, None, now,
                              f"destination changed from {old} to {new}")
        return [signal]

    def _signal(
        self, kind: SignalKind, mmsi: int | None, vessel: _Vessel, port: Port | None,
        chokepoint: str | None, measure: float, baseline: float | None, when: datetime, detail: str,
    ) -> Signal:
        return Signal(kind, mmsi, vessel.name, vessel.ship_type, port.locode if port else None,
                      port.name if port else None, port.country_iso3 if port else None, chokepoint,
                      vessel.lat, vessel.lon, measure, baseline, when, detail)

    def _activity_at(self, port: Port) -> _PortActivity:
        return self._activity.setdefault(_key(port), _PortActivity())

    def _bucket(self, when: datetime) -> int:
        return math.floor(when.timestamp() / self.config.bucket.total_seconds())


def _key(port: Port) -> str:
    return port.locode or f"WPI{port.wpi_number}"


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return "hour" if hours == 1 else f"{hours:g} h bucket"
