"""``HttpLimits`` for an aiohttp server: handler options for the head, a middleware for the body.

aiohttp 3.14 has no header-read timeout of its own, but its keep-alive timer already does the
job: it is armed when a connection opens and after each response, and on firing closes the
connection if no complete request head has arrived. So ``keepalive_timeout`` is the header
timeout (and, equally, how long an idle keep-alive connection stays open). A body is read by the
handler, at the handler's pace, with no deadline at all — ``body_deadline`` adds one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shared.http_limits import HttpLimits

log = logging.getLogger(__name__)


def handler_options(limits: HttpLimits) -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner`` (passed on to every connection's handler)."""
    return {
        "keepalive_timeout": limits.header_timeout_seconds,
        "max_line_size": limits.max_header_bytes,
        "max_field_size": limits.max_header_bytes,
        "max_headers": limits.max_headers,
    }


def body_deadline(seconds: float) -> Middleware:
    """A middleware that answers 408 and closes the connection if the body is not all in by then.

    The deadline counts from the end of the head (when the handler is called), however the
    handler reads the body. On expiry the body stream is failed with ``HTTPRequestTimeout``, so
    a handler blocked in ``request.read()`` wakes at once; the 408 is then written and the
    connection closed, because the rest of the body is still on its way and cannot be skipped.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        expired = False

        def expire() -> None:
            nonlocal expired
            if not request.content.is_eof():
                expired = True
                request.content.set_exception(web.HTTPRequestTimeout())

        timer = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            response = await handler(request)
        except web.HTTPRequestTimeout:
            if not expired:
                raise
            response = web.Response(status=408, text=f"request body not received within {seconds:g} s")
        finally:
            timer.cancel()
        if expired:
            log.info("request body timed out", extra={"path": request.path, "seconds": seconds})
            await _send_and_close(request, response)
        return response

    return guard


async def _send_and_close(request: web.Request, response: web.StreamResponse) -> None:
    response.force_close()
    try:
        await response.prepare(request)
        await response.write_eof()
    except ConnectionError:
        pass  # the client went first; closing is all that is left
    if request.protocol is not None:
        request.protocol.force_close()
