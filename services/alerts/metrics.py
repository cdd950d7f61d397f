"""Alerts metrics: ``brisk_alerts_*``. Labels are topics, rule kinds, outcomes, formats and — for
the per-endpoint gauges — the tenant and receiver names (bounded by the configuration); never a
URL or an alert id."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class AlertsMetrics:
    consumed: Counter
    invalid: Counter
    fired: Counter
    duplicates: Counter
    resolved: Counter
    notifications: Counter
    attempts: Counter
    attempt_seconds: Histogram
    delivery_lag_seconds: Histogram
    flushes: Counter
    tenants: Gauge
    outbox_depth: Gauge
    outbox_oldest_seconds: Gauge
    circuit_state: Gauge
    endpoints_disabled: Gauge
    dead_letters: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AlertsMetrics:
        return cls(
            consumed=Counter("brisk_alerts_records_consumed_total",
                             "Scored events and country-risk records read, by topic", ["topic"],
                             registry=registry),
            invalid=Counter("brisk_alerts_invalid_total",
                            "Records that failed validation and were dead-lettered",
                            registry=registry),
            fired=Counter("brisk_alerts_fired_total", "Alerts fired or fired again, by rule kind",
                          ["kind"], registry=registry),
            duplicates=Counter("brisk_alerts_duplicates_total",
                               "Matches that changed nothing: the alert already held that event",
                               registry=registry),
            resolved=Counter("brisk_alerts_resolved_total", "Alerts resolved", registry=registry),
            notifications=Counter("brisk_alerts_notifications_total",
                                  "Notifications by outcome (queued in the outbox, delivered, "
                                  "dead, recorded: a receiver without a URL) and format",
                                  ["outcome", "format"], registry=registry),
            attempts=Counter("brisk_alerts_delivery_attempts_total",
                             "Webhook HTTP attempts by outcome (delivered, retry, dead, disabled)",
                             ["outcome"], registry=registry),
            attempt_seconds=Histogram("brisk_alerts_delivery_attempt_seconds",
                                      "Latency of one webhook HTTP attempt", registry=registry,
                                      buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)),
            delivery_lag_seconds=Histogram(
                "brisk_alerts_delivery_seconds",
                "Time from a notification's queueing to its delivery (retries included)",
                registry=registry,
                buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000)),
            flushes=Counter("brisk_alerts_group_flushes_total", "Aggregation group flushes",
                            registry=registry),
            tenants=Gauge("brisk_alerts_tenants", "Tenants loaded", registry=registry),
            outbox_depth=Gauge("brisk_alerts_outbox_pending", "Notifications waiting in the outbox",
                               ["tenant", "receiver"], registry=registry),
            outbox_oldest_seconds=Gauge("brisk_alerts_outbox_oldest_pending_seconds",
                                        "Age of the oldest notification waiting in the outbox",
                                        ["tenant", "receiver"], registry=registry),
            circuit_state=Gauge("brisk_alerts_endpoint_circuit_state",
                                "Circuit breaker per endpoint: 0 closed, 1 half-open, 2 open",
                                ["tenant", "receiver"], registry=registry),
            endpoints_disabled=Gauge("brisk_alerts_endpoints_disabled",
                                     "Endpoints disabled (410 Gone, or failing for days)",
                                     registry=registry),
            dead_letters=Gauge("brisk_alerts_dead_letter_notifications",
                               "Dead-lettered notifications (replayable)", registry=registry),
        )
