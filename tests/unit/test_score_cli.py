"""The ``brisk score`` / ``brisk eval`` contract other tools depend on, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "data" / "eval" / "dev.jsonl"
TRAIN = DEV.with_name("train.jsonl")
KEYS = {"id", "countries", "entities", "scores", "severity", "category", "cluster_id",
        "explanations"}


def brisk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "brisk.cli", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def items() -> list[dict[str, object]]:
    return [
        {"id": "a-1", "title": "Militants attack Chinese engineers in Gwadar, 4 killed",
         "summary": "", "url": "https://example.org/a", "published_at": "2024-05-01T08:00:00Z",
         "source": "reuters", "ignored_field": [1, 2]},
        {"id": "a-2", "title": "Pakistan lifts ban on cotton yarn exports", "summary": "",
         "url": None, "published_at": "2024-05-01T09:00:00Z", "source": "dawn"},
        {"id": "gdelt1-1", "title": "Petrol pumps threaten shut down over new fuel rule",
         "summary": "", "url": "http://example.in/petrol", "published_at": "2016-07-28T00:00:00Z",
         "source": "gdelt1", "gdelt": {"GLOBALEVENTID": "1", "EventCode": "172",
                                       "EventRootCode": "17", "QuadClass": 4,
                                       "GoldsteinScale": -5.0, "NumMentions": 10,
                                       "AvgTone": -3.1, "ActionGeo_CountryCode": "IN",
                                       "ActionGeo_FullName": "Mumbai, India"}},
    ]


def test_one_line_per_item_in_input_order_with_exactly_the_contract() -> None:
    lines = [json.dumps(i) for i in items()]
    lines.insert(1, "{not json")
    result = brisk("score", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a-1", None, "a-2", "gdelt1-1"]
    assert "error" in out[1] and "line 2" in out[1]["error"]
    for record in (out[0], out[2], out[3]):
        assert set(record) == KEYS
        assert set(record["scores"]) == {"regulatory", "political", "supply_chain"}
        assert all(0 <= v <= 100 for v in record["scores"].values())
        assert 0 <= record["severity"] <= 100
        assert record["category"] in {"regulatory", "political", "supply_chain", "none"}
        assert all(set(e) == {"category", "feature", "weight", "evidence"}
                   for e in record["explanations"])
    attack = out[0]
    assert attack["category"] == "political" and attack["countries"][0] == "PAK"
    assert any(e["kind"] == "port" or e["kind"] == "project" for e in attack["entities"])
    assert out[3]["countries"] == ["IND"]  # from the GDELT ActionGeo (FIPS IN)


needs_dev = pytest.mark.skipif(not DEV.exists(), reason="shared/data/eval is not beside the repo")


@needs_dev
@pytest.mark.parametrize("items", [DEV, TRAIN], ids=["dev", "train"])
def test_every_score_is_the_sum_of_its_explanations(items: Path) -> None:
    result = brisk("score", "--input", str(items))
    assert result.stdout
    for line in result.stdout.splitlines():
        record = json.loads(line)
        for category, value in record["scores"].items():
            explained = sum(e["weight"] for e in record["explanations"]
                            if e["category"] == category)
            assert value == pytest.approx(min(100.0, max(0.0, explained)), abs=0.01)


def test_feed_formats_score_through_the_same_path() -> None:
    rss = ROOT / "demo" / "feeds" / "reuters_worldnews_2018-01-30.rss"
    gdelt = ROOT / "tests" / "fixtures" / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv"
    assert len(brisk("score", "--format", "rss", "--input", str(rss)).stdout.splitlines()) == 10
    assert len(brisk("score", "--format", "gdelt", "--input",
                     str(gdelt)).stdout.splitlines()) == 50


def test_bad_arguments_are_refused() -> None:
    assert brisk("score", "--format", "pdf").returncode == 2
    assert brisk("score", "--input", "/nonexistent.jsonl").returncode == 2


def test_a_lexicon_of_ones_own_scores_through_the_same_path(tmp_path: Path) -> None:
    """``--lexicon``: what an operator edits for BRISK_SCORER_LEXICON_PATH, checked offline."""
    shipped = json.loads((ROOT / "services" / "scorer" / "data" / "lexicon.json").read_text())
    no_politics = {**shipped, "features": [f for f in shipped["features"]
                                           if f["category"] != "political"]}
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps(no_politics))
    stdin = json.dumps(items()[0]) + "\n"

    assert json.loads(brisk("score", stdin=stdin).stdout)["category"] == "political"
    own = json.loads(brisk("score", "--lexicon", str(path), stdin=stdin).stdout)
    assert own["category"] != "political"
    assert not [e for e in own["explanations"] if e["category"] == "political"]


def test_a_malformed_lexicon_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps({"features": []}))
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(json.dumps({**items()[1], "label": {"primary": "regulatory"}}) + "\n")
    for args in (("score",), ("eval", str(labelled))):
        for lexicon in (path, tmp_path / "missing.json"):
            result = brisk(*args, "--lexicon", str(lexicon), stdin="")
            assert result.returncode == 2
            assert result.stderr.startswith(f"--lexicon {lexicon}: ")
            assert len(result.stderr.strip().splitlines()) == 1


@needs_dev
def test_eval_reports_the_figures() -> None:
    result = brisk("eval", str(DEV))
    assert result.returncode == 0, result.stderr
    for needle in ("category macro-F1:", "regulatory    precision", "countries: precision",
                   "severity level MAE:", "severity level Spearman:", "by source:"):
        assert needle in result.stdout
    macro = float(result.stdout.split("category macro-F1:")[1].split()[0])
    assert macro > 0.7  # a regression guard on the dev set, not a tuning target
    assert "misses:" not in result.stdout


@needs_dev
def test_eval_lists_every_miss_with_its_reasons_on_request() -> None:
    labels = {row["id"]: row["label"] for row in map(json.loads, DEV.read_text().splitlines())}
    result = brisk("eval", str(DEV), "--misses")
    assert result.returncode == 0, result.stderr
    head, listing = result.stdout.split("\nmisses: ")
    count = int(listing.split()[0])
    lines = listing.splitlines()[1:]
    assert len(lines) == count and 0 < count < len(labels)
    scored = {json.loads(line)["id"]: json.loads(line)
              for line in brisk("score", "--input", str(DEV)).stdout.splitlines()}
    for line in lines:
        item_id, label, _arrow, predicted = line.split()[:4]
        assert label == f"{labels[item_id]['primary']}/{labels[item_id]['severity']}"
        assert predicted.split("/")[0] == scored[item_id]["category"]
        assert label != predicted
        reasons = [f"{e['feature']}:" for e in scored[item_id]["explanations"][:4]]
        assert all(reason in line for reason in reasons)
    wrong = {i for i, s in scored.items() if s["category"] != labels[i]["primary"]}
    assert {line.split()[0] for line in lines} >= wrong  # every category miss is listed
