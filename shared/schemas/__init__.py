"""One pydantic model per topic, each with a ``schema_version``."""

from shared.schemas.alert import Alert, AlertChange, AlertKind, AlertReason, AlertStatus, ChangeKind
from shared.schemas.base import Contract
from shared.schemas.country_risk import CategoryTrends, CountryRisk, StructuralProfile, Trend
from shared.schemas.dead_letter import DeadLetter
from shared.schemas.raw_event import EventKind, FieldValue, RawEvent
from shared.schemas.scored_event import (
    RISK_CATEGORIES,
    TIE_ORDER,
    Entity,
    Explanation,
    Iso3,
    RiskCategory,
    RiskScores,
    ScoredEvent,
)

__all__ = [
    "Alert",
    "AlertChange",
    "AlertKind",
    "AlertReason",
    "AlertStatus",
    "ChangeKind",
    "CategoryTrends",
    "Contract",
    "CountryRisk",
    "DeadLetter",
    "Entity",
    "EventKind",
    "Explanation",
    "FieldValue",
    "Iso3",
    "RISK_CATEGORIES",
    "RawEvent",
    "RiskCategory",
    "RiskScores",
    "ScoredEvent",
    "StructuralProfile",
    "TIE_ORDER",
    "Trend",
]
