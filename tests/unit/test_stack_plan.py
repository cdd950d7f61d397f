from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from brisk import stack
from brisk.embedded_postgres_layout import PostgresLayoutError
from brisk.stack import InvalidSetting, Ports, plan_stack, read_state, write_state
from services.ingest.feeds_config import enabled_feeds
from services.ingest.settings import IngestSettings


def test_embedded_plan_starts_the_durable_broker_postgres_and_valkey_first(tmp_path: Path) -> None:
    plan = plan_stack({}, tmp_path, Ports(), demo=False)
    assert [s.name for s in plan.services] == ["objectstore", "broker", "postgres", "valkey",
                                               "scorer", "api", "alerts", "ingest"]
    assert plan.broker_storage == "s3" and plan.seen_scope == ""
    assert plan.kafka_bootstrap.startswith("127.0.0.1:")
    api = next(s for s in plan.services if s.name == "api")
    assert api.env["BRISK_KAFKA_BOOTSTRAP"] == plan.kafka_bootstrap
    assert api.env["BRISK_REDIS_URL"] == plan.redis_url


def test_the_broker_gets_explicit_s3_settings_and_nothing_else(tmp_path: Path) -> None:
    plan = plan_stack({"AWS_PROFILE": "prod", "AWS_ENDPOINT": "https://s3.example"}, tmp_path,
                      Ports(), demo=False)
    broker = next(s for s in plan.services if s.name == "broker")
    store = next(s for s in plan.services if s.name == "objectstore")
    assert not broker.inherit_env and not store.inherit_env
    assert "s3://tansu/" in broker.argv
    assert broker.env["AWS_ENDPOINT"] == store.url and store.url.startswith("http://127.0.0.1:")
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
            "AWS_ALLOW_HTTP"} <= set(broker.env)
    assert "AWS_PROFILE" not in broker.env
    assert str(tmp_path / "seaweedfs") in " ".join(store.argv)


def test_memory_storage_scopes_the_seen_set_to_the_broker_run(tmp_path: Path) -> None:
    plan = plan_stack({"BRISK_BROKER_STORAGE": "memory"}, tmp_path, Ports(), demo=False)
    assert [s.name for s in plan.services][:3] == ["broker", "postgres", "valkey"]
    ingest = next(s for s in plan.services if s.name == "ingest")
    broker = next(s for s in plan.services if s.name == "broker")
    first = ingest.env["BRISK_INGEST_SEEN_SCOPE"]
    assert first and first == plan.seen_scope
    assert broker.on_restart is not None
    renewed = broker.on_restart()["ingest"]["BRISK_INGEST_SEEN_SCOPE"]
    assert renewed != first and plan.seen_scope == renewed


def test_an_unknown_storage_engine_stops_start_up_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidSetting, match="BRISK_BROKER_STORAGE must be 's3' or 'memory'"):
        plan_stack({"BRISK_BROKER_STORAGE": "disk"}, tmp_path, Ports(), demo=False)


def test_the_embedded_postgres_listens_on_a_socket_only_and_stops_fast(tmp_path: Path) -> None:
    plan = plan_stack({"BRISK_POSTGRES_URL": ""}, tmp_path, Ports(), demo=False)
    postgres = next(s for s in plan.services if s.name == "postgres")
    assert postgres.url == plan.postgres_url
    assert plan.postgres_url.startswith("postgresql://postgres@/brisk?host=/")
    assert plan.postgres_url.endswith("&port=5432")
    assert "listen_addresses=" in postgres.argv and postgres.port is None
    assert postgres.stop_signal == signal.SIGINT  # SIGTERM would wait for every client
    assert not postgres.inherit_env and set(postgres.env) == {"PATH", "LC_ALL"}
    assert postgres.before_start is not None and postgres.after_ready is not None
    for name in ("scorer", "api", "alerts", "ingest"):
        service = next(s for s in plan.services if s.name == name)
        assert service.env["BRISK_POSTGRES_URL"] == plan.postgres_url


def test_an_external_postgres_replaces_the_embedded_one(tmp_path: Path) -> None:
    url = "postgresql://brisk:secret@db.internal:5432/brisk"
    plan = plan_stack({"BRISK_POSTGRES_URL": url}, tmp_path, Ports(), demo=False)
    assert "postgres" not in [s.name for s in plan.services]
    api = next(s for s in plan.services if s.name == "api")
    assert plan.postgres_url == url and api.env["BRISK_POSTGRES_URL"] == url


def test_no_workable_place_for_postgres_stops_start_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_: Path) -> None:
        raise PostgresLayoutError("no place for PostgreSQL's data that brisk-postgres can reach")

    monkeypatch.setattr(stack, "postgres_spec", refuse)
    with pytest.raises(InvalidSetting, match="^no place for PostgreSQL's data"):
        plan_stack({}, tmp_path, Ports(), demo=False)


def test_the_state_file_records_the_postgres_url_without_its_password(tmp_path: Path) -> None:
    url = "postgresql://brisk:secret@db.internal:5432/brisk?password=also&sslmode=require"
    plan = plan_stack({"BRISK_POSTGRES_URL": url}, tmp_path, Ports(), demo=False)
    write_state(tmp_path, plan, {})
    assert "secret" not in (tmp_path / "stack.json").read_text()
    state = read_state(tmp_path)
    assert state is not None
    assert state["postgres_url"] == "postgresql://brisk@db.internal:5432/brisk?sslmode=require"
    embedded = plan_stack({}, tmp_path, Ports(), demo=False)
    write_state(tmp_path, embedded, {})
    assert (read_state(tmp_path) or {})["postgres_url"] == embedded.postgres_url


def test_a_state_file_from_before_postgres_reads_as_no_postgres(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(json.dumps({"kafka_bootstrap": "127.0.0.1:1",
                                                     "redis_url": "redis://127.0.0.1:2/0"}))
    assert (read_state(tmp_path) or {})["postgres_url"] == ""


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
