"""API metrics: requests by route template (bounded) and the event projector."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True)
class ApiMetrics:
    requests: Counter
    request_seconds: Histogram
    projected: Counter
    invalid: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ApiMetrics:
        return cls(
            requests=Counter("brisk_api_requests_total", "HTTP requests",
                             ["route", "method", "status"], registry=registry),
            request_seconds=Histogram("brisk_api_request_seconds", "HTTP request latency",
                                      ["route"], registry=registry),
            projected=Counter("brisk_api_events_projected_total",
                              "Scored events written to the read model", registry=registry),
            invalid=Counter("brisk_api_invalid_total",
                            "Scored-event messages that failed validation and were dead-lettered",
                            registry=registry),
        )
