-- Issue 12, the rest of the write path (after 0022_write_path*.sql): return, withdraw, cancel and
-- the generic update as one statement each, computed by the caller from a read without a lock and
-- applied only to the version it read (the caller reads again and recomputes on false), as
-- prescription_change already does for release, dispense and claim.

-- A new version (> 1, or 1 for a create with the client's id) of a resource: written only over the
-- version before it (or where there is none), with its history row, and its index rows replaced.
-- False (nothing written) when another request wrote the resource first.
CREATE FUNCTION fhir_write_version(
  p_type text, p_id text, p_version integer, p_last_updated timestamptz, p_content text, p_index jsonb
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
  VALUES (p_type, p_id, p_version, p_last_updated, false, p_content)
  ON CONFLICT (resource_type, id) DO UPDATE
    SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
        deleted = EXCLUDED.deleted, content = EXCLUDED.content
    WHERE fhir_resource.version_id = p_version - 1;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
  VALUES (p_type, p_id, p_version, p_last_updated, false, p_content);
  IF p_version > 1 THEN
    DELETE FROM search_token WHERE resource_type = p_type AND id = p_id;
    DELETE FROM search_reference WHERE resource_type = p_type AND id = p_id;
    DELETE FROM search_date WHERE resource_type = p_type AND id = p_id;
    DELETE FROM search_string WHERE resource_type = p_type AND id = p_id;
  END IF;
  INSERT INTO search_token (resource_type, id, param, system, value)
  SELECT p_type, p_id, e->>0, e->>1, e->>2 FROM jsonb_array_elements(p_index->'t') AS e;
  INSERT INTO search_reference (resource_type, id, param, target_type, target_id, identifier_system, identifier_value)
  SELECT p_type, p_id, e->>0, e->>1, e->>2, e->>3, e->>4 FROM jsonb_array_elements(p_index->'r') AS e;
  INSERT INTO search_date (resource_type, id, param, low, high)
  SELECT p_type, p_id, e->>0, (e->>1)::timestamptz, (e->>2)::timestamptz FROM jsonb_array_elements(p_index->'d') AS e;
  INSERT INTO search_string (resource_type, id, param, value, exact)
  SELECT p_type, p_id, e->>0, e->>1, e->>2 FROM jsonb_array_elements(p_index->'s') AS e;
  RETURN true;
END
$$;

-- A prescription's state after a transition, with what else the transition writes, in one
-- statement, only over the version it was computed from. p_change: {"dispensed_now": bool,
-- "repeat": bool (an eRD: next_issue_at and earlier_unclaimed_since are kept in step),
-- "next_issue_at", "earlier_unclaimed_since"}. p_event: {"id", "type", "payload", "lock"} or NULL.
-- p_message: the prescription_message row {"message_id", "kind", "digest", "response"} or NULL.
-- p_resources: versions to write with fhir_write_version [{"type", "id", "version",
-- "last_updated", "content", "index"}] (a resource changed meanwhile raises PW409).
-- p_created: new resources for fhir_create, same shape without "version".
CREATE FUNCTION prescription_transition(
  p_short_form_id text, p_version integer, p_state jsonb, p_change jsonb, p_event jsonb,
  p_message jsonb, p_resources jsonb, p_created jsonb
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  item jsonb;
BEGIN
  UPDATE prescription SET status = p_state->>'status', state = p_state, dispenser = p_state->>'dispenser',
    updated_at = now(),
    last_dispensed_at = CASE WHEN (p_change->>'dispensed_now')::boolean THEN now() ELSE last_dispensed_at END,
    next_issue_at = CASE WHEN (p_change->>'repeat')::boolean THEN (p_change->>'next_issue_at')::timestamptz
      ELSE next_issue_at END,
    earlier_unclaimed_since = CASE WHEN (p_change->>'repeat')::boolean
      THEN (p_change->>'earlier_unclaimed_since')::timestamptz ELSE earlier_unclaimed_since END,
    version = version + 1
  WHERE short_form_id = p_short_form_id AND version = p_version;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  FOR item IN SELECT * FROM jsonb_array_elements(COALESCE(p_resources, '[]'::jsonb)) LOOP
    IF NOT fhir_write_version(item->>'type', item->>'id', (item->>'version')::integer,
        (item->>'last_updated')::timestamptz, item->>'content', item->'index') THEN
      RAISE EXCEPTION '%/% was changed by another request; retry', item->>'type', item->>'id'
        USING ERRCODE = 'PW409';
    END IF;
  END LOOP;
  FOR item IN SELECT * FROM jsonb_array_elements(COALESCE(p_created, '[]'::jsonb)) LOOP
    IF NOT fhir_create(item->>'type', item->>'id', (item->>'last_updated')::timestamptz, item->>'content',
        item->'index') THEN
      RAISE EXCEPTION '%/% was changed by another request; retry', item->>'type', item->>'id'
        USING ERRCODE = 'PW409';
    END IF;
  END LOOP;
  IF p_event IS NOT NULL THEN
    PERFORM outbox_emit((p_event->>'id')::uuid, p_event->>'type', p_short_form_id, p_event->'payload',
      (p_event->>'lock')::integer);
  END IF;
  IF p_message IS NOT NULL THEN
    INSERT INTO prescription_message (message_id, short_form_id, kind, digest, response)
    VALUES (p_message->>'message_id', p_short_form_id, p_message->>'kind', p_message->>'digest',
      p_message->'response')
    ON CONFLICT (message_id) DO NOTHING;
  END IF;
  RETURN true;
END
$$;

-- A nominated release (src/dispensing/release/release.ts): every prescription verified first,
-- without a lock, then all of them released in this one statement, each only over the version it
-- was verified at. Returns the short-form IDs released; one another request changed meanwhile is
-- left out (it is no longer this release's to give), as SKIP LOCKED left out a locked one.
CREATE FUNCTION prescription_release_nominated(p_changes jsonb, p_emit_lock integer)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  c jsonb;
  released text[] := '{}';
BEGIN
  FOR c IN SELECT * FROM jsonb_array_elements(p_changes) LOOP
    IF prescription_change(c->>'short_form_id', (c->>'version')::integer, c->'state', false,
        (c->>'event_id')::uuid, 'prescription-released', c->'payload', p_emit_lock) THEN
      released := released || (c->>'short_form_id');
    END IF;
  END LOOP;
  RETURN released;
END
$$;

-- The outbox dispatcher is woken when events commit (LISTEN pathways_outbox, on PostgreSQL; its
-- polling stays the fallback and PGlite's only way). One notification per inserting statement,
-- and PostgreSQL folds identical ones of a transaction into one, delivered at commit.
CREATE FUNCTION outbox_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pathways_outbox', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_notify();
