"""Structured and templated events, for the false-merge measurement (bench/cluster_false_merges.py).

Usage: .venv/bin/python bench/story_identity_cases.py   (cluster_false_merges.py runs it too)

Each case is a set of real or realistic events with a known story each, parsed by ingest's own
parsers and given cluster ids twice: by the scorer as ``brisk score`` builds it (story identity
from the fields where there is one, title clustering otherwise), and by title clustering alone
(the clusterer with the enrichment's places, as the scorer called it before story identity).

- the UN Security Council consolidated list of 2018-10-29, every designation announced (1,093:
  one story each, templated titles differing only in the name and a few details);
- the demo's six OpenSanctions designations;
- an Erenhot closure pushed after an Alashankou closure (two stories), and one closure pushed
  twice in other words (one story);
- the GDELT 2.0 export sample: 50 events extracted from 15 articles (one story per article URL).

Per case: clusters, merged pairs of events of different stories (false merges) and pairs of one
story left apart (missed), out of all pairs of each kind.

``names_report`` measures the names guard of title clustering on real headlines: every pair of
titles close enough to merge or nearly (Jaccard >= 0.4, >= 3 shared tokens) is printed with
whether the guard refuses it (each title names someone or somewhere the other does not mention).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.ingest.parsers.base import Rejected  # noqa: E402
from services.ingest.parsers.gdelt import parse_gdelt_export  # noqa: E402
from services.ingest.parsers.push_items import parse_jsonl_items  # noqa: E402
from services.ingest.sanctions.diff import changes_to_events, plan_snapshot  # noqa: E402
from services.ingest.sanctions.model import Snapshot  # noqa: E402
from services.ingest.sanctions.opensanctions import parse_ftm_entities  # noqa: E402
from services.ingest.sanctions.un_xml import parse_un_xml  # noqa: E402
from services.ingest.sources.base import Document  # noqa: E402
from services.scorer.clustering import StoryClusterer, title_terms  # noqa: E402
from services.scorer.clustering.clusterer import names_differ  # noqa: E402
from services.scorer.factory import build_scorer  # noqa: E402
from services.scorer.scorer import Scorer, TitleClustering  # noqa: E402
from shared.schemas import RawEvent  # noqa: E402

NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
UN = ROOT / "tests" / "fixtures" / "policy" / "un_sc_consolidated_2018-10-29.xml"
FTM = ROOT / "demo" / "policy" / "opensanctions_yente_t1_entities.ftm.json"
GDELT = ROOT / "demo" / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv"


@dataclass(frozen=True)
class Case:
    name: str
    events: list[tuple[RawEvent, Hashable]]  # each event with its true story


def sanctions(path: Path, parse: Callable[[bytes], tuple[Snapshot, list[Rejected]]],
              feed: str) -> list[tuple[RawEvent, Hashable]]:
    snapshot, _ = parse(path.read_bytes())
    events = changes_to_events(plan_snapshot(None, snapshot, True), Document(feed, str(path), b"", NOW))
    return [(e, (e.fields["list_name"], e.fields["entity_id"])) for e in events]


def crossings(*items: tuple[str, str, str, str]) -> list[tuple[RawEvent, Hashable]]:
    """(partner id, crossing, hour, title) of closures pushed on one day; story = the crossing."""
    lines = [json.dumps({"id": item_id, "kind": "shipping", "title": title,
                         "published_at": f"2026-11-22T{hour}:00:00+00:00",
                         "fields": {"corridor": "China-Europe Railway Express", "crossing": name,
                                    "status": "closed"}}).encode()
             for item_id, name, hour, title in items]
    events = parse_jsonl_items(Document("corridors", "push", b"\n".join(lines), NOW)).events
    return [(e, e.fields["crossing"]) for e in events]


def gdelt() -> list[tuple[RawEvent, Hashable]]:
    events = parse_gdelt_export(Document("gdelt", str(GDELT), GDELT.read_bytes(), NOW)).events
    return [(e, e.url) for e in events]


def cases() -> list[Case]:
    return [
        Case("UN SC consolidated list 2018-10-29, all designations", sanctions(UN, parse_un_xml, "un-sc")),
        Case("demo OpenSanctions designations", sanctions(FTM, parse_ftm_entities, "opensanctions")),
        Case("Alashankou closure, then Erenhot closure", crossings(
            ("alashankou-06", "Alashankou", "06", "Alashankou border crossing closed: rail freight halted"),
            ("erenhot-08", "Erenhot", "08", "Erenhot border crossing closed: rail freight halted"))),
        Case("one Erenhot closure pushed twice", crossings(
            ("erenhot-08", "Erenhot", "08", "Erenhot border crossing closed: rail freight halted"),
            ("erenhot-11", "Erenhot", "11", "Erenhot crossing still shut, 40 trains queued"))),
        Case("GDELT export sample, events by article URL", gdelt()),
    ]


@dataclass(frozen=True)
class Outcome:
    clusters: int
    false_merges: int
    different_pairs: int
    missed: int
    same_pairs: int


def judge(case: Case, ids: list[str | None]) -> Outcome:
    false_merges = different = missed = same = 0
    for (a, story_a), (b, story_b) in combinations(zip(ids, (s for _, s in case.events), strict=True), 2):
        joined = a is not None and a == b
        if story_a == story_b:
            same += 1
            missed += not joined
        else:
            different += 1
            false_merges += joined
    return Outcome(len(set(ids)), false_merges, different, missed, same)


def by_scorer(scorer: Scorer, events: list[RawEvent]) -> list[str | None]:
    return [scorer(event, NOW).cluster_id for event in events]


def by_title(scorer: Scorer, events: list[RawEvent]) -> list[str | None]:
    clusterer = StoryClusterer()
    return [clusterer.assign(e.id, e.title, e.source, e.published_at,
                             places=scorer.engine.enrich(e).countries).cluster_id for e in events]


def _line(label: str, outcome: Outcome) -> str:
    return (f"{label}: clusters {outcome.clusters}, false merges {outcome.false_merges}/"
            f"{outcome.different_pairs} pairs of different stories, missed {outcome.missed}/"
            f"{outcome.same_pairs} pairs of one story")


def report() -> None:
    engine = build_scorer().engine
    print("structured and templated events (story: scorer as `brisk score` builds it; "
          "titles: title clustering alone, with places):")
    for case in cases():
        events = [e for e, _ in case.events]
        stories = len({s for _, s in case.events})
        print(f"  {case.name}: {len(events)} events, {stories} stories")
        scorer = Scorer(engine, TitleClustering(StoryClusterer()))  # fresh, as `brisk score` starts
        print("    " + _line("story", judge(case, by_scorer(scorer, events))))
        print("    " + _line("titles", judge(case, by_title(scorer, events))))


def names_report(titles: list[tuple[str, str]], threshold: float = 0.4) -> None:
    """``titles``: (key, title) of distinct real items."""
    terms = [(key, title, *title_terms(title)) for key, title in titles]
    terms = [t for t in terms if len(t[2]) >= 3]
    near = refused = 0
    print(f"names guard on real headlines ({len(terms)} titles with >= 3 tokens; pairs with "
          f"J >= {threshold} and >= 3 shared tokens):")
    for (ka, a, ta, na), (kb, b, tb, nb) in combinations(terms, 2):
        common = len(ta & tb)
        similarity = common / len(ta | tb)
        if common < 3 or similarity < threshold:
            continue
        near += 1
        differ = names_differ(ta, na, tuple(tb), tuple(nb))
        refused += differ
        print(f"    {similarity:.2f} {'refused' if differ else 'allowed'} ({ka!r}, {kb!r})\n"
              f"        {a!r} names {sorted(na)}\n        {b!r} names {sorted(nb)}")
    print(f"  {near} near pairs, {refused} refused by the names guard")


if __name__ == "__main__":
    report()
