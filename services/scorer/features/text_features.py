"""Lexical features: which lexicon features and modifiers fire in an event's text.

A feature counts once per event, with its first evidence that is in its sense (a phrase's
context, lexicon.py). A negated one ("lifts sanctions", "ends strike") still counts in full as
evidence of its class, and adds a one-notch ``de-escalation`` to its category's severity: the
guidelines keep de-escalation inside a risk story a (lower) risk. A modifier applies once, and
only to categories that already have a feature: "killed" raises a conflict or a disaster, it is
not a risk alone.
"""

from __future__ import annotations

from typing import NamedTuple

from services.scorer.features.reason import Reason
from services.scorer.lexicon import NUMBER, Context, Lexicon, Owner
from services.scorer.text import stems, words
from shared.schemas import RiskCategory

DE_ESCALATION = "de-escalation"


class Notch(NamedTuple):
    """A severity modifier that fired for a category: ``notches`` levels up (+) or down (-)."""

    category: RiskCategory
    modifier: str
    notches: int
    evidence: str


class TextEvidence(NamedTuple):
    """Feature and counter-evidence reasons (points), and the severity notches."""

    reasons: list[Reason]
    notches: list[Notch]


class _Hits(NamedTuple):
    features: dict[str, Reason]
    modifiers: dict[str, tuple[Owner, str]]


def _negated(start: int, negation_ends: list[int], window: int) -> bool:
    return any(start - window <= end <= start for end in negation_ends)


def _neighbour_in(near: list[str], words_: frozenset[str]) -> bool:
    for token in near:
        if token in words_:
            return True
        if NUMBER in words_ and token.isdigit() and (int(token) >= 2 or len(token) == 3):
            return True
    return False


def in_sense(context: Context, toks: list[str], start: int, end: int) -> bool:
    """True when tokens ``[start, end)`` have the neighbours their context asks for."""
    near = toks[max(0, start - context.before):start] + toks[end:end + context.after]
    if context.forbids and _neighbour_in(near, context.forbids):
        return False
    return not context.requires or _neighbour_in(near, context.requires)


def _hits(text: str, lexicon: Lexicon) -> _Hits:
    raw = words(text)
    toks = stems(raw)
    features: dict[str, Reason] = {}
    modifiers: dict[str, tuple[Owner, str]] = {}
    found = lexicon.index.matches(toks)
    if not found:  # most texts: no negation scan needed
        return _Hits(features, modifiers)
    negation_ends = [m.end for m in lexicon.negations.matches(toks)]
    for match in found:
        evidence = ""
        for owner in match.owners:
            if owner.kind == "neutral" or owner.id in features or owner.id in modifiers:
                continue
            if owner.context is not None and not in_sense(owner.context, toks, match.start,
                                                          match.end):
                continue
            evidence = evidence or " ".join(raw[match.start:match.end])
            if owner.kind == "modifier":
                modifiers[owner.id] = (owner, evidence)
                continue
            name = owner.id
            if _negated(match.start, negation_ends, lexicon.negation_window):
                name = f"{owner.id}:{DE_ESCALATION}"
            features[owner.id] = Reason(owner.categories[0], name, owner.weight, evidence)
    return _Hits(features, modifiers)


def event_text_features(title: str, summary: str, lexicon: Lexicon) -> TextEvidence:
    """Title features at full weight; a summary adds only features and modifiers the title
    lacks, its points at ``summary_factor`` — the headline says what the story is about, a long
    summary mentions much that it is not about."""
    found = _hits(title, lexicon)
    reasons = list(found.features.values())
    modifiers = [(owner, evidence, 1.0) for owner, evidence in found.modifiers.values()]
    if summary:
        extra = _hits(summary, lexicon)
        factor = lexicon.summary_factor
        for feature_id, reason in extra.features.items():
            if feature_id not in found.features:
                reasons.append(Reason(reason.category, f"{reason.feature}:summary",
                                      round(reason.weight * factor, 2), reason.evidence))
        modifiers += [(owner, evidence, factor) for modifier_id, (owner, evidence)
                      in extra.modifiers.items() if modifier_id not in found.modifiers]
    present = {reason.category for reason in reasons}
    notches = [Notch(r.category, DE_ESCALATION, -1, r.evidence) for r in reasons
               if r.category in lexicon.de_escalation_categories
               and (r.feature.endswith(DE_ESCALATION) or r.feature.endswith(
                   f"{DE_ESCALATION}:summary"))]
    for owner, evidence, factor in modifiers:
        for category in owner.categories:
            if category not in present:
                continue
            if owner.notches:
                notches.append(Notch(category, owner.id, owner.notches, evidence))
            else:
                reasons.append(Reason(category, f"modifier:{owner.id}",
                                      round(owner.weight * factor, 2), evidence))
    return TextEvidence(reasons, notches)
