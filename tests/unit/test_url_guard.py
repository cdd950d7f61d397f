from __future__ import annotations

import pytest

from services.alerts.url_guard import UnsafeTarget, check_target, is_public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://203.0.113.5/hook",
        "file:///etc/passwd",
        "https://user:pass@8.8.8.8/hook",
        "https:///nohost",
    ],
)
async def test_unsafe_webhook_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await check_target(url, allow_private=False)


async def test_private_targets_pass_only_when_allowed() -> None:
    await check_target("http://127.0.0.1:8080/hook", allow_private=True)


async def test_a_public_address_passes() -> None:
    await check_target("https://8.8.8.8/hook", allow_private=False)


@pytest.mark.parametrize(("address", "public"), [("8.8.8.8", True), ("100.64.0.1", False),
                                                  ("224.0.0.1", False), ("fd00::1", False)])
def test_address_classes(address: str, public: bool) -> None:
    assert is_public(address) is public
