"""``BRISK_BROKER_STORAGE=memory``: a broker restart empties every topic, so it must not leave
events "seen" but gone — the seen-set is scoped to the broker's run, ingest is restarted with the
new scope, and what is sent again is published and scored again on the new broker."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.ids import event_id
from tests.e2e.running_stack import PARTNER, Stack, push_item, running_stack, topic_ids
from tests.integration.kafka_reader import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
ITEMS = 100


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, {"BRISK_BROKER_STORAGE": "memory"}) as running:
        yield running


def push_all(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.ports['ingest']}/v1/ingest"
    headers = {"Authorization": f"Bearer {stack.token}"}
    for start in range(0, ITEMS, 20):
        body: dict[str, object] = {"items": [push_item(n) for n in range(start, start + 20)]}

        def accepted(payload: dict[str, object] = body) -> bool:
            try:
                return httpx.post(url, json=payload, headers=headers, timeout=10).status_code == 202
            except httpx.HTTPError:
                return False

        assert wait_for(accepted, timeout=60, interval=0.5), stack.said()[-2000:]


def test_a_memory_broker_restart_forgets_what_ingest_had_seen(stack: Stack) -> None:
    expected = {event_id(f"push-{PARTNER}", f"item-{n}") for n in range(ITEMS)}
    bootstrap = str(stack.state()["kafka_bootstrap"])
    first_scope = str(stack.state()["seen_scope"])
    assert first_scope
    push_all(stack)
    assert wait_for(lambda: set(topic_ids(bootstrap, "brisk.events.scored", "id")) >= expected,
                    timeout=120, interval=2)

    os.kill(stack.pid("broker"), signal.SIGKILL)
    assert wait_for(lambda: "broker came back empty" in stack.said()
                    and stack.said().count("ingest is back") >= 1, timeout=120, interval=0.5), \
        stack.said()[-3000:]
    assert str(stack.state()["seen_scope"]) not in ("", first_scope)
    assert topic_ids(bootstrap, "brisk.events.raw", "id") == []  # the memory engine kept nothing

    push_all(stack)  # the partner sends the same items again: they are new to this broker
    assert wait_for(lambda: set(topic_ids(bootstrap, "brisk.events.raw", "id")) >= expected,
                    timeout=60, interval=2), "items seen before the restart were not republished"
    assert wait_for(lambda: set(topic_ids(bootstrap, "brisk.events.scored", "id")) >= expected,
                    timeout=180, interval=2), stack.said()[-3000:]
