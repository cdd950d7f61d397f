"""A raw-socket HTTP client that sends as slowly as a hostile one, for server timeout tests."""

from __future__ import annotations

import asyncio
import time


async def sent_until_closed(port: int, head: bytes, trickle: bytes = b"", every: float = 0.2,
                            give_up: float = 10.0) -> tuple[float, bytes]:
    """Send ``head``, then ``trickle`` one byte per ``every`` seconds, until the server closes.

    Returns how long after ``head`` the server closed, and what it answered (``b""`` if nothing).
    Gives up (returns ``give_up``) if the server is still there after ``give_up`` seconds.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    await writer.drain()
    started = time.monotonic()

    async def drip() -> None:
        for byte in trickle:
            await asyncio.sleep(every)
            writer.write(bytes([byte]))
            await writer.drain()

    dripping = asyncio.create_task(drip())
    try:
        answer = await asyncio.wait_for(reader.read(), give_up)
    except TimeoutError:
        return give_up, b""
    except ConnectionError:
        answer = b""
    finally:
        dripping.cancel()
        await asyncio.gather(dripping, return_exceptions=True)
        writer.close()
    return time.monotonic() - started, answer
