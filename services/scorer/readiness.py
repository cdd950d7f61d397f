"""``/health`` and ``/ready`` of a scorer worker.

``/health`` is liveness: 200 for as long as the worker's web server answers (the worker runs).
``/ready`` is what a supervisor waits on before starting the next service, and what a load
balancer or operator reads: 200 only while the worker has partitions assigned, is not
rebalancing, and a broker answers a metadata request now (``shared.kafka.broker_reachable``).
"""

from __future__ import annotations

from typing import Any

from shared.kafka import broker_reachable


def readiness(assigned: bool, rebalancing: bool, broker: bool) -> tuple[int, dict[str, Any]]:
    """(status, body) of ``/ready``; the body names each check, so a 503 says what is missing."""
    ready = assigned and not rebalancing and broker
    return (200 if ready else 503), {
        "status": "ok" if ready else "starting", "service": "scorer",
        "checks": {"kafka_assignment": assigned, "rebalancing": rebalancing, "kafka": broker}}


def assigned(app: Any) -> bool:
    """True if the worker's consumer has partitions (False before it has started)."""
    consumer = app.consumer if app.consumer else None
    try:
        return bool(consumer.assignment()) if consumer is not None else False
    except Exception:  # noqa: BLE001 - a consumer not started yet has no assignment
        return False


async def broker_answers(app: Any) -> bool:
    """True if the broker answers the worker's producer client now."""
    producer = getattr(app.producer, "_producer", None)
    client = getattr(producer, "client", None)
    return client is not None and await broker_reachable(client)
