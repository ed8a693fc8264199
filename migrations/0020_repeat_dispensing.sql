-- Electronic repeat dispensing (eRD). The prescription row is always its current issue; its
-- state says which issue and keeps the earlier ones. Two columns, kept from that state on every
-- save, let the jobs find work by index: when the next issue may start, and when the oldest
-- earlier issue still unclaimed was dispensed (the no-claim job works per issue).
ALTER TABLE prescription ADD COLUMN next_issue_at timestamptz;
ALTER TABLE prescription ADD COLUMN earlier_unclaimed_since timestamptz;
CREATE INDEX prescription_next_issue ON prescription (next_issue_at) WHERE next_issue_at IS NOT NULL;
CREATE INDEX prescription_earlier_unclaimed ON prescription (earlier_unclaimed_since)
  WHERE earlier_unclaimed_since IS NOT NULL;

-- Claims per issue: one claim per (prescription, issue); 1 for prescriptions of a single issue.
ALTER TABLE prescription_claim ADD COLUMN issue integer NOT NULL DEFAULT 1;
ALTER TABLE prescription_claim DROP CONSTRAINT prescription_claim_pkey;
ALTER TABLE prescription_claim ADD PRIMARY KEY (short_form_id, issue);
