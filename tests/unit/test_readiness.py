"""The shared readiness checks answer from the dependency as it is now."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from brisk.ports import free_port
from shared.readiness import redis_answers, task_running


async def test_a_background_task_is_ready_while_it_runs_and_not_once_it_died() -> None:
    tasks: list[asyncio.Task[None]] = []
    check = task_running(lambda: tasks[0] if tasks else None)
    assert not await check()  # not started yet

    async def crashes_on_demand(stop: asyncio.Event) -> None:
        await stop.wait()
        raise RuntimeError("projector bug")

    stop = asyncio.Event()
    tasks.append(asyncio.create_task(crashes_on_demand(stop)))
    assert await check()
    stop.set()
    await asyncio.gather(tasks[0], return_exceptions=True)
    assert not await check()


async def test_redis_that_is_not_there_is_not_ready_and_says_so_quickly() -> None:
    redis = Redis(port=free_port())
    started = time.monotonic()
    try:
        assert not await redis_answers(redis, timeout=1.0)
    finally:
        await redis.aclose()
    assert time.monotonic() - started < 2.0
