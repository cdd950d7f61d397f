"""What ``brisk up`` runs: the plan (``brisk.supervisor`` carries it out).

Order: object store → broker → PostgreSQL → Valkey → scorer → api → alerts → ingest, each
started only once the one before answers ready (``/ready`` for the services), and stopped in the
reverse order. Ingest starts last so the demo's events flow into consumers that are already in
their groups. The PostgreSQL step alone creates and migrates the database (services never create
tables); with ``BRISK_POSTGRES_URL`` set it is skipped and migrating is ``brisk db upgrade``'s.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from brisk import demo_tenant
from brisk.embedded import (
    BrokerStorage,
    ObjectStorePorts,
    create_bucket,
    s3_answers,
    s3_storage_url,
    seaweed_argv,
    tansu_argv,
    tansu_s3_env,
    valkey_argv,
)
from brisk.embedded_postgres import postgres_spec
from brisk.embedded_postgres_layout import PostgresLayoutError
from brisk.ports import free_port, wait_for_port
from brisk.service_spec import ServiceSpec

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_FEEDS_FILE = REPO_ROOT / "demo" / "feeds.yaml"
LIVE_FEEDS_FILE = REPO_ROOT / "config" / "feeds.yaml"


@dataclass(frozen=True)
class Ports:
    api: int = 8000
    ingest: int = 9101
    scorer: int = 9102
    alerts: int = 9103


@dataclass
class Plan:
    services: list[ServiceSpec] = field(default_factory=list)
    kafka_bootstrap: str = ""
    redis_url: str = ""
    postgres_url: str = ""  # may hold a password when it comes from BRISK_POSTGRES_URL
    broker_storage: BrokerStorage | None = None  # None: an external Kafka
    seen_scope: str = ""  # ingest's seen-set scope: the memory broker's run, else everything


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                return bool(response.status == 200)
        except OSError:
            return False

    return check


def tcp_ok(port: int) -> Callable[[], bool]:
    return lambda: wait_for_port(port, 0.5)


def redis_ok(port: int) -> Callable[[], bool]:
    def check() -> bool:
        import redis

        try:
            return bool(redis.Redis(port=port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    return check


class InvalidSetting(Exception):
    """A setting ``brisk up`` cannot start with; the message is the one line to show."""


def broker_storage(env: Mapping[str, str]) -> BrokerStorage:
    value = env.get("BRISK_BROKER_STORAGE", "s3").strip().lower() or "s3"
    if value not in ("s3", "memory"):
        raise InvalidSetting(f"BRISK_BROKER_STORAGE must be 's3' or 'memory', not {value!r}")
    return "s3" if value == "s3" else "memory"


def new_seen_scope() -> str:
    """A memory broker's run id: ingest's seen-set lives and dies with that broker run."""
    return "run-" + uuid.uuid4().hex[:12]


def _broker_specs(env: Mapping[str, str], state_dir: Path, plan: Plan) -> list[ServiceSpec]:
    """The embedded broker, and with durable storage the object store it keeps its data in."""
    port = free_port()
    plan.kafka_bootstrap = f"127.0.0.1:{port}"
    plan.broker_storage = broker_storage(env)
    specs: list[ServiceSpec] = []
    bootstrap = plan.kafka_bootstrap
    if plan.broker_storage == "s3":
        store = ObjectStorePorts.free()
        endpoint = store.s3_endpoint
        specs.append(ServiceSpec(
            "objectstore", seaweed_argv(state_dir / "seaweedfs", store), {"PATH": "/usr/bin:/bin"},
            lambda: s3_answers(endpoint), url=endpoint, port=store.s3,
            after_ready=lambda: create_bucket(endpoint), inherit_env=False))
        specs.append(ServiceSpec(
            "broker", tansu_argv(port, s3_storage_url()), tansu_s3_env(endpoint), tcp_ok(port),
            url=f"kafka://{bootstrap}", port=port, after_ready=lambda: create_topics(bootstrap),
            inherit_env=False))
        return specs

    def renew_scope() -> dict[str, dict[str, str]]:
        plan.seen_scope = new_seen_scope()
        return {"ingest": {"BRISK_INGEST_SEEN_SCOPE": plan.seen_scope}}

    plan.seen_scope = new_seen_scope()
    specs.append(ServiceSpec(
        "broker", tansu_argv(port), {"PATH": "/usr/bin:/bin"}, tcp_ok(port),
        url=f"kafka://{bootstrap}", port=port, after_ready=lambda: create_topics(bootstrap),
        on_restart=renew_scope, inherit_env=False))
    return specs


def plan_stack(env: Mapping[str, str], state_dir: Path, ports: Ports, demo: bool) -> Plan:
    """Decide what to run: embedded broker and Valkey unless the environment points elsewhere.

    Raises ``InvalidSetting`` for a setting that cannot work."""
    plan = Plan()
    python = sys.executable
    if env.get("BRISK_KAFKA_BOOTSTRAP"):
        plan.kafka_bootstrap = env["BRISK_KAFKA_BOOTSTRAP"]
        plan.broker_storage = None
    else:
        plan.services.extend(_broker_specs(env, state_dir, plan))
    if env.get("BRISK_POSTGRES_URL"):
        plan.postgres_url = env["BRISK_POSTGRES_URL"]
    else:
        try:
            postgres = postgres_spec(state_dir)
        except PostgresLayoutError as exc:
            raise InvalidSetting(str(exc)) from None
        plan.postgres_url = postgres.url or ""
        plan.services.append(postgres)
    if env.get("BRISK_REDIS_URL"):
        plan.redis_url = env["BRISK_REDIS_URL"]
    else:
        port = free_port()
        plan.redis_url = f"redis://127.0.0.1:{port}/0"
        plan.services.append(ServiceSpec("valkey", valkey_argv(port, state_dir / "valkey"),
                                         {"PATH": "/usr/bin:/bin"}, redis_ok(port),
                                         url=plan.redis_url, port=port, inherit_env=False))
    common = {"BRISK_KAFKA_BOOTSTRAP": plan.kafka_bootstrap, "BRISK_REDIS_URL": plan.redis_url,
              "BRISK_POSTGRES_URL": plan.postgres_url}
    scorer_env = {**common, "BRISK_SCORER_PORT": str(ports.scorer),
                  "BRISK_SCORER_DATA_DIR": str(state_dir / "scorer")}
    ingest_env = {**common, "BRISK_INGEST_PORT": str(ports.ingest)}
    if plan.seen_scope:
        ingest_env["BRISK_INGEST_SEEN_SCOPE"] = plan.seen_scope
    if demo:
        ingest_env["BRISK_INGEST_FEEDS_FILE"] = str(DEMO_FEEDS_FILE)
    elif not env.get("BRISK_INGEST_FEEDS_FILE"):
        ingest_env["BRISK_INGEST_FEEDS_FILE"] = str(LIVE_FEEDS_FILE)
    alerts_env = {**common, "BRISK_ALERTS_PORT": str(ports.alerts)}
    if not env.get("BRISK_ALERTS_EXTERNAL_URL"):
        alerts_env["BRISK_ALERTS_EXTERNAL_URL"] = f"http://127.0.0.1:{ports.api}"
    for name, port, extra in (
        ("scorer", ports.scorer, scorer_env),
        ("api", ports.api, {**common, "BRISK_API_PORT": str(ports.api)}),
        ("alerts", ports.alerts, alerts_env),
        ("ingest", ports.ingest, ingest_env),
    ):
        base = f"http://127.0.0.1:{port}"
        # The demo tenant is in place before the alerts service starts (once per brisk up).
        before = demo_tenant.once(plan.postgres_url) if demo and name == "alerts" else None
        plan.services.append(ServiceSpec(name, [python, "-m", f"services.{name}"], extra,
                                         http_ok(f"{base}/ready"), url=base, port=port,
                                         before_start=before))
    return plan


def create_topics(bootstrap: str) -> None:
    from shared.kafka import ensure_topics

    asyncio.run(ensure_topics(bootstrap))


STATE_FILE = "stack.json"


def write_state(state_dir: Path, plan: Plan, pids: Mapping[str, int]) -> Path:
    """Where the running stack's parts are (and their current pids), for ``brisk replay`` and
    other tools; rewritten whenever the supervisor restarts a part. Written whole, then renamed,
    so a reader never sees half a file. A password in the PostgreSQL URL is left out (libpq then
    asks ``PGPASSWORD`` or ``~/.pgpass``): a secret stays in the environment, not on disk."""
    path = state_dir / STATE_FILE
    urls = {s.name: s.url for s in plan.services}
    body = json.dumps({"kafka_bootstrap": plan.kafka_bootstrap, "redis_url": plan.redis_url,
                       "postgres_url": without_password(plan.postgres_url),
                       "broker_storage": plan.broker_storage, "seen_scope": plan.seen_scope,
                       "urls": urls, "pids": dict(pids)}, indent=2)
    partial = path.with_suffix(".json.partial")
    partial.write_text(body)
    partial.replace(path)
    return path


def read_state(state_dir: Path) -> dict[str, str] | None:
    """The running stack's broker, Redis, PostgreSQL ("" when not recorded) and seen-set scope,
    or None when none is running."""
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return {"kafka_bootstrap": str(data["kafka_bootstrap"]), "redis_url": str(data["redis_url"]),
            "postgres_url": str(data.get("postgres_url") or ""),
            "seen_scope": str(data.get("seen_scope") or "")}


def without_password(url: str) -> str:
    """``url`` with no ``user:PASSWORD@`` and no ``password=`` parameter."""
    parts = urlsplit(url)
    if parts.password is not None:
        parts = parts._replace(netloc=f"{parts.username or ''}@{parts.netloc.rsplit('@', 1)[1]}")
    if "password=" in parts.query:
        kept = [p for p in parts.query.split("&") if not p.startswith("password=")]
        parts = parts._replace(query="&".join(kept))
    return urlunsplit(parts)


def read_object_store(state_dir: Path) -> str | None:
    """The running stack's S3 endpoint, or None (no stack, or the memory engine)."""
    try:
        urls = json.loads((state_dir / STATE_FILE).read_text()).get("urls") or {}
    except (OSError, ValueError):
        return None
    endpoint = urls.get("objectstore")
    return str(endpoint) if endpoint else None
