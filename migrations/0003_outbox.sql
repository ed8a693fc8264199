-- Transactional outbox. A business event is written in the same transaction as the change it
-- describes (outbox_event); a dispatcher then gives each registered consumer a delivery row
-- (outbox_delivery) and a pg-boss job. The delivery row is the consumer's idempotency receipt:
-- its effects and the row turning 'done' commit together, so a redelivered event is a no-op.

CREATE TABLE outbox_event (
  id uuid PRIMARY KEY,
  -- Order of emission. Events of one key are emitted under a per-key lock held to commit, so
  -- within a key this is also commit order.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  type text NOT NULL,
  -- The aggregate the event is about (a prescription's short-form id, ...): ordering is per key.
  key text NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  -- Set when the dispatcher has created the deliveries. A flag, not a cursor: an event that
  -- commits late with a lower seq is still found.
  dispatched_at timestamptz
);
CREATE INDEX outbox_event_undispatched ON outbox_event (seq) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_event_key ON outbox_event (key, seq);

CREATE TABLE outbox_delivery (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  seq bigint NOT NULL,
  key text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
  -- Failed attempts so far.
  attempts integer NOT NULL DEFAULT 0,
  -- When the next attempt is due; NULL until first scheduled (an ordered consumer's delivery
  -- waits unscheduled behind an earlier pending event of its key).
  next_attempt_at timestamptz,
  -- The pg-boss job currently responsible for it. Any other job that turns up for this delivery
  -- (a duplicate, a superseded wake-up) does nothing; a pending delivery whose job is gone is
  -- re-enqueued by the repair pass.
  job_id uuid,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (consumer, event_id)
);
-- Per-key order (the earliest pending delivery of a consumer and key goes first), backlog, repair.
CREATE INDEX outbox_delivery_pending ON outbox_delivery (consumer, key, seq) WHERE state = 'pending';
CREATE INDEX outbox_delivery_dead ON outbox_delivery (consumer, finished_at) WHERE state = 'dead';
CREATE INDEX outbox_delivery_done ON outbox_delivery (finished_at) WHERE state = 'done';
