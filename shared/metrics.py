"""The metrics helper: one registry per service, exposed at ``/metrics`` in the Prometheus format.

Naming: ``brisk_<service>_<thing>_total`` for counters, ``_seconds`` for durations. Labels stay
small and bounded (a source name, a stage, a reason class) — never an event id or a URL.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

# ``*_created`` series double every counter's output and no dashboard of ours reads them.
disable_created_metrics()


def new_registry() -> CollectorRegistry:
    """A registry with the process and platform collectors, and nothing global."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The exposition body and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
