"""Loopback port helpers."""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LISTENER_FLOOR = 15000  # below it sit well-known and registered defaults (5432, 6379, 9092, …)


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default when unread)."""
    try:
        low, high = (int(part) for part in source.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def listener_ports(ephemeral: tuple[int, int]) -> range:
    """Ports a listener can take without racing outgoing connections: the kernel hands out
    ephemeral ports to every ``connect``, so a port picked there can be taken by one between
    the pick and the bind (SeaweedFS's own gRPC clients took its S3 gRPC port that way)."""
    low, high = ephemeral
    if low - LISTENER_FLOOR >= 2000:
        return range(LISTENER_FLOOR, low)
    return range(high + 1, 65536)


_HANDED_OUT: set[int] = set()


def free_port(rng: random.Random | None = None) -> int:
    """A loopback port outside the ephemeral range that nothing listens on now, and never one
    this process handed out before (random picks repeat: ``{name: free_port() …}`` once gave
    two services the same port); free unless another listener races for it."""
    pick = rng or random.SystemRandom()
    candidates = listener_ports(ephemeral_range())
    for _ in range(200):
        port = pick.choice(candidates)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError(f"no free loopback port in {candidates.start}-{candidates.stop - 1}")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a listener setting SO_REUSEADDR (as Tansu, Valkey and uvicorn do) could bind
    ``port`` now: a port whose old connections sit in TIME_WAIT counts as free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False
