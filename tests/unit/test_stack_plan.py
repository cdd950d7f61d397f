from __future__ import annotations

from pathlib import Path

from brisk.stack import Ports, plan_stack
from services.ingest.feeds_config import enabled_feeds
from services.ingest.settings import IngestSettings


def test_embedded_plan_starts_broker_and_valkey_first(tmp_path: Path) -> None:
    plan = plan_stack({}, tmp_path, Ports(), demo=False)
    assert [s.name for s in plan.services] == ["broker", "valkey", "scorer", "api", "alerts",
                                               "ingest"]
    assert plan.kafka_bootstrap.startswith("127.0.0.1:")
    api = next(s for s in plan.services if s.name == "api")
    assert api.env["BRISK_KAFKA_BOOTSTRAP"] == plan.kafka_bootstrap
    assert api.env["BRISK_REDIS_URL"] == plan.redis_url


def test_external_servers_mean_only_the_services_start(tmp_path: Path) -> None:
    env = {"BRISK_KAFKA_BOOTSTRAP": "kafka:9092", "BRISK_REDIS_URL": "redis://redis:6379/0"}
    plan = plan_stack(env, tmp_path, Ports(), demo=False)
    assert [s.name for s in plan.services] == ["scorer", "api", "alerts", "ingest"]
    assert all(s.env["BRISK_KAFKA_BOOTSTRAP"] == "kafka:9092" for s in plan.services)


def test_demo_replays_the_bundled_feeds(tmp_path: Path) -> None:
    plan = plan_stack({}, tmp_path, Ports(), demo=True)
    ingest = next(s for s in plan.services if s.name == "ingest")
    settings = IngestSettings(feeds_file=Path(ingest.env["BRISK_INGEST_FEEDS_FILE"]))
    feeds = enabled_feeds(settings)
    assert all(f.name.startswith("demo-") and Path(f.location).is_file() for f in feeds)
    assert {f.format for f in feeds} >= {"rss", "atom", "gdelt", "federal-register", "ftm",
                                         "ftm-delta", "jsonl"}


def test_without_demo_the_live_feeds_run(tmp_path: Path) -> None:
    plan = plan_stack({}, tmp_path, Ports(), demo=False)
    ingest = next(s for s in plan.services if s.name == "ingest")
    feeds = enabled_feeds(IngestSettings(feeds_file=Path(ingest.env["BRISK_INGEST_FEEDS_FILE"])))
    assert feeds and all(f.is_url for f in feeds)
    assert {"gdelt", "sdn", "federal-register", "rss"} <= {f.format for f in feeds}
