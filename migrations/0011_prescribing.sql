-- Prescriptions: one row per prescription (short-form ID), holding the signed order exactly as
-- received (re-verified before every release: HAZ-TAMPER) and the state the pure state machine
-- works on. Status, dispenser and patient are columns too, for the tracker and release queries.

CREATE TABLE prescription (
  short_form_id text PRIMARY KEY,
  long_form_id uuid NOT NULL UNIQUE,
  -- Bundle.identifier.value of the order message, and the SHA-256 of its signed payload: the
  -- same payload again is an idempotent resend, other content under the same ID a duplicate.
  message_id text NOT NULL,
  payload_digest text NOT NULL,
  status text NOT NULL,
  state jsonb NOT NULL,
  prescriber text NOT NULL,            -- Practitioner/<id> in the register
  prescriber_org text NOT NULL,        -- ODS code
  nominated_pharmacy text,             -- ODS code
  dispenser text,                      -- ODS code while released and after dispensing
  patient text,                        -- Patient/<id> in the store
  patient_system text NOT NULL,
  patient_value text NOT NULL,
  controlled boolean NOT NULL,
  sig_t timestamptz NOT NULL,
  valid_from timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  signed_bundle text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- When dispensing last changed it (no-claim job) and when it was claimed.
  last_dispensed_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX prescription_nominated ON prescription (nominated_pharmacy, created_at) WHERE status = '0001';
CREATE INDEX prescription_patient_identifier ON prescription (patient_value, patient_system);
CREATE INDEX prescription_patient ON prescription (patient) WHERE patient IS NOT NULL;
CREATE INDEX prescription_prescriber_org ON prescription (prescriber_org, status);
CREATE INDEX prescription_dispenser ON prescription (dispenser, status) WHERE dispenser IS NOT NULL;
CREATE INDEX prescription_expiry ON prescription (expires_at) WHERE status IN ('0001', '0002');
CREATE INDEX prescription_unclaimed ON prescription (last_dispensed_at) WHERE status IN ('0003', '0006', '0007');

-- Every accepted message about a prescription, by its Bundle.identifier: a resend of the same
-- message gets the stored response again and changes nothing.
CREATE TABLE prescription_message (
  message_id text PRIMARY KEY,
  short_form_id text NOT NULL,
  kind text NOT NULL,
  digest text NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prescription_message_prescription ON prescription_message (short_form_id, created_at);
