from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.alerts.delivery.circuit import (
    CircuitPolicy,
    before_attempt,
    blocked_until,
    enabled,
    may_attempt,
    on_failure,
    on_gone,
    on_success,
)
from shared.alerting.delivery import EndpointHealth

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = CircuitPolicy()


def fresh() -> EndpointHealth:
    return EndpointHealth(tenant="acme", receiver="ops")


def failed(times: int, health: EndpointHealth | None = None, at: datetime = T0) -> EndpointHealth:
    health = health or fresh()
    for _ in range(times):
        health = on_failure(before_attempt(health, at), at, POLICY)
    return health


def test_a_new_endpoint_is_closed_and_may_be_attempted() -> None:
    assert may_attempt(fresh(), T0) and blocked_until(fresh()) is None


def test_failures_below_the_threshold_keep_the_circuit_closed() -> None:
    health = failed(4)
    assert (health.circuit, health.consecutive_failures, health.failing_since) == ("closed", 4, T0)
    assert may_attempt(health, T0)


def test_the_fifth_consecutive_failure_opens_the_circuit_for_the_cooldown() -> None:
    health = failed(5)
    assert (health.circuit, health.circuit_opened) == ("open", 1)
    assert blocked_until(health) == T0 + timedelta(seconds=30)
    assert not may_attempt(health, T0 + timedelta(seconds=29))
    assert may_attempt(health, T0 + timedelta(seconds=30))


def test_before_attempt_turns_a_due_open_circuit_into_the_probe() -> None:
    health = failed(5)
    assert before_attempt(health, T0 + timedelta(seconds=10)) == health  # not due: unchanged
    probe = before_attempt(health, T0 + timedelta(seconds=30))
    assert probe.circuit == "half_open" and may_attempt(probe, T0 + timedelta(seconds=30))
    assert blocked_until(probe) is None
    assert before_attempt(fresh(), T0) == fresh()


def test_a_successful_probe_closes_the_circuit_and_forgets_the_failures() -> None:
    later = T0 + timedelta(seconds=30)
    health = on_success(before_attempt(failed(5), later), later)
    assert health == fresh().model_copy(update={"last_success_at": later})


def test_each_failed_probe_reopens_with_the_cooldown_doubled_up_to_the_cap() -> None:
    health, now, periods = failed(5), T0, []
    for _ in range(7):
        assert health.circuit == "open" and health.circuit_until is not None
        periods.append(health.circuit_until - now)
        now = health.circuit_until
        health = on_failure(before_attempt(health, now), now, POLICY)
    assert periods == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 600, 600)]
    assert health.circuit_opened == 8 and health.failing_since == T0


def test_after_a_success_the_next_opening_starts_from_the_first_cooldown_again() -> None:
    health = failed(5)
    now = T0 + timedelta(seconds=30)
    health = on_failure(before_attempt(health, now), now, POLICY)  # re-opened: 60 s
    now += timedelta(seconds=60)
    health = on_success(before_attempt(health, now), now)
    health = failed(5, health, now)
    assert blocked_until(health) == now + timedelta(seconds=30)


def test_a_success_in_between_resets_the_count_towards_the_threshold() -> None:
    health = on_success(failed(4), T0)
    assert failed(4, health).circuit == "closed"


def test_failing_continuously_for_five_days_disables_the_endpoint() -> None:
    health = failed(1)
    almost = T0 + timedelta(days=5) - timedelta(seconds=1)
    health = on_failure(health, almost, POLICY)
    assert health.disabled_at is None
    five_days = T0 + timedelta(days=5)
    health = on_failure(before_attempt(health, five_days), five_days, POLICY)
    assert health.disabled_at == five_days
    assert health.disabled_reason == "failing continuously since 2026-03-01T12:00:00+00:00"
    assert not may_attempt(health, five_days + timedelta(days=1))


def test_a_success_restarts_the_five_days() -> None:
    health = on_success(failed(1), T0 + timedelta(days=3))
    health = on_failure(health, T0 + timedelta(days=4), POLICY)
    health = on_failure(health, T0 + timedelta(days=6), POLICY)
    assert health.disabled_at is None and health.failing_since == T0 + timedelta(days=4)


def test_a_later_failure_keeps_the_first_disabling() -> None:
    disabled = on_failure(failed(1), T0 + timedelta(days=5), POLICY)
    again = on_failure(disabled, T0 + timedelta(days=6), POLICY)
    assert (again.disabled_at, again.disabled_reason) == (disabled.disabled_at,
                                                           disabled.disabled_reason)


