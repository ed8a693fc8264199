-- A patient's nominated pharmacy (issue 14 item 3), chosen or changed by the patient in the portal
-- (src/portal/nomination). One row per patient; no row = no nomination.
CREATE TABLE pharmacy_nomination (
  patient text PRIMARY KEY,            -- Patient/<id>
  pharmacy text NOT NULL,              -- ODS code of a pharmacy Organization known to the service
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- prescribing_store_order (0022) again, with one addition: an order that names no pharmacy
-- (no dispenseRequest.performer) goes to the patient's nomination as it stands when the order is
-- stored, read under the same patient lock in the same statement. Orders that name one keep it;
-- prescriptions stored earlier are never moved.
CREATE OR REPLACE FUNCTION prescribing_store_order(
  p_order jsonb, p_signed_bundle text, p_patient jsonb, p_items jsonb, p_event_payload text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  placeholder text := p_patient->>'id';
  patient_id text;
  item jsonb;
  v_nominated text := p_order->>'nominated_pharmacy';
  v_state jsonb := p_order->'state';
  v_payload jsonb;
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
  v_payload := replace(p_event_payload, placeholder, patient_id)::jsonb;
  IF v_nominated IS NULL THEN
    SELECT n.pharmacy INTO v_nominated FROM pharmacy_nomination n WHERE n.patient = 'Patient/' || patient_id;
    IF v_nominated IS NOT NULL THEN
      v_state := v_state || jsonb_build_object('nominatedPharmacy', v_nominated);
      v_payload := v_payload || jsonb_build_object('nominatedPharmacy', v_nominated, 'nominatedBy', 'patient');
    END IF;
  END IF;
  INSERT INTO prescription (short_form_id, long_form_id, message_id, payload_digest, status, state, prescriber,
    prescriber_org, nominated_pharmacy, patient, patient_system, patient_value, controlled, sig_t, valid_from,
    expires_at, signed_bundle)
  VALUES (p_order->>'short_form_id', (p_order->>'long_form_id')::uuid, p_order->>'message_id',
    p_order->>'payload_digest', p_order->>'status', v_state, p_order->>'prescriber',
    p_order->>'prescriber_org', v_nominated, 'Patient/' || patient_id,
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
    v_payload, (p_order->>'emit_lock')::integer);
  RETURN 'Patient/' || patient_id;
END
$$;
