"""Child processes that cannot outlive brisk.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only the supervisor,
which then stops the children in reverse start order; and each asks the kernel for its stop
signal (SIGTERM unless said otherwise) if the supervisor dies without cleaning up
(PR_SET_PDEATHSIG), so none is ever left behind. A child may run as another user: the kernel
clears the death signal when the uid changes, but CPython switches the uid before it calls
``preexec_fn``, so the request survives (``tests/integration/test_embedded_postgres.py``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: signal.Signals = signal.SIGTERM) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes]
    stop_signal: signal.Signals = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float) -> int | None:
        """Send the stop signal to the child's process group, SIGKILL after ``timeout``;
        returns the exit code."""
        if self.alive():
            self._signal(self.stop_signal)
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.alive():
                self._signal(signal.SIGKILL)
        code = self.popen.wait()
        self._log.close()
        return code

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass


def spawn(
    name: str, argv: Sequence[str], env: Mapping[str, str], log_dir: Path, cwd: Path, *,
    user: str | int | None = None, stop_signal: signal.Signals = signal.SIGTERM,
) -> Child:
    """Start ``argv`` with its output appended to ``log_dir/NAME.log``. ``user`` (a name or a
    uid; root only, unless it is the current user): run as that user, its primary group and no
    supplementary groups. The log is opened here, so the child needs no right to it."""
    uid, gid, groups = identity(user)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = log_path.open("ab")
    try:
        popen = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=functools.partial(_die_with_parent, stop_signal),
            user=uid,
            group=gid,
            extra_groups=groups,
        )
    except BaseException:
        log.close()
        raise
    return Child(name, popen, log_path, log, stop_signal)


def identity(user: str | int | None) -> tuple[int | None, int | None, list[int] | None]:
    """Popen's ``user``, ``group`` and ``extra_groups`` for running as ``user`` (all None: as
    brisk). Root's supplementary groups are dropped (setgroups needs root, so only then).
    Raises KeyError for an unknown user."""
    if user is None:
        return None, None, None
    entry = pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
    return entry.pw_uid, entry.pw_gid, [] if os.geteuid() == 0 else None


def resident_mib(pid: int) -> float:
    """A live process's resident memory (VmRSS) in MiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
