"""One part of the stack ``brisk up`` runs: how to start it, how to tell it is ready."""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    """``ready`` is asked at start-up and after each restart; ``after_ready`` runs then (create
    the bucket, the topics). ``on_restart`` says which services must restart, with which env
    updates, once this part is back from a restart (the memory broker comes back empty).
    ``inherit_env``: the stores get only ``env`` (Tansu must see no stray AWS settings).

    ``before_start`` runs before each start, restarts included (PostgreSQL's initdb, once); it
    raises to refuse. ``stop_signal`` goes to the part's process group to stop it, and is its
    death signal should brisk die (PostgreSQL: SIGINT, a fast shutdown; its SIGTERM waits for
    every client to leave). ``user``: run as that user (a name or uid; None: as brisk).
    ``cwd``: None for the repository root."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready: Callable[[], bool]
    url: str | None = None
    port: int | None = None
    after_ready: Callable[[], None] | None = None
    on_restart: Callable[[], dict[str, dict[str, str]]] | None = None
    inherit_env: bool = True
    before_start: Callable[[], None] | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    user: str | int | None = None
    cwd: Path | None = None
