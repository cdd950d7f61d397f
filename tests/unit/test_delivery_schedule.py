from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.alerts.delivery.schedule import SVIX_SCHEDULE, RetrySchedule


def pinned(value: float) -> float:
    return value


def test_svix_schedule_is_eight_attempts_over_about_27_and_a_half_hours() -> None:
    schedule = RetrySchedule(SVIX_SCHEDULE)
    assert schedule.max_attempts == 8
    assert schedule.span() == timedelta(hours=27, minutes=35, seconds=5)
    assert RetrySchedule.parse("0s,5s,5m,30m,2h,5h,10h,10h") == schedule


def test_without_jitter_the_waits_are_the_schedule() -> None:
    schedule = RetrySchedule(SVIX_SCHEDULE, jitter=0.0)
    waits = [schedule.next_delay(made, lambda: 0.99) for made in range(1, 9)]
    assert waits == [*SVIX_SCHEDULE[1:], None]


@pytest.mark.parametrize(("draw", "wait"), [(0.0, timedelta(seconds=270)),
                                            (0.5, timedelta(seconds=300)),
                                            (0.75, timedelta(seconds=315))])
def test_jitter_scales_the_wait_by_up_to_a_tenth_either_way(draw: float, wait: timedelta) -> None:
    assert RetrySchedule(SVIX_SCHEDULE).next_delay(2, lambda: draw) == wait


def test_the_schedule_is_spent_after_its_last_attempt() -> None:
    schedule = RetrySchedule.parse("0s,1m")
    assert schedule.next_delay(1, lambda: 0.5) == timedelta(minutes=1)
    assert schedule.next_delay(2, lambda: 0.5) is None
    assert schedule.next_delay(9, lambda: 0.5) is None


def test_a_single_delay_means_one_attempt_and_no_retry() -> None:
    schedule = RetrySchedule.parse("0s")
    assert (schedule.max_attempts, schedule.span()) == (1, timedelta(0))
    assert schedule.next_delay(1, lambda: 0.5) is None


def test_a_zero_wait_stays_zero_whatever_the_draw() -> None:
    assert RetrySchedule.parse("0s,0s,5s", jitter=1.0).next_delay(1, lambda: 0.99) == timedelta(0)


def test_attempts_made_starts_at_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetrySchedule(SVIX_SCHEDULE).next_delay(0, lambda: 0.5)


@pytest.mark.parametrize(("text", "names"), [
    ("0s,5x,5m", "delay 2"),
    ("0s,,5m", "delay 2 is empty"),
    ("", "delay 1 is empty"),
    ("0s,5m,25h", "delay 3 \\(1d1h\\) is over 1d"),
    ("0s,5m,1s5m", "delay 3: duration '1s5m'"),
    (",".join(["1s"] * 21), "21 delays; at most 20"),
])
def test_a_bad_schedule_is_refused_naming_the_bad_part(text: str, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        RetrySchedule.parse(text)


def test_spaces_around_parts_are_allowed() -> None:
    assert RetrySchedule.parse(" 0s, 5s ,1m").delays == (timedelta(0), timedelta(seconds=5),
                                                         timedelta(minutes=1))


@pytest.mark.parametrize("jitter", [-0.1, 1.5])
def test_jitter_outside_zero_to_one_is_refused(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        RetrySchedule(SVIX_SCHEDULE, jitter=jitter)


def test_negative_and_missing_delays_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        RetrySchedule((timedelta(0), timedelta(seconds=-1)))
    with pytest.raises(ValueError, match="at least one"):
        RetrySchedule(())


delays = st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=24)),
                  min_size=1, max_size=20)


@given(delays, st.floats(0.0, 1.0), st.integers(1, 25),
       st.floats(0.0, 1.0, exclude_max=True))
def test_a_jittered_wait_stays_within_its_bounds_and_is_never_negative(
        schedule_delays: list[timedelta], jitter: float, made: int, draw: float) -> None:
    schedule = RetrySchedule(tuple(schedule_delays), jitter)
    wait = schedule.next_delay(made, lambda: draw)
    if made >= len(schedule_delays):
        assert wait is None
        return
    assert wait is not None
    base = schedule_delays[made]
    slack = timedelta(microseconds=1)  # timedelta * float rounds to the microsecond
    assert timedelta(0) <= wait
    assert base * (1 - jitter) - slack <= wait <= base * (1 + jitter) + slack


@given(st.floats(allow_nan=False))
def test_a_misbehaving_draw_cannot_make_a_wait_negative(draw: float) -> None:
    wait = RetrySchedule(SVIX_SCHEDULE, jitter=1.0).next_delay(1, lambda: draw)
    assert wait is not None and timedelta(0) <= wait <= timedelta(seconds=10)
