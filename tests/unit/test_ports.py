"""Listener ports are picked outside the kernel's ephemeral range, where no outgoing
connection can take them between the pick and the bind."""

from __future__ import annotations

import random
import socket
from pathlib import Path

from brisk.embedded import ObjectStorePorts
from brisk.ports import ephemeral_range, free_port, listener_ports


def test_listener_ports_sit_below_the_ephemeral_range() -> None:
    assert listener_ports((32768, 60999)) == range(15000, 32768)


def test_listener_ports_sit_above_a_range_that_starts_low() -> None:
    assert listener_ports((1024, 60999)) == range(61000, 65536)


def test_the_range_is_read_from_the_kernel_file(tmp_path: Path) -> None:
    source = tmp_path / "range"
    source.write_text("40000\t50000\n")
    assert ephemeral_range(source) == (40000, 50000)
    assert ephemeral_range(tmp_path / "absent") == (32768, 60999)


def test_a_free_port_is_outside_the_ephemeral_range_and_bindable() -> None:
    low, high = ephemeral_range()
    for _ in range(20):
        port = free_port(random.Random())
        assert not low <= port <= high
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_taken_port_is_not_offered() -> None:
    held = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", held))
        taken.listen()
        assert all(free_port() != held for _ in range(200))


def test_the_object_store_gets_eight_distinct_ports() -> None:
    ports = ObjectStorePorts.free()
    assert len(set(vars(ports).values())) == 8


def test_a_port_is_never_handed_out_twice() -> None:
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)
