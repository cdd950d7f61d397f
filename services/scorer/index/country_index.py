"""The live country risk index: structural baseline + decayed event pressure, published on change.

Per category c (regulatory, political, supply_chain), at time ``now``:

    x_c        = Σ_k (score_kc / 100) · 2^(−(now − t_k)/half_life)   decayed sum, in full-strength events
    pressure_c = 100 · (1 − exp(−x_c / pressure_scale))              saturating: 0 … 100
    index_c    = w · baseline_c + (1 − w) · pressure_c               w = baseline_weight
               = pressure_c                                          when the country has no baseline_c
    overall    = max_c index_c                                       the country's worst category

With the defaults (w = 0.4, scale = 5, half-life 72 h) a quiet country shows 40% of its structural
risk, live news can move it by up to 60 points, one full-strength event adds ~11 points and a
steady one full-strength event a day settles near 35 points of the 60 (x ≈ 4.3). The baseline's
``None`` is kept honest: a country without WGI data is indexed on its events alone.

trend_c compares index_c now with index_c ``trend_window`` (24 h) earlier: rising / falling beyond
a ``trend_dead_band`` of 3 points, else stable. A CountryRisk is published when it is the first for
the country, any category moved ≥ ``publish_threshold`` (2 points) since the last published value,
any trend changed, or a volume spike started today.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from services.scorer.index import decay, spikes
from services.scorer.index.decay import Decayed, Snapshots
from services.scorer.index.spikes import SpikeCheck, SpikeConfig, VolumeHistory
from services.scorer.index.structural import StructuralBaseline
from shared.schemas import RISK_CATEGORIES, CountryRisk, RiskCategory, RiskScores
from shared.schemas.country_event import CountryEvent
from shared.schemas.country_risk import CategoryTrends, StructuralProfile, Trend
from shared.topics import SCORER_COUNTRY_EVENTS

__all__ = ["COUNTRY_EVENTS_TOPIC", "CountryEvent"]

CATEGORIES = RISK_CATEGORIES
COUNTRY_EVENTS_TOPIC = SCORER_COUNTRY_EVENTS.name


@dataclass(frozen=True)
class IndexConfig:
    """Every constant of the index formula (module docstring); one frozen value, set at start-up."""

    half_life: timedelta = decay.DEFAULT_HALF_LIFE
    baseline_weight: float = 0.4
    pressure_scale: float = 5.0  # full-strength events (decayed) that lift pressure to 63
    trend_window: timedelta = timedelta(hours=24)
    trend_dead_band: float = 3.0
    publish_threshold: float = 2.0
    snapshot_resolution: timedelta = timedelta(hours=1)
    remembered_ids: int = 128  # > events per country between two offset commits (~3 s)
    # Cultural distance (Kogut–Singh to China) added to the regulatory baseline, in points per KS
    # unit, capped. Off by default: half the BRI countries have no Hofstede data, so the term would
    # raise only the countries that happen to be measured.
    cultural_points_per_ks: float = 0.0
    cultural_cap: float = 10.0
    spikes: SpikeConfig = field(default_factory=SpikeConfig)


DEFAULT_CONFIG = IndexConfig()


@dataclass(frozen=True)
class Published:
    index: Mapping[str, float]
    trend: Mapping[str, str]
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"index": dict(self.index), "trend": dict(self.trend), "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Published:
        return cls(dict(data["index"]), dict(data["trend"]), datetime.fromisoformat(data["at"]))


@dataclass(frozen=True)
class CountryIndexState:
    """Everything the index keeps per country: the value of the ``country-index`` table."""

    country: str
    decayed: Decayed = field(default_factory=Decayed)
    history: Snapshots = ()
    volume: VolumeHistory = field(default_factory=VolumeHistory)
    published: Published | None = None
    spike_reported_day: int | None = None
    recent_ids: tuple[str, ...] = ()  # short digests of the last event ids, oldest first

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "decayed": self.decayed.to_dict(),
            "history": [s.to_dict() for s in self.history],
            "volume": self.volume.to_dict(),
            "published": None if self.published is None else self.published.to_dict(),
            "spike_reported_day": self.spike_reported_day,
            "recent_ids": list(self.recent_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CountryIndexState:
        published = data.get("published")
        return cls(
            country=str(data["country"]),
            decayed=Decayed.from_dict(data.get("decayed", {})),
            history=tuple(Decayed.from_dict(s) for s in data.get("history", [])),
            volume=VolumeHistory.from_dict(data.get("volume", {})),
            published=None if published is None else Published.from_dict(published),
            spike_reported_day=data.get("spike_reported_day"),
            recent_ids=tuple(data.get("recent_ids", [])),
        )


def id_digest(event_id: str) -> str:
    """16 hex chars: enough to tell apart the last few hundred ids, a quarter of a full id's bytes."""
    return hashlib.blake2b(event_id.encode(), digest_size=8).hexdigest()


