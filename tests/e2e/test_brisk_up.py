"""``brisk up --demo`` as a new user runs it: up, healthy, demo events listed, metrics on every
service, and nothing left running after Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from brisk.ports import free_port
from tests.integration.kafka_reader import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# News (Reuters 10, Guardian 55, UOL 15, TPM 20), GDELT 50, Federal Register 5, OpenSanctions
# 6 + 2, corridor statuses 3: everything demo/feeds.yaml replays.
DEMO_EVENTS = 100 + 50 + 5 + 6 + 2 + 3


@dataclass
class Running:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    output: list[str]

    def read_until(self, marker: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        os.set_blocking(self.process.stdout.fileno(), False)
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line:
                self.output.append(line)
                if marker in line:
                    return True
            elif self.process.poll() is not None:
                return False
            else:
                time.sleep(0.1)
        return False

    def child_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"ready \(pid (\d+)\)", "".join(self.output))]


@contextmanager
def started(state_dir: Path) -> Iterator[Running]:
    """``brisk up --demo`` on free ports until Ctrl-C at the end."""
    ports = {name: free_port() for name in ("api", "ingest", "scorer", "alerts")}
    env = {k: v for k, v in os.environ.items()
           if k not in ("BRISK_KAFKA_BOOTSTRAP", "BRISK_REDIS_URL", "BRISK_POSTGRES_URL")}
    argv = [sys.executable, "-m", "brisk.cli", "up", "--demo", "--state-dir", str(state_dir)]
    argv += [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    running = Running(process, ports, [])
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


@pytest.fixture
def brisk_up(state_dir: Path) -> Iterator[Running]:
    with started(state_dir) as running:
        yield running


def test_brisk_up_demo_serves_events_and_stops_cleanly(brisk_up: Running) -> None:
    started = time.monotonic()
    assert brisk_up.read_until("Press Ctrl-C to stop.", timeout=60), "".join(brisk_up.output)
    api = f"http://127.0.0.1:{brisk_up.ports['api']}"
    assert httpx.get(f"{api}/health").status_code == 200
    assert httpx.get(f"{api}/ready").status_code == 200

    def demo_listed() -> bool:
        items = httpx.get(f"{api}/v1/events", params={"limit": 1000}).json()["items"]
        return len(items) >= DEMO_EVENTS

    # The README promises events within 60 s; the margin is for a loaded CI machine.
    assert wait_for(demo_listed, timeout=90 - (time.monotonic() - started))
    items = httpx.get(f"{api}/v1/events", params={"limit": 5}).json()["items"]
    assert len(items) == 5 and all(i["source"].startswith("demo-") for i in items)

    for name, port in brisk_up.ports.items():
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert metrics.status_code == 200, name
        assert f"brisk_{name}_" in metrics.text, name

    pids = brisk_up.child_pids()
    assert len(pids) == 8  # object store, broker, postgres, valkey, scorer, api, alerts, ingest
    brisk_up.process.send_signal(signal.SIGINT)
    assert brisk_up.process.wait(timeout=60) == 0
    assert brisk_up.read_until("stopped objectstore", timeout=5), "".join(brisk_up.output)
    for pid in pids:
        assert not _running(pid), f"pid {pid} outlived brisk up"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # brisk up waited for (reaped) each child, so a live pid is a real leftover


def demo_alerts(state_dir: Path) -> list[dict[str, object]]:
    """``brisk alerts list --tenant demo --json``, as a user would run it."""
    listed = subprocess.run([sys.executable, "-m", "brisk.cli", "alerts", "list", "--tenant", "demo",
                             "--json", "--limit", "1000", "--state-dir", str(state_dir)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_the_demo_tenant_alerts_and_a_second_run_keeps_it_alive(state_dir: Path) -> None:
    for run in ("first", "second"):  # the second keeps the first's state, as `make run` twice
        with started(state_dir) as brisk_up:
            assert brisk_up.read_until("Press Ctrl-C to stop.", timeout=90), "".join(brisk_up.output)

            def grouped_and_inhibited() -> bool:
                statuses = {a["status"] for a in demo_alerts(state_dir)}
                return {"firing", "inhibited"} <= statuses

            assert wait_for(grouped_and_inhibited, timeout=120), (run, demo_alerts(state_dir))
            kinds = {a["kind"] for a in demo_alerts(state_dir)}
            assert {"event", "country_index", "watchlist", "exposure"} <= kinds, (run, kinds)
            brisk_up.process.send_signal(signal.SIGINT)
            assert brisk_up.process.wait(timeout=60) == 0
