"""What every end-to-end test shares: a state dir the stack may keep PostgreSQL in.

pytest's own tmp dirs are mode 0700; run as root, ``brisk up`` would then (rightly) put its
PostgreSQL data in a dedicated directory under /var/lib/brisk instead, and a test would leave it
behind. A 0755 dir under /tmp, made and removed here, keeps everything in the state dir.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def traversable_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)  # made by this test, so widening it is ours to do
    return path


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = traversable_dir("brisk-e2e-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