def pressure_score(decayed_sum: float, scale: float) -> float:
    return 100.0 * (1.0 - math.exp(-max(0.0, decayed_sum) / scale))


def effective_baseline(
    baseline: StructuralBaseline | None, category: RiskCategory, config: IndexConfig
) -> float | None:
    if baseline is None:
        return None
    value = baseline.for_category(category)
    if value is not None and category == "regulatory" and baseline.cultural_distance is not None:
        value = min(100.0, value + min(config.cultural_cap,
                                       config.cultural_points_per_ks * baseline.cultural_distance))
    return value


def index_values(
    aggregate: Decayed, baseline: StructuralBaseline | None, config: IndexConfig
) -> dict[RiskCategory, float]:
    """Per-category index (0–100, two decimals) from an aggregate already decayed to its instant."""
    values: dict[RiskCategory, float] = {}
    for category in CATEGORIES:
        pressure = pressure_score(aggregate.sums.get(category, 0.0), config.pressure_scale)
        base = effective_baseline(baseline, category, config)
        value = pressure if base is None else (
            config.baseline_weight * base + (1 - config.baseline_weight) * pressure)
        values[category] = round(min(100.0, max(0.0, value)), 2)
    return values


def _trend(delta: float, dead_band: float) -> Trend:
    return "rising" if delta > dead_band else "falling" if delta < -dead_band else "stable"


def current(
    state: CountryIndexState, baseline: StructuralBaseline | None, now: datetime,
    config: IndexConfig = DEFAULT_CONFIG,
) -> CountryRisk:
    """The country's index as of ``now`` (decay applied), without changing the state."""
    now_values = index_values(decay.read(state.decayed, now, config.half_life), baseline, config)
    then = decay.value_at(state.history, now - config.trend_window, config.half_life)
    then_values = index_values(then, baseline, config)
    trends = {c: _trend(now_values[c] - then_values[c], config.trend_dead_band) for c in CATEGORIES}
    count = decay.read(state.decayed, now, config.half_life).count
    return CountryRisk(
        country=state.country,
        index=RiskScores(**now_values),
        overall=max(now_values.values()),
        trend=CategoryTrends(**trends),
        event_count=round(count),
        structural=None if baseline is None else StructuralProfile(
            political=baseline.political, regulatory=baseline.regulatory,
            supply_chain=baseline.supply_chain, wgi_year=baseline.wgi_year,
            cultural_distance_to_china=baseline.cultural_distance),
        updated_at=now,
    )


def spike_status(state: CountryIndexState, now: datetime, config: IndexConfig = DEFAULT_CONFIG) -> SpikeCheck:
    return spikes.detect(state.volume, now, config.spikes)


def _material(risk: CountryRisk, published: Published | None, threshold: float) -> bool:
    if published is None:
        return True
    index, trend = risk.index.model_dump(), risk.trend.model_dump()
    return any(abs(index[c] - published.index.get(c, 0.0)) >= threshold
               or trend[c] != published.trend.get(c) for c in CATEGORIES)


