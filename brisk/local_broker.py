"""A throwaway embedded broker on either storage engine, for benchmarks and one-off tools.

``brisk up`` runs the same parts under its supervisor; this starts them directly, on free
loopback ports, with the data under ``work_dir``, and stops them by PID on exit.
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
        """``kill -9`` the broker and start it again on the same port and storage. A killed
        Tansu's port can stay taken for some seconds, so the start is retried."""
        self.broker.popen.kill()
        self.broker.stop(5)
        deadline = time.monotonic() + timeout
        while True:
            self.broker = spawn("tansu", self.argv, self.env, self.logs, self.cwd)
            if wait_for_port(self.port, 3) and self.broker.alive():
                return
            self.broker.stop(5)
            if time.monotonic() > deadline:
                raise RuntimeError(f"Tansu did not listen again:\n{self.broker.log_tail()}")


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
            ports = ObjectStorePorts.free()
            data_dir = work_dir / "seaweedfs"
            store = spawn("seaweedfs", seaweed_argv(data_dir, ports), MINIMAL_ENV, logs, cwd)
            deadline = time.monotonic() + timeout
            while not s3_answers(ports.s3_endpoint):
                if not store.alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS did not start:\n{store.log_tail()}")
                time.sleep(0.2)
            create_bucket(ports.s3_endpoint)
            argv, env = tansu_argv(port, s3_storage_url()), tansu_s3_env(ports.s3_endpoint)
        else:
            argv, env = tansu_argv(port), MINIMAL_ENV
        broker = spawn("tansu", argv, env, logs, cwd)
        if not wait_for_port(port, timeout):
            raise RuntimeError(f"Tansu did not listen on {port}:\n{broker.log_tail()}")
        running = LocalBroker(f"127.0.0.1:{port}", broker, store, data_dir, argv, env, logs, cwd)
        yield running
        broker = running.broker
    finally:
        if broker is not None:
            broker.stop(10)
        if store is not None:
            store.stop(15)
