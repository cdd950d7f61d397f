"""Route: which receivers an alert goes to, with which grouping and timers (Alertmanager's
dispatch/route.go).

The configured tree is resolved once (``build_tree``): every node knows its id (its path, ``0``
the root, ``0.1`` its second child, ``0.1.0`` that child's first child) and the receiver,
group_by and timers it inherits from its ancestors where it leaves them unset. ``route`` then
walks it per alert: a node matches when all its matchers do; its children are tried in order and
the first that matches takes the alert, unless it says ``continue: true`` and lets later siblings
try too; a matching node none of whose children match is itself the target. The root matches
every alert (as in Alertmanager, where the root may have no matchers), so no alert goes
unrouted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from shared.alerting.config import (
    DEFAULT_GROUP_INTERVAL,
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    RouteConfig,
)
from shared.alerting.matchers import Matcher, all_match
from shared.alerting.state import RouteTarget

GROUP_BY_ALL = "..."  # group_by: ['...'] groups by every label: one group per distinct label set


@dataclass(frozen=True)
class RouteNode:
    """A node of the resolved tree: its own matchers, its resolved target, its children."""

    target: RouteTarget
    matchers: tuple[Matcher, ...] = ()
    continue_: bool = False
    children: tuple[RouteNode, ...] = ()

    @property
    def id(self) -> str:
        return self.target.route_id


def build_tree(route: RouteConfig) -> RouteNode:
    """Resolve inheritance. The root needs a receiver (TenantConfig checks it); defaults:
    group_by [] (one group per route), group_wait 30s, group_interval 5m, repeat_interval 4h."""
    if not route.receiver:
        raise ValueError("the root route needs a receiver")
    root = RouteTarget(route_id="0", receiver=route.receiver, group_by=(),
                       group_wait=DEFAULT_GROUP_WAIT, group_interval=DEFAULT_GROUP_INTERVAL,
                       repeat_interval=DEFAULT_REPEAT_INTERVAL)
    return _resolve(route, "0", root)


def route(tree: RouteNode, labels: Mapping[str, str]) -> list[RouteTarget]:
    """The targets for an alert with ``labels``, in tree order (one at least: the root's)."""
    return [node.target for node in _match(tree, labels, root=True)]


def _resolve(config: RouteConfig, route_id: str, parent: RouteTarget) -> RouteNode:
    target = RouteTarget(
        route_id=route_id,
        receiver=config.receiver or parent.receiver,
        group_by=tuple(config.group_by) if config.group_by is not None else parent.group_by,
        group_wait=_pick(config.group_wait, parent.group_wait),
        group_interval=_pick(config.group_interval, parent.group_interval),
        repeat_interval=_pick(config.repeat_interval, parent.repeat_interval),
    )
    children = tuple(_resolve(child, f"{route_id}.{index}", target)
                     for index, child in enumerate(config.routes))
    return RouteNode(target=target, matchers=tuple(config.matchers), continue_=config.continue_,
                     children=children)


def _pick(own: timedelta | None, inherited: timedelta) -> timedelta:
    return inherited if own is None else own


def _match(node: RouteNode, labels: Mapping[str, str], root: bool = False) -> list[RouteNode]:
    if not root and not all_match(node.matchers, labels):
        return []
    found: list[RouteNode] = []
    for child in node.children:
        matched = _match(child, labels)
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [node]
