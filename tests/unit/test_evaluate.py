"""brisk eval's metrics: Spearman's rank correlation with averaged ties, source groups, and the
listing of misses."""

from __future__ import annotations

import pytest

from brisk.evaluate import (
    Miss,
    Pair,
    average_ranks,
    by_source,
    misses_report,
    report,
    source_group,
    spearman,
)


@pytest.mark.parametrize(
    ("values", "ranks"),
    [([10, 20, 30], [1, 2, 3]), ([3, 1, 2], [3, 1, 2]), ([1, 2, 2, 3], [1, 2.5, 2.5, 4]),
     ([0, 0, 0], [2, 2, 2])],
)
def test_tied_values_share_their_average_rank(values: list[float], ranks: list[float]) -> None:
    assert average_ranks(values) == ranks


@pytest.mark.parametrize(
    ("xs", "ys", "rho"),
    [
        ([1, 2, 3, 4], [10, 20, 30, 40], 1.0),
        ([1, 2, 3, 4], [4, 3, 2, 1], -1.0),
        ([1, 2, 2, 3], [1, 2, 3, 4], 4.5 / 22.5 ** 0.5),  # ties averaged, then Pearson
        ([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], 0.8),  # no ties: 1 - 6·Σd²/(n(n²-1))
        ([1, 1, 1], [1, 2, 3], 0.0),  # a constant side has no rank order
        ([1], [2], 0.0),
    ],
)
def test_spearman(xs: list[float], ys: list[float], rho: float) -> None:
    assert spearman(xs, ys) == pytest.approx(rho)


def test_spearman_refuses_unpaired_lists() -> None:
    with pytest.raises(ValueError):
        spearman([1, 2], [1])


def pair(source: str, category: str = "none", label: str = "none") -> Pair:
    return Pair(category, label, [], [], False, 0, 0, source)


@pytest.mark.parametrize(
    ("source", "group"),
    [("guardian", "rss"), ("reuters", "rss"), ("reddit-worldnews", "reddit"),
     ("gdelt1", "gdelt1"), ("", "unknown")],
)
def test_sources_fall_into_the_held_out_groups(source: str, group: str) -> None:
    assert source_group(source) == group


def test_the_report_gives_spearman_and_per_source_figures() -> None:
    pairs = [pair("guardian"), pair("reuters", "political", "political"), pair("gdelt1")]
    assert {k: len(v) for k, v in by_source(pairs).items()} == {"gdelt1": 1, "rss": 2}
    text = report(pairs)
    assert "severity level Spearman:" in text
    assert "rss           macro-F1" in text and "(n=2)" in text


def test_each_source_gets_its_own_country_f1() -> None:
    right = Pair("none", "none", ["KAZ"], ["KAZ"], False, 0, 0, "gdelt1")
    wrong = Pair("none", "none", ["USA"], ["KAZ"], False, 0, 0, "guardian")
    lines = report([right, wrong]).splitlines()
    assert "country F1 1.000" in next(x for x in lines if x.strip().startswith("gdelt1"))
    assert "country F1 0.000" in next(x for x in lines if x.strip().startswith("rss"))


def _miss(item_id: str, label: str, level: int, predicted: str, predicted_level: int,
          title: str = "A headline") -> Miss:
    pair = Pair(predicted, label, [], [], False, predicted_level, level)
    return Miss(item_id, title, pair, ("unrest:50", "modifier:fatalities:25"))


def test_misses_are_grouped_by_label_then_prediction_one_line_each() -> None:
    listing = misses_report([
        _miss("c", "political", 2, "none", 0), _miss("a", "political", 1, "none", 0),
        _miss("b", "none", 0, "political", 1, title="Two\nlines   and  spaces"),
    ]).splitlines()

    assert listing[0] == "misses: 3 (label/level → predicted/level)"
    assert listing[1] == ("  b  none/0 → political/1  Two lines and spaces"
                          "  [unrest:50; modifier:fatalities:25]")
    assert [line.split()[0] for line in listing[2:]] == ["a", "c"]


def test_a_long_title_is_cut_to_the_width() -> None:
    line = misses_report([_miss("a", "none", 0, "political", 1, title="x" * 500)],
                         width=40).splitlines()[1]
    assert "x" * 39 + "…" in line and "x" * 40 not in line
