"""Loopback port helpers."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1; free unless raced."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1", reuse_address: bool = True) -> bool:
    """Whether a listener could bind ``port`` now. ``reuse_address=False`` asks as a server that
    does not set SO_REUSEADDR would (Tansu): a port in TIME_WAIT then counts as taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if reuse_address:
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
