"""The real embedded broker (Tansu), a real Valkey and the embedded PostgreSQL, once per session.

Tansu runs on its durable engine, as ``brisk up`` runs it: ``s3://`` on one SeaweedFS for the
session, a bucket per broker, on free loopback ports. PostgreSQL listens on a socket in a state
dir of its own. Everything is stopped by PID at the end, whatever happened.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from brisk import local_broker
from brisk.embedded import create_bucket, s3_storage_url, tansu_argv, tansu_s3_env, valkey_argv
from brisk.embedded_postgres import ENV as POSTGRES_ENV
from brisk.embedded_postgres import (
    accepts_connections,
    create_database,
    current_layout,
    postgres_argv,
    prepare,
)
from brisk.embedded_postgres_layout import PostgresLayout
from brisk.local_broker import start_object_store
from brisk.ports import free_port
from brisk.processes import Child, spawn
from shared.db.migrate import upgrade
from shared.kafka import ensure_topics
from tests.integration.kafka_reader import wait_for
from tests.receivers import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


_object_store: tuple[Child, str] | None = None


def object_store(logs: Path) -> str:
    """The session's SeaweedFS S3 endpoint, started on first use (stopped by ``_stop_stores``)."""
    global _object_store
    if _object_store is None:
        _object_store = start_object_store(logs.parent / "seaweedfs", logs, ROOT)
    return _object_store[1]


@pytest.fixture(scope="session", autouse=True)
def _stop_stores() -> Iterator[None]:
    yield
    if _object_store is not None:
        _object_store[0].stop(timeout=15)


def start_tansu(port: int, logs: Path, storage: str = "s3") -> Child:
    """Tansu on ``port``: its own bucket on the session's SeaweedFS, or ``memory``. Starting
    again on the same port keeps the bucket: that is a broker restart (retried while the old
    process still holds the port)."""
    if storage == "s3":
        endpoint = object_store(logs)
        create_bucket(endpoint, f"tansu-{port}")
        argv, env = tansu_argv(port, s3_storage_url(f"tansu-{port}")), tansu_s3_env(endpoint)
    else:
        argv, env = tansu_argv(port), {"PATH": "/usr/bin:/bin"}
    return local_broker.start_tansu(f"tansu-{port}", port, argv, env, logs, ROOT)


def start_memory_tansu(port: int, logs: Path) -> Child:
    """A memory-engine Tansu on ``port`` with brisk's topics: starting one where another was is a
    restart that lost everything."""
    broker = start_tansu(port, logs, storage="memory")
    asyncio.run(ensure_topics(f"127.0.0.1:{port}"))
    return broker


@contextmanager
def tansu_broker(logs: Path, storage: str = "s3") -> Iterator[str]:
    """A fresh broker on a free port with brisk's topics; stopped by PID."""
    port = free_port()
    broker = start_tansu(port, logs, storage)
    try:
        bootstrap = f"127.0.0.1:{port}"
        asyncio.run(ensure_topics(bootstrap))
        yield bootstrap
    finally:
        broker.stop(timeout=10)


@pytest.fixture(scope="session")
def kafka_bootstrap(logs: Path) -> Iterator[str]:
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def valkey_port(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    server = spawn("valkey", valkey_argv(port, tmp_path_factory.mktemp("valkey")), {}, logs, ROOT)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if not server.alive():
                    pytest.fail(f"Valkey exited:\n{server.log_tail()}")
                asyncio.run(asyncio.sleep(0.1))
        yield port
    finally:
        server.stop(timeout=10)


def start_valkey(port: int, data: Path, logs: Path, timeout: float = 15) -> Child:
    """A Valkey of a test's own on ``port`` (AOF in ``data``), answering PING; a test may stop and
    start it again with the same ``data``."""
    child = spawn(f"valkey-{port}", valkey_argv(port, data), {}, logs, ROOT)
    client = redis.Redis(port=port)
    assert wait_for(lambda: _pings(client), timeout=timeout), child.log_tail()
    return child


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def start_service(name: str, env: dict[str, str], logs: Path) -> Child:
    import os

    return spawn(name, [sys.executable, "-m", f"services.{name}"], {**os.environ, **env}, logs,
                 ROOT)


@dataclass
class RunningPostgres:
    layout: PostgresLayout
    child: Child
    started_in: float  # seconds from spawn to accepting connections (initdb not included)

    @property
    def url(self) -> str:
        """The ``brisk`` database's URL (socket only)."""
        return self.layout.url()

    @property
    def admin_url(self) -> str:
        return self.layout.url("postgres")

    def stop(self, timeout: float = 15) -> int | None:
        return self.child.stop(timeout)


def postgres_state_dir() -> Path:
    """A fresh state dir for a PostgreSQL: under /tmp, 0755, so that as root the service user
    can reach it (pytest's own tmp dirs are 0700). Remove it with ``shutil.rmtree``."""
    path = Path(tempfile.mkdtemp(prefix="brisk-pg-", dir="/tmp"))
    path.chmod(0o755)  # made by this test run, so widening it is ours to do
    return path


def start_postgres(state_dir: Path, logs: Path, *, layout: PostgresLayout | None = None,
                   timeout: float = 60) -> RunningPostgres:
    """The embedded PostgreSQL for ``state_dir`` (``layout`` overrides where things go), as
    ``brisk up`` runs it: prepared (initdb once), started, the ``brisk`` database made. Starting
    again with the same state dir is a restart with the data kept. Stop it with ``.stop()``."""
    layout = layout or current_layout(state_dir)
    prepare(layout)
    started = time.monotonic()
    child = spawn(f"postgres-{state_dir.name}", postgres_argv(layout), POSTGRES_ENV, logs,
                  Path("/"), user=layout.run_as, stop_signal=signal.SIGINT)
    while not accepts_connections(layout):
        if not child.alive() or time.monotonic() - started > timeout:
            child.stop(5)
            raise RuntimeError(f"PostgreSQL did not start:\n{child.log_tail()}")
        time.sleep(0.05)
    took = time.monotonic() - started
    create_database(layout)
    return RunningPostgres(layout, child, took)


@pytest.fixture(scope="session")
def postgres_server(logs: Path) -> Iterator[RunningPostgres]:
    """One embedded PostgreSQL for the session, with an empty ``brisk`` database."""
    state_dir = postgres_state_dir()
    server = start_postgres(state_dir, logs)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(state_dir, ignore_errors=True)


def fresh_database(server: RunningPostgres) -> str:
    """A new, migrated database on the session's server: a service under test gets tenants and
    alerts of its own (the alerts service flushes every tenant it finds)."""
    import uuid

    import psycopg

    name = f"brisk_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.url.replace("/brisk?", f"/{name}?")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_server: RunningPostgres) -> str:
    """The session's ``brisk`` database, migrated to the newest schema."""
    upgrade(postgres_server.url)
    return postgres_server.url


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """Start receivers on loopback; all stopped at the end of the test."""
    started: list[Receiver] = []

    def start(port: int = 0) -> Receiver:
        receiver = Receiver(port=port).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()
