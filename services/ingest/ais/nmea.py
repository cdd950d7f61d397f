"""AIS NMEA 0183 lines → ``AisMessage`` values: framing, checksums, multipart reassembly, decoding.

``NmeaDecoder`` is fed one line at a time (bytes, with the time it arrived) and never raises on bad
input: every line lands in exactly one counter, so a stream's health is visible at a glance.

Counter units: ``decoded`` and ``undecodable`` count *messages* (a two-line type 5 is one);
``ignored``, ``malformed``, ``bad_checksum`` and ``orphan_fragment`` count *lines*.

- ``ignored``: blank lines, ``#`` comments, and well-formed NMEA that is not AIS (``$GPGGA``…).
- ``malformed``: not an NMEA sentence at all (no ``!``/``$`` start, no ``*hh`` checksum, non-ASCII
  bytes, an unterminated tag block).
- ``bad_checksum``: the sentence's (or its tag block's) checksum does not match.
- ``orphan_fragment``: a multipart fragment whose siblings never arrived — evicted when its group
  times out, when the buffer is full, when a new fragment 1 takes its group's key, or at ``flush``.
- ``undecodable``: framed and checksummed, but pyais cannot decode the payload (empty, truncated,
  unknown type, bad fragment numbers).

Accepted sentences: any two-letter talker with ``VDM``/``VDO`` (``!AIVDM``, ``!BSVDM``, ``!ABVDO``…),
optionally preceded by an NMEA 4.0 tag block (``\\s:station,c:unixtime*hh\\``) whose ``c:`` time then
becomes the message's ``received_at``. gpsd-style receiver metadata after the checksum
(``…,0*5B,s36310,d-081,T59.01``) is ignored.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from pyais.messages import AISSentence, NMEASentenceFactory

COUNTERS = ("decoded", "ignored", "malformed", "bad_checksum", "orphan_fragment", "undecodable")
POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})
_HEX = frozenset(b"0123456789ABCDEFabcdef")


@dataclass(frozen=True)
class AisMessage:
    """One decoded AIS message; fields a message type does not carry are ``None``.

    ``timestamp`` is the report's own UTC second (0–59) as transmitted, ``received_at`` the time the
    line arrived (or its tag block's ``c:`` time). Not-available sentinels (lat 91, lon 181, speed
    102.3 kn, course 360, heading 511, status 15, draught 0) become ``None``. The ETA is kept exactly
    as given (month 0 / day 0 / hour 24 / minute 60 mean "not available" in the standard).
    """

    msg_type: int
    mmsi: int
    received_at: datetime
    raw: bytes  # the original line(s), joined by b"\n"
    lat: float | None = None
    lon: float | None = None
    sog: float | None = None  # knots
    cog: float | None = None  # degrees true
    heading: int | None = None
    nav_status: int | None = None  # 1 = at anchor, 5 = moored (ITU-R M.1371 table 45)
    timestamp: int | None = None
    ship_name: str | None = None
    ship_type: int | None = None
    callsign: str | None = None
    imo: int | None = None
    destination: str | None = None
    eta_month: int | None = None
    eta_day: int | None = None
    eta_hour: int | None = None
    eta_minute: int | None = None
    draught: float | None = None  # metres

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class _Group:
    """Fragments of one multipart message waiting for their siblings."""

    first_seen: datetime
    received_at: datetime
    parts: dict[int, tuple[AISSentence, bytes]]


class NmeaDecoder:
    """Stateful line decoder. ``fragment_timeout`` and ``max_groups`` bound the reassembly buffer:
    fragments of one message arrive within a second or two, so 10 s is generous, and 256 groups in
    flight is far beyond any real receiver's interleaving.
    """

    def __init__(
        self, fragment_timeout: timedelta = timedelta(seconds=10), max_groups: int = 256
    ) -> None:
        self.fragment_timeout = fragment_timeout
        self.max_groups = max_groups
        self._groups: OrderedDict[tuple[int | None, str, int], _Group] = OrderedDict()
        self._counts = dict.fromkeys(COUNTERS, 0)

    @property
    def counters(self) -> dict[str, int]:
        return dict(self._counts)

    def feed(self, line: bytes, received_at: datetime) -> list[AisMessage]:
        """Messages completed by this line (zero or one, usually)."""
        self._expire(received_at)
        framed = _frame(line)
        if isinstance(framed, str):
            self._counts[framed] += 1
            return []
        sentence, tag_time = framed
        when = tag_time or received_at
        raw = line.strip()
        if sentence.frag_cnt == 1:
            return self._decode([sentence], [raw], when)
        return self._reassemble(sentence, raw, received_at, when)

    def flush(self) -> None:
        """End of stream: every incomplete group is an orphan."""
        for group in self._groups.values():
            self._counts["orphan_fragment"] += len(group.parts)
        self._groups.clear()

    def _reassemble(
        self, sentence: AISSentence, raw: bytes, received_at: datetime, when: datetime
    ) -> list[AisMessage]:
        key = (sentence.seq_id, sentence.channel, sentence.frag_cnt)
        group = self._groups.get(key)
        if sentence.frag_num == 1:
            if group is not None:  # its siblings never came: the key is being reused
                self._counts["orphan_fragment"] += len(self._groups.pop(key).parts)
            self._groups[key] = _Group(received_at, when, {1: (sentence, raw)})
            while len(self._groups) > self.max_groups:
                _, oldest = self._groups.popitem(last=False)
                self._counts["orphan_fragment"] += len(oldest.parts)
            return []
        if group is None or sentence.frag_num in group.parts:
            self._counts["orphan_fragment"] += 1  # a later fragment with no fragment 1 before it
            return []
        group.parts[sentence.frag_num] = (sentence, raw)
        if len(group.parts) < sentence.frag_cnt:
            return []
        del self._groups[key]
        ordered = [group.parts[n] for n in sorted(group.parts)]
        return self._decode([s for s, _ in ordered], [r for _, r in ordered], group.received_at)

    def _expire(self, now: datetime) -> None:
        stale = [k for k, g in self._groups.items() if now - g.first_seen > self.fragment_timeout]
        for key in stale:
            self._counts["orphan_fragment"] += len(self._groups.pop(key).parts)

    def _decode(
        self, sentences: list[AISSentence], raws: list[bytes], when: datetime
    ) -> list[AisMessage]:
        try:
            payload = AISSentence.assemble_from_iterable(sentences).decode()
            message = _to_message(payload, b"\n".join(raws), when)
        except Exception:  # pyais raises many types on hostile payloads
            message = None
        if message is None:
            self._counts["undecodable"] += 1
            return []
        self._counts["decoded"] += 1
        return [message]


def decode_lines(
    lines: Iterable[bytes], clock: Callable[[], datetime]
) -> tuple[list[AisMessage], dict[str, int]]:
    """Decode a finite stream (a file); leftover fragments are counted as orphans at the end."""
    decoder = NmeaDecoder()
    messages: list[AisMessage] = []
    for line in lines:
        messages += decoder.feed(line, clock())
    decoder.flush()
    return messages, decoder.counters


def nmea_checksum(body: bytes) -> int:
    """XOR of the bytes between the start delimiter and ``*``."""
    return reduce(lambda acc, byte: acc ^ byte, body, 0)


def _frame(line: bytes) -> tuple[AISSentence, datetime | None] | str:
    """The AIS sentence in a line and its tag-block time, or the name of the counter it goes to."""
    body = line.strip()
    if not body or body.startswith(b"#"):
        return "ignored"
    tag_time = None
    if body.startswith(b"\\"):
        end = body.find(b"\\", 1)
        if end < 0:
            return "malformed"
        tag = _tag_block(body[1:end])
        if isinstance(tag, str):
            return tag
        tag_time, body = tag, body[end + 1 :]
    if not body.isascii():
        return "malformed"
    if body.startswith(b"$"):
        return "ignored"  # GPS and other instrument sentences share AIS feeds
    star = body.find(b"*")
    if not body.startswith(b"!") or star < 0 or not _is_hex(body[star + 1 : star + 3]):
        return "malformed"
    if nmea_checksum(body[1:star]) != int(body[star + 1 : star + 3], 16):
        return "bad_checksum"
    address = body[1:star].split(b",", 1)[0]
    if len(address) != 5 or address[2:].upper() not in (b"VDM", b"VDO"):
        return "ignored"
    try:
        sentence = NMEASentenceFactory.produce(body[: star + 3])
    except Exception:  # wrong field count, bad fragment numbers, bad fill bits
        return "undecodable"
    if not isinstance(sentence, AISSentence):
        return "ignored"
    return sentence, tag_time


def _tag_block(tag: bytes) -> datetime | None | str:
    """The ``c:`` receive time of a valid tag block, ``None`` without one, or a counter name."""
    star = tag.rfind(b"*")
    if star < 0 or not _is_hex(tag[star + 1 : star + 3]) or not tag.isascii():
        return "malformed"
    if nmea_checksum(tag[:star]) != int(tag[star + 1 : star + 3], 16):
        return "bad_checksum"
    for item in tag[:star].split(b","):
        if item.startswith(b"c:") and item[2:].isdigit():
            seconds = int(item[2:])
            if seconds > 10**11:  # some receivers send milliseconds
                seconds //= 1000
            try:
                return datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                return None
    return None


def _is_hex(text: bytes) -> bool:
    return len(text) == 2 and all(ch in _HEX for ch in text)


def _to_message(payload: Any, raw: bytes, when: datetime) -> AisMessage | None:
    mmsi = getattr(payload, "mmsi", None)
    msg_type = getattr(payload, "msg_type", None)
    if not isinstance(mmsi, int) or not isinstance(msg_type, int):
        return None  # truncated below the header
    fields: dict[str, Any] = {}
    if msg_type in POSITION_TYPES:
        fields.update(_position(payload, msg_type))
    if msg_type in STATIC_TYPES:
        fields.update(_static(payload, msg_type))
    return AisMessage(msg_type=msg_type, mmsi=mmsi, received_at=when, raw=raw, **fields)


def _position(payload: Any, msg_type: int) -> dict[str, Any]:
    lat, lon = _num(payload, "lat"), _num(payload, "lon")
    speed, course = _num(payload, "speed"), _num(payload, "course")
    heading, status, second = _num(payload, "heading"), _num(payload, "status"), _num(payload, "second")
    speed_na, course_na = (63, 511) if msg_type == 27 else (102.3, 360)
    return {
        "lat": lat if lat is not None and -90 <= lat <= 90 else None,
        "lon": lon if lon is not None and -180 <= lon <= 180 else None,
        "sog": speed if speed is not None and speed < speed_na else None,
        "cog": course if course is not None and course < course_na else None,
        "heading": int(heading) if heading is not None and heading < 360 else None,
        "nav_status": int(status) if status is not None and status != 15 else None,
        "timestamp": int(second) if second is not None and second < 60 else None,
    }


def _static(payload: Any, msg_type: int) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ship_name": _text(getattr(payload, "shipname", None)),
        "callsign": _text(getattr(payload, "callsign", None)),
    }
    ship_type = _num(payload, "ship_type")
    fields["ship_type"] = int(ship_type) if ship_type else None
    if msg_type == 5:
        draught = _num(payload, "draught")
        imo = _num(payload, "imo")
        fields.update(
            imo=int(imo) if imo else None,
            destination=_text(getattr(payload, "destination", None)),
            draught=draught or None,
            **{f"eta_{k}": _int(payload, k) for k in ("month", "day", "hour", "minute")},
        )
    return fields


def _num(payload: Any, name: str) -> float | None:
    value = getattr(payload, name, None)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(payload: Any, name: str) -> int | None:
    value = _num(payload, name)
    return None if value is None else int(value)


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.replace("@", " ").split())
    return cleaned or None
