"""The flush-time stages: inhibit, silence, dedup (with acks) and a group's flush plan over its life."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.alerts.stages.dedup import needs_update
from services.alerts.stages.flush import FlushPlan, plan_flush
from services.alerts.stages.inhibit import inhibited
from services.alerts.stages.silence import silenced
from shared.alerting.config import InhibitRuleConfig
from shared.alerting.state import AlertGroup, Notified, RouteTarget, Silence
from shared.schemas.alert import Alert

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def aid(name: str) -> str:
    return f"alert-id-{name}"


def alert(name: str, status: str = "firing", at: datetime = T0,
          labels: dict[str, str] | None = None) -> Alert:
    return Alert.model_validate({
        "tenant": "acme", "id": aid(name), "fingerprint": aid(name), "rule": "r",
        "kind": "event", "status": status, "labels": labels or {}, "severity": 60, "category": "political",
        "title": name, "reason": {"summary": "s"}, "starts_at": at, "updated_at": at,
    })


def tagged(name: str, **labels: str) -> Alert:
    return alert(name, labels=labels)


def _resolved(a: Alert) -> Alert:
    return a.model_copy(update={"status": "resolved", "ends_at": a.starts_at + MIN})


HIGH = {"severity_level": "high"}
MEDIUM = {"severity_level": "medium"}
RULES = [InhibitRuleConfig.model_validate({
    "source_matchers": ['severity_level="high"'], "target_matchers": ['severity_level="medium"'],
    "equal": ["country"]})]


@pytest.mark.parametrize(("source", "target", "muted"), [
    (tagged("s", country="PAK", **HIGH), tagged("t", country="PAK", **MEDIUM), True),
    (tagged("s", country="CHN", **HIGH), tagged("t", country="PAK", **MEDIUM), False),
    (tagged("s", **HIGH), tagged("t", **MEDIUM), True),                     # missing == missing
    (tagged("s", **HIGH), tagged("t", country="PAK", **MEDIUM), False),
    (_resolved(tagged("s", country="PAK", **HIGH)), tagged("t", country="PAK", **MEDIUM), False),
    (tagged("s", country="PAK", **MEDIUM), tagged("t", country="PAK", **MEDIUM), False),
    (tagged("s", country="PAK", **HIGH), tagged("t", country="PAK", **HIGH), False),
    (tagged("s", country="SYR", **HIGH), tagged("t", country="RUS,SYR", **MEDIUM), True),  # shared
    (tagged("s", country="SYR,TUR", **HIGH), tagged("t", country="RUS", **MEDIUM), False),
])
def test_inhibit(source: Alert, target: Alert, muted: bool) -> None:
    assert inhibited([target], [source], RULES) == ({target.id: 0} if muted else {})


def test_an_alert_matching_both_sides_inhibits_neither_itself_nor_its_twin() -> None:
    both = [InhibitRuleConfig.model_validate({"source_matchers": ['kind="spike"'],
                                              "target_matchers": ['kind="spike"']})]
    a, b = tagged("a", kind="spike"), tagged("b", kind="spike")
    assert inhibited([a], [a], both) == {}
    assert inhibited([a, b], [a, b], both) == {}
    spike_mutes_medium = InhibitRuleConfig.model_validate({
        "source_matchers": ['kind="spike"'], "target_matchers": ['severity_level="medium"']})
    rules = [*RULES, spike_mutes_medium]
    source = tagged("s", kind="spike", **HIGH)
    assert inhibited([tagged("t", **MEDIUM)], [source], rules) == {aid("t"): 0}  # the first rule
    assert inhibited([tagged("t", **MEDIUM)], [tagged("s", kind="spike")], rules) == {aid("t"): 1}


def silence(name: str, start: timedelta, end: timedelta, *matchers: str) -> Silence:
    return Silence.model_validate({
        "id": name, "tenant": "acme", "matchers": list(matchers), "starts_at": T0 + start,
        "ends_at": T0 + end, "created_by": "ops", "comment": "", "created_at": T0 - HOUR})


@pytest.mark.parametrize(("silences", "expected"), [
    ([silence("s1", -HOUR, HOUR, 'country="PAK"')], "s1"),
    ([silence("s1", -HOUR, HOUR, 'country=~"LKA|PAK"', 'category="political"')], "s1"),
    ([silence("s1", -HOUR, HOUR, 'country="CHN"')], None),
    ([silence("s1", MIN, HOUR, 'country="PAK"')], None),            # not yet started
    ([silence("s1", -HOUR, timedelta(0), 'country="PAK"')], None),  # ended at now
    ([silence("s1", timedelta(0), HOUR, 'country="PAK"')], "s1"),   # starts at now
    ([silence("late", -MIN, HOUR, 'country="PAK"'), silence("early", -HOUR, HOUR, 'rule="r"')],
     "early"),
])
def test_silence(silences: list[Silence], expected: str | None) -> None:
    target = tagged("t", country="PAK", category="political", rule="r")
    assert silenced([target, tagged("other", country="IND")], silences, T0) == (
        {target.id: expected} if expected else {})


def notified(firing: set[str], resolved: Iterable[str] = (), ago: timedelta = 5 * MIN) -> Notified:
    return Notified(firing=frozenset(firing), resolved=frozenset(resolved), at=T0 - ago)


REPEAT = 4 * HOUR


@pytest.mark.parametrize(("previous", "firing", "resolved", "acked", "send_resolved", "expected"), [
    # first notification
    (None, {"a"}, set(), set(), True, True),
    (None, {"a"}, set(), {"a"}, True, True),                          # acked early: still new
    (None, set(), {"a"}, set(), True, False),                         # fired and resolved unseen
    # an alert the last notification did not say was firing
    (notified({"a"}), {"a", "b"}, set(), set(), True, True),
    (notified({"a"}), {"a", "b"}, set(), {"a", "b"}, True, True),     # acks don't mute new alerts
    (notified(set(), {"a"}), {"a"}, set(), set(), True, True),        # refired after its resolve
    # everything resolved
    (notified({"a"}), set(), {"a"}, set(), True, True),
    (notified({"a"}), set(), {"a"}, set(), False, True),              # clears the log regardless
    (notified(set(), {"a"}), set(), {"a", "b"}, set(), True, False),  # b resolved unseen
    # some resolved
    (notified({"a", "b"}), {"a"}, {"b"}, set(), True, True),
    (notified({"a", "b"}), {"a"}, {"b"}, {"a"}, True, True),          # a resolve still notifies
    (notified({"a", "b"}), {"a"}, {"b"}, set(), False, False),
    (notified({"a"}, {"b"}), {"a"}, {"b"}, set(), True, False),       # already said
    # nothing new: the repeat
    (notified({"a", "b"}), {"a", "b"}, set(), set(), True, False),
    (notified({"a"}, ago=REPEAT - MIN), {"a"}, set(), set(), True, False),
    (notified({"a"}, ago=REPEAT), {"a"}, set(), set(), True, True),
    (notified({"a"}, ago=REPEAT + MIN), {"a"}, set(), set(), False, True),
    (notified({"a", "b"}, ago=REPEAT), {"a", "b"}, set(), {"a", "b"}, True, False),  # all acked
    (notified({"a", "b"}, ago=REPEAT), {"a", "b"}, set(), {"a"}, True, True),
    (notified({"a", "b"}, ago=REPEAT), {"a"}, set(), {"b"}, True, True),  # b's ack no longer counts
])
def test_needs_update(previous: Notified | None, firing: set[str], resolved: set[str],
                      acked: set[str], send_resolved: bool, expected: bool) -> None:
    assert needs_update(previous, frozenset(firing), frozenset(resolved), frozenset(acked), REPEAT,
                        T0, send_resolved) is expected


TARGET = RouteTarget(route_id="0", receiver="ops", group_by=(), group_wait=30 * timedelta(seconds=1),
                     group_interval=5 * MIN, repeat_interval=REPEAT)


def group(notified_: Notified | None = None) -> AlertGroup:
    return AlertGroup(id="g" * 32, tenant="acme", target=TARGET, labels={}, created_at=T0,
                      next_flush_at=T0 + TARGET.group_wait, notified=notified_)


def flush(g: AlertGroup, alerts: list[Alert], now: datetime, **options: Any) -> tuple[FlushPlan, AlertGroup]:
    """One flush, and the group as the runtime leaves it (log stored, timer moved)."""
    plan = plan_flush(g, alerts, options.get("muted", {}), frozenset(options.get("acked", ())),
                      options.get("send_resolved", True), now)
    after = g.model_copy(update={"notified": plan.notified or g.notified,
                                 "next_flush_at": plan.next_flush_at})
    return plan, after


def ids(alerts: list[Alert]) -> list[str]:
    return [a.title for a in alerts]


def test_a_group_life_from_first_flush_to_empty() -> None:
    a, b = alert("a"), alert("b", at=T0 + MIN)
    g = group()
    steps: list[tuple[str, datetime, list[Alert], bool, list[str], list[str], list[str], bool]] = [
        # what happens, now, members, notify, firing, resolved, drop, empty
        ("first flush after group_wait", g.next_flush_at, [a], True, ["a"], [], [], False),
        ("an alert added", g.next_flush_at + 5 * MIN, [a, b], True, ["a", "b"], [], [], False),
        ("nothing new", g.next_flush_at + 10 * MIN, [a, b], False, ["a", "b"], [], [], False),
        ("a resolves", g.next_flush_at + 15 * MIN, [_resolved(a), b], True, ["b"], ["a"], ["a"],
         False),
        ("b resolves, a gone", g.next_flush_at + 20 * MIN, [_resolved(b)], True, [], ["b"], ["b"],
         True),
    ]
    for what, now, members, notify, firing, resolved, drop, empty in steps:
        assert now == g.next_flush_at, what
        plan, g = flush(g, members, now)
        assert (plan.notify, ids(plan.firing), ids(plan.resolved)) == (notify, firing, resolved), what
        assert (plan.drop, plan.empty) == ([aid(n) for n in drop], empty), what
        assert plan.next_flush_at == now + TARGET.group_interval, what
        if notify:
            assert plan.notified == Notified(firing=frozenset(m.id for m in plan.firing),
                                             resolved=frozenset(m.id for m in plan.resolved), at=now)
        else:
            assert plan.notified is None


def test_an_alert_resolved_inside_group_wait_is_never_sent() -> None:
    c = _resolved(alert("c"))
    plan, _ = flush(group(), [c], T0 + TARGET.group_wait)
    assert (plan.notify, plan.notified, plan.drop, plan.empty) == (False, None, [aid("c")], True)
    plan, _ = flush(group(), [alert("d"), c], T0 + TARGET.group_wait)
    assert (plan.notify, ids(plan.firing), plan.resolved, plan.drop) == (True, ["d"], [], [aid("c")])


def test_acks_mute_the_repeat_but_not_a_new_alert() -> None:
    a, b = alert("a"), alert("b")
    g = group(Notified(firing=frozenset({a.id}), at=T0 - REPEAT))
    plan, _ = flush(g, [a], T0, acked={a.id})
    assert not plan.notify
    plan, _ = flush(g, [a], T0)
    assert (plan.notify, ids(plan.firing)) == (True, ["a"])
    plan, _ = flush(g, [a, b], T0, acked={a.id, b.id})
    assert (plan.notify, ids(plan.firing)) == (True, ["a", "b"])


def test_a_repeat_leaves_the_acked_alerts_out_but_keeps_them_in_the_log() -> None:
    a, b = alert("a"), alert("b")
    g = group(Notified(firing=frozenset({a.id, b.id}), at=T0 - REPEAT))
    plan, after = flush(g, [a, b], T0, acked={a.id})
    assert (plan.notify, ids(plan.firing)) == (True, ["b"])  # the repeat is b's alone
    assert plan.notified is not None and plan.notified.firing == {a.id, b.id}
    plan, _ = flush(after, [a, b], T0 + REPEAT / 2, acked={a.id})
    assert not plan.notify  # a is not new because the repeat left it out


def test_muted_alerts_are_neither_notified_nor_dropped_until_they_resolve() -> None:
    a, b = alert("a"), alert("b")
    g = group(Notified(firing=frozenset({a.id}), at=T0 - 5 * MIN))
    plan, _ = flush(g, [a, b], T0, muted={b.id: "silence:s1"})
    assert (plan.notify, plan.drop, plan.empty) == (False, [], False)
    plan, _ = flush(g, [_resolved(a), b], T0, muted={a.id: "inhibit:0", b.id: "silence:s1"})
    assert (plan.notify, plan.drop, plan.empty) == (False, [aid("a")], False)
    assert plan.notified == Notified(at=T0)  # the receiver is not told, the log forgets a
    plan, _ = flush(g, [_resolved(a), b], T0, muted={b.id: "silence:s1"})
    assert (plan.notify, ids(plan.resolved), plan.drop) == (True, ["a"], [aid("a")])


def test_without_send_resolved_the_all_resolved_flush_is_recorded_not_sent() -> None:
    a, b = alert("a"), alert("b")
    g = group(Notified(firing=frozenset({a.id, b.id}), at=T0 - 5 * MIN))
    plan, _ = flush(g, [_resolved(a), b], T0, send_resolved=False)
    assert (plan.notify, plan.notified, plan.drop, plan.empty) == (False, None, [aid("a")], False)
    plan, _ = flush(g, [_resolved(b)], T0, send_resolved=False)
    assert (plan.notify, plan.resolved, plan.drop, plan.empty) == (False, [], [aid("b")], True)
    assert plan.notified == Notified(at=T0)


def test_a_group_with_no_members_is_empty() -> None:
    plan, _ = flush(group(Notified(firing=frozenset({aid("a")}), at=T0 - HOUR)), [], T0)
    assert (plan.notify, plan.empty, plan.drop) == (False, True, [])
