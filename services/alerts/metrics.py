"""Alerts metrics: ``brisk_alerts_*``. Labels are topics, rule kinds and outcomes — never a
tenant-supplied name, URL or alert id."""

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
    delivery_seconds: Histogram
    flushes: Counter
    tenants: Gauge

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
                                  "Group notifications by outcome (recorded: a receiver without "
                                  "a URL)", ["outcome"], registry=registry),
            attempts=Counter("brisk_alerts_notification_attempts_total",
                             "Webhook HTTP attempts, retries included", registry=registry),
            delivery_seconds=Histogram("brisk_alerts_delivery_seconds",
                                       "Time from first attempt to final outcome",
                                       registry=registry),
            flushes=Counter("brisk_alerts_group_flushes_total", "Aggregation group flushes",
                            registry=registry),
            tenants=Gauge("brisk_alerts_tenants", "Tenants loaded", registry=registry),
        )
