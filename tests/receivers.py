"""A real webhook receiver for tests: HTTP/1.1 with keep-alive on loopback, in a background thread.

Every request is recorded as a ``Hit`` when it arrives (before any delay), then answered with the
current ``Reply`` (or what a callable makes of the hit). A reply's ``delay`` holds the answer
back: a large one is a receiver that hangs. Each connection has its own thread, so one hanging
request never holds up another receiver, or another request to this one.

``stop()`` never waits for a hanging request: it wakes every delayed handler (which then drops
its connection without answering), shuts every open connection down and joins the threads with
a bound. A client that gives up (a timeout) and drops the connection is survived: the late
answer is not sent, and is not counted as delivered.
"""

from __future__ import annotations

import contextlib
import http.server
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

_NO_BODY = frozenset({204, 304})
_JOIN_SECONDS = 5.0  # per handler thread at stop(); they have all been woken by then


@dataclass(frozen=True)
class Hit:
    """One request as it arrived: ``headers`` lower-cased, ``at`` from ``time.monotonic()``."""

    webhook_id: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass(frozen=True)
class Reply:
    """The answer to a request, sent after ``delay`` seconds (a large delay: a hanging receiver)."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


Replier = Callable[[Hit], Reply]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # Receiver.stop joins its handlers itself, with a bound
    receiver: Receiver


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.receiver._opened(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.receiver._closed(self.connection)

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        hit = Hit(headers.get("webhook-id", ""), headers, body, time.monotonic())
        receiver = self.server.receiver
        reply = receiver._arrived(hit)
        try:
            if reply.delay > 0 and receiver._stopping.wait(reply.delay):
                self.close_connection = True  # stopping: drop the hanging request unanswered
                return
            if _peer_gone(self.connection):
                self.close_connection = True  # the client gave up waiting: nobody to answer
                return
            # Counted before it is written, so that a client that has read the answer finds it
            # counted; taken back if the client is gone after all.
            answer = receiver._answered(hit, reply.status)
            try:
                self._answer(reply)
            except OSError:
                receiver._unanswered(answer)
                self.close_connection = True
        finally:
            receiver._left()

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise ValueError("the client closed the connection inside the body")
        return body

    def _answer(self, reply: Reply) -> None:
        self.send_response(reply.status)
        names = {k.lower() for k in reply.headers}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        body = b"" if reply.status in _NO_BODY else reply.body
        if reply.status not in _NO_BODY and "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the hits are the log."""


def _peer_gone(conn: socket.socket) -> bool:
    """Whether the client closed its side (readable with nothing to read: EOF or a reset). An
    HTTP/1.1 client waiting for an answer sends nothing else on the connection meanwhile."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Receiver:
    """A webhook endpoint on ``host:port`` (port 0: a free one). ``hits`` lists every request in
    the order received; ``reply`` sets what the following requests get (204 by default)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.hits: list[Hit] = []
        self.peak_in_flight = 0  # the most requests handled at once (one endpoint: at most 1)
        self._replier: Replier = lambda _hit: Reply()
        self._answers: list[tuple[str, int]] = []
        self._in_flight = 0
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Receiver:
        server = _Server((self.host, self.port), _Handler)
        server.receiver = self
        self._server, self.port = server, server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"receiver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, wake and drop hanging requests, close every connection."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._changed:
            connections, handlers = list(self._connections), list(self._handlers)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in handlers:
            thread.join(_JOIN_SECONDS)
        if self._thread is not None:
            self._thread.join(_JOIN_SECONDS)
        self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def reply(self, reply: Reply | Replier) -> None:
        """What every following request gets: a fixed reply, or one made from its hit (called
        on the server's thread, once per request, in the order the requests arrive)."""
        replier: Replier = reply if callable(reply) else (lambda _hit: reply)
        with self._changed:
            self._replier = replier

    def delivered_ids(self) -> list[str]:
        """The webhook-ids answered 2xx, in the order first answered, each once."""
        with self._changed:
            answers = list(self._answers)
        return list(dict.fromkeys(wid for wid, status in answers if 200 <= status <= 299))

    def answers(self) -> list[tuple[str, int]]:
        """(webhook-id, status) of every reply actually sent, in order."""
        with self._changed:
            return list(self._answers)

    def wait_for(self, predicate: Callable[[list[Hit]], bool], timeout: float) -> bool:
        """Block until ``predicate(hits)`` holds (re-checked at every hit and answer); False
        after ``timeout`` seconds or once stopped. From async code: ``asyncio.to_thread``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self.hits)):
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    return False
                self._changed.wait(left)
            return True

    def _arrived(self, hit: Hit) -> Reply:
        with self._changed:
            self.hits.append(hit)
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            replier = self._replier
            self._changed.notify_all()
        try:
            return replier(hit)
        except Exception:  # a broken test callable must not kill the handler silently
            return Reply(599, body=b"the test's reply callable raised")

    def _left(self) -> None:
        with self._changed:
            self._in_flight -= 1

    def _answered(self, hit: Hit, status: int) -> tuple[str, int]:
        answer = (hit.webhook_id, status)
        with self._changed:
            self._answers.append(answer)
            self._changed.notify_all()
        return answer

    def _unanswered(self, answer: tuple[str, int]) -> None:
        with self._changed:
            for index in range(len(self._answers) - 1, -1, -1):
                if self._answers[index] is answer:
                    del self._answers[index]
                    break

    def _opened(self, conn: socket.socket) -> None:
        with self._changed:
            self._connections.add(conn)
            self._handlers.add(threading.current_thread())

    def _closed(self, conn: socket.socket) -> None:
        with self._changed:
            self._connections.discard(conn)
            self._handlers.discard(threading.current_thread())
