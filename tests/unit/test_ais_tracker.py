"""LogisticsTracker on scripted voyages (times injected), and its signals as shipping RawEvents.

Positions are real places: Piraeus anchorage (37.93 N 23.64 E, nearest WPI port "Piraievs"),
Colombo roads (6.95 N 79.84 E), the Hormuz traffic separation scheme (26.55 N 56.45 E), the
northern approach to the Strait of Malacca (6.8 N 97.5 E, 77 km outside the polygon) and the
strait itself (5.5 N 98.5 E).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.ais.nmea import AisMessage
from services.ingest.ais.signals import parse_nmea_document, signal_to_event
from services.ingest.ais.tracker import LogisticsTracker, Signal, TrackerConfig
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent

T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PIRAEUS = (37.93, 23.64)
COLOMBO = (6.95, 79.84)
HORMUZ = (26.55, 56.45)
ANDAMAN_SEA = (6.8, 97.5)
MALACCA = (5.5, 98.5)
OPEN_SEA = (35.0, 20.0)


def pos(
    mmsi: int, when: datetime, where: tuple[float, float], sog: float = 0.0,
    status: int | None = 1, msg_type: int = 1,
) -> AisMessage:
    return AisMessage(msg_type=msg_type, mmsi=mmsi, received_at=when, raw=b"", lat=where[0],
                      lon=where[1], sog=sog, nav_status=status)


def static(mmsi: int, when: datetime, destination: str, name: str = "EVER TEST") -> AisMessage:
    return AisMessage(msg_type=5, mmsi=mmsi, received_at=when, raw=b"", ship_name=name,
                      ship_type=80, destination=destination)


def run(tracker: LogisticsTracker, messages: list[AisMessage]) -> list[Signal]:
    return [signal for msg in messages for signal in tracker.observe(msg)]


def kinds(signals: list[Signal]) -> list[str]:
    return [s.kind for s in signals]


def waiting_hour(hour: int, ships: int, first_mmsi: int = 1000) -> list[AisMessage]:
    when = T0 + hour * HOUR
    return [pos(first_mmsi + i, when + i * timedelta(minutes=1), PIRAEUS) for i in range(ships)]


# --- port congestion -------------------------------------------------------------------------

def test_congestion_is_flagged_against_the_ports_own_baseline() -> None:
    tracker = LogisticsTracker()
    quiet = run(tracker, waiting_hour(0, 2) + waiting_hour(1, 2) + waiting_hour(2, 2))
    busy = run(tracker, waiting_hour(3, 7))
    assert quiet == []
    (signal,) = busy  # once per port and hour, at the fifth ship: max(min_count 5, 2 × 2.0)
    assert (signal.kind, signal.port_locode, signal.port_name) == (
        "port_congestion", "GRPIR", "Piraievs")
    assert (signal.measure, signal.baseline, signal.country_iso3) == (5.0, 2.0, "GRC")
    assert signal.observed_at == T0 + 3 * HOUR + 4 * timedelta(minutes=1)


@pytest.mark.parametrize(
    ("label", "hours"),
    [
        ("no history yet", [(0, 8)]),
        ("busy but usual", [(0, 6), (1, 6), (2, 6), (3, 8)]),
        ("below the minimum count", [(0, 1), (1, 1), (2, 1), (3, 4)]),
    ],
)
def test_normal_port_traffic_is_not_congestion(label: str, hours: list[tuple[int, int]]) -> None:
    tracker = LogisticsTracker()
    messages = [m for hour, ships in hours for m in waiting_hour(hour, ships)]
    assert run(tracker, messages) == [], label


def test_moored_moving_and_class_b_vessels_are_not_waiting() -> None:
    tracker = LogisticsTracker()
    run(tracker, waiting_hour(0, 2) + waiting_hour(1, 2) + waiting_hour(2, 2))
    when = T0 + 3 * HOUR
    crowd = [pos(2000 + i, when, PIRAEUS, status=5) for i in range(5)]  # moored at berths
    crowd += [pos(3000 + i, when, PIRAEUS, sog=11.0, status=0) for i in range(5)]  # under way
    crowd += [pos(4000 + i, when, PIRAEUS, status=None, msg_type=18) for i in range(5)]  # yachts
    assert run(tracker, crowd) == []


# --- dwell -----------------------------------------------------------------------------------

def stay(mmsi: int, start: datetime, hours: int, step: int = 2) -> list[AisMessage]:
    """At anchor off Colombo for ``hours``, then gone to sea."""
    reports = [pos(mmsi, start + h * HOUR, COLOMBO) for h in range(0, hours + 1, step)]
    return reports + [pos(mmsi, start + (hours + 1) * HOUR, OPEN_SEA, sog=14.0, status=0)]


def test_a_stay_longer_than_the_cap_is_flagged_once_when_the_port_has_no_history() -> None:
    signals = run(LogisticsTracker(), stay(1, T0, 80))
    (signal,) = signals
    assert (signal.kind, signal.port_locode, signal.mmsi) == ("dwell_anomaly", "LKCMB", 1)
    assert signal.measure == 74.0 and signal.baseline is None  # first report past 72 h
    assert signal.vessel_name is None


def test_a_stay_far_beyond_the_ports_median_is_flagged() -> None:
    tracker = LogisticsTracker()
    history = [m for i in range(5) for m in stay(10 + i, T0 + i * HOUR, 10)]
    assert run(tracker, history) == []
    tracker.observe(static(99, T0, "LK CMB", name="SLOW BOAT"))
    signals = run(tracker, stay(99, T0 + 20 * HOUR, 34))
    (signal,) = signals  # median 10 h × factor 3 = 30 h
    assert signal.kind == "dwell_anomaly" and signal.baseline == 10.0 and signal.measure == 32.0
    assert (signal.vessel_name, signal.ship_type) == ("SLOW BOAT", 80)


def test_a_usual_stay_is_not_an_anomaly() -> None:
    tracker = LogisticsTracker()
    run(tracker, [m for i in range(5) for m in stay(10 + i, T0, 10)])
    assert run(tracker, stay(99, T0 + 20 * HOUR, 20)) == []  # over 2× the median, under the 30 h


# --- AIS gaps --------------------------------------------------------------------------------

def test_a_vessel_silent_near_hormuz_raises_one_gap_on_tick() -> None:
    tracker = LogisticsTracker()
    tracker.observe(static(7, T0, "BANDAR ABBAS", name="DARK TANKER"))
    tracker.observe(pos(7, T0, HORMUZ, sog=12.0, status=0))
    assert tracker.tick(T0 + HOUR) == []
    (signal,) = tracker.tick(T0 + 3 * HOUR)
    assert (signal.kind, signal.chokepoint, signal.vessel_name) == (
        "ais_gap", "Strait of Hormuz", "DARK TANKER")
    assert signal.measure == 3.0 and signal.observed_at == T0 + 2 * HOUR
    assert tracker.tick(T0 + 4 * HOUR) == []  # once per silence
    tracker.observe(pos(7, T0 + 5 * HOUR, HORMUZ, sog=12.0, status=0))
    assert kinds(tracker.tick(T0 + 8 * HOUR)) == ["ais_gap"]  # a new silence after it reappeared


def test_silence_far_from_chokepoints_or_regular_reports_are_not_gaps() -> None:
    tracker = LogisticsTracker()
    tracker.observe(pos(1, T0, OPEN_SEA, sog=12.0, status=0))
    for minutes in range(0, 300, 3):
        tracker.observe(pos(2, T0 + timedelta(minutes=minutes), HORMUZ, sog=12.0, status=0))
    assert tracker.tick(T0 + 5 * HOUR) == []


def test_vessels_silent_past_the_ttl_are_forgotten() -> None:
    tracker = LogisticsTracker(TrackerConfig(vessel_ttl=timedelta(hours=48)))
    tracker.observe(pos(1, T0, OPEN_SEA))
    tracker.observe(pos(2, T0 + 47 * HOUR, OPEN_SEA))
    tracker.tick(T0 + 49 * HOUR)
    assert len(tracker) == 1


def test_the_vessel_table_is_bounded() -> None:
    tracker = LogisticsTracker(TrackerConfig(max_vessels=3))
    run(tracker, [pos(i, T0 + i * HOUR, OPEN_SEA) for i in range(10)])
    assert len(tracker) == 3


# --- chokepoint entries ----------------------------------------------------------------------

def test_entering_the_strait_of_malacca_is_signalled_once_per_transit() -> None:
    tracker = LogisticsTracker()
    voyage = [ANDAMAN_SEA, MALACCA, (4.0, 99.5), (3.0, 100.8), ANDAMAN_SEA, MALACCA]
    signals = run(tracker, [pos(5, T0 + i * HOUR, p, sog=13.5, status=0)
                            for i, p in enumerate(voyage)])
    assert kinds(signals) == ["chokepoint_entry", "chokepoint_entry"]
    assert signals[0].chokepoint == "Strait of Malacca" and signals[0].measure == 13.5
    assert signals[0].observed_at == T0 + HOUR


def test_a_vessel_first_seen_inside_a_strait_has_not_entered_it() -> None:
    tracker = LogisticsTracker()
    assert run(tracker, [pos(5, T0, MALACCA, sog=13.0, status=0),
                         pos(5, T0 + HOUR, (4.0, 99.5), sog=13.0, status=0)]) == []


# --- diversions ------------------------------------------------------------------------------

def test_a_destination_change_to_another_port_is_a_diversion() -> None:
    tracker = LogisticsTracker()
    tracker.observe(pos(8, T0, OPEN_SEA, sog=12.0, status=0))
    assert tracker.observe(static(8, T0, "PK GWD")) == []
    (signal,) = tracker.observe(static(8, T0 + HOUR, "LK CMB"))
    assert (signal.kind, signal.port_locode, signal.port_name) == ("diversion", "LKCMB", "Colombo")
    assert signal.detail == "destination changed from PK GWD to LK CMB"
    # Gwadar (25.13 N 62.30 E) → Colombo (6.95 N 79.85 E): 2,751 km by the spherical law of cosines.
    assert signal.measure == pytest.approx(2751, abs=1)
    assert (signal.lat, signal.lon) == OPEN_SEA


@pytest.mark.parametrize(
    ("first", "second"),
    [("PIRAIEVS", "GR PIR"), ("LK CMB", "lk  cmb"), ("SINGAPORE", "SINGAPORE")],
)
def test_the_same_destination_spelt_differently_is_not_a_diversion(first: str, second: str) -> None:
    tracker = LogisticsTracker()
    assert run(tracker, [static(8, T0, first), static(8, T0 + HOUR, second)]) == []


# --- signals as events -----------------------------------------------------------------------

SIGNAL = Signal("port_congestion", None, None, None, "GRPIR", "Piraievs", "GRC", None, 37.93,
                23.65, 14.0, 5.0, T0 + 90 * timedelta(minutes=1), "14 vessels waiting")


@pytest.mark.parametrize(
    ("signal", "title"),
    [
        (SIGNAL, "Port congestion at Piraievs (GRPIR): 14 vessels at anchor vs 5 usual"),
        (replace(SIGNAL, kind="ais_gap", mmsi=7, vessel_name="DARK TANKER", ship_type=84,
                 port_locode=None, port_name=None, chokepoint="Strait of Hormuz", measure=3.0),
         "AIS gap near the Strait of Hormuz: Tanker DARK TANKER (MMSI 7) silent for 3 h"),
        (replace(SIGNAL, kind="chokepoint_entry", mmsi=5, port_locode=None, port_name=None,
                 chokepoint="Bab-el-Mandeb strait"),
         "Vessel MMSI 5 enters the Bab-el-Mandeb strait"),
        (replace(SIGNAL, kind="dwell_anomaly", mmsi=9, vessel_name="SLOW", ship_type=71,
                 measure=80.0, baseline=None),
         "Port delay at Piraievs (GRPIR): Cargo ship SLOW (MMSI 9) held for 80 h vs no port history"),
        (replace(SIGNAL, kind="diversion", mmsi=8, detail="destination changed from A to B"),
         "Diversion: Vessel MMSI 8 destination changed from A to B, now bound for Piraievs (GRPIR)"),
    ],
)
def test_signals_become_readable_shipping_events(signal: Signal, title: str) -> None:
    event = signal_to_event(signal, "ais-live", T0 + 2 * HOUR)
    assert isinstance(event, RawEvent)
    assert event.title == title and event.kind == "shipping" and event.source == "ais-live"
    assert event.published_at == signal.observed_at and event.fetched_at == T0 + 2 * HOUR
    assert event.fields["signal"] == signal.kind
    assert all(isinstance(v, str | int | float | bool | type(None)) for v in event.fields.values())


def test_event_ids_are_stable_within_the_hour_and_distinct_across_places() -> None:
    first = signal_to_event(SIGNAL, "ais", T0)
    replayed = signal_to_event(replace(SIGNAL, observed_at=T0 + 119 * timedelta(minutes=1)), "ais", T0)
    next_hour = signal_to_event(replace(SIGNAL, observed_at=T0 + 2 * HOUR), "ais", T0)
    elsewhere = signal_to_event(replace(SIGNAL, port_locode="LKCMB"), "ais", T0)
    assert first.id == replayed.id
    assert len({first.id, next_hour.id, elsewhere.id}) == 3
    assert first.native_id == "port_congestion:-:GRPIR:2024-03-01T01"


# --- whole documents -------------------------------------------------------------------------

def test_real_captures_decode_without_signals_or_rejections_of_noise(fixtures: Path) -> None:
    # Minutes of ordinary traffic: no congestion history, no long stays, no strait entries.
    body = (fixtures / "ais" / "pyais_nmea_data_sample.txt").read_bytes()
    parsed = parse_nmea_document(Document("ais-file", "sample", body, T0))
    assert parsed.events == [] and parsed.rejected == []
    assert parsed.counters["decoded"] == 778 and parsed.counters["undecodable"] == 100


def test_only_lines_that_are_not_nmea_are_rejected(fixtures: Path) -> None:
    body = (fixtures / "ais" / "gpsd_sample.aivdm").read_bytes() + b"\n\xff\xfe junk\n!AIVDM,1,1,,A,x,0*00\n"
    parsed = parse_nmea_document(Document("ais-file", "sample", body, T0))
    assert [r.payload for r in parsed.rejected] == [
        b"AIVDM,2,2,1,B,00000000000,2*26", b"\xff\xfe junk"]
    assert parsed.counters["bad_checksum"] == 1


def test_a_document_with_no_nmea_at_all_is_refused_whole() -> None:
    with pytest.raises(InvalidEvent, match="not an NMEA document"):
        parse_nmea_document(Document("ais-file", "x", b"<html>\n<body>503</body>\n</html>\n", T0))


def test_a_document_replays_an_entry_with_inferred_times() -> None:
    from pyais import encode_dict

    lines = [
        encode_dict({"type": 1, "mmsi": 477000001, "lat": lat, "lon": lon, "speed": 13.0,
                     "status": 0}, talker_id="AI", sentence_type="VDM")[0].encode()
        for lat, lon in (ANDAMAN_SEA, MALACCA)
    ]
    doc = Document("ais-file", "voyage", b"\n".join(lines), T0)
    once = parse_nmea_document(doc, line_spacing=timedelta(minutes=30))
    again = parse_nmea_document(doc, line_spacing=timedelta(minutes=30))
    (event,) = once.events
    assert event.title == "Vessel MMSI 477000001 enters the Strait of Malacca"
    assert event.published_at == T0 and event.fields["published_at_inferred"] is True
    assert [e.id for e in again.events] == [event.id]
