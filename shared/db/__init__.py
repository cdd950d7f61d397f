"""brisk's system of record in PostgreSQL: connections (``pool``) and the schema (``migrate``)."""

from shared.db.pool import connect, open_pool, redact_url

__all__ = ["connect", "open_pool", "redact_url"]
