"""``HttpLimits`` for uvicorn: a guarded h11 protocol, since uvicorn 0.54 has no such timeouts.

uvicorn arms its keep-alive timer only after a response, and clears it as soon as any byte
arrives, so a client that sends half a request head — or a body one byte at a time — holds the
connection for as long as it likes. ``guarded_h11`` watches h11's view of the client's side of
the connection after every event and runs one deadline per phase:

- *head* (h11 ``IDLE``: from connection open, or the end of the last response, until the head is
  complete): ``header_timeout_seconds``;
- *body* (h11 ``SEND_BODY``: from the complete head until the end of the body):
  ``body_timeout_seconds``.

A deadline that passes closes the connection (the ASGI app, if it was reading the body, sees
``http.disconnect``).

Head size: h11's ``max_incomplete_event_size`` bounds only a head still *incomplete* after a
read, so a whole oversized head arriving in one read (up to 256 KiB) would pass; the protocol
therefore also counts a head's bytes as they arrive and answers 431 once it exceeds
``max_header_bytes``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from shared.http_limits import HttpLimits

log = logging.getLogger(__name__)

Phase = Literal["head", "body"]
TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
             b"connection: close\r\n\r\n")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a head and a body deadline; see the module docstring."""

    header_timeout: float = HttpLimits.model_fields["header_timeout_seconds"].default
    body_timeout: float = HttpLimits.model_fields["body_timeout_seconds"].default
    max_head_bytes: int = HttpLimits.model_fields["max_header_bytes"].default

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase: Phase | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0  # of the head being received
        self._head_tail = b""  # its last 3 bytes, to find an end that spans two reads

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def data_received(self, data: bytes) -> None:
        if self._phase == "head" and not self._head_fits(data):
            log.info("refusing an oversized request head", extra={"client": self.client})
            self.transport.write(TOO_LARGE)
            self.transport.close()
            return
        super().data_received(data)
        self._watch()

    def _head_fits(self, data: bytes) -> bool:
        """Count ``data`` into the current head; False once the head is over the limit."""
        window = self._head_tail + data
        ends = [i + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (i := window.find(mark)) >= 0]
        if ends:  # the head ends in this read; what follows is body or the next request
            size = self._head_bytes + min(ends) - len(self._head_tail)
            self._head_bytes, self._head_tail = 0, b""
            return size <= self.max_head_bytes
        self._head_bytes += len(data)
        self._head_tail = window[-3:]
        return self._head_bytes <= self.max_head_bytes

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._set_phase(None)
        super().connection_lost(exc)

    def _watch(self) -> None:
        state = self.conn.their_state
        self._set_phase("head" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None)

    def _set_phase(self, phase: Phase | None) -> None:
        if phase == self._phase:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = phase
        self._head_bytes, self._head_tail = 0, b""
        if phase is not None:
            seconds = self.header_timeout if phase == "head" else self.body_timeout
            self._deadline = self.loop.call_later(seconds, self._expire, phase)

    def _expire(self, phase: Phase) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # closed already, or handed over (a WebSocket upgrade)
        log.info("closing a slow HTTP connection", extra={"phase": phase, "client": self.client})
        self.transport.close()


def guarded_h11(limits: HttpLimits) -> type[GuardedH11Protocol]:
    """The protocol class for ``uvicorn.Config(http=...)`` with these limits."""
    return type("BriskH11Protocol", (GuardedH11Protocol,), {
        "header_timeout": limits.header_timeout_seconds,
        "body_timeout": limits.body_timeout_seconds,
        "max_head_bytes": limits.max_header_bytes,
    })


def uvicorn_options(limits: HttpLimits) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` that apply ``limits``."""
    return {"http": guarded_h11(limits), "h11_max_incomplete_event_size": limits.max_header_bytes}
