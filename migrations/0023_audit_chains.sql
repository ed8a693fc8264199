-- One audit chain per writer (src/platform/audit): every process appends to a chain of its own, so
-- replicas never wait on one global lock, and each chain is verified on its own. Links written
-- from now on are HMACs under a key that is not in the database; the records written before this
-- migration stay one chain, 'legacy', verified with its SHA-256 links as before.

-- Which chain a record belongs to; seq is now its position in that chain.
ALTER TABLE audit_event ADD COLUMN chain text NOT NULL DEFAULT 'legacy';
ALTER TABLE audit_event ALTER COLUMN chain DROP DEFAULT;

-- The order across chains, for search (newest first) and its `_before` cursor. Not part of any
-- hash: it orders the listing, while each chain's seq orders (and protects) the chain.
CREATE SEQUENCE audit_event_position;
ALTER TABLE audit_event ADD COLUMN position bigint;
ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only;
UPDATE audit_event SET position = seq;
ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only;
SELECT setval('audit_event_position', COALESCE((SELECT max(seq) FROM audit_event), 0) + 1, false);
ALTER TABLE audit_event
  ALTER COLUMN position SET DEFAULT nextval('audit_event_position'),
  ALTER COLUMN position SET NOT NULL;
ALTER SEQUENCE audit_event_position OWNED BY audit_event.position;

ALTER TABLE audit_event DROP CONSTRAINT audit_event_pkey;
ALTER TABLE audit_event ADD PRIMARY KEY (chain, seq);
DROP INDEX audit_event_patient;
CREATE INDEX audit_event_patient ON audit_event (patient, position);
CREATE INDEX audit_event_newest ON audit_event (position);

-- Each chain's newest record as its writer committed it, moved in the same statement as the
-- records: removing a chain's newest rows leaves its head pointing past them.
CREATE TABLE audit_chain (
  chain text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_chain (chain, seq, hash) SELECT 'legacy', seq, hash FROM audit_head WHERE seq > 0;
DROP TABLE audit_head;

CREATE TRIGGER audit_chain_forward_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
