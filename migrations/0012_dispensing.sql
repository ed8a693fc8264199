-- Dispensing. A prescription whose stored signature no longer verifies at release (HAZ-TAMPER),
-- or whose certificate or right has since been withdrawn (HAZ-NO-RIGHT), is never released: the
-- failure is recorded so that nominated releases stop offering it; releasing it by ID tries again.
ALTER TABLE prescription ADD COLUMN release_failure text;
DROP INDEX prescription_nominated;
CREATE INDEX prescription_nominated ON prescription (nominated_pharmacy, created_at)
  WHERE status = '0001' AND release_failure IS NULL;

-- Claims, one per prescription, by the Claim's identifier: a resend of the same claim is
-- answered again; another claim for a claimed prescription is refused.
CREATE TABLE prescription_claim (
  short_form_id text PRIMARY KEY REFERENCES prescription (short_form_id),
  claim_identifier text NOT NULL,
  claim_id text NOT NULL,
  digest text NOT NULL,
  pharmacy text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