def refresh(
    state: CountryIndexState, baseline: StructuralBaseline | None, now: datetime,
    config: IndexConfig = DEFAULT_CONFIG,
) -> tuple[CountryIndexState, CountryRisk | None]:
    """Re-evaluate at ``now`` with no new event: publish if decay or trend moved the index materially."""
    risk = current(state, baseline, now, config)
    spike = spike_status(state, now, config)
    spike_started = spike.spiking and state.spike_reported_day != spike.day
    if not (spike_started or _material(risk, state.published, config.publish_threshold)):
        return state, None
    published = Published(risk.index.model_dump(), risk.trend.model_dump(), now)
    reported = spike.day if spike.spiking else state.spike_reported_day
    risk = risk.model_copy(update={"spike": spike.spiking})
    return replace(state, published=published, spike_reported_day=reported), risk


def fold_event(
    state: CountryIndexState,
    scores: Mapping[str, float],
    severity: float,
    at: datetime,
    config: IndexConfig = DEFAULT_CONFIG,
    *,
    event_id: str | None = None,
    now: datetime,
) -> tuple[CountryIndexState, bool]:
    """Fold one scored event (category scores 0–100, severity 0–100, event time ``at``) into the
    state, without deciding what to publish (``refresh`` does that). An ``at`` after ``now`` is
    clamped to ``now``. Returns the state and whether the event was new: an ``event_id`` already
    among the remembered ones leaves the state untouched (redelivery). An event with severity 0
    carries no risk signal: it is remembered but adds nothing."""
    at = min(at, now)
    if event_id is not None:
        digest = id_digest(event_id)
        if digest in state.recent_ids:
            return state, False
        remembered = (*state.recent_ids, digest)[-config.remembered_ids:]
        state = replace(state, recent_ids=remembered)
    if severity > 0:
        amounts: dict[str, float] = {c: float(scores.get(c, 0.0)) / 100.0 for c in CATEGORIES}
        aggregate = decay.add(state.decayed, amounts, 1.0, at, config.half_life)
        state = replace(
            state,
            decayed=aggregate,
            history=decay.record(state.history, aggregate, config.snapshot_resolution,
                                 config.trend_window + config.snapshot_resolution),
            volume=spikes.observe(state.volume, at, severity, config.spikes),
        )
    return state, True


def apply_event(
    state: CountryIndexState,
    scores: Mapping[str, float],
    severity: float,
    at: datetime,
    baseline: StructuralBaseline | None,
    config: IndexConfig = DEFAULT_CONFIG,
    *,
    event_id: str | None = None,
    now: datetime | None = None,
) -> tuple[CountryIndexState, CountryRisk | None]:
    """``fold_event`` then ``refresh``, evaluated at ``now`` (default ``at``): the new state and
    the CountryRisk to publish, or None when nothing changed materially or the event was seen."""
    now = at if now is None else now
    state, fresh = fold_event(state, scores, severity, at, config, event_id=event_id, now=now)
    return refresh(state, baseline, now, config) if fresh else (state, None)


def apply_record(
    state: CountryIndexState | None, record: CountryEvent, baseline: StructuralBaseline | None,
    now: datetime, config: IndexConfig = DEFAULT_CONFIG,
) -> tuple[CountryIndexState, CountryRisk | None]:
    """One record of the country-events topic → (new state, CountryRisk to publish or None)."""
    state = state if state is not None else CountryIndexState(country=record.country)
    if record.kind == "refresh":
        return refresh(state, baseline, now, config)
    if record.kind == "batch":
        any_fresh = False
        for item in record.items:
            state, fresh = fold_event(state, cast(dict[str, float], item.scores.model_dump()),
                                      item.severity, item.at, config, event_id=item.event_id,
                                      now=now)
            any_fresh = any_fresh or fresh
        return refresh(state, baseline, now, config) if any_fresh else (state, None)
    scores = cast(dict[str, float], record.scores.model_dump())
    return apply_event(state, scores, record.severity, record.at, baseline, config,
                       event_id=record.event_id, now=now)
