"""PostgreSQL stores of the alerting state: one module per concept (tenants, tenant_config,
silences, acks, alerts, history, groups, notifications).

Every function takes an open ``psycopg.AsyncConnection`` so that callers compose several into
one transaction; a function that writes more than one row opens its own (nested: a savepoint).
Every query filters by tenant id: a tenant never reads or changes another's rows. Time and ids
are parameters, never read from a clock inside.
"""
