"""``brisk up`` checks every setting before it starts anything: one line naming the setting."""

from __future__ import annotations

import json

import pytest

from brisk.preflight import SettingRefused, check_settings
from shared.alerting.webhook_secret import new_secret
from shared.tokens import hash_token, new_token


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("BRISK_"):
            monkeypatch.delenv(name)


def test_the_defaults_and_json_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRISK_INGEST_PUSH_TOKEN_HASHES", json.dumps({"p": hash_token(new_token())}))
    check_settings()


@pytest.mark.parametrize(("env", "says"), [
    ({"BRISK_ALERTS_WEBHOOK_URL": "https://hooks.example.org/x",
      "BRISK_ALERTS_WEBHOOK_SECRET": "whsec_not-base64!"},
     "BRISK_ALERTS_WEBHOOK_SECRET must be whsec_"),
    ({"BRISK_ALERTS_WEBHOOK_URL": "https://hooks.example.org/x"},
     "BRISK_ALERTS_WEBHOOK_SECRET is required"),
    ({"BRISK_ALERTS_WEBHOOK_URL": "http://127.0.0.1:9/hook", "BRISK_ALERTS_WEBHOOK_SECRET": "S"},
     "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS"),
    ({"BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "sometimes"}, "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS"),
    ({"BRISK_ALERTS_SEVERITY_THRESHOLD": "200"}, "BRISK_ALERTS_SEVERITY_THRESHOLD"),
    ({"BRISK_LOG_LEVEL": "LOUD"}, "BRISK_LOG_LEVEL"),
])
def test_a_bad_setting_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                             says: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, new_secret() if value == "S" else value)
    with pytest.raises(SettingRefused) as refused:
        check_settings()
    message = str(refused.value)
    assert says in message and "\n" not in message, message
    assert "not-base64" not in message  # never the value: it may be a secret


def test_a_loopback_webhook_is_accepted_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRISK_ALERTS_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("BRISK_ALERTS_WEBHOOK_SECRET", new_secret())
    monkeypatch.setenv("BRISK_ALERTS_ALLOW_PRIVATE_TARGETS", "127.0.0.0/8")
    check_settings()
