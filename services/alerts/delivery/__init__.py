"""Webhook delivery: the outbox drain, its retry schedule, verdicts and circuit breakers."""
