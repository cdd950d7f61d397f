"""NmeaDecoder on the four real AIS captures, and on the ways a radio feed goes wrong.

Every expected count below was first measured independently of NmeaDecoder: pyais's own stream
reader (``pyais.stream.ByteStream``, its own multipart assembly) for the decoded totals and types,
and a plain first-byte tally of the lines (``#`` comment, ``$`` GPS, ``!`` AIS, blank) for the rest.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.ingest.ais.nmea import AisMessage, NmeaDecoder, decode_lines, nmea_checksum
from services.ingest.sources.tcp_source import TcpLineSource

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

# The real type 5 (EVER DIADEM, annotated in gpsd's sample.aivdm): two fragments, seq id 1, channel A.
TYPE5 = (
    b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
    b"!AIVDM,2,2,1,A,88888888880,2*25",
)
# The first type 1 of the same file: MMSI 371798000, 12.3 kn, 48.38163 N 123.39538 W.
TYPE1 = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
# From the pyais sample: a type 1 whose position is "not available" (lat 91, lon 181).
NO_POSITION = b"!AIVDM,1,1,,A,13cc3o?P?w<tSF0l4Q@>4?wv0PRr,0*0F"


def clock() -> datetime:
    return T0


def lines_of(fixtures: Path, name: str) -> list[bytes]:
    return (fixtures / "ais" / name).read_bytes().splitlines()


@pytest.mark.parametrize(
    ("name", "lines", "expected"),
    [
        # 898 "!" lines (the last without a newline): 878 single-part, of which 100 are
        # "!AIVDM,1,1,,B,,0*25" with an empty payload (undecodable, not orphans as the data README
        # guessed), and 20 first halves of two-part messages whose second half never comes.
        ("pyais_nmea_data_sample.txt", 898,
         {"decoded": 778, "ignored": 0, "malformed": 0, "bad_checksum": 0,
          "orphan_fragment": 20, "undecodable": 100}),
        # 7 "#" header lines; 1,480 "!" lines = 1,172 single + 308 halves of 154 two-part messages.
        ("gpsd_ais-nmea-type6-fid55.log", 1487,
         {"decoded": 1326, "ignored": 7, "malformed": 0, "bad_checksum": 0,
          "orphan_fragment": 0, "undecodable": 0}),
        # 1,001 "#" annotation lines + 1 blank are ignored; 118 "!" lines = 88 single + 12 two-part
        # + 2 three-part messages (two of them end in a literal "\x0d\x0a", and several carry
        # gpsd-style receiver metadata after the checksum); one sentence lost its "!" (malformed).
        ("gpsd_sample.aivdm", 1121,
         {"decoded": 102, "ignored": 1002, "malformed": 1, "bad_checksum": 0,
          "orphan_fragment": 0, "undecodable": 0}),
        # 1,313 "$GP…" GPS sentences + 4 comments ignored; 183 "!" lines = 159 + 12 two-part.
        ("gpsd_ais-nmea_mixed_gps.log", 1500,
         {"decoded": 171, "ignored": 1317, "malformed": 0, "bad_checksum": 0,
          "orphan_fragment": 0, "undecodable": 0}),
    ],
)
def test_every_line_of_a_real_capture_lands_in_exactly_one_counter(
    fixtures: Path, name: str, lines: int, expected: dict[str, int]
) -> None:
    raw = lines_of(fixtures, name)
    messages, counters = decode_lines(raw, clock)
    assert len(raw) == lines
    assert counters == expected
    assert len(messages) == expected["decoded"]


def test_message_types_of_the_gpsd_type6_log(fixtures: Path) -> None:
    # The data README says "types 1, 3, 5, 8, 18, 21"; pyais finds 16 types in the 1,326 messages.
    messages, _ = decode_lines(lines_of(fixtures, "gpsd_ais-nmea-type6-fid55.log"), clock)
    assert Counter(m.msg_type for m in messages) == {
        1: 573, 2: 12, 3: 111, 4: 30, 5: 130, 6: 68, 7: 2, 8: 73, 17: 5, 18: 110,
        19: 1, 20: 12, 21: 133, 23: 2, 24: 63, 27: 1,
    }
    # Talker variants are all accepted: 1,384 AI, 64 BS and 26 AB lines, VDM and VDO.
    talkers = Counter(m.raw[:6] for m in messages)
    assert talkers == {b"!AIVDM": 1258, b"!BSVDM": 47, b"!ABVDM": 17, b"!AIVDO": 3, b"!BSVDO": 1}


def test_position_fields_match_the_reference_annotation() -> None:
    (msg,) = NmeaDecoder().feed(TYPE1, T0)
    assert (msg.msg_type, msg.mmsi, msg.nav_status, msg.sog, msg.cog) == (1, 371798000, 0, 12.3, 224)
    assert msg.heading == 215 and msg.timestamp == 33
    assert msg.lat == pytest.approx(48.381633, abs=1e-5)
    assert msg.lon == pytest.approx(-123.395383, abs=1e-5)
    assert msg.received_at == T0 and msg.raw == TYPE1


def test_not_available_sentinels_become_none() -> None:
    (msg,) = NmeaDecoder().feed(NO_POSITION, T0)
    assert msg.mmsi == 247120860 and not msg.has_position
    assert (msg.lat, msg.lon, msg.sog, msg.cog, msg.heading, msg.nav_status, msg.timestamp) == (
        None, None, None, None, None, None, None)


def test_two_part_type5_is_reassembled_in_order() -> None:
    decoder = NmeaDecoder()
    assert decoder.feed(TYPE5[0], T0) == []
    (msg,) = decoder.feed(TYPE5[1], T0 + timedelta(seconds=1))
    assert (msg.msg_type, msg.mmsi, msg.imo, msg.callsign) == (5, 351759000, 9134270, "3FOF8")
    assert (msg.ship_name, msg.ship_type, msg.destination) == ("EVER DIADEM", 70, "NEW YORK")
    # The file's annotation says ETAhour 16, but bits 283–287 of the payload read 14 (checked by
    # hand-decoding the six-bit characters, and pyais agrees): the annotation is wrong.
    assert (msg.eta_month, msg.eta_day, msg.eta_hour, msg.eta_minute) == (5, 15, 14, 0)
    assert msg.draught == 12.2
    assert msg.raw == b"\n".join(TYPE5) and msg.received_at == T0
    assert decoder.counters["decoded"] == 1 and decoder.counters["orphan_fragment"] == 0


def test_a_single_part_message_between_two_fragments_does_not_break_reassembly() -> None:
    decoder = NmeaDecoder()
    out = decoder.feed(TYPE5[0], T0) + decoder.feed(TYPE1, T0) + decoder.feed(TYPE5[1], T0)
    assert [m.msg_type for m in out] == [1, 5]


@pytest.mark.parametrize(
    ("sequence", "decoded", "orphans"),
    [
        ([TYPE5[1]], 0, 1),  # a second half with no first half
        ([TYPE5[0], TYPE5[0], TYPE5[1]], 1, 1),  # a new fragment 1 replaces the incomplete group
        ([TYPE5[0], TYPE1], 1, 1),  # the stream ends (flush) before the second half
        ([TYPE5[0], TYPE5[1], TYPE5[1]], 1, 1),  # a duplicate second half
    ],
)
def test_fragments_whose_siblings_never_arrive_are_counted_as_orphans(
    sequence: list[bytes], decoded: int, orphans: int
) -> None:
    messages, counters = decode_lines(sequence, clock)
    assert len(messages) == decoded
    assert counters["orphan_fragment"] == orphans


def test_a_fragment_older_than_the_timeout_is_evicted() -> None:
    decoder = NmeaDecoder(fragment_timeout=timedelta(seconds=10))
    decoder.feed(TYPE5[0], T0)
    assert decoder.feed(TYPE5[1], T0 + timedelta(seconds=11)) == []
    assert decoder.counters["orphan_fragment"] == 2  # the stale first half, then the lone second


def test_the_reassembly_buffer_is_bounded() -> None:
    decoder = NmeaDecoder(max_groups=2)
    for seq in "1234":
        first = TYPE5[0].replace(b",2,1,1,A,", f",2,1,{seq},A,".encode())
        star = first.index(b"*")
        decoder.feed(first[:star] + b"*%02X" % nmea_checksum(first[1:star]), T0)
    assert decoder.counters["orphan_fragment"] == 2


@pytest.mark.parametrize(
    ("line", "counter"),
    [
        (TYPE1[:-2] + b"4B", "bad_checksum"),  # one digit of the checksum changed
        (TYPE1.replace(b"15RT", b"15RU"), "bad_checksum"),  # one payload character changed
        (b"!AIVDM,1,1,,A,15RTgt0PA\xff\xfeso;90TKcjM8h6g208CQ,0*4A", "malformed"),  # not UTF-8
        (b"\xc3\x28\xa0\xa1 binary noise", "malformed"),
        (b"AIVDM,2,2,1,B,00000000000,2*26", "malformed"),  # no "!"
        (b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0", "malformed"),  # no checksum
        (b"\\s:station,c:1700000000*00", "malformed"),  # unterminated tag block
        (b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", "ignored"),
        (b"# a comment", "ignored"),
        (b"   \r\n", "ignored"),
        (b"!AIVDM,1,1,,B,,0*25", "undecodable"),  # real: empty payload
        (b"!AIVDM,3,5,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4C", "undecodable"),  # fragment 5 of 3
    ],
)
def test_bad_lines_are_counted_and_never_raise(line: bytes, counter: str) -> None:
    decoder = NmeaDecoder()
    assert decoder.feed(line, T0) == []
    assert decoder.counters[counter] == 1
    assert sum(decoder.counters.values()) == 1


def test_gpsd_receiver_metadata_after_the_checksum_is_ignored() -> None:
    line = b"!AIVDM,1,1,,B,:6TMCD1GOS60,0*5B,s36310,d-081,T59.01777335"  # real, gpsd sample
    (msg,) = NmeaDecoder().feed(line, T0)
    assert msg.msg_type == 10


def test_a_tag_block_time_becomes_the_received_time() -> None:
    fields = b"s:s1,c:1700000000"
    tag = fields + b"*%02X" % nmea_checksum(fields)
    (msg,) = NmeaDecoder().feed(b"\\" + tag + b"\\" + TYPE1, T0)
    assert msg.received_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert msg.mmsi == 371798000


def test_a_tag_block_with_a_bad_checksum_is_refused() -> None:
    decoder = NmeaDecoder()
    assert decoder.feed(b"\\s:s1,c:1700000000*00\\" + TYPE1, T0) == []
    assert decoder.counters["bad_checksum"] == 1


def test_ais_message_is_immutable() -> None:
    (msg,) = NmeaDecoder().feed(TYPE1, T0)
    assert isinstance(msg, AisMessage)
    with pytest.raises(AttributeError):
        msg.mmsi = 1  # type: ignore[misc]


# --- the TCP feed, against a real server on 127.0.0.1 ----------------------------------------

class Recorder:
    """An injected sleep: records each backoff instead of waiting, then runs ``on_sleep(n)``."""

    def __init__(self, on_sleep: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.delays: list[float] = []
        self.on_sleep = on_sleep

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.on_sleep is not None:
            await self.on_sleep(len(self.delays))


async def serve_once_per_connection(body: bytes, port: int = 0) -> asyncio.Server:
    async def handle(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(body)
        await writer.drain()
        writer.close()  # the feed drops after one file: the source must reconnect

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def collect(source: TcpLineSource, count: int) -> list[tuple[bytes, datetime]]:
    received: list[tuple[bytes, datetime]] = []
    async with asyncio.timeout(10), aclosing(source.lines()) as lines:
        async for item in lines:
            received.append(item)
            if len(received) == count:
                break
    return received


async def test_a_real_ais_file_over_tcp_survives_a_dropped_connection(fixtures: Path) -> None:
    body = (fixtures / "ais" / "pyais_nmea_data_sample.txt").read_bytes()
    server = await serve_once_per_connection(body)
    port = server.sockets[0].getsockname()[1]
    sleep = Recorder()
    source = TcpLineSource("ais-tcp", "127.0.0.1", port, 1024, clock, sleep=sleep, draw=lambda: 0.5)
    async with server:
        received = await collect(source, 2 * 898)
    # 898 lines per connection (the file's last line has no newline and still arrives whole).
    assert [line for line, _ in received] == 2 * body.splitlines()
    assert all(when == T0 for _, when in received)
    assert (source.connections, source.disconnects) == (2, 1)
    assert sleep.delays == [0.5]  # one failure: half (the draw) of the 1 s base
    decoder = NmeaDecoder()
    messages = [m for line, when in received for m in decoder.feed(line, when)]
    assert len(messages) == 2 * 778


async def test_over_long_lines_are_dropped_and_counted() -> None:
    body = b"y" * 200_000 + b"\n" + b"!AIVDM" + b"x" * 5000 + b"\r\n" + TYPE1 + b"\r\n"
    server = await serve_once_per_connection(body)
    port = server.sockets[0].getsockname()[1]
    source = TcpLineSource("ais-tcp", "127.0.0.1", port, 1000, clock, sleep=Recorder())
    async with server:
        ((line, _),) = await collect(source, 1)
    assert line == TYPE1
    assert source.dropped_lines == 2


async def test_a_refused_connection_is_retried_with_growing_backoff() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()  # nothing listens on the port now: connecting is refused
    servers: list[asyncio.Server] = []

    async def listen_after_two_refusals(sleeps: int) -> None:
        if sleeps == 2:
            servers.append(await serve_once_per_connection(TYPE1 + b"\n", port))

    sleep = Recorder(listen_after_two_refusals)
    source = TcpLineSource("ais-tcp", "127.0.0.1", port, 1000, clock, sleep=sleep, draw=lambda: 1.0,
                           base_backoff=2.0)
    try:
        ((line, _),) = await collect(source, 1)
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()
    assert line == TYPE1
    assert sleep.delays == [2.0, 4.0]  # two refusals: 2 s, then 4 s (draw pinned at the ceiling)
