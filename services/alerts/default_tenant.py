"""The built-in ``default`` tenant: today's environment settings as a tenant configuration.

``BRISK_ALERTS_WEBHOOK_URL`` + ``…_SECRET`` become the receiver ``default``, and
``…_SEVERITY_THRESHOLD`` the rule ``severity-threshold`` (every category, every country). Groups
are per category and country and notified at once (``group_wait: 0s``), which is what the first
releases did per alert. The tenant is re-applied at every start, so the environment stays the
source of truth for it; other tenants are managed with ``brisk config apply``.
"""

from __future__ import annotations

from datetime import timedelta

from services.alerts.settings import AlertsSettings
from shared.alerting.config import ReceiverConfig, RouteConfig, RuleConfig, TenantConfig

DEFAULT_TENANT = "default"


def default_config(settings: AlertsSettings) -> TenantConfig:
    rule = RuleConfig(name="severity-threshold", kind="event",
                      min_severity=settings.severity_threshold)
    if not settings.webhook_url or settings.webhook_secret is None:
        return TenantConfig(rules=[rule])
    receiver = ReceiverConfig(name="default", url=settings.webhook_url,
                              secret=settings.webhook_secret)
    route = RouteConfig(receiver="default", group_by=["category", "country"],
                        group_wait=timedelta(0), group_interval=timedelta(minutes=5),
                        repeat_interval=timedelta(hours=4))
    return TenantConfig(receivers=[receiver], route=route, rules=[rule])
