"""A fast webhook receiver for the benchmarks: one aiohttp server listening on ``--ports``
consecutive ports from ``--first-port`` on 127.0.0.1 (one per endpoint), verifying every
Standard Webhooks signature with ``--secret`` and recording when each ``webhook-id`` first
arrived (wall clock, seconds). ``GET /stats`` on the first port answers
``{"received", "unique", "invalid", "arrivals": {webhook-id: [time, body event ids]}}``.

    .venv/bin/python bench/webhook_sink.py --first-port 19000 --ports 50 --secret whsec_…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError


class Sink:
    def __init__(self, secret: str, keep_bodies: bool) -> None:
        self.webhook = Webhook(secret)
        self.keep_bodies = keep_bodies
        self.received = 0
        self.invalid = 0
        self.arrivals: dict[str, tuple[float, list[str]]] = {}

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        at = time.time()
        self.received += 1
        try:
            payload = self.webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.invalid += 1
            return web.Response(status=400, text="bad signature")
        webhook_id = request.headers["webhook-id"]
        if webhook_id not in self.arrivals:
            events = ([e for a in payload.get("alerts", []) for e in a.get("event_ids", [])]
                      if self.keep_bodies else [])
            self.arrivals[webhook_id] = (at, events)
        return web.Response(status=204)

    async def stats(self, _: web.Request) -> web.Response:
        data: dict[str, Any] = {"received": self.received, "unique": len(self.arrivals),
                                "invalid": self.invalid,
                                "arrivals": {k: list(v) for k, v in self.arrivals.items()}}
        return web.Response(text=json.dumps(data), content_type="application/json")

    async def reset(self, _: web.Request) -> web.Response:
        self.received, self.invalid = 0, 0
        self.arrivals.clear()
        return web.Response(status=204)


async def serve(first_port: int, ports: int, secret: str, keep_bodies: bool) -> None:
    sink = Sink(secret, keep_bodies)
    app = web.Application()
    app.router.add_post("/hook", sink.hook)
    app.router.add_get("/stats", sink.stats)
    app.router.add_post("/reset", sink.reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for port in range(first_port, first_port + ports):
        await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    print(f"listening on 127.0.0.1:{first_port}-{first_port + ports - 1}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-port", type=int, required=True)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--keep-bodies", action="store_true", help="Record the event ids carried")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.first_port, args.ports, args.secret, args.keep_bodies))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
