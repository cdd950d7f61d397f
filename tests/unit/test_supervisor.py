"""The supervisor restarts a dead child alone, reports a crash loop, and applies on_restart."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from brisk.restart_policy import RestartPolicy
from brisk.service_spec import ServiceSpec
from brisk.supervisor import CrashLoop, StartupFailed, Supervisor, describe_exit

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
FAILER = [sys.executable, "-c", "raise SystemExit(3)"]
ENV_WRITER = [sys.executable, "-c",
              "import os, sys, time; print('X=' + os.environ.get('X', ''), flush=True); "
              "time.sleep(120)"]


@pytest.mark.parametrize(("exits", "now", "delay", "loop"), [
    ([100.0], 100.0, 0.5, False),
    ([99.0, 100.0], 100.0, 1.0, False),
    ([97.0, 98.0, 99.0, 100.0], 100.0, 4.0, False),
    ([96.0, 97.0, 98.0, 99.0, 100.0], 100.0, 8.0, True),
    ([0.0, 1.0, 2.0, 3.0, 200.0], 200.0, 0.5, False),  # old exits are out of the window
    ([float(t) for t in range(20)], 19.0, 30.0, True),  # the delay is capped
])
def test_restart_policy_backs_off_and_detects_crash_loops(
    exits: list[float], now: float, delay: float, loop: bool
) -> None:
    policy = RestartPolicy()
    assert policy.delay(exits, now) == delay
    assert policy.is_crash_loop(exits, now) is loop


def test_exit_status_is_described_for_people() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exit code 3"


def run_ticks(supervisor: Supervisor, until: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.tick()
        if callable(until) and until():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_a_killed_child_is_restarted_alone(tmp_path: Path) -> None:
    said: list[str] = []
    supervisor = Supervisor(dict(os.environ), tmp_path, said.append,
                            RestartPolicy(base_delay=0.05))
    try:
        store = supervisor.start(ServiceSpec("store", SLEEPER, {}, lambda: True), 10)
        service = supervisor.start(ServiceSpec("service", SLEEPER, {}, lambda: True), 10)
        os.kill(service.pid, signal.SIGKILL)
        run_ticks(supervisor, lambda: any("service is back" in line for line in said))
        pids = supervisor.pids()
        assert pids["store"] == store.pid and store.alive()
        assert pids["service"] != service.pid
        assert any("service (pid" in line and "killed by SIGKILL" in line for line in said)
    finally:
        supervisor.stop_all(5)
    assert not store.alive()


def test_a_crash_loop_is_reported_with_the_log_tail(tmp_path: Path) -> None:
    supervisor = Supervisor(dict(os.environ), tmp_path, lambda _: None,
                            RestartPolicy(base_delay=0.01, max_delay=0.01))
    calls = iter([True] + [False] * 10_000)
    try:
        supervisor.start(ServiceSpec("flaky", FAILER, {}, lambda: next(calls)), 10)
    except Exception:  # it may already have exited before the first ready check
        pass
    try:
        with pytest.raises(CrashLoop, match="flaky exited 5 times"):
            run_ticks(supervisor, lambda: False, timeout=30)
    finally:
        supervisor.stop_all(5)


def test_on_restart_restarts_the_named_services_with_new_env(tmp_path: Path) -> None:
    said: list[str] = []
    supervisor = Supervisor(dict(os.environ), tmp_path, said.append,
                            RestartPolicy(base_delay=0.05))
    try:
        broker = supervisor.start(ServiceSpec(
            "broker", SLEEPER, {}, lambda: True,
            on_restart=lambda: {"ingest": {"X": "second-run"}}), 10)
        supervisor.start(ServiceSpec("ingest", ENV_WRITER, {"X": "first-run"}, lambda: True), 10)
        os.kill(broker.pid, signal.SIGKILL)
        run_ticks(supervisor, lambda: "X=second-run" in (tmp_path / "ingest.log").read_text())
        assert "X=first-run" in (tmp_path / "ingest.log").read_text()
    finally:
        supervisor.stop_all(5)


def test_a_part_whose_set_up_fails_after_a_restart_is_set_up_on_a_later_look(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    attempts: list[int] = []

    def set_up() -> None:
        attempts.append(1)
        if len(attempts) == 2:  # the first set-up after the restart fails
            raise OSError("broker not answering yet")

    supervisor = Supervisor(dict(os.environ), tmp_path, said.append,
                            RestartPolicy(base_delay=0.05))
    try:
        broker = supervisor.start(ServiceSpec("broker", SLEEPER, {}, lambda: True,
                                              after_ready=set_up), 10)
        os.kill(broker.pid, signal.SIGKILL)
        run_ticks(supervisor, lambda: any("broker is back" in line for line in said))
        assert len(attempts) == 3
        assert any("not set up yet (broker not answering yet)" in line for line in said)
    finally:
        supervisor.stop_all(5)


SIGNAL_REPORTER = [sys.executable, "-c",
                   "import signal, sys, time\n"
                   "def report(signum, _):\n"
                   "    print(signal.Signals(signum).name, flush=True); sys.exit(0)\n"
                   "signal.signal(signal.SIGINT, report); signal.signal(signal.SIGTERM, report)\n"
                   "print('ready', flush=True); time.sleep(120)\n"]


def _logged(path: Path, text: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("stop_signal", "seen"), [(signal.SIGINT, "SIGINT"),
                                                   (signal.SIGTERM, "SIGTERM")])
def test_a_part_is_stopped_with_its_own_stop_signal(
    tmp_path: Path, stop_signal: signal.Signals, seen: str
) -> None:
    supervisor = Supervisor(dict(os.environ), tmp_path, lambda _: None)
    try:
        supervisor.start(ServiceSpec("part", SIGNAL_REPORTER, {}, lambda: True,
                                     stop_signal=stop_signal), 10)
        assert _logged(tmp_path / "part.log", "ready")
    finally:
        supervisor.stop_all(5)
    assert (tmp_path / "part.log").read_text().split() == ["ready", seen]


def test_before_start_runs_before_each_start_and_its_failure_stops_start_up(
    tmp_path: Path,
) -> None:
    calls: list[str] = []
    said: list[str] = []
    supervisor = Supervisor(dict(os.environ), tmp_path, said.append,
                            RestartPolicy(base_delay=0.05))
    try:
        part = supervisor.start(ServiceSpec("part", SLEEPER, {}, lambda: True,
                                            before_start=lambda: calls.append("prepared")), 10)
        os.kill(part.pid, signal.SIGKILL)
        run_ticks(supervisor, lambda: any("part is back" in line for line in said))
        assert calls == ["prepared", "prepared"]

        def refuse() -> None:
            raise OSError("/srv/x belongs to uid 7")

        with pytest.raises(StartupFailed, match=r"^refusing: /srv/x belongs to uid 7$"):
            supervisor.start(ServiceSpec("refusing", SLEEPER, {}, lambda: True,
                                         before_start=refuse), 10)
    finally:
        supervisor.stop_all(5)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_a_part_runs_as_its_user_without_roots_groups(tmp_path: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    # A system shell: the venv's Python may sit under a 0700 /root, out of nobody's reach.
    ids = ["/bin/sh", "-c", "echo ids $(id -u) $(id -g) groups $(id -G); exec sleep 120"]
    supervisor = Supervisor(dict(os.environ), tmp_path, lambda _: None)
    try:
        supervisor.start(ServiceSpec("part", ids, {}, lambda: True, user="nobody",
                                     cwd=Path("/")), 10)
        assert _logged(tmp_path / "part.log", "groups")
    finally:
        supervisor.stop_all(5)
    assert (tmp_path / "part.log").read_text().split("\n")[0] == (
        f"ids {nobody.pw_uid} {nobody.pw_gid} groups {nobody.pw_gid}")  # root's group 0 dropped


def test_a_restart_whose_before_start_fails_is_tried_again(tmp_path: Path) -> None:
    said: list[str] = []
    calls: list[int] = []

    def prepare() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("data dir not mounted yet")

    supervisor = Supervisor(dict(os.environ), tmp_path, said.append,
                            RestartPolicy(base_delay=0.05))
    try:
        part = supervisor.start(ServiceSpec("part", SLEEPER, {}, lambda: True,
                                            before_start=prepare), 10)
        os.kill(part.pid, signal.SIGKILL)
        run_ticks(supervisor, lambda: any("part is back" in line for line in said))
        assert "part could not be restarted (data dir not mounted yet); retrying" in said
        assert len(calls) == 3
    finally:
        supervisor.stop_all(5)
