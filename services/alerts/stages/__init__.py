"""The alerts service's stages: small, pure functions with ``now`` passed in, run top to bottom.

On every ScoredEvent or CountryRisk, per tenant:

1. **match** (``match.py``, ``index_match.py``) — the tenant's rules turn an event or a country's
   index into alerts (or, for index rules, into fire / clear decisions); ``labels.py`` gives an
   event's labels.
2. **route** (``route.py``) — the routing tree picks the receivers and timers for an alert.
3. **group** (``group.py``) — the alert joins the aggregation group of its route and group labels.

On every due group (the flush loop), in ``flush.py``'s order:

4. **inhibit** (``inhibit.py``) — firing alerts mute related ones (inhibit_rules).
5. **silence** (``silence.py``) — active silences mute the alerts they match.
6. **ack** — acked alerts' repeats are muted while they keep firing (inside dedup).
7. **dedup** (``dedup.py``) — notify only when the notification would say something new.
8. **notify** — the runtime sends what ``flush.plan_flush`` planned and records it.
"""
