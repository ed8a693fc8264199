-- Patient enrolment (sign-up) and SMS one-time codes (src/identity/enrolment, src/identity/signin).
-- As in 0005, nothing secret is stored in the clear: contact details and TOTP seeds are sealed
-- with the service key, passwords are argon2id hashes, registration handles are SHA-256 hashes of
-- 256-bit random values, and one-time codes are HMACs under a key derived from the service key.

-- How an account proves the second factor. An 'sms' account keeps a sealed random TOTP seed that
-- is never shown and never accepted (totp_secret_enc stays NOT NULL for every account).
ALTER TABLE account ADD COLUMN mfa_method text NOT NULL DEFAULT 'totp'
  CHECK (mfa_method IN ('totp', 'sms'));
-- The verified mobile number (+447…) sign-in codes go to, sealed to the row (account:<id>:mobile).
ALTER TABLE account ADD COLUMN mobile_enc text;
ALTER TABLE account ADD CONSTRAINT account_sms_has_mobile
  CHECK (mfa_method <> 'sms' OR mobile_enc IS NOT NULL);

-- A sign-up in progress: matched to a Patient, contact details being verified, MFA being set up.
-- Short-lived (30 minutes): deleted when the account is created, swept a day after it expires.
CREATE TABLE registration (
  id uuid PRIMARY KEY,
  handle_hash text NOT NULL UNIQUE,
  -- 'verify-contact' → 'choose-mfa' → 'confirm-mfa'; 'failed' after 5 wrong codes.
  state text NOT NULL CHECK (state IN ('verify-contact', 'choose-mfa', 'confirm-mfa', 'failed')),
  -- Patient/<id> in this service's FHIR store when already known (NULL: created on completion
  -- from the demographics service's record).
  patient text,
  -- Sealed JSON (registration:<id>): email, mobile, identifier and, from an external
  -- demographics service, the Patient to create locally.
  details_enc text NOT NULL,
  password_hash text NOT NULL,
  mfa_method text CHECK (mfa_method IN ('totp', 'sms')),
  -- Sealed (registration:<id>:totp) while the TOTP method is being confirmed.
  totp_secret_enc text,
  failed_count integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_expires ON registration (expires_at);

-- One-time codes sent by email or SMS: at most one live code per subject and purpose
-- (registration:<id> email|mobile|mfa, login:<id> sign-in). A new code replaces the previous one
-- but keeps its try count, so asking again never buys more guesses.
CREATE TABLE one_time_code (
  subject text NOT NULL,
  purpose text NOT NULL,
  code_mac text NOT NULL,
  expires_at timestamptz NOT NULL,
  tries integer NOT NULL DEFAULT 0,
  sent_count integer NOT NULL DEFAULT 1,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, purpose)
);
CREATE INDEX one_time_code_expires ON one_time_code (expires_at);
