"""Reason: one fired feature, as the scorer's hot path carries it.

A plain NamedTuple, not the ``Explanation`` model: an event fires several features and each is
re-weighted once or twice before it is final, and building a pydantic model from Python costs
several times more than a tuple. The final reasons become ``Explanation``s inside the one
validation of the ScoredEvent (``as_explanation``), where pydantic's core builds them cheaply.
"""

from __future__ import annotations

from typing import NamedTuple

from shared.schemas import RiskCategory


class Reason(NamedTuple):
    category: RiskCategory
    feature: str
    weight: float
    evidence: str

    def as_explanation(self) -> dict[str, object]:
        """The ``Explanation`` fields, for the ScoredEvent to validate."""
        return {"category": self.category, "feature": self.feature, "weight": self.weight,
                "evidence": self.evidence}
