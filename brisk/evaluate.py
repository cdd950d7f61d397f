"""``brisk eval`` metrics: pure functions over (prediction, label) pairs.

- category: macro-F1 over the four classes regulatory, political, supply_chain, none (the
  label's ``primary``), with per-class precision and recall;
- countries: micro precision/recall/F1 over (item, country) pairs — all items, and without the
  items whose label countries came from GDELT's geocoder (``countries_from_geo``);
- severity: mean absolute error between the predicted level (0-3) and the label's severity, and
  their Spearman rank correlation over all items (ties take their average rank);
- per source group (gdelt1, reddit, rss…): macro-F1 and the number of items;
- on request, every item the scorer got wrong (``Miss``), with the reasons it gave: the
  figures say how much, these lines say which class of item to look at.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from shared.schemas import RISK_CATEGORIES

CLASSES = (*RISK_CATEGORIES, "none")


@dataclass(frozen=True)
class Pair:
    category: str
    label_category: str
    countries: list[str]
    label_countries: list[str]
    from_geo: bool
    level: int
    label_level: int
    source: str = ""


# Feed names → the groups the held-out set is judged by: Guardian and Reuters are both RSS.
SOURCE_GROUPS = {"guardian": "rss", "reuters": "rss", "reddit-worldnews": "reddit"}


def source_group(source: str) -> str:
    return SOURCE_GROUPS.get(source, source or "unknown")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def per_class(pairs: list[Pair]) -> dict[str, tuple[float, float, float, int]]:
    """class → (precision, recall, F1, support)."""
    result = {}
    for cls in CLASSES:
        tp = sum(1 for p in pairs if p.category == cls and p.label_category == cls)
        predicted = sum(1 for p in pairs if p.category == cls)
        actual = sum(1 for p in pairs if p.label_category == cls)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        result[cls] = (precision, recall, _f1(precision, recall), actual)
    return result


def macro_f1(pairs: list[Pair]) -> float:
    return sum(v[2] for v in per_class(pairs).values()) / len(CLASSES)


def country_prf(pairs: list[Pair]) -> tuple[float, float, float]:
    tp = sum(len(set(p.countries) & set(p.label_countries)) for p in pairs)
    predicted = sum(len(set(p.countries)) for p in pairs)
    actual = sum(len(set(p.label_countries)) for p in pairs)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    return precision, recall, _f1(precision, recall)


def severity_mae(pairs: list[Pair]) -> float:
    return sum(abs(p.level - p.label_level) for p in pairs) / len(pairs) if pairs else 0.0


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks; tied values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks (exact with ties); 0.0 when
    either side is constant or there are fewer than two pairs."""
    if len(xs) != len(ys):
        raise ValueError("spearman needs pairs")
    if len(xs) < 2:
        return 0.0
    rx, ry = average_ranks(xs), average_ranks(ys)
    mean = (len(xs) + 1) / 2
    covariance = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    spread = (sum((a - mean) ** 2 for a in rx) * sum((b - mean) ** 2 for b in ry)) ** 0.5
    return covariance / spread if spread else 0.0


def severity_spearman(pairs: list[Pair]) -> float:
    return spearman([float(p.level) for p in pairs], [float(p.label_level) for p in pairs])


def by_source(pairs: list[Pair]) -> dict[str, list[Pair]]:
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(source_group(pair.source), []).append(pair)
    return dict(sorted(groups.items()))


def confusion(pairs: list[Pair]) -> Counter[tuple[str, str]]:
    return Counter((p.label_category, p.category) for p in pairs)


@dataclass(frozen=True)
class Miss:
    """An item whose predicted category or severity level is not its label's."""

    id: str
    title: str
    pair: Pair
    reasons: tuple[str, ...]  # the scorer's top explanations, "feature:weight"


def misses_report(misses: list[Miss], width: int = 110) -> str:
    """One line per miss, grouped by (label → predicted) and then by label level:
    ``id  label/level → predicted/level  title  [reasons]``."""
    lines = [f"misses: {len(misses)} (label/level → predicted/level)"]
    for miss in sorted(misses, key=lambda m: (m.pair.label_category, m.pair.category,
                                              m.pair.label_level, m.pair.level, m.id)):
        p = miss.pair
        title = " ".join(miss.title.split())
        title = title if len(title) <= width else title[:width - 1] + "…"
        lines.append(f"  {miss.id}  {p.label_category}/{p.label_level} → {p.category}/{p.level}"
                     f"  {title}  [{'; '.join(miss.reasons)}]")
    return "\n".join(lines)


def report(pairs: list[Pair]) -> str:
    lines = [f"items: {len(pairs)}", f"category macro-F1: {macro_f1(pairs):.3f}"]
    for cls, (p, r, f, n) in per_class(pairs).items():
        lines.append(f"  {cls:<13} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (n={n})")
    p, r, f = country_prf(pairs)
    lines.append(f"countries: precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    text_only = [x for x in pairs if not x.from_geo]
    p, r, f = country_prf(text_only)
    lines.append(f"countries (labels from text only, n={len(text_only)}): "
                 f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    lines.append(f"severity level MAE: {severity_mae(pairs):.3f}  "
                 f"(exact {sum(x.level == x.label_level for x in pairs) / max(1, len(pairs)):.3f})")
    lines.append(f"severity level Spearman: {severity_spearman(pairs):.3f}")
    lines.append("by source:")
    for group, members in by_source(pairs).items():
        lines.append(f"  {group:<13} macro-F1 {macro_f1(members):.3f}  "
                     f"severity Spearman {severity_spearman(members):.3f}  "
                     f"country F1 {country_prf(members)[2]:.3f}  (n={len(members)})")
    lines.append("confusion (label → predicted):")
    matrix = confusion(pairs)
    lines.append("  " + " " * 14 + "".join(f"{c[:12]:>13}" for c in CLASSES))
    for actual in CLASSES:
        row = "".join(f"{matrix[(actual, predicted)]:>13}" for predicted in CLASSES)
        lines.append(f"  {actual:<14}{row}")
    return "\n".join(lines)
