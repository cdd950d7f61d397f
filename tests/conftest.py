from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEMO_FEEDS = ROOT / "demo" / "feeds"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def demo_feeds() -> Path:
    return DEMO_FEEDS
