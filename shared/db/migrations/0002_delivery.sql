-- Webhook delivery: `notifications` becomes the transactional outbox (a flush writes the rendered
-- notification in the transaction that records it; per-endpoint workers drain it in `seq` order),
-- `delivery_attempts` the log of every HTTP attempt, `endpoints` each receiver's health (circuit
-- breaker, failing since, disabled), and `receivers` keeps a rotated-out secret for a grace period.

-- outcome: pending (in the outbox) | delivered | dead (retries spent, or a permanent refusal:
-- replayable) | recorded (a receiver without a URL: logged, never sent).
ALTER TABLE notifications DROP CONSTRAINT notifications_outcome_check;
UPDATE notifications SET outcome = 'dead' WHERE outcome IN ('failed', 'refused');
ALTER TABLE notifications
    ADD CONSTRAINT notifications_outcome_check
        CHECK (outcome IN ('pending', 'delivered', 'dead', 'recorded')),
    -- The outbox's order: an endpoint's notifications are sent strictly by seq.
    ADD COLUMN seq             bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN format          text,
    -- The rendered payload, sent and signed byte for byte on every attempt (NULL: recorded).
    ADD COLUMN body            bytea,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN delivered_at    timestamptz,
    ADD COLUMN last_status     integer,
    ADD CONSTRAINT notifications_pending_due CHECK (outcome <> 'pending' OR next_attempt_at IS NOT NULL);

-- The workers' queue: the head of each endpoint, and what is due.
CREATE INDEX outbox_by_endpoint ON notifications (tenant_id, receiver, seq) WHERE outcome = 'pending';
CREATE INDEX outbox_due ON notifications (next_attempt_at) WHERE outcome = 'pending';
CREATE INDEX notifications_dead ON notifications (tenant_id, receiver, created_at) WHERE outcome = 'dead';

CREATE TABLE delivery_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    notification_id text NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    receiver        text NOT NULL,
    attempt         integer NOT NULL CHECK (attempt >= 1),
    at              timestamptz NOT NULL,
    -- delivered | retry (another attempt is scheduled: next_attempt_at) | dead (no more
    -- attempts) | disabled (the endpoint was disabled: 410 Gone; the notification stays pending)
    outcome         text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead', 'disabled')),
    status_code     integer,
    latency_ms      double precision NOT NULL,
    error           text NOT NULL DEFAULT '',
    -- The first bytes of the response body, decoded leniently (bounded by the service).
    response_excerpt text NOT NULL DEFAULT '',
    next_attempt_at timestamptz
);
CREATE INDEX delivery_attempts_by_tenant ON delivery_attempts (tenant_id, at DESC, id DESC);
CREATE INDEX delivery_attempts_by_notification ON delivery_attempts (notification_id, attempt);

CREATE TABLE endpoints (
    tenant_id            bigint NOT NULL,
    receiver             text NOT NULL,
    consecutive_failures integer NOT NULL DEFAULT 0,
    -- The first failure since the last success: five days of failing disables the endpoint.
    failing_since        timestamptz,
    circuit              text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('closed', 'open', 'half_open')),
    -- open: no attempt before this; then one probe (half_open) decides.
    circuit_until        timestamptz,
    circuit_opened       integer NOT NULL DEFAULT 0,   -- consecutive openings: the cool-down doubles
    disabled_at          timestamptz,
    disabled_reason      text,
    last_success_at      timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, receiver),
    FOREIGN KEY (tenant_id, receiver) REFERENCES receivers (tenant_id, name) ON DELETE CASCADE
);

-- Key rotation: the secret rotated out stays valid (both signatures are sent) until then.
ALTER TABLE receivers
    ADD COLUMN previous_secret       text,
    ADD COLUMN previous_secret_until timestamptz,
    ADD CONSTRAINT receivers_previous_secret_until
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL));
