-- Issue 12, continued from 0022_write_path.sql (already applied where main ran it): the
-- version-checked state changes of release by ID, dispense-notification and claim.

-- A prescription's state after a transition (release, dispense-notification, claim) and its
-- event, in one statement: written only if the row still has the version the transition was
-- computed from (the caller read it without a lock, verified it, and retries on false). The
-- UPDATE's row lock serialises racing writers exactly as SELECT … FOR UPDATE did.
CREATE FUNCTION prescription_change(
  p_short_form_id text, p_version integer, p_state jsonb, p_dispensed_now boolean,
  p_event_id uuid, p_event_type text, p_event_payload jsonb, p_emit_lock integer
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE prescription SET status = p_state->>'status', state = p_state, dispenser = p_state->>'dispenser',
    updated_at = now(), last_dispensed_at = CASE WHEN p_dispensed_now THEN now() ELSE last_dispensed_at END,
    version = version + 1
  WHERE short_form_id = p_short_form_id AND version = p_version;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM outbox_emit(p_event_id, p_event_type, p_short_form_id, p_event_payload, p_emit_lock);
  RETURN true;
END
$$;

-- A claim accepted: the transition as above, the Claim resource and the prescription's claim row.
CREATE FUNCTION dispensing_claim(
  p_short_form_id text, p_version integer, p_state jsonb, p_claim jsonb,
  p_event_id uuid, p_event_payload jsonb, p_emit_lock integer
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE prescription SET status = p_state->>'status', state = p_state, dispenser = p_state->>'dispenser',
    updated_at = now(), version = version + 1
  WHERE short_form_id = p_short_form_id AND version = p_version;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF NOT fhir_create('Claim', p_claim->>'id', (p_claim->>'last_updated')::timestamptz, p_claim->>'content',
      p_claim->'index') THEN
    RAISE EXCEPTION 'Claim/% was changed by another request; retry', p_claim->>'id' USING ERRCODE = 'PW409';
  END IF;
  INSERT INTO prescription_claim (short_form_id, claim_identifier, claim_id, digest, pharmacy)
  VALUES (p_short_form_id, p_claim->>'claim_identifier', p_claim->>'id', p_claim->>'digest', p_claim->>'pharmacy');
  PERFORM outbox_emit(p_event_id, 'claim', p_short_form_id, p_event_payload, p_emit_lock);
  RETURN true;
END
$$;
