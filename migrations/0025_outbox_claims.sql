-- Deliveries without a job each: every consumer claims its due deliveries in batches
-- (FOR UPDATE SKIP LOCKED) and finishes them with one UPDATE per batch. A claim for work done
-- outside a transaction leases the row until lease_until; a lease that ran out (its worker died)
-- makes the delivery claimable again. job_id is no longer written.
ALTER TABLE outbox_delivery ADD COLUMN lease_until timestamptz;
-- Ordered consumers' deliveries used to wait unscheduled (NULL) behind an earlier one of their key;
-- now every pending delivery is due and the claim itself keeps per-key order.
UPDATE outbox_delivery SET next_attempt_at = now() WHERE state = 'pending' AND next_attempt_at IS NULL;
CREATE INDEX outbox_delivery_due ON outbox_delivery (consumer, next_attempt_at, seq) WHERE state = 'pending';
