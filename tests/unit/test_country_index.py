"""The country index's pure logic: decay, spikes, apply_event, state round trips. Time is injected."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.scorer.index import decay, spikes
from services.scorer.index.country_index import (
    DEFAULT_CONFIG,
    CountryEvent,
    CountryIndexState,
    IndexConfig,
    apply_event,
    apply_record,
    current,
    refresh,
)
from services.scorer.index.decay import Decayed
from services.scorer.index.spikes import SpikeConfig, VolumeHistory
from services.scorer.index.structural import StructuralBaseline
from shared.schemas import CountryRisk, RiskScores
from shared.schemas.country_event import CountryEventItem

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BASELINE = StructuralBaseline("PAK", political=80.0, regulatory=60.0, supply_chain=50.0, wgi_year=2023,
                              cultural_distance=2.5)


def political(score: float) -> dict[str, float]:
    return {"regulatory": 0.0, "political": score, "supply_chain": 0.0}


# ---- decay -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "remaining"), [(0, 1.0), (72, 0.5), (144, 0.25), (216, 0.125)])
def test_each_half_life_halves_the_decayed_value(hours: int, remaining: float) -> None:
    state = decay.add(Decayed(), {"political": 1.0}, 1.0, T0)
    later = decay.read(state, T0 + timedelta(hours=hours))
    assert later.sums["political"] == pytest.approx(remaining)
    assert later.count == pytest.approx(remaining)


def test_a_late_event_lands_as_if_it_had_arrived_in_order() -> None:
    early, late = T0, T0 + 10 * HOUR
    in_order = decay.add(decay.add(Decayed(), {"political": 1.0}, 1, early), {"political": 2.0}, 1, late)
    reversed_ = decay.add(decay.add(Decayed(), {"political": 2.0}, 1, late), {"political": 1.0}, 1, early)
    assert reversed_.at == in_order.at == late
    assert reversed_.sums["political"] == pytest.approx(in_order.sums["political"])


def test_reading_before_the_last_update_does_not_grow_the_value() -> None:
    state = decay.add(Decayed(), {"political": 1.0}, 1.0, T0)
    assert decay.read(state, T0 - DAY) == state


def test_snapshots_keep_one_per_hour_and_are_bounded() -> None:
    history: decay.Snapshots = ()
    state = Decayed()
    for minutes in range(0, 3 * 24 * 60, 20):  # three days, an event every 20 minutes
        state = decay.add(state, {"political": 0.1}, 1, T0 + timedelta(minutes=minutes))
        history = decay.record(history, state, HOUR, 25 * HOUR)
    assert 25 <= len(history) <= 27
    assert len({s.at.replace(minute=0) for s in history if s.at is not None}) == len(history)


def test_the_past_value_is_the_snapshot_before_it_decayed_and_empty_before_any() -> None:
    state = decay.add(Decayed(), {"political": 1.0}, 1, T0)
    history = decay.record((), state, HOUR, 25 * HOUR)
    assert decay.value_at(history, T0 - HOUR).sums == {}
    assert decay.value_at(history, T0 + 72 * HOUR).sums["political"] == pytest.approx(0.5)


# ---- spikes ------------------------------------------------------------------------------------

def history_of(per_day: list[tuple[int, float]], today: datetime) -> VolumeHistory:
    """(count, severity each) for the days before ``today``, oldest first."""
    volume = VolumeHistory()
    for offset, (count, severity) in enumerate(per_day):
        day = today - (len(per_day) - offset) * DAY
        for _ in range(count):
            volume = spikes.observe(volume, day, severity, SpikeConfig())
    return volume


def burst(volume: VolumeHistory, count: int, severity: float, at: datetime) -> VolumeHistory:
    for _ in range(count):
        volume = spikes.observe(volume, at, severity, SpikeConfig())
    return volume


@pytest.mark.parametrize(
    ("history", "today", "spiking"),
    [
        ([(3, 40.0)] * 10, (15, 40.0), True),    # flat history, then a burst
        ([(3, 40.0)] * 10, (5, 40.0), False),    # a busy day, within Poisson noise
        ([(3, 40.0)] * 2, (15, 40.0), False),    # two days are no baseline
        ([(3, 40.0)] * 2, (30, 40.0), True),     # ... unless the burst is absolute
        ([(0, 0.0)] * 9 + [(1, 40.0)], (4, 90.0), False),  # below the minimum count
        ([(5, 10.0)] * 10, (6, 100.0), True),    # same volume, far more severe
    ],
)
def test_spike_detection_against_the_trailing_days(
    history: list[tuple[int, float]], today: tuple[int, float], spiking: bool
) -> None:
    volume = burst(history_of(history, T0), today[0], today[1], T0)
    assert spikes.detect(volume, T0, SpikeConfig()).spiking is spiking


def test_flat_history_with_zero_variance_does_not_flag_one_extra_event() -> None:
    volume = burst(history_of([(6, 50.0)] * 14, T0), 7, 50.0, T0)
    check = spikes.detect(volume, T0, SpikeConfig())
    assert not check.spiking and check.count_threshold == pytest.approx(6 + 3 * math.sqrt(6))


def test_volume_history_stays_within_the_window() -> None:
    volume = VolumeHistory()
    for day in range(40):
        volume = spikes.observe(volume, T0 + day * DAY, 50.0, SpikeConfig())
    assert len(volume.buckets) == 15 and volume.first_day == spikes.utc_day(T0)
    assert spikes.observe(volume, T0, 50.0, SpikeConfig()) == volume  # too old to count


# ---- apply_event -------------------------------------------------------------------------------

def fresh() -> CountryIndexState:
    return CountryIndexState(country="PAK")


def test_the_first_event_publishes_with_its_category_rising() -> None:
    state, risk = apply_event(fresh(), political(100), 100, T0, BASELINE, event_id="e1")
    assert risk is not None
    pressure = 100 * (1 - math.exp(-1 / 5))
    assert risk.index.political == pytest.approx(0.4 * 80 + 0.6 * pressure, abs=0.01)
    assert risk.index.regulatory == pytest.approx(0.4 * 60)
    assert risk.trend.political == "rising" and risk.trend.regulatory == "stable"
    assert risk.overall == risk.index.political and risk.event_count == 1
    assert state.published is not None and state.published.index["political"] == risk.index.political


def test_a_small_change_publishes_nothing_and_a_big_one_publishes() -> None:
    state, _ = apply_event(fresh(), political(80), 80, T0, BASELINE, event_id="e1")
    state, small = apply_event(state, political(5), 5, T0 + HOUR, BASELINE, event_id="e2")
    assert small is None
    state, big = apply_event(state, political(100), 100, T0 + 2 * HOUR, BASELINE, event_id="e3")
    assert big is not None and big.trend.political == "rising" and big.event_count == 3


def test_decay_without_events_publishes_a_falling_trend() -> None:
    state = fresh()
    for n in range(10):
        state, _ = apply_event(state, political(90), 90, T0 + n * HOUR, BASELINE, event_id=f"e{n}")
    state, risk = refresh(state, BASELINE, T0 + 3 * DAY)
    assert risk is not None and risk.trend.political == "falling"
    assert risk == current(state, BASELINE, T0 + 3 * DAY)
    _, quiet = refresh(state, BASELINE, T0 + 3 * DAY + HOUR)
    assert quiet is None  # nothing moved since


def test_the_index_returns_to_the_baseline_share_and_stable_after_weeks() -> None:
    state, _ = apply_event(fresh(), political(100), 100, T0, BASELINE, event_id="e1")
    risk = current(state, BASELINE, T0 + 60 * DAY)
    assert risk.index.political == pytest.approx(0.4 * 80, abs=0.01)
    assert risk.trend.political == "stable" and risk.event_count == 0


def test_a_redelivered_event_is_not_counted_twice() -> None:
    once, _ = apply_event(fresh(), political(60), 60, T0, BASELINE, event_id="e1")
    twice, risk = apply_event(once, political(60), 60, T0 + HOUR, BASELINE, event_id="e1")
    assert risk is None and twice == once


def test_remembered_event_ids_are_bounded() -> None:
    config = IndexConfig(remembered_ids=3)
    state = fresh()
    for n in range(5):
        state, _ = apply_event(state, political(0), 0, T0, BASELINE, config, event_id=f"e{n}")
    assert len(state.recent_ids) == 3
    _, again = apply_event(state, political(60), 60, T0, BASELINE, config, event_id="e0")
    assert again is not None  # forgotten, so counted: the window must exceed the redelivery span


def test_an_event_without_risk_signal_adds_nothing() -> None:
    state, _ = apply_event(fresh(), political(0), 0, T0, BASELINE, event_id="e1")
    assert state.decayed == Decayed() and state.volume == VolumeHistory() and state.recent_ids


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [(None, 100 * (1 - math.exp(-0.2))),  # no WGI data: events alone, no invented prior
     (BASELINE, 0.4 * 80 + 0.6 * 100 * (1 - math.exp(-0.2)))],
)
def test_the_index_formula_with_and_without_a_baseline(
    baseline: StructuralBaseline | None, expected: float
) -> None:
    _, risk = apply_event(fresh(), political(100), 100, T0, baseline, event_id="e1")
    assert risk is not None and risk.index.political == pytest.approx(expected, abs=0.01)
    assert risk.index.regulatory == (0.0 if baseline is None else 24.0)


@pytest.mark.parametrize(("points_per_ks", "added"), [(0.0, 0.0), (1.0, 2.5), (2.0, 4.0)])
def test_cultural_distance_raises_the_regulatory_baseline_only_when_configured(
    points_per_ks: float, added: float
) -> None:
    config = IndexConfig(cultural_points_per_ks=points_per_ks, cultural_cap=4.0)
    risk = current(fresh(), BASELINE, T0, config)  # KS 2.5
    assert risk.index.regulatory == pytest.approx(0.4 * (60 + added))
    assert risk.index.political == pytest.approx(0.4 * 80)


def test_a_spike_publishes_once_even_when_the_index_barely_moves() -> None:
    config = IndexConfig(pressure_scale=1e9)  # events move the index by ~0 points
    state = fresh()
    for day in range(10, 0, -1):
        for n in range(3):
            state, _ = apply_event(state, political(50), 50, T0 - day * DAY, BASELINE, config,
                                   event_id=f"d{day}-{n}", now=T0 - day * DAY)
    published = []
    for n in range(15):
        state, risk = apply_event(state, political(50), 50, T0 + n * 10 * timedelta(minutes=1),
                                  BASELINE, config, event_id=f"today-{n}")
        published.append(risk is not None)
    assert published.count(True) == 1 and published.index(True) > 5


def test_an_event_time_after_now_is_clamped_to_now() -> None:
    state, _ = apply_event(fresh(), political(50), 50, T0 + DAY, BASELINE, event_id="e1", now=T0)
    assert state.decayed.at == T0


# ---- state round trip and records ---------------------------------------------------------------

def busy_state() -> CountryIndexState:
    state = fresh()
    for n in range(30):
        scores = {"regulatory": 10.0 * (n % 3), "political": 50.0, "supply_chain": 5.0 * n % 40}
        state, _ = apply_event(state, scores, 50, T0 + n * 2 * HOUR, BASELINE, event_id=f"e{n}")
    return state


def test_state_survives_a_json_round_trip_unchanged() -> None:
    state = busy_state()
    restored = CountryIndexState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_a_restored_state_gives_the_same_index_and_the_same_next_decision() -> None:
    state = busy_state()
    restored = CountryIndexState.from_dict(json.loads(json.dumps(state.to_dict())))
    later = T0 + 4 * DAY
    assert current(restored, BASELINE, later) == current(state, BASELINE, later)
    assert (apply_event(restored, political(90), 90, later, BASELINE, event_id="next")
            == apply_event(state, political(90), 90, later, BASELINE, event_id="next"))


def test_an_event_record_needs_an_id_and_a_refresh_record_does_not() -> None:
    with pytest.raises(ValidationError):
        CountryEvent(country="PAK", scores=RiskScores(political=50), severity=50, at=T0)
    tick = CountryEvent(kind="refresh", country="PAK", at=T0)
    state, risk = apply_record(None, tick, BASELINE, T0)
    assert state.country == "PAK" and isinstance(risk, CountryRisk)  # the first value is published
    assert risk.index.political == pytest.approx(32.0)


def test_a_record_applies_like_the_event_it_carries() -> None:
    record = CountryEvent(country="PAK", scores=RiskScores(political=70), severity=70, at=T0, event_id="e1")
    by_record = apply_record(None, record, BASELINE, T0 + HOUR, DEFAULT_CONFIG)
    by_call = apply_event(fresh(), political(70), 70, T0, BASELINE, event_id="e1", now=T0 + HOUR)
    assert by_record == by_call
    assert replace(by_record[0], recent_ids=()) != fresh()


def test_a_batch_record_equals_its_events_one_by_one_and_a_repeat_counts_nothing() -> None:
    items = [CountryEventItem(scores=RiskScores(political=p), severity=p,
                              at=T0 + timedelta(minutes=i), event_id=f"e{i}")
             for i, p in enumerate((40.0, 70.0, 55.0))]
    now = T0 + timedelta(minutes=5)
    one_by_one: CountryIndexState | None = None
    for item in items:
        one_by_one, _ = apply_record(one_by_one, CountryEvent(
            country="PAK", scores=item.scores, severity=item.severity, at=item.at,
            event_id=item.event_id), BASELINE, now)
    batch = CountryEvent(kind="batch", country="PAK", at=items[-1].at, items=items)
    batched, risk = apply_record(None, batch, BASELINE, now)
    assert one_by_one is not None and risk is not None
    assert batched.decayed == one_by_one.decayed and batched.recent_ids == one_by_one.recent_ids
    again, nothing = apply_record(batched, batch, BASELINE, now)
    assert again == batched and nothing is None  # a redelivered batch changes nothing


def test_a_batch_record_needs_items() -> None:
    with pytest.raises(ValidationError, match="items"):
        CountryEvent(kind="batch", country="PAK", at=T0)
