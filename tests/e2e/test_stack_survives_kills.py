"""``kill -9`` of each part of ``brisk up`` in turn, mid-stream: the supervisor restarts it alone
and nothing is lost.

A partner pushes items to ``POST /v1/ingest`` at a steady pace and, as a partner should, resends
a batch until it is answered 202. Meanwhile every part of the stack is SIGKILLed once — scorer,
api, alerts, ingest, the broker, its object store and Valkey — each once the one before is back;
the stream goes on until the last kill has healed. At the end every accepted item is on the raw
topic, scored, and in the API's read model; duplicates (redeliveries after a kill) are counted
and printed, and the read model holds each event once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shared.ids import event_id
from tests.e2e.running_stack import (
    PARTNER,
    Pusher,
    Stack,
    kill_and_wait,
    running_stack,
    topic_ids,
)
from tests.integration.kafka_reader import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
KILL_ORDER = ("scorer", "api", "alerts", "ingest", "broker", "objectstore", "valkey", "postgres")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running


def test_kill_nine_of_any_part_loses_nothing(stack: Stack) -> None:
    pusher = Pusher(f"http://127.0.0.1:{stack.ports['ingest']}/v1/ingest", stack.token)
    thread = threading.Thread(target=pusher.run, daemon=True)
    thread.start()

    recovery: dict[str, float] = {}
    for name in KILL_ORDER:
        time.sleep(2.5)
        recovery[name] = kill_and_wait(stack, name)
    time.sleep(2.5)
    pusher.stop.set()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the pusher never got its last batch accepted"
    source = f"push-{PARTNER}"
    expected = {event_id(source, item) for item in pusher.accepted}
    count = len(expected)
    assert stack.process.poll() is None, stack.said()[-3000:]

    state = stack.state()
    bootstrap, redis_url = str(state["kafka_bootstrap"]), str(state["redis_url"])
    store = redis.Redis.from_url(redis_url, decode_responses=True)

    def stored() -> set[str]:
        return {str(m) for m in store.zrange("brisk:events:index", 0, -1)} & expected

    assert wait_for(lambda: stored() == expected, timeout=180, interval=2), \
        f"{len(expected - stored())} of {count} accepted events never reached the read model"
    raw = [i for i in topic_ids(bootstrap, "brisk.events.raw", "id") if i in expected]
    scored = [i for i in topic_ids(bootstrap, "brisk.events.scored", "id") if i in expected]
    figures = {
        "accepted": count, "batches_resent": pusher.resent, "refusals": pusher.refusals,
        "raw_distinct": len(set(raw)), "raw_duplicates": len(raw) - len(set(raw)),
        "scored_distinct": len(set(scored)), "scored_duplicates": len(scored) - len(set(scored)),
        "read_model": len(stored()), "recovery_seconds": recovery,
    }
    print("\nkill test figures:", json.dumps(figures))
    assert set(raw) == expected, f"{len(expected - set(raw))} accepted events not on the topic"
    assert set(scored) == expected, f"{len(expected - set(scored))} events never scored"
    assert "crash loop" not in stack.said()
    assert pusher.resent > 0, "no kill interrupted the stream: the test proved nothing"
