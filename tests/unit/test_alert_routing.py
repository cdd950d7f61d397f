"""The route and group stages: the routing tree (nesting, continue, inheritance) and group keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.alerts.stages.group import group_id, group_labels, open_group
from services.alerts.stages.route import build_tree, route
from shared.alerting.config import (
    DEFAULT_GROUP_INTERVAL,
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    RouteConfig,
)
from shared.alerting.state import RouteTarget

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TREE = build_tree(RouteConfig.model_validate({
    "receiver": "default", "group_by": ["category"], "group_wait": "1m",
    "routes": [
        {"matchers": ['category="political"'], "receiver": "politics", "group_interval": "10m",
         "routes": [
             {"matchers": ['country="PAK"'], "receiver": "pak-desk", "repeat_interval": "1h"},
             {"matchers": ['severity_level="high"'], "receiver": "oncall", "group_by": []},
         ]},
        {"matchers": ['kind="watchlist"'], "receiver": "watch", "continue": True},
        {"matchers": ['entity=~".*Sinosteel.*"'], "routes": [
            {"matchers": ['severity_level="none"'], "receiver": "nobody"}]},
        {"matchers": ['kind="watchlist"'], "receiver": "audit"},
    ],
}))


@pytest.mark.parametrize(("labels", "expected"), [
    ({"category": "political", "country": "PAK"}, [("0.0.0", "pak-desk")]),
    ({"category": "political", "country": "CHN,PAK"}, [("0.0.0", "pak-desk")]),
    ({"category": "political", "country": "PAK", "severity_level": "high"}, [("0.0.0", "pak-desk")]),
    ({"category": "political", "country": "LKA", "severity_level": "high"}, [("0.0.1", "oncall")]),
    ({"category": "political", "country": "LKA"}, [("0.0", "politics")]),     # no child matched
    ({"category": "regulatory"}, [("0", "default")]),                         # nothing matched
    ({"kind": "watchlist", "entity": "Sinosteel"}, [("0.1", "watch"), ("0.2", "default")]),
    ({"kind": "watchlist", "entity": "Power China"}, [("0.1", "watch"), ("0.3", "audit")]),
    ({"kind": "watchlist", "entity": "Sinosteel", "severity_level": "none"},
     [("0.1", "watch"), ("0.2.0", "nobody")]),
    ({"kind": "event", "entity": "Sinosteel"}, [("0.2", "default")]),
])
def test_route(labels: dict[str, str], expected: list[tuple[str, str]]) -> None:
    assert [(t.route_id, t.receiver) for t in route(TREE, labels)] == expected


def _target(labels: dict[str, str]) -> RouteTarget:
    [target] = route(TREE, labels)
    return target


@pytest.mark.parametrize(("labels", "group_by", "wait", "interval", "repeat"), [
    ({"category": "regulatory"}, ("category",), timedelta(minutes=1), DEFAULT_GROUP_INTERVAL,
     DEFAULT_REPEAT_INTERVAL),
    ({"category": "political"}, ("category",), timedelta(minutes=1), timedelta(minutes=10),
     DEFAULT_REPEAT_INTERVAL),
    ({"category": "political", "country": "PAK"}, ("category",), timedelta(minutes=1),
     timedelta(minutes=10), timedelta(hours=1)),
    ({"category": "political", "severity_level": "high"}, (), timedelta(minutes=1),
     timedelta(minutes=10), DEFAULT_REPEAT_INTERVAL),
])
def test_children_inherit_what_they_leave_unset(labels: dict[str, str], group_by: tuple[str, ...],
                                                wait: timedelta, interval: timedelta,
                                                repeat: timedelta) -> None:
    target = _target(labels)
    assert (target.group_by, target.group_wait, target.group_interval, target.repeat_interval) == (
        group_by, wait, interval, repeat)


def test_a_bare_root_has_the_default_timers_and_takes_every_alert() -> None:
    tree = build_tree(RouteConfig.model_validate({"receiver": "r", "matchers": ['kind="spike"']}))
    assert tree.id == "0"
    assert route(tree, {"kind": "event"}) == [RouteTarget(
        route_id="0", receiver="r", group_by=(), group_wait=DEFAULT_GROUP_WAIT,
        group_interval=DEFAULT_GROUP_INTERVAL, repeat_interval=DEFAULT_REPEAT_INTERVAL)]
    with pytest.raises(ValueError, match="receiver"):
        build_tree(RouteConfig())


LABELS = {"tenant": "acme", "rule": "r", "category": "political", "country": "CHN,PAK"}


@pytest.mark.parametrize(("group_by", "expected"), [
    ((), {}),
    (("category",), {"category": "political"}),
    (("category", "country"), {"category": "political", "country": "CHN,PAK"}),
    (("category", "asset"), {"category": "political"}),   # a label the alert lacks is left out
    (("...",), LABELS),
])
def test_group_labels(group_by: tuple[str, ...], expected: dict[str, str]) -> None:
    target = _target({"category": "regulatory"}).model_copy(update={"group_by": group_by})
    assert group_labels(target, LABELS) == expected


def test_group_id_is_stable_and_keyed_by_tenant_route_receiver_and_labels() -> None:
    target = _target({"category": "regulatory"})
    key = group_id("acme", target, {"category": "political", "country": "PAK"})
    assert key == group_id("acme", target, {"country": "PAK", "category": "political"})
    assert key == group_id("acme", target.model_copy(update={"group_wait": timedelta(0)}),
                           {"category": "political", "country": "PAK"})
    others = [
        group_id("other", target, {"category": "political", "country": "PAK"}),
        group_id("acme", target.model_copy(update={"route_id": "0.1"}),
                 {"category": "political", "country": "PAK"}),
        group_id("acme", target.model_copy(update={"receiver": "x"}),
                 {"category": "political", "country": "PAK"}),
        group_id("acme", target, {"category": "political", "country": "CHN"}),
        group_id("acme", target, {"category": "political"}),
    ]
    assert len({key, *others}) == 6


def test_a_new_group_first_flushes_after_group_wait() -> None:
    target = _target({"category": "regulatory"})
    group = open_group("acme", target, {"category": "regulatory"}, NOW)
    assert group.next_flush_at == NOW + timedelta(minutes=1)
    assert (group.created_at, group.notified, group.labels) == (NOW, None, {"category": "regulatory"})
    assert group.id == group_id("acme", target, {"category": "regulatory"})
