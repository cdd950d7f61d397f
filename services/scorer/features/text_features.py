"""Lexical features: which lexicon features and modifiers fire in an event's text.

A feature counts once per event, with its first non-negated evidence; a negated one ("lifts
sanctions", "ends strike") counts at ``negation_factor`` of its weight, because de-escalation
inside a risk story is still a (smaller) signal. A modifier applies once, and only to categories
that already have a feature: "killed" raises a conflict or a disaster, it is not a risk alone.
"""

from __future__ import annotations

from services.scorer.features.reason import Reason
from services.scorer.lexicon import Lexicon, Match
from services.scorer.text import stems, words
from shared.schemas import RiskCategory

BAN_FEATURE = "bans_and_censorship"


def _negated(start: int, negation_ends: list[int], window: int) -> bool:
    return any(start - window <= end <= start for end in negation_ends)


def _private_actor_before(toks: list[str], start: int, lexicon: Lexicon) -> bool:
    """A company banning something is a policy, not a regulation (guideline T7)."""
    return any(t in lexicon.private_actors for t in toks[max(0, start - 3):start])


def event_text_features(title: str, summary: str, lexicon: Lexicon) -> list[Reason]:
    """Title features at full weight; a summary adds only features the title lacks, at
    ``summary_factor`` of their weight — the headline says what the story is about, a long
    summary mentions much that it is not about."""
    found = text_features(title, lexicon)
    if not summary:
        return found
    have = {e.feature.split(":")[0] for e in found}
    for extra in text_features(summary, lexicon):
        if extra.feature.split(":")[0] not in have:
            found.append(Reason(extra.category, f"{extra.feature}:summary",
                                round(extra.weight * lexicon.summary_factor, 2), extra.evidence))
    return found


def text_features(text: str, lexicon: Lexicon) -> list[Reason]:
    raw = words(text)
    toks = stems(raw)
    negation_ends = [m.end for m in lexicon.negations.matches(toks)]
    features: dict[str, Reason] = {}
    modifiers: dict[str, tuple[Match, float, tuple[RiskCategory, ...]]] = {}
    for match in lexicon.index.matches(toks):
        evidence = " ".join(raw[match.start:match.end])
        for owner in match.owners:
            if owner.kind == "neutral":
                continue
            if owner.kind == "modifier":
                modifiers.setdefault(owner.id, (match, owner.weight, owner.categories))
                continue
            if owner.id in features:
                continue
            if owner.id == BAN_FEATURE and _private_actor_before(toks, match.start, lexicon):
                continue
            weight, name = owner.weight, owner.id
            if _negated(match.start, negation_ends, lexicon.negation_window):
                weight, name = weight * lexicon.negation_factor, f"{owner.id}:de-escalation"
            features[owner.id] = Reason(owner.categories[0], name, weight, evidence)
    fired = list(features.values())
    present = {e.category for e in fired}
    for modifier_id, (match, weight, categories) in modifiers.items():
        evidence = " ".join(raw[match.start:match.end])
        for category in categories:
            if category in present:
                fired.append(Reason(category, f"modifier:{modifier_id}", weight, evidence))
    return fired
