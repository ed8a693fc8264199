-- Patient portal. A DiagnosticReport becomes visible to its patient only once a clinician has
-- released it and the safety delay has passed (HAZ-EARLY-RESULT): one row per released report.
-- Appointments, slots and repeat-request Tasks live in the FHIR store itself.
CREATE TABLE portal_result_release (
  report_id text PRIMARY KEY,
  -- Patient/<id> the report was about when it was released.
  patient text NOT NULL,
  released_at timestamptz NOT NULL,
  -- Practitioner/<id> (or a non-personal account label) of the releasing clinician.
  released_by text NOT NULL,
  -- released_at + RESULT_RELEASE_DELAY_S at the time of release.
  visible_from timestamptz NOT NULL,
  -- The patient's first view; set once.
  seen_at timestamptz
);
CREATE INDEX portal_result_release_patient ON portal_result_release (patient, visible_from);
