"""The feeds to run: from ``BRISK_INGEST_FEEDS_FILE`` (YAML) and ``BRISK_INGEST_FEEDS`` (JSON).

Relative file locations in the YAML are relative to the YAML file, so a config directory can
be moved whole. Invalid config fails at start-up with the feed and field named.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from services.ingest.settings import FeedConfig, FeedsFile, IngestSettings


class FeedConfigError(ValueError):
    pass


def load_feeds_file(path: Path) -> list[FeedConfig]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = FeedsFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise FeedConfigError(f"cannot read {path}: {exc}") from exc
    except ValidationError as exc:
        raise FeedConfigError(f"{path}: {exc}") from exc
    return [_anchored(feed, path.parent) for feed in parsed.feeds]


def _anchored(feed: FeedConfig, base: Path) -> FeedConfig:
    if feed.is_url or feed.is_tcp or Path(feed.location).is_absolute():
        return feed
    return feed.model_copy(update={"location": str((base / feed.location).resolve())})


def enabled_feeds(settings: IngestSettings) -> list[FeedConfig]:
    feeds = list(load_feeds_file(settings.feeds_file)) if settings.feeds_file else []
    feeds += settings.feeds
    names = [f.name for f in feeds]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FeedConfigError(f"feed names must be unique: {', '.join(duplicates)}")
    return [f for f in feeds if f.enabled]
