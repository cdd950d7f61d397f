"""Every connector through the real ingest service: real files served over local HTTP (and read
from disk), the real broker and Valkey. Counts on the topic are asserted, then a restart and a
second ``brisk replay`` must publish nothing new."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from pytest_httpserver import HTTPServer

from brisk.ports import free_port
from brisk.processes import Child
from shared.schemas import RawEvent
from shared.topics import RAW_EVENTS
from tests.integration.conftest import start_service
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
DEMO = ROOT / "demo" / "feeds"

# (feed, format, real file, announce_initial, events expected on the topic). Each feed runs twice:
# read from disk ("<feed>-file") and fetched over HTTP from a local server ("<feed>-http").
CONNECTORS = [
    ("reuters", "rss", DEMO / "reuters_worldnews_2018-01-30.rss", False, 10),
    ("guardian", "rss", DEMO / "guardian_us_2018-01-31.rss", False, 55),
    ("heise", "atom", FIX / "heise_de.atom", False, 15),
    ("gdelt", "gdelt", FIX / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv", False, 50),
    ("gkg", "gdelt-gkg", FIX / "gdelt" / "gdeltpyr_v2_gkg_20170701234500_first50.tsv", False, 50),
    ("sdn", "sdn", FIX / "policy" / "ofac_sdn_2024-04-26.csv", False, 0),  # a silent baseline
    ("cons", "ofac-cons", FIX / "policy" / "ofac_nonsdn_cons_prim_2018-04-06.csv", True, 639),
    ("un", "un", FIX / "policy" / "un_sc_consolidated_2018-10-29.xml", True, 1093),
    ("ftm", "ftm", FIX / "policy" / "opensanctions_yente_t1_entities.ftm.json", True, 6),
    ("delta", "ftm-delta", FIX / "policy" / "opensanctions_yente_t2_20240527194702.delta.json",
     False, 2),
    ("fedreg", "federal-register",
     FIX / "policy" / "federal_register_api_documents_search_bears-ears.json", False, 5),
    ("regsgov", "regulations-gov",
     FIX / "policy" / "regulations_gov_api_v4_documents_bears-ears.json", False, 25),
    # The bundled AIS captures are minutes long: too short for any logistics signal (the
    # tracker needs hours of history), so they decode without publishing or refusing anything.
    ("ais", "nmea", FIX / "ais" / "gpsd_ais-nmea-type6-fid55.log", False, 0),
    ("corridors", "jsonl", ROOT / "demo" / "push" / "corridor_status.jsonl", False, 3),
]
FEEDS = [(f"{name}-{how}", fmt, path, how == "http", announce, count)
         for name, fmt, path, announce, count in CONNECTORS for how in ("file", "http")]


def gdelt_lastupdate(server: HTTPServer, tsv: bytes) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20170701234500.export.CSV", tsv)
    data = buffer.getvalue()
    server.expect_request("/gdelt/20170701234500.export.CSV.zip").respond_with_data(data)
    lines = [f"{len(data)} {hashlib.md5(data).hexdigest()} "  # noqa: S324 - GDELT's checksum
             f"{server.url_for('/gdelt/20170701234500.export.CSV.zip')}",
             f"1 {'0' * 32} {server.url_for('/gdelt/x.mentions.CSV.zip')}"]
    server.expect_request("/gdelt/lastupdate.txt").respond_with_data("\n".join(lines) + "\n")
    return server.url_for("/gdelt/lastupdate.txt")


@pytest.fixture(scope="module")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def feeds_file(run_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    server = HTTPServer(host="127.0.0.1", port=free_port())
    server.start()
    feeds = []
    for suffix, fmt, path, over_http, announce, _ in FEEDS:
        if fmt == "gdelt" and over_http:
            location = gdelt_lastupdate(server, path.read_bytes())
        elif over_http:
            server.expect_request(f"/{path.name}").respond_with_data(path.read_bytes())
            location = server.url_for(f"/{path.name}")
        else:
            location = str(path)
        feeds.append({"name": f"{suffix}-{run_id}", "format": fmt, "location": location,
                      "interval_seconds": 3600, "announce_initial": announce})
    target = tmp_path_factory.mktemp("config") / "feeds.yaml"
    target.write_text(yaml.safe_dump({"feeds": feeds}))
    yield target
    server.clear()
    server.stop()


def ingest_env(kafka_bootstrap: str, valkey_port: int, feeds_file: Path, port: int) -> dict[str, str]:
    return {"BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/3",
            "BRISK_INGEST_FEEDS_FILE": str(feeds_file), "BRISK_INGEST_PORT": str(port)}


def metric(port: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return sum(float(v) for v in re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M))


def events_by_source(bootstrap: str, run_id: str, expected: int) -> Counter[str]:
    def ours(values: list[bytes]) -> list[RawEvent]:
        events = [RawEvent.from_bytes(v) for v in values]
        return [e for e in events if e.source.endswith(run_id)]

    values = asyncio.run(read_until(bootstrap, RAW_EVENTS.name,
                                    lambda vs: len(ours(vs)) >= expected, timeout=120))
    return Counter(e.source.removesuffix(f"-{run_id}") for e in ours(values))


def run_ingest_until_done(env: dict[str, str], logs: Path, port: int, feeds: int) -> Child:
    child = start_service("ingest", env, logs)
    finished = wait_for(lambda: _healthy(port) and metric(port, "brisk_ingest_last_success_"
                                                          "timestamp_seconds") > 0
                        and _sources_done(port) >= feeds, timeout=180)
    assert finished, child.log_tail(30)
    return child


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    except httpx.HTTPError:
        return False


def _sources_done(port: int) -> int:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return len(re.findall(r"^brisk_ingest_last_success_timestamp_seconds\{", text, re.M))


def test_every_connector_publishes_its_events_and_a_restart_publishes_none(
    kafka_bootstrap: str, valkey_port: int, feeds_file: Path, logs: Path, run_id: str
) -> None:
    port = free_port()
    env = ingest_env(kafka_bootstrap, valkey_port, feeds_file, port)
    expected = {suffix: count for suffix, *_, count in FEEDS}
    first = run_ingest_until_done(env, logs, port, len(FEEDS))
    try:
        counts = events_by_source(kafka_bootstrap, run_id, sum(expected.values()))
        assert {k: counts.get(k, 0) for k in expected} == expected
        assert metric(port, "brisk_ingest_invalid_total") == 0
    finally:
        first.stop(timeout=15)

    again = run_ingest_until_done(env, logs, port, len(FEEDS))
    try:
        assert metric(port, "brisk_ingest_events_published_total") == 0
        # The snapshot feeds diff against their saved snapshot: no change, so no items at all.
        assert metric(port, "brisk_ingest_duplicates_total") == sum(
            count for suffix, fmt, *_, count in FEEDS if fmt not in ("sdn", "ofac-cons", "un", "ftm"))
    finally:
        again.stop(timeout=15)


def test_brisk_replay_twice_publishes_nothing_the_second_time(
    kafka_bootstrap: str, valkey_port: int, run_id: str
) -> None:
    env = {**os.environ, "BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/3"}
    argv = [sys.executable, "-m", "brisk.cli", "replay",
            str(FIX / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv"),
            "--format", "gdelt", "--source", f"replay-{run_id}"]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "50 events, 50 published, 0 already published" in first.stdout
    assert "50 events, 0 published, 50 already published" in second.stdout
