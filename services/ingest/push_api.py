"""``POST /v1/ingest``: partners push JSON batches of items (see parsers/push_items.py).

Authentication is a bearer token whose SHA-256 is configured per partner; the partner's name
becomes the event source (``push-<partner>``). Answers:

- 202 ``{"accepted", "duplicates", "refused"}`` once every accepted item is on the topic (the
  broker acknowledged it); ``refused`` items were too large for the topic and dead-lettered;
- 401 without a valid token; 413 above the body limit;
- 422 with FastAPI-style errors (``loc`` names the field): invalid JSON, JSON nested deeper than
  ``MAX_JSON_DEPTH``, NaN or Infinity, a field the item model refuses, or a record the broker
  refused for good;
- 503 with ``Retry-After`` when the broker did not acknowledge in time or Redis is unavailable:
  nothing was marked seen, so the partner's retry publishes what did not arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.ingest.failures import PublishRefused, is_transient
from services.ingest.handlers import Handled
from services.ingest.parsers.base import Parsed
from services.ingest.parsers.json_limits import JsonRefused, load_json
from services.ingest.parsers.push_items import PushBatch, item_to_event
from services.ingest.pipeline import IngestOutcome
from services.ingest.sources.base import Document
from shared.clock import Clock
from shared.tokens import match_token

log = logging.getLogger(__name__)

Accept = Callable[[Document, Handled], Awaitable[IngestOutcome]]
RETRY_AFTER_SECONDS = 30


def problem(status: int, detail: Any) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


class PushEndpoint:
    def __init__(
        self, token_hashes: Mapping[str, str], accept: Accept, clock: Clock, max_bytes: int
    ) -> None:
        """``max_bytes`` must equal the server's ``client_max_size``, which enforces it."""
        self.token_hashes = token_hashes
        self.max_bytes = max_bytes
        self.accept = accept
        self.clock = clock

    async def handle(self, request: web.Request) -> web.Response:
        partner = self._authenticate(request)
        if partner is None:
            response = problem(401, "a valid bearer token is required")
            response.headers["WWW-Authenticate"] = 'Bearer realm="brisk-ingest"'
            return response
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return problem(413, f"body larger than {self.max_bytes} bytes")
        try:
            batch = PushBatch.model_validate(load_json(body, max_bytes=self.max_bytes))
        except JsonRefused as exc:
            if exc.limit == "size":
                return problem(413, exc.reason)
            return problem(422, [{"loc": ["body"], "msg": exc.reason,
                                  "type": f"json_{exc.limit}"}])
        except ValidationError as exc:
            return problem(422, field_errors(exc))
        now = self.clock()
        source = f"push-{partner}"
        events = [item_to_event(item, source, now) for item in batch.items]
        doc = Document(feed=source, location="POST /v1/ingest", body=body, fetched_at=now)
        try:
            outcome = await self.accept(doc, Handled(Parsed(events)))
        except PublishRefused as exc:
            log.warning("push refused by the broker", extra={"partner": partner,
                                                             "reason": exc.reason})
            return problem(422, [{"loc": ["body", "items"], "msg": exc.reason,
                                  "type": "publish_refused"}])
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("push not accepted", extra={"partner": partner, "error": repr(exc)})
            response = problem(503, "temporarily unable to accept items; retry later")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return web.json_response({"accepted": outcome.published,
                                  "duplicates": outcome.duplicates,
                                  "refused": outcome.oversized}, status=202)

    def _authenticate(self, request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or not self.token_hashes:
            return None
        return match_token(token.strip(), self.token_hashes)
