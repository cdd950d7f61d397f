"""A line-oriented TCP feed (AIS NMEA from a receiver or an aggregator), reconnecting forever.

Unlike the polled sources, a TCP feed is a stream: ``lines()`` yields each line with the time it
arrived and never ends on its own. A dropped connection (EOF, reset, refused) is retried after an
exponential backoff with full jitter; the failure count resets once a line has been received, so a
server that accepts and immediately closes still backs off. A line longer than ``max_line_bytes``
is dropped whole (a runaway sender must not exhaust memory) and counted in ``dropped_lines``. The
bytes after the last newline when a connection ends are yielded as a final line: a truncated
sentence is caught by its checksum downstream, a complete one is not lost.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime

from shared.backoff import backoff_delay
from shared.clock import Clock

READ_CHUNK = 65536


class TcpLineSource:
    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        max_line_bytes: int,
        clock: Clock,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        draw: Callable[[], float] = random.random,
        base_backoff: float = 1.0,
        max_backoff: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.max_line_bytes = max_line_bytes
        self.clock = clock
        self.sleep = sleep
        self.draw = draw
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.connect_timeout = connect_timeout
        self.connections = 0
        self.disconnects = 0
        self.dropped_lines = 0

    async def lines(self) -> AsyncGenerator[tuple[bytes, datetime], None]:
        """Every line (without its line ending) and its arrival time, across reconnections."""
        failures = 0
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self.connect_timeout)
            except (OSError, TimeoutError):
                failures += 1
                await self.sleep(self._delay(failures))
                continue
            self.connections += 1
            try:
                async for line in self._read_lines(reader):
                    failures = 0
                    yield line, self.clock()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                try:
                    await writer.wait_closed()
                except OSError:
                    pass
            self.disconnects += 1
            failures += 1
            await self.sleep(self._delay(failures))

    async def _read_lines(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        buffer = b""
        discarding = False  # inside an over-long line: skip up to its newline
        while True:
            chunk = await reader.read(READ_CHUNK)
            if not chunk:
                if buffer and not discarding:
                    yield buffer.rstrip(b"\r")
                return
            buffer += chunk
            while (end := buffer.find(b"\n")) >= 0:
                line, buffer = buffer[:end], buffer[end + 1 :]
                if discarding:
                    discarding = False
                elif len(line) > self.max_line_bytes:
                    self.dropped_lines += 1
                else:
                    yield line.rstrip(b"\r")
            if len(buffer) > self.max_line_bytes:
                if not discarding:
                    self.dropped_lines += 1
                discarding, buffer = True, b""

    def _delay(self, failures: int) -> float:
        return backoff_delay(failures, self.base_backoff, self.max_backoff, self.draw)
