"""Evaluate country extraction (services/scorer/enrich) on labelled items.

Usage: python scripts/eval_countries.py [PATH] [--errors]

Reads JSON lines with title, summary, url, source, an optional ``gdelt`` object (ActionGeo_CountryCode
in FIPS 10-4) and ``label.countries`` / ``label.countries_from_geo``. Prints micro-averaged precision,
recall and F1 over (item, country) pairs, the same on items whose label did not come from the geocode,
"first country correct" accuracy, and the mean matching time per item.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.scorer.enrich import load_bri_gazetteer, load_country_gazetteer, resolve_countries
from shared.country_codes import fips_to_iso3

DEFAULT_PATH = Path("/work/shared/data/eval/dev.jsonl")
SLUG_SOURCES = frozenset({"gdelt1", "gdelt2-mentions"})
TIMING_ROUNDS = 15


@dataclass
class Counts:
    true_positive: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, predicted: list[str], gold: list[str]) -> None:
        self.true_positive += len(set(predicted) & set(gold))
        self.predicted += len(set(predicted))
        self.gold += len(set(gold))

    def line(self, name: str) -> str:
        p = self.true_positive / self.predicted if self.predicted else 0.0
        r = self.true_positive / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        counts = f"tp={self.true_positive} pred={self.predicted} gold={self.gold}"
        return f"{name:<28} P={p:.3f} R={r:.3f} F1={f:.3f}  ({counts})"


def resolve_item(item: dict[str, Any]) -> list[str]:
    gdelt = item.get("gdelt") or {}
    geo = fips_to_iso3(str(gdelt.get("ActionGeo_CountryCode") or ""))
    return resolve_countries(
        item["title"],
        item.get("summary") or "",
        slug_title=item["source"] in SLUG_SOURCES,
        action_geo_country=geo,
        url=item.get("url"),
        source_kind=item["source"],
    ).countries


def _timed_pass(items: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for item in items:
        resolve_item(item)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--errors", action="store_true", help="print every item whose countries differ")
    args = parser.parse_args(argv)
    items = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    load_country_gazetteer()
    load_bri_gazetteer()
    overall, text_only = Counts(), Counts()
    first_right = first_total = 0
    for item in items:
        predicted = resolve_item(item)
        label = item["label"]
        gold = list(label["countries"])
        overall.add(predicted, gold)
        if not label.get("countries_from_geo"):
            text_only.add(predicted, gold)
        if gold:
            first_total += 1
            first_right += bool(predicted) and predicted[0] == gold[0]
        if args.errors and predicted != gold:
            print(f"{item['id']:<32} gold={gold} got={predicted} | {item['title'][:90]}")
    per_item = min(_timed_pass(items) for _ in range(TIMING_ROUNDS)) / len(items) * 1e6
    slugs = [item for item in items if item["source"] in SLUG_SOURCES]
    per_slug = min(_timed_pass(slugs) for _ in range(TIMING_ROUNDS)) / max(len(slugs), 1) * 1e6
    print(f"items: {len(items)} ({args.path})")
    print(overall.line("all items"))
    print(text_only.line("excluding countries_from_geo"))
    print(
        f"{'first country correct':<28} {first_right}/{first_total} = {first_right / max(first_total, 1):.3f}"
    )
    print(
        f"{'time per item':<28} {per_item:.1f} µs (title + summary, resolve_countries incl. FIPS lookup;"
        f" best of {TIMING_ROUNDS} passes)"
    )
    print(f"{'time per GDELT slug item':<28} {per_slug:.1f} µs ({len(slugs)} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
