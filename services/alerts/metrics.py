"""Alerts metrics."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True)
class AlertsMetrics:
    consumed: Counter
    invalid: Counter
    fired: Counter
    duplicates: Counter
    notifications: Counter
    attempts: Counter
    delivery_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AlertsMetrics:
        return cls(
            consumed=Counter("brisk_alerts_events_consumed_total",
                             "Scored events read", registry=registry),
            invalid=Counter("brisk_alerts_invalid_total",
                            "Messages that failed validation and were dead-lettered",
                            registry=registry),
            fired=Counter("brisk_alerts_fired_total", "Alerts fired, by category",
                          ["category"], registry=registry),
            duplicates=Counter("brisk_alerts_duplicates_total",
                               "Alerts already delivered, not sent again", registry=registry),
            notifications=Counter("brisk_alerts_notifications_total",
                                  "Webhook deliveries by final outcome",
                                  ["outcome"], registry=registry),
            attempts=Counter("brisk_alerts_notification_attempts_total",
                             "Webhook HTTP attempts, retries included", registry=registry),
            delivery_seconds=Histogram("brisk_alerts_delivery_seconds",
                                       "Time from first attempt to final outcome",
                                       registry=registry),
        )
