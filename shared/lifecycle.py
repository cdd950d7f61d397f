"""Graceful shutdown: a service runs until SIGTERM or SIGINT, then closes its clients in order."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence


async def until_shutdown(watch: Sequence[asyncio.Task[None]] = ()) -> None:
    """Return on SIGTERM or SIGINT, or when a watched task ends (re-raising its error).

    Watching the service's main loop means a bug that kills it stops the process — and so fails
    its health check and gets it restarted — instead of leaving a live process doing nothing.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopper, *watch], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopper and not task.cancelled() and task.exception():
                raise task.exception()  # type: ignore[misc]
    finally:
        stopper.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def cancel_all(tasks: Sequence[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
