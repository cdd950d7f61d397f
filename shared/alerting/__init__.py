"""Alerting concepts several services share: tenant configuration, matchers, durations.

The alerts service evaluates them, the ``brisk`` CLI and the API manage them; the stores that
keep them in PostgreSQL live in ``shared/stores``.
"""
