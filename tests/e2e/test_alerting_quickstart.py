"""The README's alerting quick start, as a new user runs it: ``brisk up``, ``brisk tenant
create``, ``brisk config apply`` with a receiver on a local HTTP server, ``brisk replay`` of a
real feed — the receiver gets signed, grouped notifications (verified with ``standardwebhooks``);
a matching silence stops them, an ack stops repeats, and ``brisk alerts history`` shows every
step."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from brisk.ports import free_port
from tests.e2e.running_stack import ROOT, Stack, running_stack
from tests.integration.kafka_reader import wait_for

pytestmark = pytest.mark.e2e

FEEDS = [ROOT / "demo" / "feeds" / name for name in ("reuters_worldnews_2018-01-30.rss",
                                                      "guardian_us_2018-01-31.rss")]
CONFIG = """
receivers:
  - name: ops
    url: {url}
route:
  receiver: ops
  group_by: [category, country]
  group_wait: 3s
  group_interval: 3s
  repeat_interval: 6s
rules:
  - {{name: serious, kind: event, min_severity: 50}}
"""


class Receiver:
    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=free_port())
        self.hooks: list[tuple[bytes, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.server.expect_request("/hook", method="POST").respond_with_handler(self.receive)

    def receive(self, request: Request) -> Response:
        with self.lock:
            self.hooks.append((request.get_data(),
                               {k.lower(): v for k, v in request.headers.items()}))
        return Response(status=204)

    def notified(self, secret: str) -> list[dict[str, Any]]:
        with self.lock:
            hooks = list(self.hooks)
        return [Webhook(secret).verify(body, headers) for body, headers in hooks]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver()
    got.server.start()
    yield got
    got.server.clear()
    got.server.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, {"BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "127.0.0.0/8"}) as up:
        yield up


def brisk(stack: Stack, *args: str, env: dict[str, str] | None = None) -> str:
    import os

    done = subprocess.run([sys.executable, "-m", "brisk.cli", *args, "--state-dir",
                           str(stack.state_dir)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def alerts(stack: Stack) -> list[dict[str, Any]]:
    out = brisk(stack, "alerts", "list", "--tenant", "acme", "--json", "--limit", "1000")
    return [json.loads(line) for line in out.splitlines()]


def test_the_alerting_quick_start(stack: Stack, receiver: Receiver, tmp_path: Path) -> None:
    brisk(stack, "tenant", "create", "acme")
    config = tmp_path / "acme.yaml"
    config.write_text(CONFIG.format(url=receiver.server.url_for("/hook")))
    applied = brisk(stack, "config", "apply", "--tenant", "acme", str(config),
                    env={"BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "127.0.0.0/8"})
    assert "+ receiver ops" in applied and "+ rule serious" in applied
    secret = next(line.split()[-1] for line in applied.splitlines() if "whsec_" in line)
    assert "whsec_" not in brisk(stack, "config", "show", "--tenant", "acme").replace("whsec_…", "")

    for feed in FEEDS:
        brisk(stack, "replay", str(feed), "--format", "rss")
    assert wait_for(lambda: len(receiver.notified(secret)) >= 2, timeout=120), stack.said()[-3000:]
    first = receiver.notified(secret)
    assert all(n["tenant"] == "acme" and n["type"] == "alert.group.firing" for n in first)
    assert all(set(n["group"]["labels"]) <= {"category", "country"} for n in first)
    for note in first:  # a group's alerts share its labels
        for alert in note["alerts"]:
            assert alert["category"] == note["group"]["labels"]["category"]

    listed = alerts(stack)
    syria = [a for a in listed if "SYR" in a["countries"]]
    others = [a for a in listed if "SYR" not in a["countries"]]
    assert syria and len(others) >= 2, listed
    brisk(stack, "silence", "add", "--tenant", "acme", "--matcher", 'country="SYR"', "--for", "2h",
          "--comment", "Syria desk on it", "--by", "ana")
    acked = others[0]["id"]
    brisk(stack, "ack", "--tenant", "acme", acked[:12], "--by", "oncall@acme", "--comment", "seen")
    assert wait_for(lambda: {a["status"] for a in alerts(stack) if "SYR" in a["countries"]}
                    == {"silenced"}, timeout=30)
    time.sleep(4)  # a flush already under way when the silence came may still send
    count = len(receiver.notified(secret))
    time.sleep(14)  # two repeat intervals
    later = receiver.notified(secret)[count:]
    sent = {a["id"] for n in later for a in n["alerts"]}
    assert not sent & {a["id"] for a in syria}, "a silenced alert was notified"
    assert acked not in sent, "an acked alert was repeated"
    assert sent, "the un-acked, un-silenced alerts should have repeated"

    history = brisk(stack, "alerts", "history", "--tenant", "acme", acked, "--json")
    changes = [json.loads(line)["change"] for line in history.splitlines()]
    assert changes[:2] == ["fired", "grouped"] and "notified" in changes and "acked" in changes
    silenced = brisk(stack, "alerts", "history", "--tenant", "acme", syria[0]["id"], "--json")
    assert "silenced" in [json.loads(line)["change"] for line in silenced.splitlines()]
