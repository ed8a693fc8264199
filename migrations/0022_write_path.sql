-- The write path in as few round trips as its rules allow (issue 12). Each function runs as one
-- statement: a create, or a whole prescription-order, is one round trip and one commit. PL/pgSQL
-- rather than one CTE chain where a statement must see what a lock it took protects (a CTE chain
-- runs on one snapshot, taken before its lock was granted).

-- A new resource (version 1): the current row, its history row and its index rows. A resource
-- that is new has no index rows to delete. False (and nothing written) when the id is taken.
-- p_index: {"t": [[param, system, value]], "r": [[param, target_type, target_id,
-- identifier_system, identifier_value]], "d": [[param, low, high]], "s": [[param, value, exact]]}
CREATE FUNCTION fhir_create(p_type text, p_id text, p_last_updated timestamptz, p_content text, p_index jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
  VALUES (p_type, p_id, 1, p_last_updated, false, p_content)
  ON CONFLICT (resource_type, id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
  VALUES (p_type, p_id, 1, p_last_updated, false, p_content);
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

-- A domain event, as emit() records it (src/platform/outbox/events.ts): under the per-key lock,
-- so per-key seq order is commit order. False when the id was emitted before (idempotent).
CREATE FUNCTION outbox_emit(p_id uuid, p_type text, p_key text, p_payload jsonb, p_lock_namespace integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock_namespace, hashtext(p_key));
  INSERT INTO outbox_event (id, type, key, occurred_at, payload)
  VALUES (p_id, p_type, p_key, now(), p_payload)
  ON CONFLICT (id) DO NOTHING;
  RETURN FOUND;
END
$$;

-- A prescription-order accepted (src/prescribing/order/submit-order.ts): the patient found or
-- created under a lock on its NHS/CHI number, the prescription, its items as MedicationRequests,
-- the message receipt and the event. The caller does not know the patient's id beforehand: the
-- new patient's id (a fresh UUID) stands for it in the items, their index rows and the event, and
-- is replaced by the stored patient's id when one exists. NULL when the prescription's short-form
-- or long-form ID is already taken (nothing written). An item id already taken raises PW409.
CREATE FUNCTION prescribing_store_order(
  p_order jsonb, p_signed_bundle text, p_patient jsonb, p_items jsonb, p_event_payload text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  placeholder text := p_patient->>'id';
  patient_id text;
  item jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock((p_order->>'patient_lock')::integer,
    hashtext((p_order->>'patient_system') || '|' || (p_order->>'patient_value')));
  SELECT t.id INTO patient_id FROM search_token t
    JOIN fhir_resource r ON r.resource_type = 'Patient' AND r.id = t.id AND NOT r.deleted
    WHERE t.resource_type = 'Patient' AND t.param = 'identifier'
      AND t.value = p_order->>'patient_value' AND t.system = p_order->>'patient_system'
    ORDER BY (r.content::jsonb ->> 'active') = 'false', t.id LIMIT 1;
  IF patient_id IS NULL THEN
    patient_id := placeholder;
    PERFORM fhir_create('Patient', patient_id, (p_patient->>'last_updated')::timestamptz,
      p_patient->>'content', p_patient->'index');
  END IF;
  INSERT INTO prescription (short_form_id, long_form_id, message_id, payload_digest, status, state, prescriber,
    prescriber_org, nominated_pharmacy, patient, patient_system, patient_value, controlled, sig_t, valid_from,
    expires_at, signed_bundle)
  VALUES (p_order->>'short_form_id', (p_order->>'long_form_id')::uuid, p_order->>'message_id',
    p_order->>'payload_digest', p_order->>'status', p_order->'state', p_order->>'prescriber',
    p_order->>'prescriber_org', p_order->>'nominated_pharmacy', 'Patient/' || patient_id,
    p_order->>'patient_system', p_order->>'patient_value', (p_order->>'controlled')::boolean,
    (p_order->>'sig_t')::timestamptz, (p_order->>'valid_from')::timestamptz,
    (p_order->>'expires_at')::timestamptz, p_signed_bundle)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  FOR item IN SELECT * FROM jsonb_array_elements(p_items) LOOP
    IF NOT fhir_create(item->>'type', item->>'id', (item->>'last_updated')::timestamptz,
        replace(item->>'content', placeholder, patient_id),
        replace((item->'index')::text, placeholder, patient_id)::jsonb) THEN
      RAISE EXCEPTION '%/% was changed by another request; retry', item->>'type', item->>'id'
        USING ERRCODE = 'PW409';
    END IF;
  END LOOP;
  INSERT INTO prescription_message (message_id, short_form_id, kind, digest, response)
  VALUES (p_order->>'message_id', p_order->>'short_form_id', p_order->>'kind', p_order->>'payload_digest',
    p_order->'response')
  ON CONFLICT (message_id) DO NOTHING;
  PERFORM outbox_emit((p_order->>'event_id')::uuid, 'prescription-order', p_order->>'short_form_id',
    replace(p_event_payload, placeholder, patient_id)::jsonb, (p_order->>'emit_lock')::integer);
  RETURN 'Patient/' || patient_id;
END
$$;
