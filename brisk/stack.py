"""What ``brisk up`` runs: the plan (pure) and the supervisor that carries it out.

Order: broker → Valkey → scorer → api → alerts → ingest, each started only once the one before
it answers healthy, and stopped in the reverse order. Ingest starts last so the demo's events
flow into consumers that are already in their groups.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from brisk.embedded import tansu_argv, valkey_argv
from brisk.ports import free_port, port_is_free, wait_for_port
from brisk.processes import Child, spawn

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_FEEDS_FILE = REPO_ROOT / "demo" / "feeds.yaml"
LIVE_FEEDS_FILE = REPO_ROOT / "config" / "feeds.yaml"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready: Callable[[], bool]
    url: str | None = None
    port: int | None = None


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


def plan_stack(env: Mapping[str, str], state_dir: Path, ports: Ports, demo: bool) -> Plan:
    """Decide what to run: embedded broker and Valkey unless the environment points elsewhere."""
    plan = Plan()
    python = sys.executable
    if env.get("BRISK_KAFKA_BOOTSTRAP"):
        plan.kafka_bootstrap = env["BRISK_KAFKA_BOOTSTRAP"]
    else:
        port = free_port()
        plan.kafka_bootstrap = f"127.0.0.1:{port}"
        plan.services.append(ServiceSpec("broker", tansu_argv(port), {}, tcp_ok(port),
                                         url=f"kafka://127.0.0.1:{port}", port=port))
    if env.get("BRISK_REDIS_URL"):
        plan.redis_url = env["BRISK_REDIS_URL"]
    else:
        port = free_port()
        plan.redis_url = f"redis://127.0.0.1:{port}/0"
        plan.services.append(ServiceSpec("valkey", valkey_argv(port, state_dir / "valkey"), {},
                                         redis_ok(port), url=plan.redis_url, port=port))
    common = {"BRISK_KAFKA_BOOTSTRAP": plan.kafka_bootstrap, "BRISK_REDIS_URL": plan.redis_url}
    scorer_env = {**common, "BRISK_SCORER_PORT": str(ports.scorer),
                  "BRISK_SCORER_DATA_DIR": str(state_dir / "scorer")}
    ingest_env = {**common, "BRISK_INGEST_PORT": str(ports.ingest)}
    if demo:
        ingest_env["BRISK_INGEST_FEEDS_FILE"] = str(DEMO_FEEDS_FILE)
    elif not env.get("BRISK_INGEST_FEEDS_FILE"):
        ingest_env["BRISK_INGEST_FEEDS_FILE"] = str(LIVE_FEEDS_FILE)
    for name, port, extra in (
        ("scorer", ports.scorer, scorer_env),
        ("api", ports.api, {**common, "BRISK_API_PORT": str(ports.api)}),
        ("alerts", ports.alerts, {**common, "BRISK_ALERTS_PORT": str(ports.alerts)}),
        ("ingest", ports.ingest, ingest_env),
    ):
        base = f"http://127.0.0.1:{port}"
        plan.services.append(ServiceSpec(name, [python, "-m", f"services.{name}"], extra,
                                         http_ok(f"{base}/health"), url=base, port=port))
    return plan


class StartupFailed(Exception):
    pass


class Supervisor:
    def __init__(self, env: Mapping[str, str], log_dir: Path, say: Callable[[str], None]) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.say = say
        self.children: list[Child] = []

    def start(self, spec: ServiceSpec, timeout: float) -> Child:
        if spec.port is not None and spec.name not in ("broker", "valkey") \
                and not port_is_free(spec.port):
            raise StartupFailed(f"{spec.name}: port {spec.port} is already in use")
        child = spawn(spec.name, spec.argv, {**self.env, **spec.env}, self.log_dir, REPO_ROOT)
        self.children.append(child)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not child.alive():
                raise StartupFailed(f"{spec.name} exited with code {child.popen.returncode}:\n"
                                    f"{child.log_tail()}")
            if spec.ready():
                return child
            time.sleep(0.2)
        raise StartupFailed(f"{spec.name} not healthy after {timeout:.0f}s:\n{child.log_tail()}")

    def first_dead(self) -> Child | None:
        return next((c for c in self.children if not c.alive()), None)

    def stop_all(self, timeout: float = 15) -> None:
        for child in reversed(self.children):
            code = child.stop(timeout)
            how = f"exit {code}" if code is None or code >= 0 else f"by {signal.Signals(-code).name}"
            self.say(f"stopped {child.name} (pid {child.pid}, {how})")
        self.children.clear()


def create_topics(bootstrap: str) -> None:
    from shared.kafka import ensure_topics

    asyncio.run(ensure_topics(bootstrap))



STATE_FILE = "stack.json"


def write_state(state_dir: Path, plan: Plan) -> Path:
    """Where the running stack's broker and Redis are, for ``brisk replay`` and other tools."""
    path = state_dir / STATE_FILE
    urls = {s.name: s.url for s in plan.services}
    path.write_text(json.dumps({"kafka_bootstrap": plan.kafka_bootstrap,
                                "redis_url": plan.redis_url, "urls": urls}, indent=2))
    return path


def read_state(state_dir: Path) -> dict[str, str] | None:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return {"kafka_bootstrap": str(data["kafka_bootstrap"]), "redis_url": str(data["redis_url"])}
