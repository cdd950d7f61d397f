from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from services.alerts.delivery.verdict import MAX_RETRY_AFTER, Verdict, judge, parse_retry_after

NOW = datetime(2015, 10, 21, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("status", "verdict"), [
    (200, Verdict("delivered", "HTTP 200")),
    (204, Verdict("delivered", "HTTP 204")),
    (299, Verdict("delivered", "HTTP 299")),
    (500, Verdict("retry", "HTTP 500")),
    (502, Verdict("retry", "HTTP 502")),
    (503, Verdict("retry", "HTTP 503")),
    (599, Verdict("retry", "HTTP 599")),
    (408, Verdict("retry", "HTTP 408")),
    (429, Verdict("retry", "HTTP 429")),
    (410, Verdict("gone", "HTTP 410 (gone)")),
    (400, Verdict("fail", "HTTP 400 (not retried)")),
    (401, Verdict("fail", "HTTP 401 (not retried)")),
    (404, Verdict("fail", "HTTP 404 (not retried)")),
    (413, Verdict("fail", "HTTP 413 (not retried)")),
    (301, Verdict("fail", "HTTP 301 (redirects are not followed)")),
    (302, Verdict("fail", "HTTP 302 (redirects are not followed)")),
    (307, Verdict("fail", "HTTP 307 (redirects are not followed)")),
    (304, Verdict("fail", "HTTP 304 (redirects are not followed)")),
    (101, Verdict("fail", "HTTP 101 (not a final HTTP status)")),
    (999, Verdict("fail", "HTTP 999 (not a final HTTP status)")),
])
def test_each_status_class_gets_its_verdict(status: int, verdict: Verdict) -> None:
    assert judge(status, {}, None, NOW) == verdict


@pytest.mark.parametrize("error", ["timeout", "ClientConnectorError: Cannot connect to host 127.0.0.1:9"])
def test_no_response_is_retried_with_the_error_as_the_reason(error: str) -> None:
    assert judge(None, {}, error, NOW) == Verdict("retry", error)


def test_no_response_and_no_error_is_still_retried() -> None:
    assert judge(None, {}, None, NOW) == Verdict("retry", "no response")


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("name", ["Retry-After", "retry-after", "RETRY-AFTER"])
def test_429_and_503_honour_retry_after_whatever_the_header_case(status: int, name: str) -> None:
    verdict = judge(status, {name: "120"}, None, NOW)
    assert verdict == Verdict("retry", f"HTTP {status}", timedelta(seconds=120))


def test_retry_after_is_read_from_aiohttp_headers() -> None:
    headers = CIMultiDictProxy(CIMultiDict({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert judge(503, headers, None, NOW).retry_after == timedelta(minutes=28)


@pytest.mark.parametrize("status", [500, 502, 408])
def test_other_retried_statuses_ignore_retry_after(status: int) -> None:
    assert judge(status, {"Retry-After": "120"}, None, NOW).retry_after is None


def test_a_success_ignores_the_error_text() -> None:
    assert judge(200, {}, "ReadTimeout", NOW).kind == "delivered"


@pytest.mark.parametrize(("value", "wait"), [
    ("120", timedelta(seconds=120)),
    (" 5 ", timedelta(seconds=5)),
    ("86400", MAX_RETRY_AFTER),
    ("999999999999999999999999", MAX_RETRY_AFTER),
    ("Wed, 21 Oct 2015 07:28:00 GMT", timedelta(minutes=28)),      # IMF-fixdate
    ("Wednesday, 21-Oct-15 07:28:00 GMT", timedelta(minutes=28)),  # obsolete RFC 850
    ("Wed Oct 21 07:28:00 2015", timedelta(minutes=28)),           # obsolete asctime
    ("Fri, 23 Oct 2015 07:00:00 GMT", MAX_RETRY_AFTER),            # two days: clamped
])
def test_retry_after_reads_delta_seconds_and_http_dates(value: str, wait: timedelta) -> None:
    assert parse_retry_after(value, NOW) == wait


@pytest.mark.parametrize("value", [
    "", "soon", "-5", "1.5", "0", "+30", "12 0", "\u0663\u0660",  # Arabic-Indic digits
    "Wed, 21 Oct 2015 06:00:00 GMT",  # in the past
    "Wed, 21 Oct 2015 07:00:00 GMT",  # now
    "Wed, 32 Oct 2015 07:28:00 GMT",
])
def test_retry_after_garbage_zero_or_past_means_no_wait_asked(value: str) -> None:
    assert parse_retry_after(value, NOW) is None


@given(st.text())
def test_retry_after_parsing_never_raises_and_stays_within_a_day(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or timedelta(0) < wait <= MAX_RETRY_AFTER


@given(st.datetimes(min_value=datetime(1900, 1, 1), timezones=st.just(UTC)))  # 4-digit years
def test_an_http_date_is_the_wait_until_it_clamped_to_a_day(when: datetime) -> None:
    value = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    wait = parse_retry_after(value, NOW)
    expected = when.replace(microsecond=0) - NOW
    if expected <= timedelta(0):
        assert wait is None
    else:
        assert wait == min(expected, MAX_RETRY_AFTER)


@given(st.integers(-10, 1000) | st.none(),
       st.dictionaries(st.text(), st.text()), st.text() | st.none())
def test_judge_never_raises_and_only_429_and_503_carry_a_wait(
        status: int | None, headers: dict[str, str], error: str | None) -> None:
    verdict = judge(status, headers, error, NOW)
    assert verdict.reason
    if verdict.retry_after is not None:
        assert status in (429, 503) and verdict.kind == "retry"
