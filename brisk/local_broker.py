"""A throwaway embedded broker on either storage engine, for benchmarks, tests and tools.

``brisk up`` runs the same parts under its supervisor; this starts them directly, on free
loopback ports, with the data under ``work_dir``, and stops them by PID on exit.
``start_object_store`` and ``start_tansu`` are the two steps, for callers that share one object
store between brokers (the integration tests).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from brisk.embedded import (
    BrokerStorage,
    ObjectStorePorts,
    create_bucket,
    s3_answers,
    s3_storage_url,
    seaweed_argv,
    tansu_argv,
    tansu_s3_env,
)
from brisk.ports import free_port, wait_for_port
from brisk.processes import Child, spawn

MINIMAL_ENV = {"PATH": "/usr/bin:/bin"}


def start_object_store(data_dir: Path, logs: Path, cwd: Path, timeout: float = 60,
                       attempts: int = 3) -> tuple[Child, str]:
    """SeaweedFS on free loopback ports, data under ``data_dir``; returns it and its S3 endpoint
    once S3 answers. A start that lost one of its eight ports to a racing listener is made
    again on fresh ports. Raises RuntimeError (with its log tail) when it does not start."""
    for attempt in range(1, attempts + 1):
        ports = ObjectStorePorts.free()
        store = spawn("seaweedfs", seaweed_argv(data_dir, ports), MINIMAL_ENV, logs, cwd)
        deadline = time.monotonic() + timeout
        while not s3_answers(ports.s3_endpoint):
            if not store.alive() or time.monotonic() > deadline:
                store.stop(5)
                tail = store.log_tail()
                if "address already in use" in tail and attempt < attempts:
                    break
                raise RuntimeError(f"SeaweedFS did not start:\n{tail}")
            time.sleep(0.2)
        else:
            return store, ports.s3_endpoint
    raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises


def start_tansu(name: str, port: int, argv: list[str], env: dict[str, str], logs: Path,
                cwd: Path, timeout: float = 30) -> Child:
    """Tansu listening on ``port``. Starting where a killed one was is a restart: while the old
    process still holds the port the new one exits, so the start is retried until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        broker = spawn(name, argv, env, logs, cwd)
        if wait_for_port(port, 3) and broker.alive():
            return broker
        broker.stop(5)
        if time.monotonic() > deadline:
            raise RuntimeError(f"Tansu did not listen on {port}:\n{broker.log_tail()}")
        time.sleep(0.5)


@dataclass
class LocalBroker:
    bootstrap: str
    broker: Child
    object_store: Child | None
    data_dir: Path | None  # where the object store keeps its files (s3 only)
    argv: list[str]
    env: dict[str, str]
    logs: Path
    cwd: Path

    @property
    def port(self) -> int:
        return int(self.bootstrap.rsplit(":", 1)[1])

    def restart_broker(self, timeout: float = 30) -> None:
        """``kill -9`` the broker and start it again on the same port and storage."""
        self.broker.popen.kill()
        self.broker.stop(5)
        self.broker = start_tansu("tansu", self.port, self.argv, self.env, self.logs, self.cwd,
                                  timeout)


@contextmanager
def local_broker(storage: BrokerStorage, work_dir: Path, cwd: Path,
                 timeout: float = 60) -> Iterator[LocalBroker]:
    logs = work_dir / "logs"
    store: Child | None = None
    broker: Child | None = None
    data_dir: Path | None = None
    try:
        port = free_port()
        if storage == "s3":
            data_dir = work_dir / "seaweedfs"
            store, endpoint = start_object_store(data_dir, logs, cwd, timeout)
            create_bucket(endpoint)
            argv, env = tansu_argv(port, s3_storage_url()), tansu_s3_env(endpoint)
        else:
            argv, env = tansu_argv(port), MINIMAL_ENV
        broker = start_tansu("tansu", port, argv, env, logs, cwd, timeout)
        running = LocalBroker(f"127.0.0.1:{port}", broker, store, data_dir, argv, env, logs, cwd)
        yield running
        broker = running.broker
    finally:
        if broker is not None:
            broker.stop(10)
        if store is not None:
            store.stop(15)