def test_gone_disables_at_once_and_blocks_attempts() -> None:
    health = on_gone(fresh(), T0, "HTTP 410 (gone)")
    assert (health.disabled_at, health.disabled_reason) == (
        T0, "HTTP 410 (gone)")
    assert health.consecutive_failures == 1 and health.failing_since == T0
    assert not may_attempt(health, T0 + timedelta(days=30))
    assert before_attempt(health, T0) == health


def test_disabling_supersedes_an_open_circuit() -> None:
    health = on_gone(failed(5), T0, "gone")
    assert (health.circuit, blocked_until(health), health.circuit_opened) == ("closed", None, 0)
    later = T0 + timedelta(hours=1)
    assert not may_attempt(health, later) and before_attempt(health, later) == health


def test_a_probe_answered_with_gone_leaves_no_half_open_circuit() -> None:
    due = T0 + timedelta(seconds=30)
    health = on_gone(before_attempt(failed(5), due), due, "gone")
    assert (health.circuit, health.disabled_at) == ("closed", due)


def test_disabling_after_five_days_stops_the_circuits_cool_down() -> None:
    health = failed(5)
    five_days = T0 + timedelta(days=5)
    health = on_failure(before_attempt(health, five_days), five_days, POLICY)
    assert health.disabled_at == five_days and blocked_until(health) is None


def test_a_success_does_not_undo_a_disabling() -> None:
    assert on_success(on_gone(fresh(), T0, "gone"), T0).disabled_at == T0


def test_enabling_resets_everything_but_the_last_success() -> None:
    health = on_gone(failed(7, on_success(fresh(), T0)), T0 + timedelta(hours=1), "gone")
    again = enabled(health)
    assert again == fresh().model_copy(update={"last_success_at": T0})
    assert may_attempt(again, T0 + timedelta(hours=1))


def test_an_open_circuit_without_an_end_counts_as_due() -> None:
    damaged = fresh().model_copy(update={"circuit": "open"})
    assert may_attempt(damaged, T0) and before_attempt(damaged, T0).circuit == "half_open"


@pytest.mark.parametrize("policy", [
    {"failure_threshold": 0},
    {"cooldown": timedelta(0)},
    {"cooldown": timedelta(minutes=20), "max_cooldown": timedelta(minutes=10)},
    {"disable_after": timedelta(0)},
])
def test_a_nonsensical_policy_is_refused(policy: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CircuitPolicy(**policy)  # type: ignore[arg-type]


def test_the_cooldown_never_overflows_however_many_openings() -> None:
    policy = CircuitPolicy(cooldown=timedelta(days=1), max_cooldown=timedelta(days=3))
    assert policy.cooldown_for(10**6) == timedelta(days=3)


# Any sequence of attempts the worker could make (it asks may_attempt, then before_attempt, then
# reports the outcome) keeps the breaker's invariants.
# Mostly failures, so that thresholds, probes and the five days are all reached.
events = st.lists(
    st.tuples(st.sampled_from(["failure"] * 6 + ["success", "gone", "enable"]),
              st.sampled_from([timedelta(0), timedelta(seconds=10), timedelta(seconds=30),
                               timedelta(minutes=10), timedelta(hours=5), timedelta(days=1)])
              | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))),
    max_size=80)


@settings(max_examples=300)
@given(events)
def test_any_sequence_of_outcomes_keeps_the_breakers_invariants(steps: list[tuple[str, timedelta]]
                                                                ) -> None:
    health, now = fresh(), T0
    for event, gap in steps:
        now += gap
        if event == "enable":
            health = enabled(health)
        elif may_attempt(health, now):
            health = before_attempt(health, now)
            if event == "success":
                health = on_success(health, now)
            elif event == "failure":
                health = on_failure(health, now, POLICY)
            else:
                health = on_gone(health, now, "gone")
        assert (health.consecutive_failures == 0) == (health.failing_since is None)
        assert (health.circuit == "closed") == (health.circuit_until is None)
        assert health.circuit == "closed" or health.consecutive_failures >= POLICY.failure_threshold
        if health.circuit == "open":
            assert health.circuit_until is not None
            assert timedelta(0) < health.circuit_until - now <= POLICY.max_cooldown
        if health.failing_since is not None and health.disabled_at is None:
            assert now - health.failing_since < POLICY.disable_after
