"""The alert pipeline, top to bottom. Each stage is a small pure function in ``stages/`` or
``delivery/``, with ``now`` passed in; the three runners below are the only places with side
effects.

On every record (``intake.AlertIntake``, per tenant, in one transaction):
    match      stages.match.match_event / match_country   which rules fire, with labels and reason
    record     recorder.fire / recorder.resolve            atomic upsert by fingerprint: one story,
                                                           one alert; the history row
    route      stages.route.route                          the routing tree → receivers and timers
    group      stages.group.group_labels / group_id        aggregation groups (stored timers)

On every tick (``flusher.Flusher``, per due group, under a lease):
    inhibit    stages.inhibit.inhibited                    firing sources mute matching targets
    silence    stages.silence.silenced                     active silences mute what they match
    ack        shared.stores.acks.live_acks                acked alerts' repeats are muted
    dedup      stages.dedup.needs_update (in plan_flush)   Alertmanager's notification-log rule
    queue      shared.stores.outbox.enqueue                the rendered notification, in the outbox,
                                                           in the flush's own transaction

Per endpoint, in order (``delivery.dispatcher.Dispatcher`` → ``delivery.worker.EndpointWorker``,
under the endpoint's advisory lock):
    send       notifiers.webhook.WebhookNotifier           one signed POST, to vetted addresses only
    decide     delivery.decide.decide                      delivered / retry (schedule, Retry-After)
                                                           / dead / gone; the circuit breaker
    settle     shared.stores.outbox.settle                 outcomes, the delivery log, health
"""

