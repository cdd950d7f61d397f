"""The supervisor behind ``brisk up``: starts the plan in order, restarts a child that dies, alone.

Start-up is sequential: each part starts once the one before answers ready. After that, ``tick``
(called about twice a second) notices a dead child, logs its exit status, and starts it again
with the same command, environment and port after the policy's delay — the broker and the stores
are never torn down because a service died, and services reconnect to a restarted broker on
their own. A crash loop raises ``CrashLoop``; the caller stops the stack. ``stop_all`` stops
everything in reverse start order.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from brisk.ports import port_is_free
from brisk.processes import Child, spawn
from brisk.restart_policy import RestartPolicy
from brisk.service_spec import ServiceSpec

REPO_ROOT = Path(__file__).resolve().parent.parent


class StartupFailed(Exception):
    pass


class CrashLoop(Exception):
    """A child exited ``max_exits`` times within the policy's window."""


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@dataclass
class Managed:
    spec: ServiceSpec
    child: Child
    exits: list[float] = field(default_factory=list)
    restart_at: float | None = None
    died_at: float | None = None
    starting: bool = False
    planned: bool = False  # restarted on purpose (``on_restart``), not because it died


class Supervisor:
    def __init__(self, env: dict[str, str], log_dir: Path, say: Callable[[str], None],
                 policy: RestartPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[], object] = lambda: None) -> None:
        self.env = env
        self.log_dir = log_dir
        self.say = say
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.on_change = on_change
        self.managed: list[Managed] = []

    def pids(self) -> dict[str, int]:
        return {m.spec.name: m.child.pid for m in self.managed}

    def _spawn(self, spec: ServiceSpec) -> Child:
        """Run ``before_start`` and start the part (either may raise)."""
        if spec.before_start is not None:
            spec.before_start()
        env = {**self.env, **spec.env} if spec.inherit_env else dict(spec.env)
        return spawn(spec.name, spec.argv, env, self.log_dir, spec.cwd or REPO_ROOT,
                     user=spec.user, stop_signal=spec.stop_signal)

    def start(self, spec: ServiceSpec, timeout: float) -> Child:
        """Start ``spec`` and wait until it is ready (then run its ``after_ready``)."""
        if spec.port is not None and not port_is_free(spec.port):
            raise StartupFailed(f"{spec.name}: port {spec.port} is already in use")
        try:
            child = self._spawn(spec)
        except Exception as exc:
            raise StartupFailed(f"{spec.name}: {exc}") from exc
        self.managed.append(Managed(spec, child))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not child.alive():
                raise StartupFailed(f"{spec.name} exited ({describe_exit(child.popen.returncode)}):"
                                    f"\n{child.log_tail()}")
            if spec.ready():
                if spec.after_ready is not None:
                    try:
                        spec.after_ready()
                    except Exception as exc:
                        raise StartupFailed(f"{spec.name}: setting it up failed: {exc}") from exc
                return child
            time.sleep(0.2)
        raise StartupFailed(f"{spec.name} not ready after {timeout:.0f}s:\n{child.log_tail()}")

    def tick(self) -> None:
        """One look at every child: note deaths, restart when due, report when back."""
        for managed in self.managed:
            self._tick_one(managed)

    def _tick_one(self, m: Managed) -> None:
        now = self.clock()
        if m.child.alive():
            if m.starting and m.spec.ready():
                if m.spec.after_ready is not None:
                    try:
                        m.spec.after_ready()
                    except Exception as exc:  # e.g. topics not creatable yet: ask next tick
                        self.say(f"{m.spec.name} is up but not set up yet ({exc}); retrying")
                        return
                m.starting = False
                took = now - (m.died_at or now)
                why = "its restart" if m.planned else "it died"
                m.planned = False
                self.say(f"{m.spec.name} is back (pid {m.child.pid}, {took:.1f}s after {why})")
                self._after_restart(m)
            return
        if m.restart_at is None:
            code = m.child.stop(0)
            m.planned = False
            m.exits.append(now)
            m.died_at = now if not m.starting else m.died_at or now
            m.starting = False
            self.say(f"{m.spec.name} (pid {m.child.pid}) exited: {describe_exit(code)}")
            if self.policy.is_crash_loop(m.exits, now):
                raise CrashLoop(f"{m.spec.name} exited {self.policy.max_exits} times within "
                                f"{self.policy.window_seconds:.0f}s; last lines of its log "
                                f"({m.child.log_path}):\n{m.child.log_tail()}")
            m.restart_at = now + self.policy.delay(m.exits, now)
            return
        if now < m.restart_at:
            return
        if m.spec.port is not None and not port_is_free(m.spec.port):
            m.restart_at = now + 0.5  # the old process (or its group) still holds the port
            return
        try:
            m.child = self._spawn(m.spec)
        except Exception as exc:  # e.g. its data dir went missing: say so, try again later
            m.restart_at = now + self.policy.delay(m.exits, now)
            self.say(f"{m.spec.name} could not be restarted ({exc}); retrying")
            return
        m.restart_at = None
        m.starting = True
        self.say(f"restarting {m.spec.name} (pid {m.child.pid})")
        self.on_change()

    def _after_restart(self, m: Managed) -> None:
        """Apply the restarted part's ``on_restart`` env updates: restart those services."""
        if m.spec.on_restart is None:
            return
        for name, updates in m.spec.on_restart().items():
            target = next((x for x in self.managed if x.spec.name == name), None)
            if target is None:
                continue
            target.spec = replace(target.spec, env={**target.spec.env, **updates})
            self.say(f"restarting {name}: {m.spec.name} came back empty")
            target.child.stop(15)
            target.child = self._spawn(target.spec)
            target.starting = True
            target.planned = True
            target.died_at = self.clock()
            self.on_change()

    def stop_all(self, timeout: float = 15) -> None:
        for managed in reversed(self.managed):
            code = managed.child.stop(timeout)
            self.say(f"stopped {managed.spec.name} (pid {managed.child.pid}, "
                     f"{describe_exit(code)})")
        self.managed.clear()
