"""Check every setting before ``brisk up`` starts anything.

A malformed secret or a receiver the SSRF policy refuses is one line naming the setting and the
form it expects — printed before the first process starts, not a traceback after four services
have, and not a service that starts and then refuses every delivery.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import BaseSettings


class SettingRefused(Exception):
    """The one line to print."""


def check_settings() -> None:
    """Validate each service's settings as it will read them: from this process's environment,
    which ``brisk up`` passes on to every service."""
    from services.alerts.default_tenant import default_config
    from services.alerts.settings import AlertsSettings
    from services.api.settings import ApiSettings
    from services.ingest.settings import IngestSettings
    from services.scorer.settings import ScorerSettings
    from shared.alerting.config_yaml import ConfigError
    from shared.alerting.targets import check_targets
    from shared.settings import CommonSettings

    services: list[tuple[type[BaseSettings], str]] = [
        (CommonSettings, "BRISK_"), (AlertsSettings, "BRISK_ALERTS_"), (ApiSettings, "BRISK_API_"),
        (IngestSettings, "BRISK_INGEST_"), (ScorerSettings, "BRISK_SCORER_")]
    for settings_class, prefix in services:
        _validate(settings_class, prefix)
    alerts = _validate(AlertsSettings, "BRISK_ALERTS_")
    assert isinstance(alerts, AlertsSettings)
    try:
        check_targets(default_config(alerts), alerts.private_targets())
    except ConfigError as exc:
        raise SettingRefused(f"BRISK_ALERTS_WEBHOOK_URL: {exc}") from None


def _validate(settings_class: type[BaseSettings], prefix: str) -> BaseSettings:
    try:
        return settings_class()
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a model-level check: its message names the settings
            raise SettingRefused(message) from None
        where = prefix + "_".join(str(p) for p in error["loc"]).upper()
        raise SettingRefused(f"{where}: {message}") from None  # never echo a value: it may be a secret
