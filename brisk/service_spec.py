"""One part of the stack ``brisk up`` runs: how to start it, how to tell it is ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """``ready`` is asked at start-up and after each restart; ``after_ready`` runs then (create
    the bucket, the topics). ``on_restart`` says which services must restart, with which env
    updates, once this part is back from a restart (the memory broker comes back empty).
    ``inherit_env``: the stores get only ``env`` (Tansu must see no stray AWS settings)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready: Callable[[], bool]
    url: str | None = None
    port: int | None = None
    after_ready: Callable[[], None] | None = None
    on_restart: Callable[[], dict[str, dict[str, str]]] | None = None
    inherit_env: bool = True
