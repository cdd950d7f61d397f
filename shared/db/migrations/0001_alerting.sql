-- brisk's system of record for alerting: tenants and their configuration, alerts, their history,
-- aggregation groups and notifications. Every row carries its tenant; every query filters by it.

CREATE TABLE tenants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Bumped by every change of configuration, silences or acks: the alerts service polls it.
    revision    bigint NOT NULL DEFAULT 0,
    -- The applied document without secrets (what `config show` prints, masked).
    config      jsonb NOT NULL DEFAULT '{}'::jsonb,
    config_applied_at timestamptz
);

CREATE TABLE receivers (
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          text NOT NULL,
    url           text,
    format        text NOT NULL CHECK (format IN ('brisk', 'alertmanager', 'slack')),
    -- Never returned by a listing after creation; only the alerts service reads it, to sign.
    secret        text NOT NULL,
    send_resolved boolean NOT NULL DEFAULT true,
    max_alerts    integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE routes (
    tenant_id  bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    tree       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rules (
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('event', 'country_index', 'spike', 'watchlist', 'exposure')),
    spec       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE inhibit_rules (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    position  integer NOT NULL,
    spec      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, position)
);

CREATE TABLE assets (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      text NOT NULL,
    kind      text NOT NULL,
    countries text[] NOT NULL DEFAULT '{}',
    spec      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE watchlist (
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      text NOT NULL,
    kind      text NOT NULL,
    spec      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE silences (
    id          uuid PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    matchers    jsonb NOT NULL,
    starts_at   timestamptz NOT NULL,
    -- Equal only when a silence is expired before it started (both set to that moment).
    ends_at     timestamptz NOT NULL CHECK (ends_at >= starts_at),
    created_by  text NOT NULL,
    comment     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX silences_by_tenant_end ON silences (tenant_id, ends_at);

CREATE TABLE alerts (
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         text NOT NULL,              -- the fingerprint
    rule       text NOT NULL,
    kind       text NOT NULL,
    status     text NOT NULL CHECK (status IN ('firing', 'resolved')),
    labels     jsonb NOT NULL,
    severity   double precision NOT NULL,
    category   text NOT NULL,
    countries  text[] NOT NULL DEFAULT '{}',
    title      text NOT NULL,
    url        text,
    reason     jsonb NOT NULL,
    event_ids  text[] NOT NULL DEFAULT '{}',
    episode    integer NOT NULL DEFAULT 1,
    starts_at  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    ends_at    timestamptz,
    resolve_at timestamptz,
    -- Set when a flush finds it muted: 'silence:<uuid>' or 'inhibit:<n>'; NULL otherwise.
    muted_by   text,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alerts_by_tenant_status ON alerts (tenant_id, status, updated_at DESC);
-- `alerts list` without a status filter: most recently updated first.
CREATE INDEX alerts_by_tenant_updated ON alerts (tenant_id, updated_at DESC);
CREATE INDEX alerts_by_country ON alerts USING gin (countries);
CREATE INDEX alerts_to_resolve ON alerts (resolve_at) WHERE status = 'firing' AND resolve_at IS NOT NULL;

CREATE TABLE acks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL,
    alert_id     text NOT NULL,
    episode      integer NOT NULL,
    by_whom      text NOT NULL,
    comment      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    ended_at     timestamptz,
    ended_reason text,                     -- 'resolved' | 'expired' | 'unacked' | 'replaced'
    FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id) ON DELETE CASCADE
);
-- At most one live ack per alert.
CREATE UNIQUE INDEX acks_live ON acks (tenant_id, alert_id) WHERE ended_at IS NULL;
-- The alerts service's sweep of acks past their expiry.
CREATE INDEX acks_to_expire ON acks (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;

CREATE TABLE alert_history (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    alert_id  text NOT NULL,
    change    text NOT NULL,
    at        timestamptz NOT NULL,
    detail    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX alert_history_by_alert ON alert_history (tenant_id, alert_id, id);
CREATE INDEX alert_history_by_time ON alert_history (tenant_id, at DESC);

CREATE TABLE alert_groups (
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            text NOT NULL,
    route_id      text NOT NULL,
    receiver      text NOT NULL,
    target        jsonb NOT NULL,          -- the RouteTarget: receiver, group_by, timers
    labels        jsonb NOT NULL,          -- the group label values
    created_at    timestamptz NOT NULL,
    next_flush_at timestamptz NOT NULL,    -- the stored timer: survives restarts
    notified      jsonb,                   -- the last notification's firing/resolved sets
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alert_groups_due ON alert_groups (next_flush_at);

CREATE TABLE group_members (
    tenant_id bigint NOT NULL,
    group_id  text NOT NULL,
    alert_id  text NOT NULL,
    PRIMARY KEY (tenant_id, group_id, alert_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES alert_groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_by_alert ON group_members (tenant_id, alert_id);

CREATE TABLE notifications (
    id         text PRIMARY KEY,           -- also the webhook-id
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    group_id   text NOT NULL,
    receiver   text NOT NULL,
    firing     text[] NOT NULL DEFAULT '{}',
    resolved   text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'refused', 'recorded')),
    detail     text NOT NULL DEFAULT '',
    attempts   integer NOT NULL DEFAULT 0
);
CREATE INDEX notifications_by_tenant ON notifications (tenant_id, created_at DESC);
CREATE INDEX notifications_by_group ON notifications (tenant_id, group_id, created_at DESC);
