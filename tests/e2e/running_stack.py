"""``brisk up`` as a subprocess with a push partner configured, and a partner pushing to it.

Shared by the end-to-end tests that kill parts of the stack: the stack says what it does on
stdout (kept in a file) and where its parts are in ``stack.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from brisk.ports import free_port
from shared.tokens import hash_token, new_token
from tests.e2e.conftest import traversable_dir
from tests.integration.kafka_reader import read_all, wait_for

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20
PAUSE = 0.2  # ~100 items/s
PARTNER = "kill-test"


PLACES = ("Gwadar", "Hambantota", "Piraeus", "Mombasa", "Khorgos", "Chittagong", "Djibouti",
          "Kyaukphyu", "Colombo", "Karachi")
EVENTS = ("dock workers strike", "customs inspections slow cargo", "protest blocks road",
          "new import licence rule announced", "storm closes terminal")


def push_item(n: int) -> dict[str, object]:
    """A synthetic partner item: distinct id and title, timestamps a second apart."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return {"id": f"item-{n}", "kind": "news",
            "title": f"{PLACES[n % len(PLACES)]}: {EVENTS[n % len(EVENTS)]} (report {n})",
            "published_at": (start + timedelta(seconds=n)).isoformat()}


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    state_dir: Path
    output: Path
    ports: dict[str, int]
    token: str

    def state(self) -> dict[str, object]:
        try:
            return dict(json.loads((self.state_dir / "stack.json").read_text()))
        except (OSError, ValueError):
            return {}

    def pid(self, name: str) -> int:
        pids = self.state().get("pids") or {}
        assert isinstance(pids, dict)
        return int(pids[name])

    def said(self) -> str:
        return self.output.read_text(errors="replace")


@contextmanager
def running_stack(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """``brisk up`` (no demo, no feeds, one push partner) until Ctrl-C at the end."""
    ports = {name: free_port() for name in ("api", "ingest", "scorer", "alerts")}
    token = new_token()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("BRISK_KAFKA_BOOTSTRAP", "BRISK_REDIS_URL", "BRISK_BROKER_STORAGE",
                        "BRISK_POSTGRES_URL")}
    env.update({"BRISK_INGEST_FEEDS_FILE": str(feeds),
                "BRISK_INGEST_PUSH_TOKEN_HASHES": json.dumps({PARTNER: hash_token(token)}),
                **(extra_env or {})})
    state_dir = traversable_dir("brisk-e2e-")  # see tests/e2e/conftest.py
    argv = [sys.executable, "-m", "brisk.cli", "up", "--state-dir", str(state_dir)]
    argv += [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    output = tmp_path / "brisk-up.out"
    with output.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Stack(process, state_dir, output, ports, token)
    try:
        assert wait_for(lambda: "Press Ctrl-C to stop." in running.said(), 180), running.said()
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=90)
        shutil.rmtree(state_dir, ignore_errors=True)


@dataclass
class Pusher:
    """Pushes batches until told to stop, each resent until it is answered 202."""

    url: str
    token: str
    accepted: list[str] = field(default_factory=list)
    resent: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    first: int = 0

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                items = [push_item(self.first + len(self.accepted) + n) for n in range(BATCH)]
                body = {"items": items}
                while True:
                    try:
                        answer = client.post(self.url, json=body, headers=headers)
                        if answer.status_code == 202:
                            break
                        self.refusals[str(answer.status_code)] = \
                            self.refusals.get(str(answer.status_code), 0) + 1
                    except httpx.HTTPError as exc:
                        name = type(exc).__name__
                        self.refusals[name] = self.refusals.get(name, 0) + 1
                    self.resent += 1
                    time.sleep(0.3)
                self.accepted += [str(item["id"]) for item in items]
                time.sleep(PAUSE)


def topic_ids(bootstrap: str, topic: str, key: str) -> list[str]:
    records = asyncio.run(read_all(bootstrap, topic))
    return [str(json.loads(r.value)[key]) for r in records if r.value]


def kill_and_wait(stack: Stack, name: str) -> float:
    """SIGKILL ``name``; the seconds until the supervisor says it is back (ready again)."""
    marker = f"{name} is back"
    before = stack.said().count(marker)
    killed_at = time.monotonic()
    os.kill(stack.pid(name), signal.SIGKILL)
    assert wait_for(lambda: stack.said().count(marker) > before, timeout=90, interval=0.2), \
        stack.said()[-3000:]
    return round(time.monotonic() - killed_at, 1)
