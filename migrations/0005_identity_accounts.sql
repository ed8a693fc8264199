-- Identity: human accounts and the short-lived state of signing in (src/identity/accounts,
-- src/identity/signin). Secrets are never stored in the clear: passwords as argon2id hashes, the
-- TOTP seed sealed with the service key (src/platform/crypto/secret-box.ts), login handles and
-- authorization codes as SHA-256 hashes of high-entropy random values.
CREATE TABLE account (
  id uuid PRIMARY KEY,
  username text NOT NULL,
  password_hash text NOT NULL,
  totp_secret_enc text NOT NULL,
  role text NOT NULL,
  fhir_user text,
  org text,
  -- 'locked' is the lock only the service desk lifts (10 failures); the 15-minute lock after 5 is
  -- locked_until on an otherwise active account.
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'locked')),
  failed_count integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique regardless of case (Alice and alice are the same person).
CREATE UNIQUE INDEX account_username ON account (lower(username));
CREATE INDEX account_fhir_user ON account (fhir_user);

-- A sign-in between the password and the one-time code.
CREATE TABLE login_session (
  id uuid PRIMARY KEY,
  handle_hash text NOT NULL UNIQUE,
  account_id uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  code_challenge text NOT NULL,
  client_id text,
  redirect_uri text,
  expires_at timestamptz NOT NULL,
  used boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_session_expires ON login_session (expires_at);

-- Authorization codes (PKCE S256), single use, valid 60 s; redeemed by the token endpoint.
CREATE TABLE authorization_code (
  id uuid PRIMARY KEY,
  code_hash text NOT NULL UNIQUE,
  account_id uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  code_challenge text NOT NULL,
  client_id text,
  redirect_uri text,
  amr text[] NOT NULL,
  auth_time timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authorization_code_expires ON authorization_code (expires_at);

-- TOTP time steps already accepted per account: a code seen once is refused for the rest of its
-- validity window (RFC 6238 section 5.2).
CREATE TABLE totp_used (
  account_id uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  counter bigint NOT NULL,
  used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, counter)
);
